"""The one backoff formula of the package: watch reconnections and retried calls."""

from __future__ import annotations

import random


def backoff_delay(attempt: int, initial: float, maximum: float) -> float:
    """Delay before retry ``attempt`` (1-based): min(maximum, initial * 2**(attempt-1)), drawn
    uniformly from its upper half so that clients cut off together do not return together."""
    ceiling = min(maximum, initial * 2 ** min(attempt - 1, 30))
    return ceiling / 2 + random.random() * ceiling / 2
