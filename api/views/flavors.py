"""Flavor views (Nova's shape, including the OS-FLV-* extension keys), per microversion."""

from cepheid.api.views import formats


def basic(flavor, *, version, base_url):
    view = {
        'id': flavor['flavorid'],
        'name': flavor['name'],
        'links': formats.self_links(base_url, 'flavors', flavor['flavorid']),
    }
    if version >= '2.55':
        view['description'] = flavor.get('description')
    return view


def detail(flavor, *, version, base_url, extra_specs=False):
    """The full view; ``extra_specs`` (2.61+) when the caller may list them."""
    swap = flavor.get('swap') or 0
    view = basic(flavor, version=version, base_url=base_url)
    view.update({
        'ram': flavor['memory_mb'],
        'disk': flavor['root_gb'],
        'vcpus': flavor['vcpus'],
        # Nova writes a zero swap as "" until 2.75.
        'swap': swap if swap or version >= '2.75' else '',
        'rxtx_factor': flavor.get('rxtx_factor') or '',
        'OS-FLV-EXT-DATA:ephemeral': flavor.get('ephemeral_gb') or 0,
        'OS-FLV-DISABLED:disabled': bool(flavor.get('disabled')),
        'os-flavor-access:is_public': bool(flavor.get('is_public', True)),
    })
    if version >= '2.61' and extra_specs:
        view['extra_specs'] = dict(flavor.get('extra_specs') or {})
    return view


def embedded(instance, *, extra_specs=True):
    """The flavor copy a server carries from 2.47 on: the snapshot taken at create, so
    a flavor changed or deleted later does not change it."""
    view = {
        'original_name': instance['flavor_name'],
        'vcpus': instance['vcpus'],
        'ram': instance['memory_mb'],
        'disk': instance['root_gb'],
        'ephemeral': instance.get('ephemeral_gb') or 0,
        'swap': instance.get('swap') or 0,
    }
    if extra_specs:
        view['extra_specs'] = dict(instance.get('flavor_extra_specs') or {})
    return view


def access(flavor):
    """``{"flavor_access": [{flavor_id, tenant_id}]}`` of a non-public flavor."""
    return {'flavor_access': [{'flavor_id': flavor['flavorid'], 'tenant_id': project_id}
                              for project_id in flavor.get('projects') or []]}
