"""The steps of an operation that nobody waits for, published lean: persistent, confirmed.

A reboot's ``task_advance`` and ``task_end`` are casts: the compute goes on without an
answer, and a lost one is the watchdog's to mend. oslo.messaging's cast of each costs the
compute ~0.6 ms of CPU, about half of it its own wrapping (the client's prepare, the
driver's connection pool, kombu's ``ensure``) around the publish and its confirm. When
the transport is RabbitMQ and ``[DEFAULT] steps_publisher`` is ``lean`` (the default),
ConductorAPI hands those casts to a common/lean_publisher.Publisher: the same body, to
the same exchange and topic, persistent, and returned only once the broker confirmed it
(as oslo.messaging's cast returns), from one connection per process and transport URL
(up to ``CONNECTIONS`` while publishes overlap), listed by the broker as
``cepheid-steps-publisher:<pid>``. A step it cannot publish (no
connection, an error, a nack, no confirm within ``CONFIRM_TIMEOUT``) goes through
oslo.messaging's cast; one whose confirm was lost may then arrive twice, which the api
takes as it takes a cast oslo.messaging re-sent: each step is a compare-and-swap, an end
is applied once per request.
"""

from cepheid.common import lean_publisher

CONNECTION_NAME = 'cepheid-steps-publisher'
# The longest a step waits for the broker's confirm before oslo.messaging sends it.
CONFIRM_TIMEOUT = 5.0
# The most connections a process publishes steps on at once: a publish holds its
# connection until the broker's confirm, and the hosts of a process (or one host's
# instances) end their steps together; a second one opens only when publishes overlap.
CONNECTIONS = 4


def for_conf(conf):
    """This process's Publisher for the steps over the transport of ``conf``, or None
    (``steps_publisher = rpc``, or not RabbitMQ): the steps go through oslo.messaging."""
    if conf.steps_publisher != 'lean':
        return None
    return lean_publisher.shared(conf, name=CONNECTION_NAME, persistent=True,
                                 confirm_timeout=CONFIRM_TIMEOUT, connections=CONNECTIONS)
