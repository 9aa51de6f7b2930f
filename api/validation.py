"""Request body and query string validation against the JSON schemas, with Nova's messages."""

import base64
import binascii
import ipaddress

import flask
import jsonschema
from oslo_utils import timeutils

from cepheid.api import legacy_v2
from cepheid.common import exception

FORMAT_CHECKER = jsonschema.FormatChecker(formats=['regex'])


@FORMAT_CHECKER.checks('ipv4', raises=ValueError)
def _is_ipv4(value):
    """accessIPv4 (Nova's parameter_types.accessIPv4)."""
    if isinstance(value, str):
        ipaddress.IPv4Address(value)
    return True


@FORMAT_CHECKER.checks('ipv6', raises=ValueError)
def _is_ipv6(value):
    if isinstance(value, str):
        ipaddress.IPv6Address(value)
    return True


@FORMAT_CHECKER.checks('date-time', raises=ValueError)
def _is_date_time(value):
    """ISO 8601 as Nova's query schemas accept it (oslo.utils parse_isotime)."""
    if isinstance(value, str):
        timeutils.parse_isotime(value)
    return True


@FORMAT_CHECKER.checks('base64', raises=(ValueError, binascii.Error))
def _is_base64(value):
    if isinstance(value, str):
        base64.b64decode(value, validate=True)
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


def _relaxed():
    """Nova's legacy v2 endpoint ignores unknown body properties instead of refusing them."""
    return flask.has_request_context() and legacy_v2.is_legacy(flask.request.environ)


def _first_error(schema, instance, *, relax=False):
    validator = jsonschema.Draft4Validator(schema, format_checker=FORMAT_CHECKER)
    for error in validator.iter_errors(instance):
        if relax and error.validator == 'additionalProperties':
            continue
        return error
    return None


def validate(schema, body):
    """Return ``body`` when it matches ``schema``; else ValidationError (400) for the first
    error, as Nova reports it."""
    error = _first_error(schema, body, relax=_relaxed())
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
