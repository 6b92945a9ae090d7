import os

import pytest

from reports.atomic import atomic_directory, atomic_write_bytes, atomic_write_text


class Boom(Exception):
    pass


def _listing(root):
    return sorted(p.name for p in root.iterdir())


def test_atomic_write_text_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old content that is longer")
    assert atomic_write_text(target, "new") == target
    assert target.read_text() == "new"
    assert _listing(tmp_path) == ["a.txt"]


def test_atomic_write_bytes_failure_keeps_old_file(tmp_path, monkeypatch):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old"
    assert _listing(tmp_path) == ["a.bin"]


def test_atomic_directory_creates_new(tmp_path):
    final = tmp_path / "deep" / "run"
    with atomic_directory(final) as tmp:
        assert tmp.parent == final.parent and tmp != final
        assert not final.exists()
        (tmp / "x.txt").write_text("1")
    assert _listing(final) == ["x.txt"]
    assert _listing(final.parent) == ["run"]


def test_atomic_directory_replaces_previous_output_whole(tmp_path):
    final = tmp_path / "run"
    final.mkdir()
    (final / "stale.txt").write_text("old")
    with atomic_directory(final) as tmp:
        (tmp / "fresh.txt").write_text("new")
        assert (final / "stale.txt").read_text() == "old"  # untouched until the swap
    assert _listing(final) == ["fresh.txt"]
    assert _listing(tmp_path) == ["run"]  # no backup left behind


def test_atomic_directory_exception_leaves_previous_output_untouched(tmp_path):
    final = tmp_path / "run"
    final.mkdir()
    (final / "report.html").write_text("previous")
    with pytest.raises(Boom), atomic_directory(final) as tmp:
        (tmp / "report.html").write_text("half written")
        raise Boom
    assert _listing(tmp_path) == ["run"]
    assert _listing(final) == ["report.html"]
    assert (final / "report.html").read_text() == "previous"


def test_atomic_directory_exception_without_previous_leaves_nothing(tmp_path):
    with pytest.raises(Boom), atomic_directory(tmp_path / "run") as tmp:
        (tmp / "partial").write_text("x")
        raise Boom
    assert _listing(tmp_path) == []


def test_atomic_directory_failed_swap_restores_previous(tmp_path, monkeypatch):
    final = tmp_path / "run"
    final.mkdir()
    (final / "keep.txt").write_text("previous")
    real_rename = os.rename

    def rename(src, dst):
        if ".run.tmp-" in str(src):  # only the swap of the new folder into place fails
            raise OSError("rename refused")
        return real_rename(src, dst)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OSError, match="rename refused"), atomic_directory(final) as tmp:
        (tmp / "new.txt").write_text("new")
    monkeypatch.undo()
    assert _listing(tmp_path) == ["run"]
    assert (final / "keep.txt").read_text() == "previous"
