"""A flood of reboots of one server while its reboot runs: every one a clean 409, no 5xx."""

import concurrent.futures

from tests.functional.conftest import idle
from tests.functional.conftest import wait_for_server


def _host_of(stack, server_id):
    return next(h for h, c in stack.computes.items() if server_id in c.driver.guests)


def _reboot(client, server_id, reboot_type):
    return client.post(f'/servers/{server_id}/action', {'reboot': {'type': reboot_type}})


def test_hundred_concurrent_reboots_during_a_reboot_are_all_409(stack, client, server):
    driver = stack.computes[_host_of(stack, server['id'])].driver
    driver.delay = 60    # the reboot lasts until the flood is over, then is let go
    boots = driver.guests[server['id']].boots
    assert _reboot(client, server['id'], 'SOFT')[0] == 202
    wait_for_server(client, server['id'],
                    lambda s: s['OS-EXT-STS:task_state'] == 'reboot_started')
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda i: _reboot(client, server['id'], 'SOFT'), range(100)))
    codes = [code for code, _ in answers]
    assert codes == [409] * 100, sorted(set(codes))
    for _code, body in answers:
        fault = body['conflictingRequest']
        assert fault['code'] == 409
        assert fault['message'] == (f"Cannot 'reboot' instance {server['id']} while it is in "
                                    'task_state reboot_started')
    assert driver.escalate_reboot(server['id'])
    wait_for_server(client, server['id'], idle)
    assert driver.guests[server['id']].boots == boots + 1
