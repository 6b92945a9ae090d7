"""Strict, bounded YAML: the one reader of scenario and batch files.

What a colleague's file cannot do here:

- **be too large**: files over :func:`max_file_mb` (10 MB unless ``DOMEPLAN_MAX_FILE_MB`` says
  otherwise) are refused before they are read;
- **hide binary or non-UTF-8 content**: a NUL byte, a UTF-16 byte-order mark or an invalid UTF-8
  sequence is refused naming its line and column;
- **repeat a key**: a mapping with a key given twice is refused naming both lines (PyYAML would
  keep the last value silently);
- **explode**: aliases may add at most :data:`MAX_ALIAS_NODES` nodes once expanded (a "billion
  laughs" file of 3 KB expands to 10⁹), a recursive alias is refused, and nesting deeper than
  :data:`MAX_DEPTH` levels is refused;
- **run code**: only the safe constructors exist (``!!python/...`` tags are errors);
- **say yes for true**: only ``true``/``false`` (any case) are booleans, as in YAML 1.2. YAML 1.1's
  ``yes``/``no``/``on``/``off`` stay text, so a partner code ``NO`` is not read as ``false`` and
  ``enabled: yes`` is refused by the schema's strict boolean (one line) instead of silently meaning
  ``true``.

Parsing uses libyaml (``yaml.CSafeLoader``) when PyYAML was built with it (about 10x faster than
the pure-Python parser), else ``yaml.SafeLoader``; both give the same values.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from planner.errors import InputError

DEFAULT_MAX_FILE_MB = 10.0
"""Largest scenario, batch or game file read, in MB (10⁶ bytes), unless ``DOMEPLAN_MAX_FILE_MB``."""
MAX_FILE_ENV = "DOMEPLAN_MAX_FILE_MB"
MAX_ALIAS_NODES = 100_000
"""Most YAML nodes that aliases may add once expanded (beyond the nodes written in the file)."""
MAX_DEPTH = 100
"""Deepest nesting of mappings and lists accepted."""

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def max_file_mb() -> float:
    """The size cap on input files in MB: ``DOMEPLAN_MAX_FILE_MB`` if set, else 10."""
    raw = os.environ.get(MAX_FILE_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_FILE_MB
    try:
        value = float(raw)
    except ValueError:
        raise InputError("not a number of MB", file="environment", field=MAX_FILE_ENV, value=raw) from None
    if not value > 0:
        raise InputError("must be positive", file="environment", field=MAX_FILE_ENV, value=raw)
    return value


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    line = data.count(b"\n", 0, offset) + 1
    return line, offset - (data.rfind(b"\n", 0, offset) + 1) + 1


def read_text_bounded(path: str | Path, *, what: str = "file", limit_mb: float | None = None) -> str:
    """Read a UTF-8 text file of at most ``limit_mb`` MB, refusing binary and UTF-16 content.

    Raises
    ------
    InputError
        Naming the file and, for bad bytes, the line and column.
    """
    path = Path(path)
    limit = max_file_mb() if limit_mb is None else limit_mb
    try:
        size = path.stat().st_size
        if size > limit * 1e6:
            raise InputError(
                f"{what} is {size / 1e6:,.1f} MB; the limit is {limit:g} MB (set "
                f"{MAX_FILE_ENV} to raise it if you mean it)",
                file=path,
            )
        with open(path, "rb") as fh:
            data = fh.read(int(limit * 1e6) + 1)
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", file=path) from None
    except OSError as err:
        raise InputError(f"cannot read file ({err.strerror or err.__class__.__name__})", file=path) from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(f"{what} is UTF-16; save it as UTF-8", file=path)
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data, nul)
        raise InputError(f"NUL byte at line {line}, column {col}: a binary file, not text", file=path)
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as err:
        line, col = _line_col(data, err.start)
        raise InputError(
            f"not UTF-8: byte 0x{data[err.start]:02x} at line {line}, column {col}", file=path
        ) from None


class DuplicateKeyError(yaml.MarkedYAMLError):
    """A mapping with a key given twice."""


class AliasBombError(yaml.YAMLError):
    """Aliases that expand beyond the budget, or refer to themselves."""


_BOOL = "tag:yaml.org,2002:bool"


def _yaml12_resolvers(base: type) -> dict[Any, list[tuple[str, Any]]]:
    """``base``'s implicit resolvers with the boolean one narrowed to ``true``/``false``."""
    resolvers: dict[Any, list[tuple[str, Any]]] = getattr(base, "yaml_implicit_resolvers")  # noqa: B009
    out = {k: [(tag, rx) for tag, rx in v if tag != _BOOL] for k, v in resolvers.items()}
    exact = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
    for first in "tTfF":
        out.setdefault(first, []).insert(0, (_BOOL, exact))
    return out


class StrictLoader(_Base):
    """Safe loader (libyaml when available) that refuses duplicate keys and alias bombs.

    Booleans are YAML 1.2's (``true``/``false`` only; ``yes``, ``on`` … are text).
    """

    yaml_implicit_resolvers = _yaml12_resolvers(_Base)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """Construct a mapping, refusing a key given twice (naming both lines)."""
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base class says so
                continue
            if first is not None:
                raise DuplicateKeyError(
                    f"while constructing a mapping (key first given at line {first.start_mark.line + 1})",
                    first.start_mark,
                    f"key {str(key)[:60]!r} given twice (lines {first.start_mark.line + 1} and "
                    f"{key_node.start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)

    def construct_document(self, node: yaml.Node) -> Any:
        """Check the expanded size and depth of the document before constructing it."""
        check_expansion(node)
        return super().construct_document(node)


def check_expansion(root: yaml.Node, budget: int = MAX_ALIAS_NODES, max_depth: int = MAX_DEPTH) -> int:
    """Count the nodes of ``root`` with every alias expanded; refuse beyond the budget.

    Aliases share one node object, so the count is memoised by node identity (linear in the
    written nodes) and iterative (no recursion limit). Returns the expanded count.

    Raises
    ------
    AliasBombError
        When the aliases add more than ``budget`` nodes, refer to an enclosing node, or the
        nesting is deeper than ``max_depth``.
    """
    size: dict[int, int] = {}
    distinct = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_: set[int] = set()
    depth = 0
    while stack:
        node, done = stack.pop()
        key = id(node)
        kids = _children(node)
        if done:
            open_.discard(key)
            depth -= 1
            size[key] = 1 + sum(size[id(k)] for k in kids)
            continue
        if key in size:
            continue
        if key in open_:
            raise AliasBombError("a recursive alias (an anchor used inside itself)")
        distinct += 1
        if not kids:
            size[key] = 1
            continue
        depth += 1
        if depth > max_depth:
            raise AliasBombError(f"nested deeper than {max_depth} levels")
        open_.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in kids if id(k) not in size)
    total = size[id(root)]
    if total - distinct > budget:
        raise AliasBombError(
            f"aliases expand to {total:,} nodes from {distinct:,} written; at most "
            f"{budget:,} more are allowed"
        )
    return total


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def loads(text: str, *, file: str | Path | None = None) -> Any:
    """Parse YAML text strictly (see the module docstring); errors name the line and column.

    Raises
    ------
    InputError
        For invalid YAML, a duplicate key or an alias bomb.
    """
    try:
        return yaml.load(text, Loader=StrictLoader)
    except AliasBombError as err:
        raise InputError(f"refused: {err}", file=file) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise InputError(f"not valid YAML{where}: {problem}", file=file) from None
    except RecursionError:
        raise InputError(f"refused: nested deeper than {MAX_DEPTH} levels", file=file) from None
    except ValueError as err:  # a constructor's own limit, e.g. an integer of 5,000 digits
        raise InputError(f"not valid YAML: {str(err)[:120]}", file=file) from None


def read_yaml(path: str | Path) -> Any:
    """Read a YAML file strictly and within the size cap (see the module docstring).

    Raises
    ------
    InputError
        Naming the file and what is wrong (with the line and column where known).
    """
    text = read_text_bounded(path, what="YAML file")
    if not text.strip():
        raise InputError("file is empty", file=path)
    return loads(text, file=path)
