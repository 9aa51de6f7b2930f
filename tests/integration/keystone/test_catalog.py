"""keystoneauth1 password auth → service catalog → Cepheid's compute endpoint."""

import pytest
from keystoneauth1 import adapter
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from tests.fixtures import keystone_identity

pytestmark = pytest.mark.integration

COMPUTE = {'service_type': 'compute', 'interface': 'public'}


def _session(identity, user, project):
    auth = v3.Password(auth_url=identity['url'], username=user,
                       password=keystone_identity.PASSWORD, project_name=project,
                       user_domain_name='Default', project_domain_name='Default')
    return ks_session.Session(auth=auth)


def test_password_auth_finds_compute_in_the_catalog(cluster, identity, demo_server):
    session = _session(identity, 'demo-member', 'demo')
    assert session.get_endpoint(**COMPUTE) == cluster['client'].endpoint
    assert session.get_project_id() == identity['projects']['demo']
    resp = session.get('/servers', endpoint_filter=COMPUTE)
    assert resp.status_code == 200
    assert demo_server in {s['id'] for s in resp.json()['servers']}
    assert resp.headers['x-openstack-request-id'].startswith('req-')


def test_version_discovery_through_the_catalog(cluster, identity):
    session = _session(identity, 'demo-member', 'demo')
    data = session.get_endpoint_data(discover_versions=True, **COMPUTE)
    assert data.min_microversion == (2, 1)
    assert data.max_microversion >= (2, 73)
    assert data.api_version == (2, 1)


def test_adapter_microversion_and_scope(cluster, identity, demo_server, alt_server):
    compute = adapter.Adapter(_session(identity, 'alt-member', 'alt'),
                              default_microversion='2.73', raise_exc=False, **COMPUTE)
    resp = compute.get(f'/servers/{alt_server}')
    assert resp.status_code == 200
    assert resp.headers['OpenStack-API-Version'] == 'compute 2.73'
    assert resp.json()['server']['locked_reason'] is None
    assert compute.get(f'/servers/{demo_server}').status_code == 404
