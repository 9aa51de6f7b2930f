"""The version documents of GET / and GET /v2.1."""

from cepheid.api import microversion

UPDATED = '2013-07-23T11:33:21Z'


def v21(base_url):
    return {
        'id': 'v2.1',
        'status': 'CURRENT',
        'version': microversion.MAX_VERSION,
        'min_version': microversion.MIN_VERSION,
        'updated': UPDATED,
        'links': [{'rel': 'self', 'href': f'{base_url}v2.1/'}],
    }


def version_document(base_url):
    """GET /v2.1: adds the describedby link and the media types."""
    doc = v21(base_url)
    doc['links'].append({'rel': 'describedby', 'type': 'text/html',
                         'href': 'https://docs.openstack.org/'})
    doc['media-types'] = [{'base': 'application/json',
                           'type': 'application/vnd.openstack.compute+json;version=2.1'}]
    return {'version': doc}


def versions_list(base_url):
    """GET /."""
    return {'versions': [v21(base_url)]}
