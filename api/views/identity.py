"""Keystone-shaped documents of the noauth2 identity stub: version documents and a token."""

import datetime
import uuid

from oslo_utils import timeutils

VERSION_ID = 'v3.14'
UPDATED = '2020-04-07T00:00:00Z'
REGION = 'RegionOne'
DOMAIN = {'id': 'default', 'name': 'Default'}
TOKEN_LIFETIME = datetime.timedelta(days=1)
INTERFACES = ('public', 'internal', 'admin')


def _v3(base_url):
    return {
        'id': VERSION_ID,
        'status': 'stable',
        'updated': UPDATED,
        'links': [{'rel': 'self', 'href': f'{base_url}identity/v3/'}],
        'media-types': [{'base': 'application/json',
                         'type': 'application/vnd.openstack.identity-v3+json'}],
    }


def versions_list(base_url):
    """GET /identity: Keystone's list of versions (only v3)."""
    return {'versions': {'values': [_v3(base_url)]}}


def version_document(base_url):
    """GET /identity/v3."""
    return {'version': _v3(base_url)}


def _service(service_type, name, url):
    endpoints = [{'id': uuid.uuid5(uuid.NAMESPACE_URL, f'{interface}:{url}').hex,
                  'interface': interface, 'region': REGION, 'region_id': REGION, 'url': url}
                 for interface in INTERFACES]
    return {'id': uuid.uuid5(uuid.NAMESPACE_URL, url).hex, 'type': service_type,
            'name': name, 'endpoints': endpoints}


def catalog(base_url):
    """The compute service (this api) and the identity stub itself."""
    return [_service('compute', 'nova', f'{base_url}v2.1'),
            _service('identity', 'keystone', f'{base_url}identity')]


def _isotime(value):
    return value.strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def token(*, user_id, project_id, roles, methods, base_url, now=None):
    """The body of a POST /identity/v3/auth/tokens (``project_id`` None: unscoped)."""
    now = now or timeutils.utcnow()
    body = {
        'methods': methods,
        'user': {'id': user_id, 'name': user_id, 'domain': DOMAIN,
                 'password_expires_at': None},
        'audit_ids': [uuid.uuid4().hex[:22]],
        'issued_at': _isotime(now),
        'expires_at': _isotime(now + TOKEN_LIFETIME),
    }
    if project_id is not None:
        body['project'] = {'id': project_id, 'name': project_id, 'domain': DOMAIN}
        body['is_domain'] = False
        body['roles'] = [{'id': role, 'name': role} for role in roles]
        body['catalog'] = catalog(base_url)
    return {'token': body}
