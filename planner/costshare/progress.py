"""Progress of the coalition solves: counts and an ETA, said through the pipeline's stage callback.

Messages that start with ``"… "`` are updates of the current stage (the CLI rewrites the current line
on a terminal and writes one log line per update otherwise), at most one every :data:`EVERY_S`
seconds and once at the end of each game.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

EVERY_S = 5.0
"""Least time between two progress messages."""


class CoalitionProgress:
    """Wrap a coalition-value function and report how many coalitions are solved and how long is left.

    Parameters
    ----------
    say
        The stage callback.
    kind
        ``"cost"`` or ``"value"`` (named in the message).
    total
        Coalitions to solve (``None`` when sampling: no ETA).
    solved
        Returns how many coalitions are solved so far (the games' own memo, so cached look-ups do
        not count).
    """

    def __init__(self, say: Callable[[str], None], kind: str, total: int | None,
                 solved: Callable[[], int], every_s: float = EVERY_S) -> None:
        self.say, self.kind, self.total, self.solved, self.every_s = say, kind, total, solved, every_s
        self.t0: float | None = None  # the first call, not the construction
        self.last = 0.0
        self.reported = -1
        self._lock = threading.Lock()

    def message(self, done: int, elapsed: float) -> str:
        """``… cost game: 120/255 coalitions solved in 14 s, about 16 s left``."""
        of = f"/{self.total}" if self.total else ""
        text = f"… {self.kind} game: {done}{of} coalitions solved in {elapsed:.0f} s"
        if self.total and 0 < done < self.total:
            text += f", about {elapsed / done * (self.total - done):.0f} s left"
        return text

    def tick(self) -> None:
        """Report if enough time has passed, or once when every coalition is solved."""
        now = time.perf_counter()
        done = self.solved()
        with self._lock:
            end = self.total is not None and done >= self.total
            if done == self.reported or (not end and now - self.last < self.every_s):
                return
            self.last, self.reported = now, done
        self.say(self.message(done, now - (self.t0 or now)))

    def wrap(self, fn: Callable[[Any], float]) -> Callable[[Any], float]:
        """``fn`` that ticks after each call."""
        def counted(coalition: Any) -> float:
            with self._lock:
                if self.t0 is None:
                    self.t0 = self.last = time.perf_counter()
            value = fn(coalition)
            self.tick()
            return value

        return counted
