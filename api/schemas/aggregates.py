"""JSON schemas of /os-aggregates (Nova's schemas/aggregates.py)."""

import copy

from cepheid.api.schemas import parameter_types

# Nova's az_name: a name without ':' (``zone:host`` picks a host at server create).
az_name = dict(parameter_types.name, pattern=r'^(?!\s)[^:\x00-\x1f\x7f]*(?<!\s)$')
availability_zone = {'oneOf': [az_name, {'type': 'null'}]}


def _wrapped(name, inner):
    return {
        'type': 'object',
        'properties': {name: inner},
        'required': [name],
        'additionalProperties': False,
    }


create = _wrapped('aggregate', {
    'type': 'object',
    'properties': {'name': parameter_types.name, 'availability_zone': availability_zone},
    'required': ['name'],
    'additionalProperties': False,
})

update = copy.deepcopy(create)
del update['properties']['aggregate']['required']
update['properties']['aggregate']['anyOf'] = [{'required': ['name']},
                                              {'required': ['availability_zone']}]

# Nova's parameter_types.fqdn.
fqdn = {'type': 'string', 'minLength': 1, 'maxLength': 255, 'pattern': '^[a-zA-Z0-9-._]*$'}
_host = {
    'type': 'object',
    'properties': {'host': fqdn},
    'required': ['host'],
    'additionalProperties': False,
}
add_host = _wrapped('add_host', _host)
remove_host = _wrapped('remove_host', _host)

metadata_with_null = {
    'type': 'object',
    'patternProperties': {
        '^[a-zA-Z0-9-_:. ]{1,255}$': {'type': ['string', 'null'], 'maxLength': 255},
    },
    'additionalProperties': False,
}
set_metadata = _wrapped('set_metadata', {
    'type': 'object',
    'properties': {'metadata': metadata_with_null},
    'required': ['metadata'],
    'additionalProperties': False,
})
