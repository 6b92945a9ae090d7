"""Where a received batch file may write: inside the working folder unless the user says otherwise."""

from __future__ import annotations

from pathlib import Path

from planner.errors import InputError


def check_output_inside(output: Path, file: str | Path, cwd: Path | None = None) -> None:
    """Refuse a batch ``output:`` that resolves outside the working folder.

    A batch file travels between analysts; its ``output:`` (``../../x``, ``/etc/x``, a symlink out)
    should not write elsewhere without the user saying so (``--allow-outside``, or ``--out``).

    Raises
    ------
    InputError
        Naming the file, ``output`` and where it leads.
    """
    here = (cwd or Path.cwd()).resolve()
    target = (here / output).resolve()
    if target != here and here not in target.parents:
        raise InputError(
            f"leads outside the working folder (to {target}); pass --allow-outside or --out if you mean it",
            file=file,
            field="output",
            value=str(output),
        )
