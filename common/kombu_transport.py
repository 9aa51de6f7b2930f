"""kombu's view of the oslo.messaging RabbitMQ transport: whether ``transport_url`` is
RabbitMQ, its brokers as kombu URLs (credentials, vhost, failover order), the TLS options
oslo.messaging would use (``[oslo_messaging_rabbit] ssl*``) and the topic exchange as it
declares it. Shared by the api's lean consumers and the compute's lean heartbeat
publisher, which talk to RabbitMQ beside oslo.messaging's own connections."""

import ssl as ssl_lib

import kombu
import oslo_messaging
from oslo_messaging._drivers import impl_rabbit


def _parsed(conf, url):
    if isinstance(url, oslo_messaging.TransportURL):
        return url
    return oslo_messaging.TransportURL.parse(conf, url or conf.transport_url)


def rabbitmq(conf, url=None):
    """Whether the RPC transport (or ``url``: a URL or TransportURL) is RabbitMQ (kombu
    can reach its topics)."""
    url = _parsed(conf, url)
    return url.transport in ('rabbit', 'amqp', 'kombu') and bool(url.hosts)


def url_of(transport):
    """The TransportURL an oslo.messaging transport was made with (None if unknown)."""
    return getattr(getattr(transport, '_driver', None), '_url', None)


def broker_urls(conf, url=None):
    """kombu URLs of the transport's (or ``url``'s) brokers (failover order)."""
    url = _parsed(conf, url)
    vhost = url.virtual_host or ''
    urls = []
    for host in url.hosts:
        auth = ''
        if host.username:
            auth = kombu.utils.url.quote(host.username, safe='')
            if host.password:
                auth += ':' + kombu.utils.url.quote(host.password, safe='')
            auth += '@'
        urls.append(f'amqp://{auth}{host.hostname}:{host.port or 5672}/'
                    f'{kombu.utils.url.quote(vhost, safe="")}')
    return urls


def ssl_options(conf):
    """kombu's ``ssl`` argument as oslo.messaging's rabbit driver builds it: False, True,
    or the protocol version, key, certificate and CA files (a CA makes the broker's
    certificate required, checked against each broker's own name)."""
    rabbit = conf.oslo_messaging_rabbit
    if not rabbit.ssl:
        return False
    options = {}
    if rabbit.ssl_version:      # its names and its error ("Invalid SSL version") for others
        options['ssl_version'] = impl_rabbit.Connection.validate_ssl_version(
            rabbit.ssl_version)
    if rabbit.ssl_key_file:
        options['keyfile'] = rabbit.ssl_key_file
    if rabbit.ssl_cert_file:
        options['certfile'] = rabbit.ssl_cert_file
    if rabbit.ssl_ca_file:
        options['ca_certs'] = rabbit.ssl_ca_file
        options['cert_reqs'] = ssl_lib.CERT_REQUIRED
        options['server_hostname'] = None
    return options or True


def durable(conf):
    """Whether oslo.messaging declares topic exchanges and queues durable."""
    rabbit = conf.oslo_messaging_rabbit
    return bool(rabbit.amqp_durable_queues or rabbit.rabbit_quorum_queue)


def queue_arguments(conf):
    """The arguments oslo.messaging declares a notification topic's default queue with
    (quorum, HA), so that a queue either declares is the same queue."""
    rabbit = conf.oslo_messaging_rabbit
    quorum = impl_rabbit.QuorumMemConfig(rabbit.rabbit_quorum_delivery_limit,
                                         rabbit.rabbit_quorum_max_memory_length,
                                         rabbit.rabbit_quorum_max_memory_bytes)
    return impl_rabbit._get_queue_arguments(rabbit.rabbit_ha_queues, 0,
                                            rabbit.rabbit_quorum_queue, quorum, False)


def notification_queue(conf, name):
    """Notification queue ``name`` (``<topic>.<priority>``), bound with that routing key
    and declared as oslo.messaging's notifier declares a topic's default queue."""
    exchange = topic_exchange(conf)
    return kombu.Queue(name, exchange=exchange, routing_key=name, durable=exchange.durable,
                       auto_delete=exchange.auto_delete, queue_arguments=queue_arguments(conf))


def topic_exchange(conf):
    """The exchange oslo.messaging sends topic casts to (``control_exchange``), declared
    as it declares it."""
    return kombu.Exchange(conf.control_exchange, 'topic', durable=durable(conf),
                          auto_delete=conf.oslo_messaging_rabbit.amqp_auto_delete)
