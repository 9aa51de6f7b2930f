"""Server views: the id/name/links summary and the full detail, per microversion."""

import dataclasses

from cepheid.api.views import flavors as flavor_views
from cepheid.api.views import formats
from cepheid.common import objects
from cepheid.common import states

PROGRESS_STATUSES = ('ACTIVE', 'BUILD')
FAULT_STATUSES = ('ERROR', 'DELETED')


@dataclasses.dataclass
class ViewOptions:
    """What the caller may see: the version asked for and the admin-only extras."""

    version: object
    base_url: str
    admin_attrs: bool = False       # OS-EXT-SRV-ATTR:* (os-extended-server-attributes)
    fault_details: bool = False     # a fault's details even when its code is 500
    host_status: dict | None = None  # {host: UP|DOWN|MAINTENANCE|UNKNOWN} when allowed (2.16+)
    show: bool = False               # GET /servers/{id} rather than a list
    flavor_extra_specs: bool = True  # the embedded flavor's extra_specs (2.47+), by policy


def basic(instance, *, base_url):
    return {
        'id': instance['uuid'],
        'name': instance['display_name'],
        'links': formats.self_links(base_url, 'servers', instance['uuid']),
    }


# The hostname rules live in common (notifications need them too).
sanitized_hostname = objects.sanitized_hostname
hostname = objects.hostname


def _image(instance, base_url):
    ref = instance.get('image_ref')
    if not ref:
        return ''
    return {'id': ref, 'links': formats.bookmark_links(base_url, 'images', ref)}


def _flavor(instance, opts):
    if opts.version >= '2.47':
        return flavor_views.embedded(instance, extra_specs=opts.flavor_extra_specs)
    return {'id': instance['flavor_id'],
            'links': formats.bookmark_links(opts.base_url, 'flavors', instance['flavor_id'])}


def fault(fault_row, *, show_details):
    view = {'code': fault_row['code'], 'created': formats.isotime(fault_row['created_at']),
            'message': fault_row['message']}
    if fault_row.get('details') and (show_details or fault_row['code'] != 500):
        view['details'] = fault_row['details']
    return view


def _core(instance, opts):
    host = instance.get('host')
    return {
        'id': instance['uuid'],
        'name': instance['display_name'],
        'status': states.status_from_state(instance['vm_state'], instance['task_state']),
        'tenant_id': instance['project_id'] or '',
        'user_id': instance['user_id'] or '',
        'metadata': dict(instance.get('meta') or {}),
        'hostId': formats.host_id(instance['project_id'], host),
        'image': _image(instance, opts.base_url),
        'flavor': _flavor(instance, opts),
        'created': formats.isotime(instance['created_at']),
        'updated': formats.isotime(instance.get('updated_at') or instance['created_at']),
        'addresses': {},
        'accessIPv4': instance.get('access_ip_v4') or '',
        'accessIPv6': instance.get('access_ip_v6') or '',
        'links': formats.self_links(opts.base_url, 'servers', instance['uuid']),
        'OS-DCF:diskConfig': 'MANUAL',
        'key_name': instance.get('key_name'),
        'config_drive': '',
        'OS-EXT-AZ:availability_zone':
            instance.get('availability_zone') or ('nova' if host else ''),
        'OS-EXT-STS:vm_state': instance['vm_state'],
        'OS-EXT-STS:task_state': instance['task_state'],
        'OS-EXT-STS:power_state': instance['power_state'],
        'OS-SRV-USG:launched_at': formats.perfect_time(instance.get('launched_at')),
        'OS-SRV-USG:terminated_at': formats.perfect_time(instance.get('terminated_at')),
        'os-extended-volumes:volumes_attached': [],
        'security_groups': [{'name': 'default'}],
    }


def _admin_attrs(instance, version):
    attrs = {
        'OS-EXT-SRV-ATTR:host': instance.get('host'),
        'OS-EXT-SRV-ATTR:hypervisor_hostname': instance.get('node') or instance.get('host'),
        'OS-EXT-SRV-ATTR:instance_name': f"instance-{instance['id']:08x}",
    }
    if version >= '2.3':
        attrs.update({
            # Rows created before reservation ids were stored get a stable derived one.
            'OS-EXT-SRV-ATTR:reservation_id':
                instance.get('reservation_id') or f"r-{instance['uuid'][:8]}",
            'OS-EXT-SRV-ATTR:launch_index': instance.get('launch_index') or 0,
            'OS-EXT-SRV-ATTR:hostname': hostname(instance),
            'OS-EXT-SRV-ATTR:kernel_id': '',
            'OS-EXT-SRV-ATTR:ramdisk_id': '',
            'OS-EXT-SRV-ATTR:root_device_name': None,
            'OS-EXT-SRV-ATTR:user_data': instance.get('user_data'),
        })
    return attrs


def _versioned(instance, opts):
    """The keys later microversions added."""
    version = opts.version
    extra = {}
    if version >= '2.9':
        extra['locked'] = bool(instance.get('locked'))
    if version >= '2.16' and opts.host_status is not None:
        host = instance.get('host')
        extra['host_status'] = opts.host_status.get(host, 'UNKNOWN') if host else ''
    if version >= '2.19':
        extra['description'] = instance.get('description')
    if version >= '2.26':
        # The handler reads them from the tags table (api/db/tags.py) into the row.
        extra['tags'] = list(instance.get('tags') or [])
    if version >= '2.63':
        extra['trusted_image_certificates'] = None
    if version >= '2.71' and opts.show:
        extra['server_groups'] = []
    if version >= '2.73':
        extra['locked_reason'] = instance.get('locked_reason')
    if version >= '2.90':
        extra['OS-EXT-SRV-ATTR:hostname'] = hostname(instance)
    return extra


def detail(instance, opts, *, fault_row=None):
    """The full server view; ``fault_row`` is its newest fault (shown when ERROR/DELETED)."""
    view = _core(instance, opts)
    if view['status'] in PROGRESS_STATUSES:
        view['progress'] = 0
    if view['status'] in FAULT_STATUSES and fault_row:
        view['fault'] = fault(fault_row, show_details=opts.fault_details)
    if opts.admin_attrs:
        view.update(_admin_attrs(instance, opts.version))
    view.update(_versioned(instance, opts))
    return view


# The keys of PUT /servers/{id} before 2.75 (Tempest's update_server schemas); from 2.75
# the update answers with the full show view.
UPDATE_KEYS = frozenset([
    'id', 'name', 'status', 'tenant_id', 'user_id', 'metadata', 'hostId', 'image', 'flavor',
    'created', 'updated', 'addresses', 'accessIPv4', 'accessIPv6', 'links',
    'OS-DCF:diskConfig', 'progress', 'fault', 'locked', 'description', 'tags',
    'trusted_image_certificates', 'server_groups', 'locked_reason',
])


def updated(instance, opts):
    """The 200 body's server of PUT /servers/{id} (``opts.show`` is expected True)."""
    view = detail(instance, opts)
    if opts.version >= '2.75':
        return view
    return {key: value for key, value in view.items() if key in UPDATE_KEYS}


def rebuilt(instance, opts):
    """The 202 body's server of a rebuild: the update view before 2.75 plus ``key_name``
    (2.54+), the show view from 2.75 without the admin ``OS-EXT-SRV-ATTR:user_data``; from
    2.57 the server's (new) ``user_data``, as Nova."""
    view = updated(instance, opts)
    if opts.version >= '2.75':
        view.pop('OS-EXT-SRV-ATTR:user_data', None)
    elif opts.version >= '2.54':
        view['key_name'] = instance.get('key_name')
    if opts.version >= '2.57':
        view['user_data'] = instance.get('user_data')
    return view


def created(instance, *, base_url, admin_pass):
    """The 202 body of POST /servers."""
    return {
        'id': instance['uuid'],
        'links': formats.self_links(base_url, 'servers', instance['uuid']),
        'adminPass': admin_pass,
        'OS-DCF:diskConfig': 'MANUAL',
        'security_groups': [{'name': 'default'}],
    }
