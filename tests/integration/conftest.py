"""Integration fixtures: a PostgreSQL database, a private RabbitMQ exchange, service processes."""

import pytest

from cepheid.allinone import NotificationRecorder
from cepheid.common import config
from cepheid.common import rpc
from tests.fixtures import http
from tests.fixtures import processes


@pytest.fixture(scope='module')
def cluster(tmp_path_factory):
    """cepheid-api + computes on hostA and hostB, as processes, over RabbitMQ + PostgreSQL."""
    tmp = tmp_path_factory.mktemp('cluster')
    database = processes.PostgresDatabase()
    vhost = processes.RabbitVhost()
    port = processes.free_port()
    common = {'transport_url': vhost.url, 'report_interval': 1, 'service_down_time': 10}
    api_conf = processes.write_conf(tmp / 'api.conf', {
        'DEFAULT': dict(common, host='api-it'),
        'api': {'auth_strategy': 'noauth2', 'port': port},
        'database': {'connection': database.url},
    })
    procs = [processes.ServiceProcess('cepheid.api.cmd', api_conf, tmp / 'api.log')]
    hosts = ['hostA', 'hostB']
    for host in hosts:
        conf = processes.write_conf(tmp / f'{host}.conf', {
            'DEFAULT': dict(common, host=host, compute_driver='fake')})
        procs.append(processes.ServiceProcess('cepheid.compute.cmd', conf,
                                              tmp / f'{host}.log'))
    from cepheid.api import manage
    manage.main(['--config-file', api_conf, 'db', 'sync'])
    for proc in procs:
        proc.start()
    client = http.Client(f'http://127.0.0.1:{port}/v2.1')
    try:
        processes.wait_until(lambda: _computes_up(client, hosts), 60, 'computes up')
        yield {'client': client, 'hosts': hosts, 'transport_url': vhost.url, 'procs': procs,
               'db': database, 'tmp': tmp}
    except Exception:
        for proc in procs:
            print(f'--- {proc.log_path}\n{proc.log_tail()}')
        raise
    finally:
        for proc in procs:
            proc.stop()
        database.drop()
        vhost.delete()


def _computes_up(client, hosts):
    status, body = client.get('/os-services', token=http.ADMIN)
    up = {s['host'] for s in body['services']
          if s['binary'] == 'cepheid-compute' and s['state'] == 'up'}
    return status == 200 and set(hosts) <= up


@pytest.fixture
def bus_listener(cluster):
    """Our own oslo.messaging notification listener on the real RabbitMQ."""
    conf = config.make_conf()
    conf([])
    conf.set_override('transport_url', cluster['transport_url'])
    recorder = NotificationRecorder(rpc.get_notification_transport(conf),
                                    topics=('versioned_notifications',))
    recorder.listener.start()
    yield recorder
    recorder.listener.stop()
    recorder.listener.wait()

