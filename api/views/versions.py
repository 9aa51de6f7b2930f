"""The version documents of GET /, GET /v2.1 and GET /v2 (Nova's legacy v2.0 endpoint)."""

from cepheid.api import microversion

DESCRIBED_BY = {'rel': 'describedby', 'type': 'text/html', 'href': 'https://docs.openstack.org/'}

# id → (status, version, min_version, updated, path, media type version), as Nova lists them.
VERSIONS = {
    'v2.0': ('SUPPORTED', '', '', '2011-01-21T11:33:21Z', 'v2/', '2'),
    'v2.1': ('CURRENT', microversion.MAX_VERSION, microversion.MIN_VERSION,
             '2013-07-23T11:33:21Z', 'v2.1/', '2.1'),
}


def _version(base_url, version_id):
    status, version, min_version, updated, path, _media = VERSIONS[version_id]
    return {
        'id': version_id,
        'status': status,
        'version': version,
        'min_version': min_version,
        'updated': updated,
        'links': [{'rel': 'self', 'href': f'{base_url}{path}'}],
    }


def version_document(base_url, version_id='v2.1'):
    """GET /v2.1 (or /v2): adds the describedby link and the media types."""
    doc = _version(base_url, version_id)
    doc['links'].append(dict(DESCRIBED_BY))
    media = VERSIONS[version_id][5]
    doc['media-types'] = [{'base': 'application/json',
                           'type': f'application/vnd.openstack.compute+json;version={media}'}]
    return {'version': doc}


def versions_list(base_url):
    """GET /: v2.0 first, then v2.1."""
    return {'versions': [_version(base_url, v) for v in sorted(VERSIONS)]}
