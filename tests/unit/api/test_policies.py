"""Policy defaults: every rule of DESIGN §3, with the right base rule, usable by oslopolicy."""

import pytest

from cepheid.api import policies
from cepheid.api import policy
from cepheid.common import context
from cepheid.common import exception

MEMBER_OR_ADMIN = 'rule:project_member_or_admin'
READER_OR_ADMIN = 'rule:project_reader_or_admin'
ADMIN = 'rule:context_is_admin'

EXPECTED = {
    'os_compute_api:servers:index': READER_OR_ADMIN,
    'os_compute_api:servers:detail': READER_OR_ADMIN,
    'os_compute_api:servers:show': READER_OR_ADMIN,
    'os_compute_api:servers:create': MEMBER_OR_ADMIN,
    'os_compute_api:servers:delete': MEMBER_OR_ADMIN,
    'os_compute_api:servers:reboot': MEMBER_OR_ADMIN,
    'os_compute_api:servers:start': MEMBER_OR_ADMIN,
    'os_compute_api:servers:stop': MEMBER_OR_ADMIN,
    'os_compute_api:os-lock-server:lock': MEMBER_OR_ADMIN,
    'os_compute_api:os-lock-server:unlock': MEMBER_OR_ADMIN,
    'os_compute_api:os-lock-server:unlock:unlock_override': ADMIN,
    'os_compute_api:os-pause-server:pause': MEMBER_OR_ADMIN,
    'os_compute_api:os-pause-server:unpause': MEMBER_OR_ADMIN,
    'os_compute_api:os-suspend-server:suspend': MEMBER_OR_ADMIN,
    'os_compute_api:os-suspend-server:resume': MEMBER_OR_ADMIN,
    'os_compute_api:os-instance-actions:list': READER_OR_ADMIN,
    'os_compute_api:os-instance-actions:show': READER_OR_ADMIN,
    'os_compute_api:os-instance-actions:events': ADMIN,
    'os_compute_api:os-instance-actions:events:details': ADMIN,
    'os_compute_api:os-extended-server-attributes': ADMIN,
    'os_compute_api:os-services:list': ADMIN,
}


def test_defaults_match_the_design():
    rules = {r.name: r.check_str for r in policies.list_rules()}
    for name, check in EXPECTED.items():
        assert rules[name] == check, name
    assert rules['context_is_admin'] == 'role:admin'
    assert len(rules) == len(policies.list_rules()), 'duplicate rule names'


def test_get_enforcer_is_usable_by_the_oslopolicy_tools():
    enforcer = policy.get_enforcer()
    enforcer.load_rules()
    assert 'os_compute_api:servers:reboot' in enforcer.rules


def _ctx(project, roles):
    return context.RequestContext(user_id='u', project_id=project, roles=roles)


@pytest.fixture(scope='module')
def enforcer():
    return policy.get_enforcer()


def test_member_of_the_project_may_reboot(enforcer):
    target = {'project_id': 'p1', 'user_id': 'u'}
    assert policy.authorize(_ctx('p1', ['member', 'reader']),
                            'os_compute_api:servers:reboot', target, enforcer=enforcer)


def test_reader_or_other_project_may_not_reboot(enforcer):
    target = {'project_id': 'p1', 'user_id': 'u'}
    for ctx in (_ctx('p1', ['reader']), _ctx('p2', ['member', 'reader'])):
        with pytest.raises(exception.PolicyNotAuthorized) as info:
            policy.authorize(ctx, 'os_compute_api:servers:reboot', target, enforcer=enforcer)
        assert info.value.code == 403


def test_admin_of_another_project_may_override_unlock(enforcer):
    target = {'project_id': 'p1', 'user_id': 'u'}
    assert policy.check(_ctx('p2', ['admin']),
                        'os_compute_api:os-lock-server:unlock:unlock_override', target,
                        enforcer=enforcer)
    assert not policy.check(_ctx('p1', ['member']),
                            'os_compute_api:os-lock-server:unlock:unlock_override', target,
                            enforcer=enforcer)
