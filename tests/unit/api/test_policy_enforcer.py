"""The Enforcer that remembers decisions: same answers as oslo.policy's, files re-read
within a second, nothing remembered across a change of rules or for impure checks."""

import json

import pytest
from oslo_policy import _checks
from oslo_policy import _external

from cepheid.api import conf as api_conf
from cepheid.api import policy
from cepheid.api import policy_enforcer
from cepheid.common import config
from cepheid.common import context
from cepheid.common import exception

REBOOT = 'os_compute_api:servers:reboot'
UNLOCK_OVERRIDE = 'os_compute_api:os-lock-server:unlock:unlock_override'


@pytest.fixture
def conf(tmp_path):
    conf = config.make_conf(api_conf.register_opts)
    conf([], project='cepheid', default_config_files=[], default_config_dirs=[])
    conf.set_override('policy_file', str(tmp_path / 'policy.json'), group='oslo_policy')
    return conf


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(policy_enforcer.time, 'monotonic', lambda: now[0])
    return now


def member(project='p1', user='u1'):
    return context.RequestContext(user_id=user, project_id=project, roles=['member', 'reader'])


def target(project='p1', user='u1'):
    return {'project_id': project, 'user_id': user}


def count_evaluations(monkeypatch, enforcer):
    """The rules oslo.policy's ``enforce`` evaluates from now on."""
    calls = []
    real = enforcer.enforce

    def counting(rule, *args, **kwargs):
        calls.append(rule)
        return real(rule, *args, **kwargs)

    monkeypatch.setattr(enforcer, 'enforce', counting)
    return calls


def test_answers_as_oslo_policy_does(conf):
    enforcer = policy.make_enforcer(conf)
    assert policy.authorize(member(), REBOOT, target(), enforcer=enforcer) is True
    with pytest.raises(exception.PolicyNotAuthorized):
        policy.authorize(member(), REBOOT, target(project='p2'), enforcer=enforcer)
    # Asked again: the remembered refusal is raised the same way.
    with pytest.raises(exception.PolicyNotAuthorized) as raised:
        policy.authorize(member(), REBOOT, target(project='p2'), enforcer=enforcer)
    assert REBOOT in str(raised.value)
    assert policy.check(member(), UNLOCK_OVERRIDE, target(), enforcer=enforcer) is False
    admin = context.get_admin_context()
    assert policy.check(admin, UNLOCK_OVERRIDE, target(), enforcer=enforcer) is True


def test_a_decision_is_remembered_per_rule_target_and_caller(conf, monkeypatch, clock):
    enforcer = policy.make_enforcer(conf)
    calls = count_evaluations(monkeypatch, enforcer)
    for _ in range(3):
        policy.authorize(member(), REBOOT, target(), enforcer=enforcer)
    assert calls == [REBOOT]
    policy.check(member(project='p2'), REBOOT, target(), enforcer=enforcer)
    policy.check(member(), REBOOT, target(user='u2'), enforcer=enforcer)
    assert len(calls) == 3


def test_an_unregistered_rule_is_still_refused(conf):
    enforcer = policy.make_enforcer(conf)
    for _ in range(2):
        with pytest.raises(Exception, match='has not been registered'):
            policy.check(member(), 'no:such:rule', target(), enforcer=enforcer)


def test_an_edited_policy_file_counts_within_the_recheck(conf, tmp_path, clock):
    enforcer = policy.make_enforcer(conf)
    assert policy.check(member(), REBOOT, target(), enforcer=enforcer)
    (tmp_path / 'policy.json').write_text(json.dumps({REBOOT: '!'}))
    clock[0] += policy_enforcer.RECHECK_SECONDS / 2
    assert policy.check(member(), REBOOT, target(), enforcer=enforcer), \
        'the file is read at most once per RECHECK_SECONDS'
    clock[0] += policy_enforcer.RECHECK_SECONDS
    assert not policy.check(member(), REBOOT, target(), enforcer=enforcer)


def test_set_rules_forgets_the_decisions(conf, clock):
    enforcer = policy.make_enforcer(conf)
    assert policy.check(member(), REBOOT, target(), enforcer=enforcer)
    enforcer.set_rules({REBOOT: _checks.FalseCheck()}, overwrite=False)
    assert not policy.check(member(), REBOOT, target(), enforcer=enforcer)


def test_rules_with_an_http_check_are_evaluated_every_time(conf, tmp_path, monkeypatch,
                                                          clock):
    (tmp_path / 'policy.json').write_text(
        json.dumps({REBOOT: 'role:member or http://127.0.0.1:9/check'}))
    enforcer = policy.make_enforcer(conf)
    calls = count_evaluations(monkeypatch, enforcer)
    for _ in range(2):
        assert policy.check(member(), REBOOT, target(), enforcer=enforcer)
    assert calls == [REBOOT, REBOOT]


@pytest.mark.parametrize('check, pure', [
    (_checks.TrueCheck(), True),
    (_checks.RoleCheck('role', 'admin'), True),
    (_checks.OrCheck([_checks.RoleCheck('role', 'a'),
                      _checks.NotCheck(_checks.GenericCheck('project_id', '%(project_id)s'))]),
     True),
    (_checks.AndCheck([_checks.RuleCheck('rule', 'x'),
                       _external.HttpCheck('http', '//127.0.0.1:9/')]), False),
])
def test_is_pure(check, pure):
    assert policy_enforcer.is_pure(check) is pure


def test_a_target_that_cannot_be_a_key_is_still_decided(conf):
    enforcer = policy.make_enforcer(conf)
    odd = dict(target(), blob=bytearray(b'x'))
    assert policy.check(member(), REBOOT, odd, enforcer=enforcer)
