"""The api's notifications leave from a thread: a request never waits on the broker."""

import threading
import time

from cepheid.api import background_notifier


class BlockedBroker:
    """An InstanceNotifier whose broker is down until ``up`` is set."""

    def __init__(self):
        self.up, self.sent = threading.Event(), []

    def notify(self, context, instance, action, phase=None, **kwargs):
        self.up.wait(30)
        self.sent.append((action, instance['locked']))


def test_notify_returns_at_once_while_the_broker_is_down_and_sends_once_it_is_back():
    broker = BlockedBroker()
    notifier = background_notifier.BackgroundNotifier(broker)
    instance = {'uuid': 'u', 'locked': True}
    asked = time.monotonic()
    notifier.notify(None, instance, 'lock', legacy=False)
    notifier.notify(None, dict(instance, locked=False), 'unlock', legacy=False)
    assert time.monotonic() - asked < 0.5
    instance['locked'] = 'changed later'        # what was sent is what was asked
    broker.up.set()
    notifier.flush()
    assert broker.sent == [('lock', True), ('unlock', False)]


def test_a_full_queue_drops_the_oldest():
    broker = BlockedBroker()
    notifier = background_notifier.BackgroundNotifier(broker, maxsize=2)
    for i in range(5):
        notifier.notify(None, {'uuid': 'u', 'locked': i}, 'lock')
    broker.up.set()
    notifier.flush()
    assert broker.sent[-2:] == [('lock', 3), ('lock', 4)]
