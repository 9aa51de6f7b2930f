"""JSON schemas of a server's metadata (Nova's server_metadata schemas)."""

from cepheid.api.schemas import parameter_types

# POST (merge) and PUT (replace) /servers/{id}/metadata
metadata_body = {
    'type': 'object',
    'properties': {'metadata': parameter_types.metadata},
    'required': ['metadata'],
    'additionalProperties': False,
}

# PUT /servers/{id}/metadata/{key}: exactly one item
item_body = {
    'type': 'object',
    'properties': {
        'meta': dict(parameter_types.metadata, minProperties=1, maxProperties=1),
    },
    'required': ['meta'],
    'additionalProperties': False,
}
