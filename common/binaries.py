"""Service binary names as clients and consumers see them (``[DEFAULT] binary_prefix``).

The database and the bus between Cepheid's own services always use the canonical names
(``cepheid-compute``, ``cepheid-api``); ``binary_prefix = nova`` renames them, for the
outside world only, to Nova's (``nova-compute``, ``nova-api``): notification publisher ids,
``os-services`` ``binary`` and its ``?binary=`` filter, and the logs.
"""

CANONICAL_PREFIX = 'cepheid'
PREFIXES = ('cepheid', 'nova')
COMPUTE = 'compute'
API = 'api'


def _service(binary):
    """``'compute'`` for ``'cepheid-compute'``, ``'nova-compute'`` or ``'compute'``."""
    prefix, sep, service = binary.partition('-')
    return service if sep and prefix in PREFIXES else binary


def canonical(service):
    """The stored name of ``service`` (``'compute'`` or any prefixed form)."""
    return f'{CANONICAL_PREFIX}-{_service(service)}'


def shown(conf, binary):
    """The name clients see for a stored (or bare) binary name."""
    return f'{conf.binary_prefix}-{_service(binary)}'


def from_shown(conf, binary):
    """The stored name behind a name a client sent (``?binary=``); None if it is not ours."""
    prefix, sep, service = binary.partition('-')
    if not sep or prefix != conf.binary_prefix:
        return None
    return canonical(service)
