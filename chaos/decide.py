"""Reproducible decisions: every coin flip is a hash, never a shared random stream.

A decision to inject depends only on (seed, test id, injection, site, task ordinal, attempt).
Adding a node elsewhere in the graph, running tests in another order or on another xdist
worker cannot shift the faults of anything else. `PYTHONHASHSEED` plays no part: we hash
bytes with BLAKE2b, not Python's ``hash``.
"""

from __future__ import annotations

import hashlib
import struct
from typing import cast


def unit_interval(*parts: object) -> float:
    """Map ``parts`` to a float in [0, 1), the same on every machine and process."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return cast(int, struct.unpack(">Q", digest)[0]) / 2**64  # ">Q": one unsigned 64-bit int


def coin(probability: float, *parts: object) -> bool:
    """True with ``probability``, decided by the hash of ``parts``."""
    if probability >= 1.0:
        return True
    if probability <= 0.0:
        return False
    return unit_interval(*parts) < probability
