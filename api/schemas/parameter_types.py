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
