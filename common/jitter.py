"""Spread the periodic tasks of many services: the first run comes after a random part of
its interval (Nova's ``periodic_fuzzy_delay``), so computes started together (a fleet
upgrade, a power cut) do not all report and sync in the same second ever after."""

import random


def first_delay(interval):
    """Seconds before a periodic task's first run: uniform in [0, ``interval``)."""
    return random.uniform(0, interval) if interval > 0 else 0.0
