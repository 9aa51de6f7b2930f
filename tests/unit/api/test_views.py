"""Server and flavor views per microversion, without HTTP."""

import datetime
import hashlib

from cepheid.api import microversion
from cepheid.api.views import flavors
from cepheid.api.views import formats
from cepheid.api.views import servers

WHEN = datetime.datetime(2013, 9, 23, 13, 53, 12)
URL = 'http://api.example/'


def _instance(**kw):
    inst = {
        'id': 26, 'uuid': 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee', 'display_name': 'My VM_1',
        'description': 'd', 'project_id': 'p1', 'user_id': 'u1', 'host': 'h1', 'node': 'h1',
        'availability_zone': None, 'image_ref': 'img-1', 'flavor_id': '1',
        'flavor_name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
        'ephemeral_gb': 0, 'swap': 0, 'meta': {'a': 'b'}, 'vm_state': 'active',
        'task_state': None, 'power_state': 1, 'launched_at': WHEN, 'terminated_at': None,
        'created_at': WHEN, 'updated_at': None, 'locked': True, 'locked_by': 'owner',
        'locked_reason': 'why',
    }
    inst.update(kw)
    return inst


def _opts(version, **kw):
    return servers.ViewOptions(version=microversion.APIVersion.parse(version), base_url=URL,
                               **kw)


def test_host_id_is_sha224_of_project_and_host():
    assert formats.host_id('p1', 'h1') == hashlib.sha224(b'p1h1').hexdigest()
    assert formats.host_id('p1', None) == ''


def test_times():
    assert formats.isotime(WHEN) == '2013-09-23T13:53:12Z'
    assert formats.perfect_time(WHEN) == '2013-09-23T13:53:12.000000'
    assert formats.isotime(None) is None


def test_detail_at_21():
    view = servers.detail(_instance(), _opts('2.1'))
    assert view['status'] == 'ACTIVE'
    assert view['updated'] == view['created'] == '2013-09-23T13:53:12Z'
    assert view['image'] == {'id': 'img-1', 'links': [
        {'rel': 'bookmark', 'href': URL + 'images/img-1'}]}
    assert view['links'][0]['href'] == URL + 'v2.1/servers/' + _instance()['uuid']
    assert view['OS-EXT-AZ:availability_zone'] == 'nova'
    assert view['progress'] == 0
    for later in ('locked', 'description', 'tags', 'locked_reason', 'host_status',
                  'OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:hostname', 'fault'):
        assert later not in view


def test_microversion_keys_appear_at_their_version():
    at = {v: servers.detail(_instance(), _opts(v)) for v in
          ('2.8', '2.9', '2.19', '2.26', '2.46', '2.47', '2.63', '2.72', '2.73', '2.90')}
    assert 'locked' not in at['2.8'] and at['2.9']['locked'] is True
    assert at['2.19']['description'] == 'd'
    assert at['2.26']['tags'] == []
    assert set(at['2.46']['flavor']) == {'id', 'links'}
    assert at['2.47']['flavor']['original_name'] == 'm1.tiny'
    assert at['2.63']['trusted_image_certificates'] is None
    assert 'locked_reason' not in at['2.72'] and at['2.73']['locked_reason'] == 'why'
    assert at['2.90']['OS-EXT-SRV-ATTR:hostname'] == 'my-vm-1'
    assert 'server_groups' not in at['2.90']


def test_admin_attributes_and_host_status():
    view = servers.detail(_instance(), _opts('2.16', admin_attrs=True,
                                              host_status={'h1': 'UP'}, show=True))
    assert view['OS-EXT-SRV-ATTR:instance_name'] == 'instance-0000001a'
    assert view['OS-EXT-SRV-ATTR:hypervisor_hostname'] == 'h1'
    assert view['OS-EXT-SRV-ATTR:launch_index'] == 0
    assert view['host_status'] == 'UP'


def test_reboot_statuses():
    assert servers.detail(_instance(task_state='rebooting'), _opts('2.1'))['status'] == 'REBOOT'
    view = servers.detail(_instance(task_state='reboot_started_hard'), _opts('2.1'))
    assert view['status'] == 'HARD_REBOOT'
    assert 'progress' not in view


def test_fault_details_hidden_for_500_unless_allowed():
    fault_row = {'code': 500, 'created_at': WHEN, 'message': 'boom', 'details': 'tb'}
    inst = _instance(vm_state='error')
    member = servers.detail(inst, _opts('2.1'), fault_row=fault_row)['fault']
    assert member == {'code': 500, 'created': '2013-09-23T13:53:12Z', 'message': 'boom'}
    admin = servers.detail(inst, _opts('2.1', fault_details=True), fault_row=fault_row)
    assert admin['fault']['details'] == 'tb'
    assert 'fault' not in servers.detail(_instance(), _opts('2.1'), fault_row=fault_row)


def test_no_image_is_empty_string():
    assert servers.detail(_instance(image_ref=None), _opts('2.1'))['image'] == ''


def test_flavor_swap_and_description():
    flavor = {'flavorid': '1', 'name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512, 'root_gb': 1,
              'ephemeral_gb': 0, 'swap': 0, 'rxtx_factor': 1.0, 'is_public': True,
              'disabled': False, 'description': None}
    v = microversion.APIVersion.parse
    assert flavors.detail(flavor, version=v('2.74'), base_url=URL)['swap'] == ''
    assert flavors.detail(flavor, version=v('2.75'), base_url=URL)['swap'] == 0
    assert flavors.detail(dict(flavor, swap=512), version=v('2.1'), base_url=URL)['swap'] == 512
    assert 'description' in flavors.basic(flavor, version=v('2.55'), base_url=URL)


def test_tags_from_226_in_detail_update_and_rebuild_views():
    inst = _instance(tags=['a', 'b'])
    assert 'tags' not in servers.detail(inst, _opts('2.25'))
    for view in (servers.detail, servers.updated, servers.rebuilt):
        assert view(inst, _opts('2.26', show=True))['tags'] == ['a', 'b']
    assert servers.detail(_instance(), _opts('2.26'))['tags'] == []
