"""oslo.policy's rule-check plugins (``http:``, ``https:``) loaded when a rule uses one.

oslo.policy loads every plugin of ``oslo.policy.rule_checks`` the first time it parses a
rule, and the module of the ``http:``/``https:`` checks imports requests: ~4.5 MB of RSS
in every api process for a kind of rule its policy files rarely use. ``defer()`` gives
oslo.policy the same names, each loading its plugin the first time a rule names it.
"""

import importlib.metadata

from oslo_policy import _checks

GROUP = 'oslo.policy.rule_checks'


class DeferredCheck:
    """Called as the plugin class would be: ``(kind, match)`` -> a Check."""

    def __init__(self, entry_point):
        self.entry_point = entry_point

    def __call__(self, kind, match):
        return self.entry_point.load()(kind, match)


def defer():
    """Before oslo.policy parses its first rule (else a no-op)."""
    if getattr(_checks, 'extension_checks', False) is None:
        _checks.extension_checks = {
            ep.name: DeferredCheck(ep) for ep in importlib.metadata.entry_points(group=GROUP)}
