"""Prometheus metrics of the Cepheid services (``prometheus_client``), one place for all names.

Every metric is defined here so ``/metrics`` (api) and the compute's metrics port expose
one vocabulary (README: "Metrics"). With several api worker processes the supervisor sets
``PROMETHEUS_MULTIPROC_DIR`` (``use_multiprocess_dir``) before the workers start, so each
worker writes its samples to files there and any worker's ``/metrics`` answers for all.
"""

import os
import shutil
import tempfile

import prometheus_client
from prometheus_client import multiprocess

MULTIPROC_ENV = 'PROMETHEUS_MULTIPROC_DIR'
CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST
_TIMES = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)

SERVER_ACTIONS = prometheus_client.Counter(
    'cepheid_server_actions', 'POST /servers/{id}/action requests by action, type and '
    'HTTP result', ['action', 'type', 'result'])
ACTION_EVENTS = prometheus_client.Counter(
    'cepheid_action_events', 'Instance action events finished by the conductor, by event '
    'and result (Success/Error)', ['event', 'result'])
ACTION_DURATION = prometheus_client.Histogram(
    'cepheid_action_duration_seconds', 'Accept (action recorded) to end (event finished)',
    ['event'], buckets=_TIMES)
TASK_STATE_DURATION = prometheus_client.Histogram(
    'cepheid_task_state_duration_seconds', 'Time from a compute\'s report of a task_state '
    'to its next report for the instance (compute side)', ['task_state'], buckets=_TIMES)
CONDUCTOR_CALL = prometheus_client.Histogram(
    'cepheid_conductor_call_seconds', 'Conductor RPC method latency (api, server side)',
    ['method'], buckets=_TIMES)
COMPUTE_CONDUCTOR_CALL = prometheus_client.Histogram(
    'cepheid_compute_conductor_call_seconds', 'Conductor RPC call latency seen by the '
    'compute, retries included', ['method'], buckets=_TIMES)
WATCHDOG = prometheus_client.Counter(
    'cepheid_watchdog_tasks', 'Stuck tasks handled by the watchdog: resent or ended '
    '(failed with a fault)', ['outcome'])
DB_ERRORS = prometheus_client.Counter(
    'cepheid_db_errors', 'Database unavailable errors seen, by where', ['where'])
QUEUE_DEPTH = prometheus_client.Gauge(
    'cepheid_compute_queue_depth', 'Operations running or waiting in a compute host\'s '
    'per-instance queues', ['host'], multiprocess_mode='livesum')
BROKER_RECONNECTS = prometheus_client.Counter(
    'cepheid_broker_reconnects', 'Reconnects to the message broker after a lost connection '
    '(oslo.messaging\'s "Reconnected to AMQP server", common/broker_reconnects.py)')


def use_multiprocess_dir(directory=None):
    """Make (or empty) the per-deployment samples directory and export it to children.

    Call in the api supervisor before it starts workers; returns the directory.
    """
    directory = directory or tempfile.mkdtemp(prefix='cepheid-api-metrics-')
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory, exist_ok=True)
    os.environ[MULTIPROC_ENV] = directory
    return directory


def process_dead(pid):
    """Drop a dead worker's live gauges (its counters stay counted)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)


def exposition(collectors=()):
    """The text of ``/metrics``: this process's registry, or every worker's samples, then
    what ``collectors`` (measured at scrape time) report."""
    if os.environ.get(MULTIPROC_ENV):
        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        text = prometheus_client.generate_latest(registry)
    else:
        text = prometheus_client.generate_latest()
    if collectors:
        scraped = prometheus_client.CollectorRegistry(auto_describe=False)
        for collector in collectors:
            scraped.register(collector)
        text += prometheus_client.generate_latest(scraped)
    return text
