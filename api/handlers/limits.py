"""GET /limits: a project's absolute limits and what it uses, in Nova's shape.

Cepheid enforces no quotas, so every limit is -1 (unlimited), as Nova reports with its no-op
quota driver; the used counts are the project's live servers, their vCPUs and RAM (Cepheid
has no server groups, floating IPs or security groups: 0). Nova's microversions drop the
network limits at 2.36, maxImageMeta at 2.39 and the personality limits at 2.57.
"""

import flask

from cepheid.api import helpers
from cepheid.api import validation
from cepheid.api.db import instances as db_instances
from cepheid.api.policies import limits as limits_policies
from cepheid.api.schemas import limits as schemas

UNLIMITED = -1
_LIMITS = ('maxServerMeta', 'maxTotalInstances', 'maxTotalCores', 'maxTotalRAMSize',
           'maxTotalKeypairs', 'maxServerGroups', 'maxServerGroupMembers')
_NETWORK_LIMITS = ('maxSecurityGroups', 'maxSecurityGroupRules', 'maxTotalFloatingIps')
_NETWORK_USED = ('totalFloatingIpsUsed', 'totalSecurityGroupsUsed')


def _project_id(params):
    """The caller's project, or another one (?tenant_id=) for whom the policy allows."""
    project_id = helpers.context().project_id
    wanted = (params.get('tenant_id') or [None])[0]
    if wanted and wanted != project_id:
        helpers.authorize(limits_policies.OTHER_PROJECT, {'project_id': wanted})
        return wanted
    return project_id


def _absolute(version, instances, vcpus, ram):
    absolute = dict.fromkeys(_LIMITS, UNLIMITED)
    absolute.update(totalInstancesUsed=instances, totalCoresUsed=vcpus, totalRAMUsed=ram,
                    totalServerGroupsUsed=0)
    if version < '2.36':
        absolute.update(dict.fromkeys(_NETWORK_LIMITS, UNLIMITED))
        absolute.update(dict.fromkeys(_NETWORK_USED, 0))
    if version < '2.39':
        absolute['maxImageMeta'] = UNLIMITED
    if version < '2.57':
        absolute.update(maxPersonality=UNLIMITED, maxPersonalitySize=UNLIMITED)
    return absolute


def show():
    helpers.authorize(limits_policies.LIMITS)
    version = helpers.version()
    params = validation.validate_query(schemas.query_schema(version), flask.request.args)
    project_id = _project_id(params)
    with helpers.services().db.transaction() as session:
        instances, vcpus, ram = db_instances.usage(session, project_id)
    return flask.jsonify({'limits': {'rate': [],
                                     'absolute': _absolute(version, instances, vcpus, ram)}})
