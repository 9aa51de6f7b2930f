"""GET /os-availability-zone(/detail): the zones of the enabled services, as Nova answers.

A compute's zone is the availability_zone of its host aggregates, else ``nova`` (Nova's
default_availability_zone); every other service's is ``internal``. A zone is available
when one of its services is enabled; the plain list hides ``internal``, the admin's detail
shows each enabled service per host with whether it is up.
"""

import flask

from cepheid.api import helpers
from cepheid.api.db import aggregates as db_aggregates
from cepheid.api.db import services as db_services
from cepheid.api.policies import availability_zones as az_policies
from cepheid.api.views import formats
from cepheid.api.views import services as service_views
from cepheid.common import binaries


def _zones(rows):
    """(available zones, unavailable zones), each sorted, from the service rows."""
    available = {r['zone'] for r in rows if not r.get('disabled')}
    unavailable = {r['zone'] for r in rows} - available
    return sorted(available), sorted(unavailable)


def _service_rows():
    """The service rows, each with its ``zone``."""
    with helpers.services().db.transaction() as session:
        rows = db_services.service_list(session)
        zones = db_aggregates.host_zones(session)
    return [dict(r, zone=service_views.zone(r, zones)) for r in rows]


def _entry(zone, available, hosts=None):
    return {'zoneName': zone, 'zoneState': {'available': available}, 'hosts': hosts}


def index():
    helpers.authorize(az_policies.AZ % 'list')
    available, unavailable = _zones(_service_rows())
    return flask.jsonify({'availabilityZoneInfo': [
        *(_entry(z, True) for z in available if z != service_views.INTERNAL_ZONE),
        *(_entry(z, False) for z in unavailable if z != service_views.INTERNAL_ZONE)]})


def _hosts(rows, zone):
    """{host: {binary: {available, active, updated_at}}} of the zone's enabled services."""
    conf = helpers.services().conf
    hosts = {}
    for row in rows:
        if row.get('disabled') or row['zone'] != zone:
            continue
        hosts.setdefault(row['host'], {})[binaries.shown(conf, row['binary'])] = {
            'available': db_services.is_up(row, conf.service_down_time),
            'active': True,
            'updated_at': formats.perfect_time(row.get('last_seen_up') or row.get('updated_at')),
        }
    return hosts


def detail():
    helpers.authorize(az_policies.AZ % 'detail')
    rows = _service_rows()
    available, unavailable = _zones(rows)
    return flask.jsonify({'availabilityZoneInfo': [
        *(_entry(z, True, _hosts(rows, z)) for z in available),
        *(_entry(z, False) for z in unavailable)]})
