"""How Nova writes times, links and host ids in its responses."""

import hashlib

ISO_FORMAT = '%Y-%m-%dT%H:%M:%SZ'
PERFECT_FORMAT = '%Y-%m-%dT%H:%M:%S.%f'


def isotime(value):
    """``2013-09-23T13:53:12Z`` (server created/updated, fault created); None stays None."""
    return value.strftime(ISO_FORMAT) if value is not None else None


def perfect_time(value):
    """``2013-09-23T13:53:12.000000`` (launched_at, action times, service updated_at)."""
    return value.strftime(PERFECT_FORMAT) if value is not None else None


def host_id(project_id, host):
    """Nova's opaque per-project host id: sha224(project_id + host), "" without a host."""
    if not host:
        return ''
    return hashlib.sha224(((project_id or '') + host).encode('utf-8')).hexdigest()


def self_links(base_url, collection, item_id):
    """The versioned ``self`` and unversioned ``bookmark`` links of an item."""
    return [
        {'rel': 'self', 'href': f'{base_url}v2.1/{collection}/{item_id}'},
        {'rel': 'bookmark', 'href': f'{base_url}{collection}/{item_id}'},
    ]


def bookmark_links(base_url, collection, item_id):
    return [{'rel': 'bookmark', 'href': f'{base_url}{collection}/{item_id}'}]
