"""The computes' heartbeat casts published lean: transient, unconfirmed, one connection.

oslo.messaging publishes every cast persistent (kombu's default delivery mode) and waits
for the broker's publisher confirm (``confirm_publish`` is always on in its rabbit
driver); taking in such a publish is most of what the idle broker spends on a
heartbeat (docs/scale.md). A heartbeat needs neither: a lost one is replaced by the next
within ``report_interval``. When the transport is RabbitMQ, ``[DEFAULT]
heartbeat_publisher`` is ``lean`` (the default) and the api named its heartbeat topic,
ConductorAPI hands its (non-called) heartbeats to a common/lean_publisher.Publisher with
delivery mode 1 and no confirm, one connection per process and transport URL (the hosts
of a process share it), listed by the broker as ``cepheid-heartbeat-publisher:<pid>``.
A beat it cannot publish goes through oslo.messaging's cast.
"""

from cepheid.common import lean_publisher

CONNECTION_NAME = 'cepheid-heartbeat-publisher'
close_all = lean_publisher.close_all


class Publisher(lean_publisher.Publisher):
    """A lean publisher with the heartbeats' settings: transient, unconfirmed."""

    def __init__(self, urls, *, exchange, ssl=False, connection_factory=None):
        options = {'connection_factory': connection_factory} if connection_factory else {}
        super().__init__(urls, exchange=exchange, ssl=ssl, name=CONNECTION_NAME,
                         persistent=False, confirm_timeout=None, **options)


def for_conf(conf):
    """This process's Publisher for the transport of ``conf``, or None when the beats go
    through oslo.messaging (``heartbeat_publisher = rpc``, or not RabbitMQ)."""
    if conf.heartbeat_publisher != 'lean':
        return None
    return lean_publisher.shared(conf, name=CONNECTION_NAME, persistent=False,
                                 confirm_timeout=None)
