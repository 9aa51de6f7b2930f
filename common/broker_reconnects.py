"""Counting broker reconnects (``cepheid_broker_reconnects_total``) from oslo.messaging's log.

oslo.messaging has no reconnect hook and keeps its kombu connections private; what it
does on every successful reconnect is log one INFO line on its RabbitMQ driver's logger:
``[<connection id>] Reconnected to AMQP server on <host>:<port> via [amqp] client with
port <n>.`` (``impl_rabbit.Connection.ensure``'s ``on_reconnection``). A filter on that
logger counts those lines. So that the count does not depend on the log level, the
logger is opened to INFO and the filter passes on only what the level configured for
it (or inherited from its parents) would have let through: the log output is unchanged.
The level is read when the counter is installed (by the transport factories, after
logging is set up); a later change of the parents' level reaches this logger above INFO
only.
"""

import logging
import threading

from oslo_log import log as oslo_logging

from cepheid.common import metrics

LOGGER = 'oslo_messaging._drivers.impl_rabbit'
MESSAGE = 'Reconnected to AMQP server'

_lock = threading.Lock()


class ReconnectCounter(logging.Filter):
    """Counts the reconnect lines of ``logger``; lets a record through only at or above
    the level the logger had when watched (its parents' level when it had none)."""

    def __init__(self, logger):
        super().__init__()
        self.logger = logger
        self.own_level = logger.level       # NOTSET: follow the parents, as before

    def threshold(self):
        if self.own_level != logging.NOTSET:
            return self.own_level
        parent = self.logger.parent
        return parent.getEffectiveLevel() if parent is not None else logging.WARNING

    def filter(self, record):
        if isinstance(record.msg, str) and MESSAGE in record.msg:
            metrics.BROKER_RECONNECTS.inc()
        return record.levelno >= self.threshold()


def driver_logger():
    """The stdlib logger the driver logs on (oslo.log names it ``oslo.messaging...``)."""
    return oslo_logging.getLogger(LOGGER).logger


def watch():
    """Install the counter on oslo.messaging's RabbitMQ driver logger (once per process);
    returns it. Call after logging is set up (the transport factories do)."""
    logger = driver_logger()
    with _lock:
        for existing in logger.filters:
            if isinstance(existing, ReconnectCounter):
                return existing
        counter = ReconnectCounter(logger)
        logger.addFilter(counter)
        # Open to INFO only (not below what was configured): the driver's per-message
        # DEBUG/TRACE records stay uncreated on the hot path.
        logger.setLevel(min(logging.INFO, counter.threshold()))
        return counter
