"""Which topic each conductor message of a compute goes to: the api names them.

The api names its heartbeat and steps topics in its answer to a compute's called
heartbeat (conductor 1.10, 1.11: at start-up, then every ``HEARTBEAT_CALL_EVERY`` beats);
until then, and whenever an answer names none, everything goes to the conductor topic
``cepheid-api``. From 1.13 the api's steps consumer also answers the called heartbeat
and ``instances_on_host`` (the power sync's read), so those leave the costlier RPC server
too. The first called heartbeat, and any after a fallback, goes to the conductor topic:
its answer is how a compute learns the topics. A called heartbeat the steps topic does
not answer (no reply within its timeout, or an older api process on the same queue that
does not serve it) is asked again on the conductor topic, whose answer decides where the
steps go next; an ``instances_on_host`` refused there goes to the conductor topic until
the next answer, and one that times out follows the steps' rules (``steps_timed_out``).
"""

import oslo_messaging
from oslo_log import log as logging

from cepheid.common import rpc

LOG = logging.getLogger(__name__)

VERSION = '1.0'
# The steps topic also serves service_heartbeat (called) and instances_on_host.
READS_ON_STEPS_VERSION = '1.13'
# What an api service without a method (or a version of it) answers.
NOT_SERVED = ('UnsupportedVersion', 'NoSuchMethod')
# Timeouts in a row on the steps topic before the steps go back to the conductor topic.
STEPS_TIMEOUTS_BEFORE_FALLBACK = 2
# The called heartbeat's timeout (each topic it is asked on).
HEARTBEAT_CALL_TIMEOUT = 10


def at_least(version, wanted):
    """Whether the advertised ``version`` ("1.12") serves ``wanted`` (same major)."""
    if not version:
        return False
    have = tuple(int(part) for part in str(version).split('.'))
    need = tuple(int(part) for part in wanted.split('.'))
    return have[0] == need[0] and have >= need


def refused(exc):
    """Whether ``exc`` is an api's answer that it does not serve the method or version."""
    return isinstance(exc, oslo_messaging.RemoteError) and exc.exc_type in NOT_SERVED


class TopicRouting:
    """The topic part of ConductorAPI: ``client`` (the conductor topic), and
    ``heartbeat_client`` and ``steps_client`` as the api's answers name them."""

    def _init_topics(self):
        # Where heartbeats go: the conductor topic until the api names its heartbeat
        # topic in the answer to the first (called) heartbeat (conductor 1.10).
        self.heartbeat_client = self.client
        # Where the steps of an operation go: the conductor topic until the api names its
        # steps topic in the same answer (conductor 1.11); back to the conductor topic when
        # a later answer names none or a call there gets no answer.
        self.steps_client = self.client
        # The conductor version the api named in its answer (None: older than 1.12).
        self.api_version = None
        # Whether the called heartbeat and instances_on_host go to the steps topic (1.13).
        self.reads_on_steps = False

    def _reads_on_steps(self):
        return self.reads_on_steps and self.steps_client is not self.client

    def steps_timed_out(self, base, in_a_row):
        """A call on the steps topic got no answer. Once is what an overloaded api looks
        like: the retry stays on this cheaper path (the conductor topic's RPC server costs
        the api more per message). Twice in a row (no answer in 3 x timeout) looks like
        nobody consumes it (an api switched to ``steps_consumer = rpc`` or rolled back):
        the steps go to the conductor topic until the api names the topic again."""
        if in_a_row < STEPS_TIMEOUTS_BEFORE_FALLBACK:
            return
        LOG.warning('No answer on topic %s: steps go to the conductor topic until the '
                    'api names it again', base.target.topic)
        self.steps_client = self.client

    def instances_on_host(self, context):
        if self._reads_on_steps():
            try:
                return self._timed_call(context, 'instances_on_host', None, {}, steps=True)
            except oslo_messaging.RemoteError as exc:
                if not refused(exc):
                    raise
                LOG.info('instances_on_host refused on topic %s (%s, an older api): it '
                         'goes to the conductor topic until the next called heartbeat',
                         self.steps_client.target.topic, exc.exc_type)
                self.reads_on_steps = False
        return self._call(context, 'instances_on_host')

    def service_heartbeat(self, context, *, binary, topic, wait=False, resources=None):
        """Report this service alive (and, with ``resources``, its host's capacity: 1.3);
        ``wait`` makes it a call (at start-up, then every 30th beat), whose answer names
        the topics."""
        kwargs = {'resources': resources} if resources is not None else {}
        kwargs.update(host=self.host, binary=binary, topic=topic)
        if wait:
            self._topics(self._called_heartbeat(context, kwargs))
            return
        client = self.heartbeat_client
        version = '1.3' if resources is not None else VERSION
        if self._lean_heartbeat(context, client, kwargs, version):
            return
        if resources is not None:
            client = client.prepare(version=version)
        client.cast(context, 'service_heartbeat', **kwargs)

    def _lean_heartbeat(self, context, client, kwargs, version):
        """Publish the cast through the lean publisher (compute/heartbeat_publisher.py):
        only on the heartbeat topic the api named, never on the conductor topic."""
        publisher = self.heartbeat_publisher
        if publisher is None or client is self.client:
            return False
        return publisher.publish(context, topic=client.target.topic,
                                 method='service_heartbeat', args=kwargs, version=version)

    def _called_heartbeat(self, context, kwargs):
        if self._reads_on_steps():
            base = self.steps_client
            try:
                return self._heartbeat_call(base, context, kwargs)
            except (oslo_messaging.MessagingTimeout, oslo_messaging.RemoteError) as exc:
                if isinstance(exc, oslo_messaging.RemoteError) and not refused(exc):
                    raise
                LOG.warning('Called heartbeat of %s not answered on topic %s (%s): asking '
                            'the conductor topic', self.host, base.target.topic,
                            getattr(exc, 'exc_type', type(exc).__name__))
        return self._heartbeat_call(self.client, context, kwargs)

    @staticmethod
    def _heartbeat_call(base, context, kwargs):
        options = {'timeout': HEARTBEAT_CALL_TIMEOUT}
        if 'resources' in kwargs:
            options['version'] = '1.3'
        return base.prepare(**options).call(context, 'service_heartbeat', **kwargs)

    def _topics(self, reply):
        """Send the next heartbeats and steps where the api's answer says (none: the
        conductor topic)."""
        reply = reply if isinstance(reply, dict) else {}
        self.api_version = reply.get('conductor_version')
        self.heartbeat_client = self._client_for(reply.get('heartbeat_topic'),
                                                 self.heartbeat_client, 'Heartbeats')
        self.steps_client = self._client_for(reply.get('steps_topic'), self.steps_client,
                                             'Conductor steps')
        self.reads_on_steps = (self.steps_client is not self.client
                               and at_least(self.api_version, READS_ON_STEPS_VERSION))

    def _client_for(self, name, current, what):
        if not name:
            return self.client
        if current.target.topic == name:
            return current
        LOG.info('%s of %s go to topic %s', what, self.host, name)
        return rpc.get_client(self.transport, name, version=VERSION,
                              timeout=self.timeout)
