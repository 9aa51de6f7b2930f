"""The compute's heartbeat loop: its first beat after start comes after common.jitter's
random part of report_interval (sooner than the interval, never later), then every
interval, so computes started together do not beat in the same second ever after."""

import threading
import types

from cepheid.common import jitter
from cepheid.compute import service as compute_service


def test_first_heartbeat_is_jittered_then_every_interval(monkeypatch):
    asked = []
    monkeypatch.setattr(jitter, 'first_delay', lambda interval: asked.append(interval) or 0.01)
    beats = []
    two = threading.Event()
    fake = types.SimpleNamespace(conf=types.SimpleNamespace(report_interval=0.2),
                                 _stop=threading.Event())

    def heartbeat(wait=False):
        assert not wait     # a cast, until HEARTBEAT_CALL_EVERY beats
        beats.append(threading.get_ident())
        if len(beats) == 2:
            fake._stop.set()
            two.set()

    fake.heartbeat = heartbeat
    loop = threading.Thread(target=compute_service.ComputeService._heartbeat_loop,
                            args=(fake,), daemon=True)
    loop.start()
    assert two.wait(10)
    loop.join(5)
    assert asked == [0.2]
    assert len(beats) == 2


def test_every_thirtieth_heartbeat_is_a_call_that_asks_for_the_topic_again(monkeypatch):
    monkeypatch.setattr(jitter, 'first_delay', lambda interval: 0.001)
    waits = []
    done = threading.Event()
    fake = types.SimpleNamespace(conf=types.SimpleNamespace(report_interval=0.001),
                                 _stop=threading.Event())

    def heartbeat(wait=False):
        waits.append(wait)
        if len(waits) == 2 * compute_service.HEARTBEAT_CALL_EVERY:
            fake._stop.set()
            done.set()

    fake.heartbeat = heartbeat
    loop = threading.Thread(target=compute_service.ComputeService._heartbeat_loop,
                            args=(fake,), daemon=True)
    loop.start()
    assert done.wait(10)
    loop.join(5)
    calls = [i + 1 for i, wait in enumerate(waits) if wait]
    assert calls == [compute_service.HEARTBEAT_CALL_EVERY,
                     2 * compute_service.HEARTBEAT_CALL_EVERY]
