"""Habits the code keeps (issue 15): small modules and functions, or a reason written at the top.

A module over ``MODULE_LINES`` lines, or with a function over ``FUNCTION_LINES`` lines of code, says
why in a paragraph of its docstring that starts with ``Length:`` and names each long function.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("planner", "models", "geodata", "reports")
MODULE_LINES = 400
FUNCTION_LINES = 60


def _code_lines(lines: list[str], start: int, end: int) -> int:
    return sum(1 for line in lines[start:end] if line.strip() and not line.strip().startswith("#"))


def _oversized(path: Path) -> tuple[bool, list[str]]:
    src = path.read_text()
    lines = src.splitlines()
    tree = ast.parse(src)
    long_functions = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0]
            has_doc = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
            # ast.parse sets end positions; they are None only on nodes built by hand.
            assert first.end_lineno is not None and node.end_lineno is not None
            start = first.end_lineno if has_doc else node.lineno
            if _code_lines(lines, start, node.end_lineno) > FUNCTION_LINES:
                long_functions.append(node.name)
    return len(lines) > MODULE_LINES, long_functions


def _modules() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_long_modules_and_functions_say_why(path: Path) -> None:
    long_module, long_functions = _oversized(path)
    if not (long_module or long_functions):
        return
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    reason = next((p for p in doc.split("\n\n") if p.lstrip().startswith("Length:")), None)
    size = len(path.read_text().splitlines())
    assert reason is not None, f"{path.name}: {size} lines, long functions {long_functions}"
    missing = [f for f in long_functions if f"``{f}``" not in reason and f not in reason]
    assert not missing, f"{path.name}: the Length: note does not name {missing}"
