"""Requesting a sign-in code without telling who is on the roll.

The answer is the same for every ID, and so is its time: known and unknown IDs take the
same database steps (the sign-in service stores a decoy code and the activity row for
both); only the sending differs, so an unknown ID's answer is padded to about as long as
sending a real code takes in this process (:class:`SendTiming`).  The caller does the
waiting (:meth:`CodeRequests.request` says how long), so that a web server can wait
without holding a worker thread.
"""

from __future__ import annotations

import logging
import random
import threading
import time

from honestballot.errors import DeliveryFailed
from honestballot.service.voters.signin import SignIn
from honestballot.service.voters.voting import Client

# the operators' log filters name the voter pages' logger
log = logging.getLogger("honestballot.web.voter")


class SendTiming:
    """How long sending a real code takes in this process (a moving average), so that an
    unknown ID's answer can be made to take about as long (with some jitter)."""

    def __init__(self, initial_s: float = 0.1, cap_s: float = 5.0) -> None:
        self._typical = initial_s
        self._cap = cap_s
        self._lock = threading.Lock()
        self._jitter = random.SystemRandom()

    def observe(self, seconds: float) -> None:
        with self._lock:
            self._typical = 0.8 * self._typical + 0.2 * min(seconds, self._cap)

    def padding(self, elapsed_s: float) -> float:
        with self._lock:
            target = self._typical * self._jitter.uniform(0.85, 1.15)
        return max(0.0, target - elapsed_s)


class CodeRequests:
    """Sign-in code requests, each taking about as long whether the ID is on the roll."""

    def __init__(self, signin: SignIn, timing: SendTiming | None = None) -> None:
        self.signin = signin
        self.timing = timing if timing is not None else SendTiming()

    def _send(self, election_id: str, national_id: str, client: Client, request_id: str) -> bool:
        """Request a code; True when one was (or failed to be) sent to a voter on the roll."""
        try:
            return (
                self.signin.request_code(election_id, national_id, client, request_id) is not None
            )
        except DeliveryFailed as exc:
            log.warning("a sign-in code was not delivered (%s)", type(exc).__name__)
            return True

    def request(self, election_id: str, national_id: str, client: Client, request_id: str) -> float:
        """Send a code for the sign-in request ``request_id`` if the ID is on the roll; the
        seconds the caller should still wait before answering (0 after a real send) so that
        either answer takes about as long."""
        started = time.monotonic()
        sent = self._send(election_id, national_id, client, request_id)
        elapsed = time.monotonic() - started
        if sent:
            self.timing.observe(elapsed)
            return 0.0
        return self.timing.padding(elapsed)
