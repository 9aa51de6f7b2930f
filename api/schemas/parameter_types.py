"""Schema fragments shared by the resource schemas (Nova's parameter_types, trimmed)."""

name = {
    'type': 'string', 'minLength': 1, 'maxLength': 255,
    # Printable, no leading or trailing whitespace.
    'pattern': r'^(?!\s)[^\x00-\x1f\x7f]*(?<!\s)$',
}

description = {
    'type': ['string', 'null'], 'minLength': 0, 'maxLength': 255,
    'pattern': r'^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$',
}

metadata = {
    'type': 'object',
    'patternProperties': {
        '^[a-zA-Z0-9-_:. ]{1,255}$': {'type': 'string', 'maxLength': 255},
    },
    'additionalProperties': False,
}

flavor_ref = {'type': ['string', 'integer'], 'minLength': 1}

image_ref = {'type': 'string', 'maxLength': 255}

# Nova's admin_password: any string (an empty one means "generate one").
admin_password = {'type': 'string'}

# Nova's boolean body parameter: JSON booleans and the strings oslo's strutils accepts.
boolean = {
    'type': ['boolean', 'string'],
    'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
             False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
}

name_or_none = {'oneOf': [name, {'type': 'null'}]}

user_data = {'type': ['string', 'null'], 'format': 'base64', 'maxLength': 65535}

locked_reason = {'type': 'string', 'minLength': 1, 'maxLength': 255}

# Query parameters arrive as lists (``?status=a&status=b``), as in Nova's query schemas.
non_negative_integer = {
    'type': ['integer', 'string'], 'pattern': '^[0-9]*$', 'minimum': 0, 'minLength': 1,
}

date_time = {'type': 'string', 'format': 'date-time'}


def multi_params(schema):
    """A query parameter that may be repeated."""
    return {'type': 'array', 'items': schema}


def single_param(schema):
    """A query parameter given at most once."""
    return dict(multi_params(schema), maxItems=1)

# accessIPv4/accessIPv6 (Nova's parameter_types.accessIPv4/6).
access_ip_v4 = {'type': 'string', 'format': 'ipv4'}
access_ip_v6 = {'type': 'string', 'format': 'ipv6'}

# min_count / max_count: an integer >= 1, or its decimal string.
positive_integer = {
    'type': ['integer', 'string'], 'pattern': '^0*[1-9][0-9]*$', 'minimum': 1, 'minLength': 1,
}

# Nova's parameter_types.boolean: JSON booleans and their usual spellings.
boolean = {
    'type': ['boolean', 'string'],
    'enum': [True, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes',
             False, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
}

disk_config = {'type': 'string', 'enum': ['AUTO', 'MANUAL']}

# The 2.90 ``hostname`` of create and update (RFC 1123 label).
hostname = {
    'type': 'string', 'minLength': 2, 'maxLength': 63,
    'pattern': '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$',
}

# A compute host named by an admin (Nova's parameter_types.hostname of evacuate and
# live migration: underscores allowed, as real hosts have them).
compute_host = {'type': 'string', 'minLength': 1, 'maxLength': 255,
                'pattern': '^[a-zA-Z0-9-._]*$'}

# A server tag (Nova's parameter_types.tag) and the most a server may carry.
MAX_TAG_COUNT = 50
tag = {'type': 'string', 'minLength': 1, 'maxLength': 60, 'pattern': '^[^,/]*$'}
tags = {'type': 'array', 'items': tag, 'maxItems': MAX_TAG_COUNT}
