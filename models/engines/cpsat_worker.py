"""Worker process for the ``cpsat`` engine: reads a pickled task on stdin, writes the result.

Run as ``python -m models.engines.cpsat_worker``; it never imports highspy, so OR-Tools can load
its own HiGHS library (see :mod:`models.engines.cpsat_engine`).
"""

from __future__ import annotations

import pickle
import sys


def main() -> None:
    """Run one task and pickle ``(ok, result or exception)`` to stdout."""
    from models.engines.cpsat_engine import CpSatEngine

    job = pickle.loads(sys.stdin.buffer.read())
    solver_options, digits = job["engine"]
    engine = CpSatEngine(solver_options=solver_options, max_row_digits=digits, isolate=False)
    try:
        out = (True, getattr(engine, job["task"])(**job["kwargs"]))
    except Exception as exc:  # noqa: BLE001 - the parent re-raises it
        out = (False, exc)
    sys.stdout.buffer.write(pickle.dumps(out))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
