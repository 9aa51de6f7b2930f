"""Serve the REST API with waitress, in the foreground or in a background thread.

Every server here watches its sockets with poll(), not select(): past a few hundred client
connections a socket's number passes select()'s 1024, and ``connection_limit`` (the api's
``max_connections``) lets it get there."""

import threading

import waitress
from waitress import wasyncore

DEFAULT_CONNECTION_LIMIT = 1000


def _options(threads, connection_limit, listening=1):
    """waitress's options; ``connection_limit`` counts clients only (waitress counts its
    ``listening`` sockets and its wake-up pipe too)."""
    return {'threads': threads, 'ident': 'cepheid-api',
            'connection_limit': connection_limit + listening + 1, 'asyncore_use_poll': True}


def serve(app, host, port, threads=8, connection_limit=DEFAULT_CONNECTION_LIMIT):
    """Serve ``app`` until interrupted."""
    waitress.serve(app, host=host, port=port, **_options(threads, connection_limit))


class ServerThread:
    """A waitress server in a daemon thread; ``port=0`` picks a free port, ``sockets``
    serves already-bound listening sockets instead (api worker processes).

    ``connection_limit``: most client connections open at once (the api's
    ``max_connections``). ``start()`` returns the bound port; ``stop()`` closes the
    sockets and joins the thread.
    """

    def __init__(self, app, host='127.0.0.1', port=0, threads=4, sockets=None,
                 connection_limit=DEFAULT_CONNECTION_LIMIT):
        where = {'sockets': sockets} if sockets else {'host': host, 'port': port}
        options = _options(threads, connection_limit, len(sockets) if sockets else 1)
        self.server = waitress.create_server(app, **options, **where)
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
                    connection_limit=DEFAULT_CONNECTION_LIMIT):
    """Start serving ``app`` in the background; returns the running ServerThread
    (``.port`` is the bound port, ``.stop()`` ends it)."""
    server = ServerThread(app, host=host, port=port, threads=threads,
                          connection_limit=connection_limit)
    server.start()
    return server
