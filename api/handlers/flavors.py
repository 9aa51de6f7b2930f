"""GET /flavors, /flavors/detail and /flavors/{id}."""

import flask

from cepheid.api import helpers
from cepheid.api.db import services as db_services
from cepheid.api.views import flavors as views
from cepheid.common import exception


def _int_arg(name):
    value = flask.request.args.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise exception.ValidationError(
            detail=f'Invalid {name} filter [{value}]') from exc


def _flavors():
    """Enabled flavors filtered by minRam/minDisk and paged by limit/marker (a flavor id)."""
    with helpers.services().db.transaction() as session:
        rows = db_services.flavor_list(session)
    min_ram, min_disk = _int_arg('minRam'), _int_arg('minDisk')
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


def _collection(view, path):
    rows, limit = _flavors()
    version, base_url = helpers.version(), helpers.base_url()
    body = {'flavors': [view(r, version=version, base_url=base_url) for r in rows]}
    links = helpers.next_links(path, body['flavors'], limit)
    if links:
        body['flavors_links'] = links
    return flask.jsonify(body)


def index():
    return _collection(views.basic, 'flavors')


def detail():
    return _collection(views.detail, 'flavors/detail')


def show(flavor_id):
    with helpers.services().db.transaction() as session:
        flavor = db_services.flavor_get(session, flavor_id)
    return flask.jsonify({'flavor': views.detail(
        flavor, version=helpers.version(), base_url=helpers.base_url())})
