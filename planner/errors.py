"""Typed, one-line errors for bad input.

Every input error names the file, the field path and the offending value, so the CLI can print a single
line on stderr and exit with code 2 (no traceback, nothing written).
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import Any

_REPR = reprlib.Repr()  # attributes, not keywords: Python 3.11
_REPR.maxlevel, _REPR.maxstring, _REPR.maxlong, _REPR.maxother = 3, 70, 40, 70
for _name in ("maxtuple", "maxlist", "maxarray", "maxdict", "maxset", "maxfrozenset", "maxdeque"):
    setattr(_REPR, _name, 4)


def _show(value: Any, limit: int = 60) -> str:
    """A bounded rendering of ``value``: never more than ``limit`` characters, whatever its size.

    ``reprlib`` looks at no more than a few items per level and a few levels, so a huge or
    alias-expanded value costs no more than a small one (``repr()`` of a billion-laughs value
    would never end).
    """
    text = _REPR.repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _printable(text: str, limit: int) -> str:
    """``text`` on one line: control characters escaped (a key may hold a newline), at most ``limit``."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text[: 4 * limit])
    return text if len(text) <= limit else text[: limit - 3] + "..."


class InputError(ValueError):
    """Bad user input: a file, a field path inside it, the bad value and what is wrong.

    ``str(err)`` is the one line the CLI prints, e.g.
    ``scenarios/x.yaml: partners[1].iso_a3 = 'XXX': unknown country code (did you mean 'MEX'?)``.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        field: str | None = None,
        value: Any = ...,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.field = field
        self.value = value
        self.message = message
        super().__init__(self.line())

    def line(self) -> str:
        """Return the single line shown to the user."""
        where = self.file or "<input>"
        if self.field:
            where += f": {_printable(self.field, 200)}"
            if self.value is not ...:
                where += f" = {_show(self.value)}"
        elif self.value is not ...:
            where += f": {_show(self.value)}"
        return f"{_printable(where, 600)}: {_printable(self.message, 400)}"

    def with_file(self, file: str | Path) -> InputError:
        """Return a copy that names ``file`` (for errors raised before the file was known)."""
        return InputError(self.message, file=file, field=self.field, value=self.value)


class VerificationError(RuntimeError):
    """A plan whose independent recomputation disagrees with the solver: never reported."""
