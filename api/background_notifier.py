"""Notifications of the api service leave from a background thread: a request (lock,
unlock, ...) never waits on the broker. While the broker is down they queue in memory
(bounded; the oldest are dropped with one warning) and go once it is back."""

import copy
import queue
import threading

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


class BackgroundNotifier:
    """``notify(...)`` as the wrapped InstanceNotifier's, returning at once."""

    def __init__(self, notifier, *, maxsize=10000):
        self.notifier = notifier
        self._queue = queue.Queue(maxsize)
        self._thread = threading.Thread(target=self._run, name='api-notifier', daemon=True)
        self._thread.start()

    def notify(self, context, instance, action, phase=None, **kwargs):
        item = (context, copy.deepcopy(instance), action, phase, kwargs)
        while True:
            try:
                self._queue.put_nowait(item)
                return
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    continue
                self._queue.task_done()
                LOG.warning('Notification queue full: dropped the oldest notification')

    def _run(self):
        while True:
            context, instance, action, phase, kwargs = self._queue.get()
            try:
                self.notifier.notify(context, instance, action, phase, **kwargs)
            except Exception as exc:
                LOG.warning('Could not send instance.%s notification: %s', action, exc)
            finally:
                self._queue.task_done()

    def flush(self):
        """Wait until everything queued has been handed to the broker (tests)."""
        self._queue.join()
