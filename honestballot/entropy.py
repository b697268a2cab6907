"""The operating system's randomness, for everything outside tests."""

from __future__ import annotations

import secrets


class SystemRandomness:
    """Randomness from the OS CSPRNG (``secrets.token_bytes``)."""

    def random_bytes(self, n: int) -> bytes:
        return secrets.token_bytes(n)


SYSTEM_RANDOMNESS = SystemRandomness()
