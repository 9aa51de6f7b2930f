"""Flavors: list (summary and detail), show, and Nova's os-flavor-manage create, update
(2.55 description) and delete.

A non-admin sees public flavors and those shared with its project; an admin sees public
ones and its project's by default, and may ask for ``is_public=false|none``.
"""

import uuid

import flask
from oslo_utils import strutils
from werkzeug import exceptions as wz_exceptions

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import flavors as db_flavors
from cepheid.api.policies import flavor_extra_specs as spec_policies
from cepheid.api.policies import flavors as flavor_policies
from cepheid.api.schemas import flavors as schemas
from cepheid.api.views import flavors as views
from cepheid.common import exception

MANAGE = flavor_policies.MANAGE
ATTRIBUTES = (('ram', 'memory_mb', 1), ('vcpus', 'vcpus', 1), ('disk', 'root_gb', 0),
              ('OS-FLV-EXT-DATA:ephemeral', 'ephemeral_gb', 0), ('swap', 'swap', 0))


def _int_arg(name):
    value = flask.request.args.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise exception.ValidationError(
            detail=f'Invalid {name} filter [{value}]') from exc


def _is_public_arg():
    """Nova's admin-only is_public filter: absent → True, 'none' → None, else a boolean."""
    value = flask.request.args.get('is_public')
    if value is None:
        return True
    if value.lower() == 'none':
        return None
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError as exc:
        raise exception.ValidationError(detail=f'Invalid is_public filter [{value}]') from exc


def _visible(session):
    ctx = helpers.context()
    if not ctx.is_admin:
        return db_flavors.get_all(session, project_id=ctx.project_id, include_disabled=False)
    is_public = _is_public_arg()
    if is_public is None:
        return db_flavors.get_all(session)
    if is_public:
        return db_flavors.get_all(session, project_id=ctx.project_id)
    return db_flavors.get_all(session, private_only=True)


def _sorted(rows):
    """Ordered by ``sort_key`` (default flavorid) then id, both in ``sort_dir`` (asc)."""
    key = flask.request.args.get('sort_key') or 'flavorid'
    reverse = (flask.request.args.get('sort_dir') or 'asc') == 'desc'
    return sorted(rows, reverse=reverse,
                  key=lambda r: (r.get(key) is not None, r.get(key) or 0, r['id']))


def _flavors():
    """Visible flavors filtered by minRam/minDisk and paged by limit/marker (a flavor id)."""
    validation.validate_query(schemas.index_query_schema(helpers.version()), flask.request.args)
    min_ram, min_disk = _int_arg('minRam'), _int_arg('minDisk')
    with helpers.services().db.transaction() as session:
        rows = _sorted(_visible(session))
    if min_ram is not None:
        rows = [r for r in rows if r['memory_mb'] >= min_ram]
    if min_disk is not None:
        rows = [r for r in rows if r['root_gb'] >= min_disk]
    marker = flask.request.args.get('marker')
    if marker is not None:
        ids = [r['flavorid'] for r in rows]
        if marker not in ids:
            raise exception.ValidationError(detail=f'marker [{marker}] not found')
        rows = rows[ids.index(marker) + 1:]
    limit = helpers.query_limit()
    return rows[:limit], limit


def _detail(flavor):
    version = helpers.version()
    specs = version >= '2.61' and helpers.allowed(spec_policies.SPECS % 'index')
    return views.detail(flavor, version=version, base_url=helpers.base_url(),
                        extra_specs=specs)


def _collection(path, detailed):
    rows, limit = _flavors()
    version, base_url = helpers.version(), helpers.base_url()
    flavors = [_detail(r) if detailed else views.basic(r, version=version, base_url=base_url)
               for r in rows]
    body = {'flavors': flavors}
    links = helpers.next_links(path, flavors, limit)
    if links:
        body['flavors_links'] = links
    return flask.jsonify(body)


def index():
    return _collection('flavors', False)


def detail():
    return _collection('flavors/detail', True)


def show(flavor_id):
    with helpers.services().db.transaction() as session:
        flavor = db_flavors.get(session, flavor_id, project_id=helpers.flavor_scope())
    return flask.jsonify({'flavor': _detail(flavor)})


def _integer(value, name, minimum):
    """Nova's validate_integer: the schema lets digit strings of any size through."""
    value = int(value)
    if value < minimum:
        raise exception.ValidationError(detail=f'{name} must be >= {minimum}')
    if value > schemas.MAX_INT:
        raise exception.ValidationError(detail=f'{name} must be <= {schemas.MAX_INT}')
    return value


def _rxtx_factor(value):
    factor = float(value)
    if not 0 < factor <= schemas.SQL_SP_FLOAT_MAX:
        raise exception.ValidationError(
            detail=f"'rxtx_factor' argument must be a float between 0 and "
                   f"{schemas.SQL_SP_FLOAT_MAX:g}")
    return factor


def _create_values(body):
    """The flavors row of a validated POST /flavors body (Nova's flavors.create)."""
    values = {column: _integer(body.get(key, 0), key.rsplit(':', 1)[-1], minimum)
              for key, column, minimum in ATTRIBUTES}
    flavorid = body.get('id')
    values.update(
        flavorid=str(flavorid) if flavorid else str(uuid.uuid4()),
        name=body['name'].strip(),
        rxtx_factor=_rxtx_factor(body.get('rxtx_factor', 1.0)),
        is_public=strutils.bool_from_string(body.get('os-flavor-access:is_public', True),
                                            strict=True),
        description=body.get('description'))
    return values



def create():
    body = helpers.json_body()
    helpers.authorize(MANAGE % 'create', {})
    body = validation.validate(schemas.create_schema(helpers.version()), body)['flavor']
    values = _create_values(body)
    with helpers.services().db.transaction() as session:
        flavor = db_flavors.create(session, values)
    helpers.notify_flavor(flavor, 'create')
    return flask.jsonify({'flavor': _detail(flavor)})


def update(flavor_id):
    if helpers.version() < '2.55':
        raise wz_exceptions.NotFound()
    body = helpers.json_body()
    helpers.authorize(MANAGE % 'update', {})
    description = validation.validate(schemas.update_v255, body)['flavor']['description']
    with helpers.services().db.transaction() as session:
        flavor = db_flavors.update(session, flavor_id, {'description': description})
    helpers.notify_flavor(flavor, 'update')
    return flask.jsonify({'flavor': _detail(flavor)})


def delete(flavor_id):
    helpers.authorize(MANAGE % 'delete', {})
    with helpers.services().db.transaction() as session:
        flavor = db_flavors.destroy(session, flavor_id)
    helpers.notify_flavor(flavor, 'delete')
    return flask.Response(status=202)
