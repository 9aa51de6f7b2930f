"""Publisher confirms waited for once for many messages, on a py-amqp channel.

A channel in confirm mode (kombu's ``confirm_publish``) has py-amqp's
``basic_publish_confirm`` as its ``basic_publish``: the message is written, then the
publisher waits for the broker's ``basic.ack`` of that one message before the next can
go. For a persistent message into a durable queue that wait is most of a millisecond of
wall time and a read of its own, so ten notifications sent one after another wait ten
times. The broker numbers the messages of a confirm-mode channel from 1 (their delivery
tags) and may confirm several with one ``multiple`` ack; RabbitMQ does not promise the
confirms come in order.

``with Deferred(channel, published) as deferred:`` lets a caller write several messages
through kombu's ``Producer.publish`` (so each is the exact message a single publish
sends) without the wait after each, then ``deferred.wait(timeout)`` for the confirms of
all of them. ``published`` is how many messages the channel carried since confirm mode
began (the caller counts them: py-amqp does not), so the tags of this batch follow it.
"""

import time

from amqp import exceptions as amqp_exceptions


def supported(channel):
    """Whether ``channel`` is a py-amqp channel in confirm mode (kombu's pyamqp
    transport with ``confirm_publish``), whose publishes Deferred can hold."""
    return (getattr(getattr(channel, 'connection', None), 'confirm_publish', False)
            and hasattr(channel, '_basic_publish') and hasattr(channel, '_confirm_selected'))


class Deferred:
    """While entered, ``channel.basic_publish`` writes without waiting and every confirm
    the channel reads is noted (py-amqp reads what came in before each write, so a
    confirm may be read before ``wait``); ``tags`` are the delivery tags of what was
    published meanwhile, in order; ``confirmed`` those the broker acked."""

    def __init__(self, channel, published):
        self.channel = channel
        self.published = published
        self.tags = []
        self.confirmed = set()
        self.nacked = set()
        self._waiting = None

    def __enter__(self):
        channel = self.channel
        if not channel._confirm_selected:       # py-amqp selects at the first publish
            channel._confirm_selected = True
            channel.confirm_select()
        channel.events['basic_ack'].add(self._on_ack)
        channel.events['basic_nack'].add(self._on_nack)
        self._waiting = channel.basic_publish
        channel.basic_publish = self._write
        return self

    def __exit__(self, *exc):
        channel = self.channel
        channel.basic_publish = self._waiting
        channel.events['basic_ack'].discard(self._on_ack)
        channel.events['basic_nack'].discard(self._on_nack)

    def _write(self, *args, **kwargs):
        self.published += 1
        self.tags.append(self.published)
        return self.channel._basic_publish(*args, **kwargs)

    def _covered(self, delivery_tag, multiple):
        """The tags a confirm settles: with ``multiple``, every earlier one still open."""
        if multiple:
            return {tag for tag in self.tags if tag <= delivery_tag
                    and tag not in self.confirmed and tag not in self.nacked}
        return {delivery_tag}

    def _on_ack(self, delivery_tag, multiple):
        self.confirmed.update(self._covered(delivery_tag, multiple))

    def _on_nack(self, delivery_tag, multiple):
        self.nacked.update(self._covered(delivery_tag, multiple))

    def published_ok(self, count):
        """Of ``count`` messages meant for this batch, whether each was confirmed (one
        never written was not)."""
        tags = self.tags + [None] * (count - len(self.tags))
        return [tag in self.confirmed for tag in tags]

    def wait(self, timeout):
        """Until the broker confirmed every message of the batch (call it entered).
        Raises MessageNacked when it refused some, TimeoutError when some are still
        unconfirmed after ``timeout`` seconds (``None``: no limit)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        pending = set(self.tags)
        while pending - self.confirmed - self.nacked:
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                raise TimeoutError(f'{len(pending - self.confirmed - self.nacked)} of '
                                   f'{len(self.tags)} messages not confirmed within '
                                   f'{timeout} s')
            self.channel.connection.drain_events(timeout=left)
        if self.nacked & pending:
            raise amqp_exceptions.MessageNacked(f'{len(self.nacked & pending)} of '
                                                f'{len(self.tags)} messages refused by '
                                                'the broker')
