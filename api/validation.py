"""Request body and query string validation against the JSON schemas, with Nova's messages."""

import jsonschema
from oslo_utils import timeutils

from cepheid.common import exception

FORMAT_CHECKER = jsonschema.FormatChecker(formats=['regex'])


@FORMAT_CHECKER.checks('date-time', raises=ValueError)
def _is_date_time(value):
    """ISO 8601 as Nova's query schemas accept it (oslo.utils parse_isotime)."""
    if isinstance(value, str):
        timeutils.parse_isotime(value)
    return True


def detail(error):
    """Nova's wording: ``Invalid input for field/attribute X. Value: Y. <jsonschema msg>``."""
    if error.path:
        return (f'Invalid input for field/attribute {error.path[-1]}. '
                f'Value: {error.instance}. {error.message}')
    return error.message


def query_detail(error):
    """Nova's wording for a query parameter: the parameter name, not the list index."""
    if error.path:
        return (f'Invalid input for query parameters {error.path[0]}. '
                f'Value: {error.instance}. {error.message}')
    return error.message


def _first_error(schema, instance):
    validator = jsonschema.Draft4Validator(schema, format_checker=FORMAT_CHECKER)
    return next(iter(validator.iter_errors(instance)), None)


def validate(schema, body):
    """Return ``body`` when it matches ``schema``; else ValidationError (400) for the first
    error, as Nova reports it."""
    error = _first_error(schema, body)
    if error is not None:
        raise exception.ValidationError(detail=detail(error))
    return body


def validate_query(schema, args):
    """Check a query string (werkzeug MultiDict) against ``schema``; 400 on the first error.

    Parameters are lists of strings, as Nova's query schemas expect them.
    """
    params = {key: args.getlist(key) for key in args}
    error = _first_error(schema, params)
    if error is not None:
        raise exception.ValidationError(detail=query_detail(error))
    return params
