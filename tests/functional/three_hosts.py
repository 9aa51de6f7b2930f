"""The three-compute stack the move tests share (resize, live migration, evacuate, delete
during a move, server groups on a move): the all-in-one api + three fake computes, a
server placed on one, and a compute taken down and brought back (same driver, same
guests)."""

from cepheid.compute import service as compute_service
from cepheid.demo import allinone
from tests.fixtures import http
from tests.functional import conftest

HOSTS = ('compute1', 'compute2', 'compute3')
ADMIN = http.ADMIN


def start(hosts=HOSTS, **overrides):
    """A running all-in-one stack with the fake driver (``overrides``: as make_conf's)."""
    conf = allinone.make_conf(compute_driver='fake', **overrides)
    return allinone.AllInOne(conf, hosts=hosts).start()


def create_on(client, host='compute1', *, flavor='1', group=None):
    """An ACTIVE, idle server placed on ``host`` (the admin's ``nova:host`` zone), in
    server group ``group`` (uuid) if given."""
    body = {'server': {'name': 'vm', 'flavorRef': flavor,
                       'availability_zone': f'nova:{host}'}}
    if group is not None:
        body['os:scheduler_hints'] = {'group': group}
    status, body = client.post('/servers', body, token=ADMIN)
    assert status == 202, body
    return conftest.wait_for_server(client, body['server']['id'], conftest.idle, token=ADMIN)


def service(client, host):
    status, body = client.get(f'/os-services?binary=cepheid-compute&host={host}',
                              token=ADMIN)
    assert status == 200, body
    return body['services'][0]


def take_down(stack, client, host):
    """The compute stops (its guests stay in its driver, as on a host cut off) and the
    operator forces its service down, as Nova's evacuate docs ask."""
    stack.computes[host].stop(graceful=False)
    status, body = client.request('PUT', f"/os-services/{service(client, host)['id']}",
                                  {'forced_down': True}, token=ADMIN)
    assert status == 200 and body['service']['state'] == 'down', body


def restart(stack, host):
    """The same host's (stopped) compute starts again: same hypervisor, same guests."""
    old = stack.computes[host]
    compute = compute_service.ComputeService(
        stack.conf, host=host, transport=stack.services.transport,
        notification_transport=stack.services.notification_transport, driver=old.driver)
    compute.start()
    stack.computes[host] = compute
    return compute


def bring_back(stack, client, host):
    compute = restart(stack, host)
    client.request('PUT', f"/os-services/{service(client, host)['id']}",
                   {'forced_down': False}, token=ADMIN)
    return compute


def lose_queued_casts(stack, host):
    """The casts waiting for ``host``'s (down) compute are lost, as when the broker
    restarts (Nova's compute queues are not durable): the fake transport's queue of the
    host is emptied."""
    exchanges = stack.services.transport._driver._exchange_manager
    exchange = exchanges.get_exchange(stack.conf.control_exchange)
    with exchange._queues_lock:
        lost = exchange._server_queues.get(('compute', host), [])
        count = len(lost)
        lost.clear()
    return count
