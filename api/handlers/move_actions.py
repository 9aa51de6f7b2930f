"""The server actions that move a server: resize, confirmResize, revertResize and
(admin) migrate — their ``perform`` functions, with Nova's answers: 400 for an unknown
flavor, the same flavor or no valid host, 403 over the cores/ram quota, 409 from the
guards; confirmResize answers 204. os-migrateLive (admin) reads its body per
microversion as Nova's controller does."""

import flask
from oslo_utils import strutils

from cepheid.api import helpers
from cepheid.api import quota
from cepheid.api.db import flavors as db_flavors
from cepheid.common import exception

_NOT_RESIZED = 'Instance has not been resized.'


def _flavor_id(flavor_ref):
    """A flavor id, or the last segment of a flavor link (Nova's get_id_from_href)."""
    return str(flavor_ref).rstrip('/').rsplit('/', 1)[-1]


def _new_flavor(instance, flavor_ref):
    services = helpers.services()
    with services.db.transaction() as session:
        try:
            flavor = db_flavors.get(session, _flavor_id(flavor_ref),
                                    project_id=helpers.flavor_scope())
        except exception.FlavorNotFound:
            flavor = None
        if flavor is None or flavor['disabled']:
            raise exception.ValidationError(detail='Unable to locate requested flavor.')
        # Nova counts a bigger flavor's extra cores and RAM against the quotas.
        quota.check_resize(session, services.conf, instance,
                           vcpus=flavor['vcpus'] - instance['vcpus'],
                           ram=flavor['memory_mb'] - instance['memory_mb'])
    return flavor


def resize(compute_api, context, instance, value):
    flavor = _new_flavor(instance, value['flavorRef'])
    try:
        compute_api.resize(context, instance, flavor)
    except exception.CannotResizeToSameFlavor as exc:
        raise exception.ValidationError(detail='Resize requires a flavor change.') from exc
    except exception.NoValidHost as exc:
        raise exception.ValidationError(detail=exc.format_message()) from exc


def confirm_resize(compute_api, context, instance, value):
    try:
        compute_api.confirm_resize(context, instance)
    except exception.MigrationNotFound as exc:
        raise exception.ValidationError(detail=_NOT_RESIZED) from exc
    return flask.Response(status=204)


def revert_resize(compute_api, context, instance, value):
    try:
        compute_api.revert_resize(context, instance)
    except exception.MigrationNotFound as exc:
        raise exception.ValidationError(detail=_NOT_RESIZED) from exc


def migrate(compute_api, context, instance, value):
    """Before 2.56 the value is not read; from 2.56 it may name the destination host."""
    host = (value or {}).get('host') if helpers.version() >= '2.56' else None
    try:
        compute_api.migrate(context, instance, host=host)
    except (exception.NoValidHost, exception.ComputeHostNotFound) as exc:
        # Nova's migrate answers the scheduler's and the host lookup's failures with 400.
        raise exception.ValidationError(detail=exc.format_message()) from exc


def _live_options(value, version):
    """(host, block_migration, force) of an os-migrateLive body valid at ``version``:
    before 2.25 disk_over_commit is read (and ignored: there is no shared storage to
    check), from 2.25 block_migration may be "auto" (None); 2.30-2.67 ``force`` needs a
    host. ``force`` is None before 2.30 (a named host is forced, as Nova's), False from
    2.68 (a named host goes through the scheduler)."""
    host = value['host']
    block_migration = value['block_migration']
    force = None if version < '2.30' else False
    if version >= '2.30' and version < '2.68':
        force = strutils.bool_from_string(value.get('force', False), strict=True)
        if force and not host:
            raise exception.ValidationError(
                detail="Can't force to a non-provided destination")
    if version >= '2.25' and block_migration == 'auto':
        return host, None, force
    if version < '2.25':
        strutils.bool_from_string(value['disk_over_commit'], strict=True)
    return host, strutils.bool_from_string(block_migration, strict=True), force


def live_migrate(compute_api, context, instance, value):
    """202; 400 when the host is unknown, is the instance's own, or the scheduler finds
    none (Nova's pre-2.34 answers: Cepheid's checks run in the request)."""
    host, block_migration, force = _live_options(value, helpers.version())
    try:
        compute_api.live_migrate(context, instance, host=host,
                                 block_migration=block_migration, force=force)
    except (exception.NoValidHost, exception.ComputeHostNotFound) as exc:
        raise exception.ValidationError(detail=exc.format_message()) from exc
