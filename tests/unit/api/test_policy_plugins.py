"""Rules of oslo.policy's plugin kinds (``http:``, ``https:``) still parse to its checks,
though the api loads the plugins only when a rule names one (api/policy_plugins.py)."""

from oslo_policy import _checks
from oslo_policy import _external
from oslo_policy import _parser

from cepheid.api import policies  # noqa: F401  (the rules are parsed at import)


def test_the_plugin_kinds_are_the_installed_ones():
    assert sorted(_checks.get_extensions()) == ['http', 'https']


def test_an_http_rule_gets_oslo_policys_http_check():
    check = _parser.parse_rule('http://policy.example/%(project_id)s')
    assert isinstance(check, _external.HttpCheck)
    assert str(check) == 'http://policy.example/%(project_id)s'


def test_an_https_rule_gets_oslo_policys_https_check():
    assert isinstance(_parser.parse_rule('https://policy.example/x'), _external.HttpsCheck)
