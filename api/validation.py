"""Request body validation against the JSON schemas, with Nova's error messages."""

import jsonschema

from cepheid.common import exception


def detail(error):
    """Nova's wording: ``Invalid input for field/attribute X. Value: Y. <jsonschema msg>``."""
    if error.path:
        return (f'Invalid input for field/attribute {error.path[-1]}. '
                f'Value: {error.instance}. {error.message}')
    return error.message


def validate(schema, body):
    """Return ``body`` when it matches ``schema``; else ValidationError (400) for the first
    error, as Nova reports it."""
    validator = jsonschema.Draft4Validator(schema)
    error = next(iter(validator.iter_errors(body)), None)
    if error is not None:
        raise exception.ValidationError(detail=detail(error))
    return body
