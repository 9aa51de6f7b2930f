"""Validation of well-known flavor extra specs from microversion 2.86 (Nova's validators).

Cepheid checks the common ``hw:*``/``hw_rng:*`` keys below; every other key (custom
namespaces included) is stored as given. Nova also refuses unknown keys of its own
namespaces; Cepheid, whose drivers read none of them, is lenient there.
"""

import re

from oslo_utils import strutils

from cepheid.common import exception

_ENUMS = {
    'hw:cpu_policy': ('dedicated', 'shared', 'mixed'),
    'hw:cpu_thread_policy': ('prefer', 'isolate', 'require'),
    'hw:emulator_threads_policy': ('share', 'isolate'),
    'hw:watchdog_action': ('disabled', 'reset', 'poweroff', 'pause', 'none'),
}
_POSITIVE_INTS = ('hw:numa_nodes', 'hw:cpu_sockets', 'hw:cpu_cores', 'hw:cpu_threads',
                  'hw:cpu_max_sockets', 'hw:cpu_max_cores', 'hw:cpu_max_threads')
_BOOLS = ('hw:cpu_realtime', 'hw:boot_menu', 'hw_rng:allowed', 'hw:hide_hypervisor_id')
_PAGE_SIZE = re.compile(r'^(small|large|any|\d+([kKmMgGtT]i?[bB]?)?)$')


def _fail(name, why):
    raise exception.ValidationError(detail=f"Validation failed; extra spec '{name}' {why}.")


def validate(name, value):
    """Raise ValidationError (400) when ``value`` is not valid for the known key ``name``."""
    if name in _ENUMS and value not in _ENUMS[name]:
        _fail(name, f"must be one of: {', '.join(_ENUMS[name])}; got '{value}'")
    if name in _POSITIVE_INTS:
        try:
            number = int(value)
        except ValueError:
            _fail(name, f"must be an integer; got '{value}'")
        if number < 1:
            _fail(name, f"must be greater than or equal to 1; got '{value}'")
    if name in _BOOLS:
        try:
            strutils.bool_from_string(value, strict=True)
        except ValueError:
            _fail(name, f"must be a boolean; got '{value}'")
    if name == 'hw:mem_page_size' and not _PAGE_SIZE.match(value):
        _fail(name, f"must be small, large, any or a size; got '{value}'")
