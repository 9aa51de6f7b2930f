"""Serve the REST API with waitress in a background thread.

Every server here watches its sockets with poll(), not select(): past a few hundred client
connections a socket's number passes select()'s 1024, and ``connection_limit`` (the api's
``max_connections``) lets it get there."""

import threading

import waitress
from waitress import task as waitress_task
from waitress import wasyncore

from cepheid.api import conf as api_conf


class MostRecentFirst(threading.Condition):
    """A Condition whose ``notify`` wakes the thread that began waiting last (the
    standard one wakes the one that has waited longest)."""

    def notify(self, n=1):
        if not self._is_owned():
            raise RuntimeError('cannot notify on un-acquired lock')
        waiters = self._waiters
        while waiters and n > 0:
            waiter = waiters.pop()
            try:
                waiter.release()
            except RuntimeError:     # released already by an interrupted notify
                continue
            n -= 1


def warm_dispatcher(threads):
    """waitress's task dispatcher whose idle request threads are woken last-idle first:
    at a low rate the same warm thread serves every request, its stack and the objects
    it touched still in the CPU's caches (a thread that slept longest runs its first
    request slower); a burst still wakes them all. waitress's own dispatcher, unless
    this waitress no longer has the attributes it is built from."""
    dispatcher = waitress_task.ThreadedTaskDispatcher()
    lock = getattr(dispatcher, 'lock', None)
    if lock is not None and isinstance(getattr(dispatcher, 'queue_cv', None),
                                       threading.Condition):
        dispatcher.queue_cv = MostRecentFirst(lock)
    dispatcher.set_thread_count(threads)
    return dispatcher


class ServerThread:
    """A waitress server in a daemon thread; ``port=0`` picks a free port, ``sockets``
    serves already-bound listening sockets instead (api worker processes).

    ``connection_limit``: most client connections open at once (the api's
    ``max_connections``). ``start()`` returns the bound port; ``stop()`` closes the
    sockets and joins the thread.
    """

    def __init__(self, app, host='127.0.0.1', port=0, threads=4, sockets=None,
                 connection_limit=api_conf.MAX_CONNECTIONS):
        where = {'sockets': sockets} if sockets else {'host': host, 'port': port}
        # waitress counts its listening sockets and its wake-up pipe among the connections.
        own = (len(sockets) if sockets else 1) + 1
        self.server = waitress.create_server(
            app, threads=threads, ident='cepheid-api', asyncore_use_poll=True,
            connection_limit=connection_limit + own, _dispatcher=warm_dispatcher(threads),
            **where)
        self.host = sockets[0].getsockname()[0] if sockets else host
        self.port = int(self.server.effective_port)
        self._thread = threading.Thread(target=self.server.run, name='cepheid-api-wsgi',
                                        daemon=True)

    @property
    def url(self):
        return f'http://{self.host}:{self.port}'

    def start(self):
        self._thread.start()
        return self.port

    def stop(self, timeout=10):
        server = self.server
        try:
            # Close every socket from inside the loop thread, which then leaves run().
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        except OSError:
            # The trigger is already gone (loop ended, or its fd closed under us).
            wasyncore.close_all(server._map)
        self._thread.join(timeout)
        server.task_dispatcher.shutdown()


def start_in_thread(app, host='127.0.0.1', port=0, threads=4,
                    connection_limit=api_conf.MAX_CONNECTIONS):
    """Start serving ``app`` in the background; returns the running ServerThread
    (``.port`` is the bound port, ``.stop()`` ends it)."""
    server = ServerThread(app, host=host, port=port, threads=threads,
                          connection_limit=connection_limit)
    server.start()
    return server
