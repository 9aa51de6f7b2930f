"""An in-process kill -9 of a compute at a chosen point of its work, for the move tests.

A crash point pauses the compute's thread at one driver call (``FakeDriver.holds``) or one
conductor report (before it is sent, or after its reply came back). ``kill`` then stops
the compute as a SIGKILL would: no more RPC, heartbeats or queued work, no ``cleanup_host``,
and the paused thread unwinds with ``Killed`` (a BaseException: none of the product's
``except Exception`` clean-up runs, nothing more is sent). ``restart`` starts a new compute
service for the host over a new driver holding the old one's guests: what a hypervisor
keeps across the death of its compute process.
"""

import threading

from cepheid.compute import service as compute_service
from cepheid.compute.virt import fake


class Killed(BaseException):
    """The compute process is gone: its threads never run another line."""


class CrashPoint:
    """Where a compute's thread stops: ``reached`` is set when it got there."""

    def __init__(self):
        self.reached = threading.Event()
        self._dead = threading.Event()

    def wait(self, timeout=None):
        """Called by the paused thread (the driver's hold protocol): never returns."""
        self.reached.set()
        self._dead.wait(60)
        raise Killed()

    def kill(self):
        self._dead.set()


def at_driver_call(compute, method):
    """Pause ``compute`` in its driver's ``method`` (before the call changes the guest)."""
    point = CrashPoint()
    compute.driver.holds[method] = point
    return point


def at_report(compute, method, when='before', **match):
    """Pause ``compute`` at its conductor call ``method`` whose keyword arguments include
    ``match``: ``before`` it is sent or ``after`` its reply (the report saved, nothing
    after it done)."""
    point = CrashPoint()
    real = getattr(compute.conductor, method)

    def report(*args, **kwargs):
        hit = all(kwargs.get(key) == value for key, value in match.items())
        if hit and when == 'before':
            point.wait()
        reply = real(*args, **kwargs)
        if hit and when == 'after':
            point.wait()
        return reply
    setattr(compute.conductor, method, report)
    return point


def kill(compute, point=None):
    """SIGKILL: the compute stops taking messages and working at once; the thread paused
    at ``point`` dies there."""
    compute._stop.set()
    compute.rpc_server.stop()
    compute.power_sync.stop()
    compute.usage_audit.stop()
    compute.metrics_server.stop()
    if point is not None:
        point.kill()
    # Nothing is waited for (the RPC server's last poll ends on its own): a message it
    # still takes is lost with the process.
    compute.queue.shutdown(wait=False)


def restart(stack, host):
    """A new compute process for ``host`` over the same hypervisor (its guests)."""
    old = stack.computes[host]
    driver = fake.FakeDriver(stack.conf)
    driver.guests = old.driver.guests
    compute = compute_service.ComputeService(
        stack.conf, host=host, transport=stack.services.transport,
        notification_transport=stack.services.notification_transport, driver=driver)
    compute.start()
    stack.computes[host] = compute
    return compute
