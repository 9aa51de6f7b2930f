"""Compute API microversions: parse the request headers, compare, and echo them back."""

import re

from cepheid.common import exception

SERVICE_TYPE = 'compute'
HEADER = 'OpenStack-API-Version'
LEGACY_HEADER = 'X-OpenStack-Nova-API-Version'
VARY = f'{HEADER}, {LEGACY_HEADER}'

MIN_VERSION = '2.1'
MAX_VERSION = '2.90'

_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class APIVersion(tuple):
    """A (major, minor) pair that also compares with strings: ``version >= '2.19'``."""

    def __new__(cls, major, minor):
        return super().__new__(cls, (int(major), int(minor)))

    @classmethod
    def parse(cls, text):
        match = _VERSION_RE.match(text.strip())
        if not match:
            raise exception.InvalidMicroversion(
                message=f'API Version String {text} is of invalid format. '
                        'Must be of format MajorNum.MinorNum.',
                version=text)
        return cls(match.group(1), match.group(2))

    @staticmethod
    def _coerce(other):
        return APIVersion.parse(other) if isinstance(other, str) else other

    def __lt__(self, other):
        return tuple.__lt__(self, self._coerce(other))

    def __le__(self, other):
        return tuple.__le__(self, self._coerce(other))

    def __gt__(self, other):
        return tuple.__gt__(self, self._coerce(other))

    def __ge__(self, other):
        return tuple.__ge__(self, self._coerce(other))

    def __eq__(self, other):
        return tuple.__eq__(self, self._coerce(other))

    def __ne__(self, other):
        return not self == other

    __hash__ = tuple.__hash__

    def __str__(self):
        return f'{self[0]}.{self[1]}'


MIN = APIVersion.parse(MIN_VERSION)
MAX = APIVersion.parse(MAX_VERSION)


def requested(headers):
    """The compute version asked for in ``headers`` (a mapping), or None when absent.

    ``OpenStack-API-Version: compute X.Y`` wins over the legacy Nova header; the
    former may list several services (``compute 2.53, placement 1.10``).
    """
    value = headers.get(HEADER)
    if value:
        for item in value.split(','):
            service, _sep, version = item.strip().partition(' ')
            if service.lower() == SERVICE_TYPE:
                return version.strip()
    legacy = headers.get(LEGACY_HEADER)
    if legacy:
        return legacy.strip()
    return None


def from_headers(headers):
    """The APIVersion of a request: absent → minimum, ``latest`` → maximum.

    Malformed → InvalidMicroversion (400); out of range → MicroversionNotAcceptable (406).
    """
    text = requested(headers)
    if text is None:
        return MIN
    if text.lower() == 'latest':
        return MAX
    version = APIVersion.parse(text)
    if not MIN <= version <= MAX:
        raise exception.MicroversionNotAcceptable(
            version=text, min_version=MIN_VERSION, max_version=MAX_VERSION)
    return version


def response_headers(version):
    """The headers every /v2.1 response carries for ``version``."""
    return {
        HEADER: f'{SERVICE_TYPE} {version}',
        LEGACY_HEADER: str(version),
        'Vary': VARY,
    }
