"""The broker reconnect counter: counts oslo.messaging's reconnect lines at any log level
and leaves the log output as the configured level wants it."""

import logging

import pytest

from cepheid.common import broker_reconnects
from cepheid.common import metrics

RECONNECTED = ('[%(connection_id)s] Reconnected to AMQP server on %(hostname)s:%(port)s '
               'via [%(transport)s] client with port %(client_port)s.')
INFO = {'connection_id': 'c1', 'hostname': '127.0.0.1', 'port': 5672, 'transport': 'amqp',
        'client_port': 40000}


class Recorder(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def driver_log():
    """oslo.messaging's driver logger (as the driver gets it), watched, under a parent at
    WARNING; restored after."""
    logger = broker_reconnects.driver_logger()
    parent = logger.parent
    saved = (logger.level, list(logger.filters), parent.level)
    for existing in list(logger.filters):
        logger.removeFilter(existing)
    logger.setLevel(logging.NOTSET)
    parent.setLevel(logging.WARNING)
    recorder = Recorder()
    logger.addHandler(recorder)
    counter = broker_reconnects.watch()
    yield logger, parent, recorder, counter
    logger.removeHandler(recorder)
    logger.removeFilter(counter)
    for existing in saved[1]:
        logger.addFilter(existing)
    logger.setLevel(saved[0])
    parent.setLevel(saved[2])


def _count():
    return metrics.BROKER_RECONNECTS._value.get()


def test_a_reconnect_line_is_counted_though_info_lines_are_not_logged(driver_log):
    logger, _, recorder, _ = driver_log
    before = _count()
    logger.info(RECONNECTED, INFO)
    logger.info('Connection failed: refused (retrying in 1 seconds)')
    assert _count() == before + 1
    assert recorder.records == []           # the configured WARNING still applies
    logger.error('[c1] AMQP server on 127.0.0.1:5672 is unreachable')
    assert [r.levelname for r in recorder.records] == ['ERROR']


def test_at_info_the_reconnect_line_is_also_logged(driver_log):
    logger, parent, recorder, _ = driver_log
    parent.setLevel(logging.INFO)
    before = _count()
    logger.info(RECONNECTED, INFO)
    assert _count() == before + 1
    assert [r.getMessage() for r in recorder.records] == [
        '[c1] Reconnected to AMQP server on 127.0.0.1:5672 via [amqp] client with port 40000.']


def test_watching_twice_installs_one_counter(driver_log):
    logger, _, _, counter = driver_log
    assert broker_reconnects.watch() is counter
    before = _count()
    logger.info(RECONNECTED, INFO)
    assert _count() == before + 1


def test_a_debug_configuration_keeps_the_driver_debug_lines(driver_log):
    logger, parent, recorder, counter = driver_log
    logger.removeFilter(counter)
    logger.setLevel(logging.NOTSET)
    parent.setLevel(logging.DEBUG)
    counter = broker_reconnects.watch()
    logger.debug('[c1] Connected to AMQP server')
    assert [r.levelname for r in recorder.records] == ['DEBUG']
    logger.removeFilter(counter)
