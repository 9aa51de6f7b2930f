"""oslo.policy's Enforcer with its decisions remembered between policy file checks.

oslo.policy re-checks the policy file and ``policy.d`` on every ``enforce`` (a config-dir
search and a stat of each, then a pass over every registered default) and evaluates the
rule's check tree afresh, inspecting each check's signature on the way: ~0.19 ms per
request here, ~5 % of the api's CPU per reboot in the in-process profile. Decisions are a
pure function of the rule, the target and the caller's policy values as long as the rules
hold only oslo.policy's own checks (roles, generic matches, rule references, and/or/not,
true/false), so this Enforcer:

- checks the policy files at most every ``RECHECK_SECONDS`` (an edited policy file takes
  effect within that, instead of on the next request), and forgets every decision each
  time it does, or when rules are set, cleared or registered;
- remembers each decision (rule, target, policy values) → result, up to ``MAX_DECISIONS``
  (then starts over), and only while every rule is made of those pure checks: a rule
  with an ``http:``/``https:`` check or a check a deployment registered itself is asked
  every time, as before;
- never remembers a refusal raised for the token's scope (``InvalidScope``): that path
  stays oslo.policy's.
"""

import collections.abc
import threading
import time

from oslo_policy import _checks
from oslo_policy import policy as oslo_policy

RECHECK_SECONDS = 1.0
MAX_DECISIONS = 4096

_PURE = (_checks.TrueCheck, _checks.FalseCheck, _checks.RoleCheck, _checks.GenericCheck,
         _checks.RuleCheck)


def is_pure(check):
    """Whether ``check`` is built only of oslo.policy's checks that read nothing but the
    target and the credentials."""
    if isinstance(check, (_checks.AndCheck, _checks.OrCheck)):
        return all(is_pure(rule) for rule in check.rules)
    if isinstance(check, _checks.NotCheck):
        return is_pure(check.rule)
    return type(check) in _PURE


def _frozen(value):
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, collections.abc.Mapping):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


class Enforcer(oslo_policy.Enforcer):
    """An oslo.policy Enforcer that remembers its decisions (see the module's docstring)."""

    def __init__(self, *args, **kwargs):
        self._decisions = {}
        self._checked_at = None
        self._cacheable = False
        self._reload_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def _forget(self):
        self._decisions = {}
        self._checked_at = None

    def set_rules(self, *args, **kwargs):
        super().set_rules(*args, **kwargs)
        self._forget()

    def clear(self):
        super().clear()
        self._forget()

    def register_default(self, default):
        super().register_default(default)
        self._forget()

    def load_rules(self, force_reload=False):
        checked_at = self._checked_at
        if (not force_reload and checked_at is not None
                and time.monotonic() - checked_at < RECHECK_SECONDS):
            return
        with self._reload_lock:
            super().load_rules(force_reload)
            self._decisions = {}
            self._cacheable = all(is_pure(check) for check in self.rules.values())
            self._checked_at = time.monotonic()

    def decide(self, rule, target, context, *, do_raise, exc=None, **exc_kwargs):
        """``authorize(rule, target, context, ...)``, remembered per rule, target and the
        context's policy values while the rules allow it."""
        self.load_rules()
        decisions = self._decisions
        key = None
        if self._cacheable and isinstance(rule, str):
            try:
                key = (rule, _frozen(target), _frozen(context.to_policy_values()))
                result = decisions[key]
            except KeyError:
                pass
            except TypeError:       # a value that cannot be a key: ask oslo.policy
                key = None
            else:
                if not result and do_raise:
                    if exc is None:
                        raise oslo_policy.PolicyNotAuthorized(rule, target,
                                                              context.to_policy_values())
                    raise exc(**exc_kwargs)
                return result
        refused = exc or oslo_policy.PolicyNotAuthorized
        try:
            result = self.authorize(rule, target, context, do_raise=do_raise, exc=exc,
                                    **exc_kwargs)
        except refused:          # never InvalidScope (not a PolicyNotAuthorized)
            if key is not None:
                self._remember(decisions, key, False)
            raise
        if key is not None:
            self._remember(decisions, key, result)
        return result

    def _remember(self, decisions, key, result):
        if decisions is not self._decisions:
            return          # the rules were re-read meanwhile: this decision may be stale
        if len(decisions) >= MAX_DECISIONS:
            decisions = self._decisions = {}
        decisions[key] = result
