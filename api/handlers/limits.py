"""GET /limits: a project's absolute limits and what it uses, in Nova's shape.

The limits are the project's quotas (api.quota: defaults, os-quota-sets); the used counts
are the project's live servers, their vCPUs and RAM and its server groups (Cepheid has no
floating IPs or security groups: their limits -1, used 0). Nova's microversions drop the
network limits at 2.36, maxImageMeta at 2.39 and the personality limits at 2.57.
"""

import flask

from cepheid.api import helpers
from cepheid.api import quota
from cepheid.api import validation
from cepheid.api.policies import limits as limits_policies
from cepheid.api.schemas import limits as schemas

UNLIMITED = -1
_LIMITS = {'maxServerMeta': 'metadata_items', 'maxTotalInstances': 'instances',
           'maxTotalCores': 'cores', 'maxTotalRAMSize': 'ram', 'maxTotalKeypairs': 'key_pairs',
           'maxServerGroups': 'server_groups', 'maxServerGroupMembers': 'server_group_members'}
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


def _absolute(version, limits, used):
    absolute = {key: limits[name] for key, name in _LIMITS.items()}
    absolute.update(totalInstancesUsed=used['instances'], totalCoresUsed=used['cores'],
                    totalRAMUsed=used['ram'], totalServerGroupsUsed=used['server_groups'])
    if version < '2.36':
        absolute.update(dict.fromkeys(_NETWORK_LIMITS, UNLIMITED))
        absolute.update(dict.fromkeys(_NETWORK_USED, 0))
    if version < '2.39':
        absolute['maxImageMeta'] = limits['metadata_items']
    if version < '2.57':
        absolute.update(maxPersonality=limits['injected_files'],
                        maxPersonalitySize=limits['injected_file_content_bytes'])
    return absolute


def show():
    helpers.authorize(limits_policies.LIMITS)
    version = helpers.version()
    params = validation.validate_query(schemas.query_schema(version), flask.request.args)
    project_id = _project_id(params)
    services = helpers.services()
    with services.db.transaction() as session:
        limits = quota.limits(session, services.conf, project_id)
        used = quota.usage(session, project_id)
    return flask.jsonify({'limits': {'rate': [], 'absolute': _absolute(version, limits, used)}})
