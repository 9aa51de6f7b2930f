"""POST /os-server-external-events: events from other services, dispatched to the hosts.

Nova's answer, event by event: the submitted event back with ``code`` and ``status`` —
200 ``completed`` when its server exists and has a host (the event is cast to that host),
404 ``failed`` for an unknown (or deleted) server, 422 ``failed`` for a server on no host
(not scheduled), 400 ``failed`` for a volume-extended without a tag. The response is 200
when every event was accepted, else 207 (Multi-Status), as Nova (which no longer answers
404 when no event is accepted). Policy (admin) → the schema of the microversion (400).
"""

import flask
from oslo_log import log as logging

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import instances as db_instances
from cepheid.api.policies import server_external_events as event_policies
from cepheid.api.schemas import server_external_events as schemas

LOG = logging.getLogger(__name__)
EVENTS = event_policies.EVENTS


def _outcome(event, instance):
    """(code, status) of one event for ``instance`` (None: no such server)."""
    if instance is None:
        LOG.debug('Dropping event %s:%s for unknown instance %s', event['name'],
                  event.get('tag'), event['server_uuid'])
        return 404, 'failed'
    if event['name'] == 'volume-extended' and event.get('tag') is None:
        LOG.debug('Event tag is missing for instance %s. Dropping event %s',
                  event['server_uuid'], event['name'])
        return 400, 'failed'
    if not instance['host']:
        LOG.debug('Unable to find a host for instance %s. Dropping event %s',
                  event['server_uuid'], event['name'])
        return 422, 'failed'
    LOG.info('Creating event %s:%s for instance %s on %s', event['name'], event.get('tag'),
             event['server_uuid'], instance['host'])
    return 200, 'completed'


def create():
    body = helpers.json_body()
    helpers.authorize(EVENTS % 'create', {})
    events = validation.validate(schemas.create_schema(helpers.version()), body)['events']
    with helpers.services().db.transaction() as session:
        instances = db_instances.get_by_uuids(session, {e['server_uuid'] for e in events})
    answers, accepted, status = [], [], 200
    for event in events:
        instance = instances.get(event['server_uuid'])
        code, outcome = _outcome(event, instance)
        answers.append(dict(event, status=outcome, code=code))
        if code == 200:
            accepted.append({'instance_uuid': event['server_uuid'], 'name': event['name'],
                             'status': event.get('status', 'completed'),
                             'tag': event.get('tag')})
        else:
            status = 207
    if accepted:
        helpers.services().compute_api.external_instance_event(
            helpers.context(), [instances[e['instance_uuid']] for e in accepted], accepted)
    response = flask.jsonify({'events': answers})
    response.status_code = status
    return response
