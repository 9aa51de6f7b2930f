"""Which database errors mean "unavailable, try again" (503), and their one-line text."""

from sqlalchemy import exc as sa_exc

# Connection refused or lost, server shutting down, pool exhausted, lock timeouts and
# deadlocks: nothing is wrong with the request; it may succeed later.
UNAVAILABLE = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
               sa_exc.DisconnectionError)


def brief(exc):
    """The driver's message, first line only (no SQL, no parameters, no traceback)."""
    orig = getattr(exc, 'orig', None) or exc
    text = str(orig).strip().splitlines()
    return f'{type(orig).__name__}: {text[0] if text else ""}'.rstrip(': ')
