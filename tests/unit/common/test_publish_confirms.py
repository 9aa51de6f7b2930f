"""Publisher confirms waited for once for many messages (common/publish_confirms.py): the
messages written meanwhile are numbered as the broker numbers them, an ack ``multiple``
covers every earlier tag of the batch, acks may come in any order (and before the wait),
a nack fails the batch naming which were confirmed, a missing confirm times out, and the
channel publishes with its own waiting publish again afterwards. On a stand-in for
py-amqp's channel."""

import collections

import pytest
from amqp import exceptions as amqp_exceptions

from cepheid.common import publish_confirms


class Channel:
    """What Deferred uses of a py-amqp channel; ``confirms`` are what the broker sends,
    one ``('ack'|'nack', tag, multiple)`` per read of the connection."""

    def __init__(self, confirms=()):
        self.connection = self
        self.confirm_publish = True
        self._confirm_selected = False
        self.selects = 0
        self.events = collections.defaultdict(set)
        self.written = []
        self.confirms = list(confirms)
        self.reads = 0
        self.basic_publish = self.publish_and_wait

    def confirm_select(self):
        self.selects += 1

    def publish_and_wait(self, message, **kwargs):
        raise AssertionError('a deferred batch must not wait after each message')

    def _basic_publish(self, message, **kwargs):
        self.written.append(message)

    def drain_events(self, timeout=None):
        self.reads += 1
        if not self.confirms:
            raise TimeoutError('nothing to read')
        kind, tag, multiple = self.confirms.pop(0)
        for callback in list(self.events[f'basic_{kind}']):
            callback(tag, multiple)


def _batch(channel, count, published=0, timeout=5.0):
    deferred = publish_confirms.Deferred(channel, published)
    with deferred:
        for n in range(count):
            channel.basic_publish(f'm{n}', exchange='x', routing_key='k')
        deferred.wait(timeout)
    return deferred


def test_a_batch_is_written_then_confirmed_by_one_multiple_ack():
    channel = Channel([('ack', 13, True)])
    deferred = _batch(channel, 3, published=10)
    assert channel.written == ['m0', 'm1', 'm2']
    assert deferred.tags == [11, 12, 13]
    assert deferred.published_ok(3) == [True, True, True]
    assert (channel.selects, channel.reads) == (1, 1)
    # Afterwards the channel's own (waiting) publish is back and nothing listens.
    assert channel.basic_publish == channel.publish_and_wait
    assert not channel.events['basic_ack'] and not channel.events['basic_nack']


def test_acks_in_any_order_each_for_one_message():
    channel = Channel([('ack', 2, False), ('ack', 3, False), ('ack', 1, False)])
    deferred = _batch(channel, 3)
    assert deferred.published_ok(3) == [True, True, True]
    assert channel.reads == 3


def test_an_ack_read_before_the_wait_counts():
    """py-amqp reads what came in before each write: a confirm may arrive then."""
    channel = Channel([('ack', 1, False), ('ack', 2, False)])
    deferred = publish_confirms.Deferred(channel, 0)
    with deferred:
        channel.basic_publish('m0')
        channel.drain_events()              # as py-amqp does before the next write
        channel.basic_publish('m1')
        deferred.wait(5.0)
    assert deferred.published_ok(2) == [True, True]


def test_a_nack_fails_the_batch_and_says_which_were_confirmed():
    channel = Channel([('ack', 1, False), ('nack', 3, True)])
    deferred = publish_confirms.Deferred(channel, 0)
    with deferred:
        for n in range(3):
            channel.basic_publish(n)
        with pytest.raises(amqp_exceptions.MessageNacked, match='2 of 3'):
            deferred.wait(5.0)
    assert deferred.published_ok(3) == [True, False, False]


def test_a_confirm_that_does_not_come_times_out():
    channel = Channel([('ack', 1, False)])
    deferred = publish_confirms.Deferred(channel, 0)
    with deferred:
        channel.basic_publish('m0')
        channel.basic_publish('m1')
        with pytest.raises(TimeoutError):
            deferred.wait(5.0)
    assert deferred.published_ok(3) == [True, False, False]   # the third never written
    assert channel.basic_publish == channel.publish_and_wait


def test_confirm_mode_is_selected_once_per_channel():
    channel = Channel([('ack', 1, False), ('ack', 2, False)])
    _batch(channel, 1)
    _batch(channel, 1, published=1)
    assert channel.selects == 1


@pytest.mark.parametrize('why, change', [
    ('no confirm_publish', lambda c: setattr(c, 'confirm_publish', False)),
    ('not py-amqp', lambda c: delattr(c, '_confirm_selected')),
])
def test_only_a_py_amqp_channel_in_confirm_mode_is_supported(why, change):
    channel = Channel()
    assert publish_confirms.supported(channel)
    change(channel)
    assert not publish_confirms.supported(channel), why
