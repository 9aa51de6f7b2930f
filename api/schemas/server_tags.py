"""JSON schemas of a server's tags (Nova's server_tags schemas, 2.26)."""

from cepheid.api.schemas import parameter_types

# PUT /servers/{id}/tags
update_all = {
    'type': 'object',
    'properties': {'tags': parameter_types.tags},
    'required': ['tags'],
    'additionalProperties': False,
}

# PUT /servers/{id}/tags/{tag}: no body (the tag is in the URL, checked on its own).
update = {'type': 'null'}

# The tag of the URL.
tag = parameter_types.tag
