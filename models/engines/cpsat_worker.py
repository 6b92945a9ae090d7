"""A fresh Python process for OR-Tools work: reads a pickled call on stdin, writes its result.

OR-Tools and highspy ship clashing HiGHS libraries and cannot share a process (see
:mod:`models.engines.cpsat_engine`). :func:`call` runs ``module:function`` in
``python -m models.engines.cpsat_worker``, which never imports highspy, and returns its result
or re-raises its exception here. The ``cpsat`` engine and the benefit-proportional joint plan
(:mod:`models.formulations.joint_benefit`) both go through it.
"""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys
from typing import Any


def call(target: str, *args: Any, **kwargs: Any) -> Any:
    """Return ``function(*args, **kwargs)`` for ``target = "module:function"``, run in a worker."""
    from models.engines.base import EngineUnavailableError

    payload = pickle.dumps((target, args, kwargs))
    proc = subprocess.run(
        [sys.executable, "-m", "models.engines.cpsat_worker"], input=payload, capture_output=True, check=False
    )
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise EngineUnavailableError(f"CP-SAT worker failed: {tail[0]}")
    ok, result = pickle.loads(proc.stdout)
    if not ok:
        raise result
    return result


def main() -> None:
    """Run one pickled call and pickle ``(ok, result or exception)`` to stdout."""
    target, args, kwargs = pickle.loads(sys.stdin.buffer.read())
    module, name = target.split(":")
    try:
        out = (True, getattr(importlib.import_module(module), name)(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the parent re-raises it
        out = (False, exc)
    sys.stdout.buffer.write(pickle.dumps(out))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
