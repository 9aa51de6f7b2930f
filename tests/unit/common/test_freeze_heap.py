"""``startup.freeze_heap``: what is alive once a service serves leaves the collector's passes."""

import gc

from cepheid.common import startup


class Node:
    """An object in a reference cycle: only the cyclic collector frees it."""

    def __init__(self):
        self.me = self


def test_start_up_objects_are_frozen_and_later_garbage_still_collected():
    kept = [Node() for _ in range(100)]
    try:
        startup.freeze_heap()
        assert gc.get_freeze_count() >= len(kept)
        for _ in range(50):
            Node()                  # garbage made while serving
        assert gc.collect() >= 50   # a full pass still frees it
    finally:
        gc.unfreeze()
