"""Policies of the extensions resource (Nova's defaults)."""

from cepheid.api.policies import base

EXTENSIONS = 'os_compute_api:extensions'

rules = [
    # Nova: any authenticated caller may list the extensions.
    base.rule(EXTENSIONS, '@', 'List available extensions and show information for an '
              'extension by alias', [('GET', '/extensions'), ('GET', '/extensions/{alias}')]),
]


def list_rules():
    return rules
