"""The GET /limits query (Nova's limits schemas): tenant_id; from 2.75 nothing else."""

import copy

from cepheid.api.schemas import parameter_types

query = {
    'type': 'object',
    'properties': {'tenant_id': parameter_types.multi_params({'type': 'string'})},
    'additionalProperties': True,
}

query_v275 = copy.deepcopy(query)
query_v275['additionalProperties'] = False


def query_schema(version):
    return query_v275 if version >= '2.75' else query
