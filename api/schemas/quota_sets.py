"""os-quota-sets update body and query (Nova's schemas): the network resources go at
2.36, the injected-file ones at 2.57; ``user_id`` in the query."""

import copy

COUNTED = ('instances', 'cores', 'ram', 'metadata_items', 'key_pairs', 'server_groups',
           'server_group_members')
NETWORK = ('floating_ips', 'fixed_ips', 'security_groups', 'security_group_rules')
INJECTED = ('injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes')


def resources(version):
    """The resources a quota set has at ``version``: 2.36 drops the network ones, 2.57
    the injected-file ones."""
    names = list(COUNTED)
    if version < '2.57':
        names += list(INJECTED)
    if version < '2.36':
        names += list(NETWORK)
    return names

_LIMIT = {'type': ['integer', 'string'], 'pattern': '^-?[0-9]+$', 'minimum': -1,
          'maximum': 0x7FFFFFFF}


def _update(names):
    props = {name: _LIMIT for name in names}
    props['force'] = {
        'type': ['boolean', 'string'],
        'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
                 False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No',
                 'no']}
    return {
        'type': 'object',
        'properties': {'quota_set': {'type': 'object', 'properties': props,
                                     'additionalProperties': False}},
        'required': ['quota_set'], 'additionalProperties': False,
    }


def update_schema(version):
    return _update(resources(version))


query = {
    'type': 'object',
    'properties': {'user_id': {'type': 'array', 'items': {'type': 'string'}}},
    'additionalProperties': True,
}
query_v275 = copy.deepcopy(query)
query_v275['additionalProperties'] = False


def query_schema(version):
    return query_v275 if version >= '2.75' else query
