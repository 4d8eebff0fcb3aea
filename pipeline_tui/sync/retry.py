"""How long ``pipeline sync`` waits before trying again after losing a push race.

When twenty teammates (and a scheduled job) sync at the same moment, only one
push can move the remote at a time; the others must fetch, replay and push
again.  Retrying at once makes every loser collide again, and giving up after
a fixed number of attempts makes people retry by hand.  So each retry waits a
random time below an exponentially growing ceiling ("full jitter": it spreads
the contenders out best for the least total waiting), and the retries stop
only when a time budget is spent.

:func:`delay` and :func:`next_delay` are pure; :class:`Patience` applies them
with a clock, a sleep and a random source that tests replace.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

#: About a minute: long enough for a team-wide storm to drain, short enough
#: that a stuck remote is reported while the person is still looking.
DEFAULT_BUDGET_S = 60.0


@dataclass(frozen=True)
class Backoff:
    """The ceiling of the n-th wait is ``unit * factor**n``, never above ``longest``.

    The unit is how long the attempt that just failed took, but at least
    ``first``: contenders must spread over about as many attempt-lengths as
    there are of them, and on a slow machine or remote every attempt is long.
    """

    first: float = 0.1
    factor: float = 2.0
    longest: float = 8.0

    def __post_init__(self) -> None:
        if self.first <= 0 or self.factor < 1 or self.longest < self.first:
            raise ValueError(f"invalid backoff {self}: need 0 < first <= longest, factor >= 1")


def delay(backoff: Backoff, retry: int, draw: float, took: float = 0.0) -> float:
    """The wait before retry number ``retry`` (0 for the first), for a ``draw`` in [0, 1).

    ``took`` is how long the failed attempt lasted.  The ceiling grows
    exponentially from there up to ``backoff.longest``; the wait is ``draw``
    times the ceiling, so contenders that failed together spread out.
    """
    exponent = min(retry, 64)  # beyond this the ceiling is long since capped
    unit = max(backoff.first, took)
    ceiling = min(backoff.longest, unit * backoff.factor**exponent)
    return ceiling * min(max(draw, 0.0), 1.0)


def next_delay(
    backoff: Backoff, retry: int, elapsed: float, budget: float, draw: float, took: float = 0.0
) -> float | None:
    """The wait before the next attempt, or None when the budget allows no more.

    The wait never runs past the budget: the last attempt starts at the latest
    when the budget ends (the attempt itself is bounded by git's own timeouts).
    """
    left = budget - elapsed
    if left <= 0:
        return None
    return min(delay(backoff, retry, draw, took), left)


@dataclass(frozen=True)
class Waiting:
    """What a caller is told before each wait: enough for a one-line status."""

    reason: str
    attempt: int  # the attempt that just failed (1 for the first)
    seconds: float  # how long this wait is
    left: float  # what remains of the budget before the wait

    def describe(self) -> str:
        """One line for a terminal: why, for how long, how much patience is left."""
        return (
            f"{self.reason}; trying again in {self.seconds:.1f} s "
            f"(attempt {self.attempt + 1}, {self.left:.0f} s left)"
        )


@dataclass
class Patience:
    """One sync's retry state: how many retries, how much waited, within ``budget`` seconds."""

    budget: float = DEFAULT_BUDGET_S
    backoff: Backoff = field(default_factory=Backoff)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    draw: Callable[[], float] = random.random
    on_wait: Callable[[Waiting], None] | None = None
    retries: int = 0
    waited: float = 0.0
    started: float | None = None
    attempt_started: float | None = None

    def start(self) -> None:
        """The budget counts from here (the first call; later calls change nothing)."""
        if self.started is None:
            self.started = self.attempt_started = self.clock()

    @property
    def attempts(self) -> int:
        return self.retries + 1

    def wait(self, reason: str) -> bool:
        """Wait before the next attempt and return True, or False when the budget is spent."""
        self.start()
        assert self.started is not None and self.attempt_started is not None
        moment = self.clock()
        elapsed, took = moment - self.started, moment - self.attempt_started
        seconds = next_delay(self.backoff, self.retries, elapsed, self.budget, self.draw(), took)
        if seconds is None:
            return False
        if self.on_wait is not None:
            self.on_wait(Waiting(reason, self.attempts, seconds, self.budget - elapsed))
        self.sleep(seconds)
        self.waited += seconds
        self.retries += 1
        self.attempt_started = self.clock()
        return True
