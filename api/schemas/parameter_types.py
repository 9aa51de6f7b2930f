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

image_ref = {'type': 'string'}

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
