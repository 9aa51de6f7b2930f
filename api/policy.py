"""The oslo.policy Enforcer (defaults from code, overrides from policy files) and ``authorize``."""

from cepheid.api import policies
from cepheid.api import policy_enforcer
from cepheid.common import exception

_ENFORCER = None


def make_enforcer(conf):
    """A new Enforcer on ``conf`` with every default rule registered."""
    enforcer = policy_enforcer.Enforcer(conf)
    enforcer.register_defaults(policies.list_rules())
    return enforcer


def init(conf):
    """Build the process-wide enforcer from ``conf`` (each create_app calls this)."""
    global _ENFORCER
    _ENFORCER = make_enforcer(conf)
    return _ENFORCER


def get_enforcer():
    """Entry point ``oslo.policy.enforcer`` for the oslopolicy-* tools."""
    from cepheid.api import conf as api_conf
    from cepheid.common import config

    conf = config.make_conf(api_conf.register_opts)
    conf([], project='cepheid')
    return init(conf)


def _target(context, target):
    if target is None:
        return {'project_id': context.project_id, 'user_id': context.user_id}
    return target


def authorize(context, rule, target=None, *, enforcer=None):
    """Raise PolicyNotAuthorized (403) unless ``context`` may do ``rule`` on ``target``.

    ``target`` defaults to the caller's own project, as Nova's list policies do.
    """
    enforcer = enforcer or _ENFORCER
    enforcer.decide(rule, _target(context, target), context, do_raise=True,
                    exc=exception.PolicyNotAuthorized, action=rule)
    return True


def check(context, rule, target=None, *, enforcer=None):
    """True when ``context`` may do ``rule``; never raises (for optional view fields)."""
    enforcer = enforcer or _ENFORCER
    return enforcer.decide(rule, _target(context, target), context, do_raise=False)
