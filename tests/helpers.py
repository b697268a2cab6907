"""Plain helpers shared by several test modules (the shared fixtures are in conftest.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from honestballot.audit.ids import iin_control_digit
from honestballot.protocol.dkg import TrusteeSecret
from honestballot.protocol.dkg_verify import ElectionKey
from honestballot.protocol.manifest import Manifest


def make_iin(born: dt.date, serial: int) -> str:
    """A valid IIN (check digit and encoded birth date) for someone born on ``born``."""
    century = "3" if born.year < 2000 else "5"
    for s in range(serial, serial + 100):
        first = f"{born:%y%m%d}{century}{s % 10000:04d}"
        control = iin_control_digit(first)
        if control is not None:
            return first + str(control)
    raise AssertionError("no issuable IIN")  # pragma: no cover


@dataclass(frozen=True)
class DemoCeremony:
    """The demo manifest for one election id, and the election key and trustee secrets
    of a 2-of-3 key ceremony run for it."""

    manifest: Manifest
    key: ElectionKey
    secrets: list[TrusteeSecret]


#: the ``demo_ceremony`` fixture: election id -> its ceremony (run once per session)
DemoCeremonies = Callable[[str], DemoCeremony]
