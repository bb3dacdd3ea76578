"""The dead-man switch's arithmetic: when errors mean 'stop trading'.

One user's N consecutive failed private calls pause that user's strategies (their key,
balance or account is the problem). Many failures across users inside a window mean the
exchange itself is down: every strategy pauses and the admins are told. Neither resumes
by itself; a person must say so.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field


@dataclass
class DeadmanSwitch:
    user_threshold: int = 5
    global_threshold: int = 20
    window: float = 60.0
    _consecutive: dict[int, int] = field(default_factory=dict)
    _recent: deque[tuple[float, int]] = field(default_factory=deque)
    tripped_users: set[int] = field(default_factory=set)
    tripped_globally: bool = False

    def success(self, user: int) -> None:
        self._consecutive[user] = 0

    def failure(self, user: int, now: float, *, call: bool = True) -> tuple[bool, bool]:
        """Record one failure; return (this user just tripped, everything just tripped). A
        failure that is no private call (`call` False: a strategy's own code raised) counts
        across users only: the user's run of failed calls says their key or account is the
        problem, and one strategy that keeps raising is marked failed by its host alone."""
        count = self._consecutive.get(user, 0) + (1 if call else 0)
        self._consecutive[user] = count
        self._recent.append((now, user))
        while self._recent and now - self._recent[0][0] > self.window:
            self._recent.popleft()
        user_tripped = count >= self.user_threshold and user not in self.tripped_users
        if user_tripped:
            self.tripped_users.add(user)
        distinct_users = len({who for _, who in self._recent})
        global_tripped = (
            not self.tripped_globally
            and len(self._recent) >= self.global_threshold
            and distinct_users > 1
        )
        if global_tripped:
            self.tripped_globally = True
        return user_tripped, global_tripped

    def reset_user(self, user: int) -> None:
        self._consecutive.pop(user, None)
        self.tripped_users.discard(user)

    def reset_global(self) -> None:
        self.tripped_globally = False
        self._recent.clear()

    def errors_in_window(self) -> int:
        return len(self._recent)
