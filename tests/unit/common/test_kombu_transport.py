"""What kombu is given to reach the oslo.messaging RabbitMQ transport: the TLS options
oslo.messaging's rabbit driver would use, and the topic exchange as it declares it."""

import ssl

import pytest

from cepheid.common import config
from cepheid.common import kombu_transport


def _conf(**rabbit):
    conf = config.make_conf()
    conf([])
    conf.set_override('transport_url', 'rabbit://u:p@h1:5671/vh')
    for name, value in rabbit.items():
        conf.set_override(name, value, group='oslo_messaging_rabbit')
    return conf


def test_tls_off_on_and_with_files_as_oslo_messaging():
    assert kombu_transport.ssl_options(_conf()) is False
    assert kombu_transport.ssl_options(_conf(ssl=True)) is True
    assert kombu_transport.ssl_options(_conf(
        ssl=True, ssl_ca_file='/ca.pem', ssl_cert_file='/c.pem', ssl_key_file='/k.pem')) == {
        'ca_certs': '/ca.pem', 'cert_reqs': ssl.CERT_REQUIRED, 'server_hostname': None,
        'certfile': '/c.pem', 'keyfile': '/k.pem'}


def test_the_tls_version_is_passed_on_and_refused_as_oslo_messaging_refuses_it():
    assert kombu_transport.ssl_options(_conf(ssl=True, ssl_version='tlsv1_2')) == {
        'ssl_version': ssl.PROTOCOL_TLSv1_2}
    with pytest.raises(RuntimeError, match='Invalid SSL version'):
        kombu_transport.ssl_options(_conf(ssl=True, ssl_version='tlsv9'))
    assert kombu_transport.ssl_options(_conf(ssl_version='tlsv1_2')) is False


def test_the_topic_exchange_is_declared_as_oslo_messaging_declares_it():
    exchange = kombu_transport.topic_exchange(_conf())
    assert (exchange.name, exchange.type, exchange.durable, exchange.auto_delete) == (
        'cepheid', 'topic', True, False)
    assert not kombu_transport.topic_exchange(_conf(amqp_durable_queues=False)).durable
    assert kombu_transport.topic_exchange(_conf(amqp_durable_queues=False,
                                                rabbit_quorum_queue=True)).durable
