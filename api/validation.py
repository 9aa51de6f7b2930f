"""Request body and query string validation against the JSON schemas, with Nova's messages."""

import base64
import binascii
import ipaddress
import urllib.parse

import flask
import jsonschema
from oslo_utils import timeutils
from oslo_utils import uuidutils

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


@FORMAT_CHECKER.checks('uuid')
def _is_uuid(value):
    return not isinstance(value, str) or uuidutils.is_uuid_like(value)


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


# Every string a request carries may reach the database (a filter, a marker, a stored
# name), and the backends disagree on what they take: PostgreSQL refuses NUL, MySQL refuses
# what its column cannot hold, none should see undecodable bytes. Each string of the path,
# the query and a JSON body is checked here, once, for every route.
MAX_PATH_OR_QUERY_STRING = 255      # the String(255) columns a filter or marker is matched to
MAX_BODY_STRING = 65535             # the largest TEXT a body field may be stored in


def _string_problem(value, limit):
    """Why ``value`` must not reach the database, or None."""
    if '\x00' in value:
        return 'contains a NUL character'
    try:
        value.encode('utf-8')
    except UnicodeEncodeError:
        return 'is not valid Unicode (a lone surrogate)'
    if len(value) > limit:
        return f'is longer than {limit} characters'
    return None


def _utf8(raw, what):
    try:
        return raw.encode('latin-1').decode('utf-8')
    except UnicodeError as exc:
        raise exception.ValidationError(detail=f'Invalid input for {what}: not valid UTF-8.') \
            from exc


def check_path(environ):
    """400 when a segment of the URL path is not fit for the database."""
    path = _utf8(environ.get('PATH_INFO', ''), 'the URL path')
    for segment in path.split('/'):
        problem = _string_problem(segment, MAX_PATH_OR_QUERY_STRING)
        if problem:
            raise exception.ValidationError(
                detail=f'Invalid input for the URL path: a segment {problem}.')


def check_query(environ):
    """400 when a query parameter name or value is not fit for the database."""
    raw = environ.get('QUERY_STRING', '').encode('latin-1')
    for pair in filter(None, raw.split(b'&')):
        raw_name, _, raw_value = pair.partition(b'=')
        try:
            name, value = (urllib.parse.unquote_to_bytes(part.replace(b'+', b' '))
                           .decode('utf-8') for part in (raw_name, raw_value))
        except UnicodeDecodeError as exc:
            raise exception.ValidationError(
                detail='Invalid input for query parameters: not valid UTF-8.') from exc
        problem = _string_problem(name, MAX_PATH_OR_QUERY_STRING)
        if problem:
            raise exception.ValidationError(
                detail=f'Invalid input for query parameters: a parameter name {problem}.')
        problem = _string_problem(value, MAX_PATH_OR_QUERY_STRING)
        if problem:
            raise exception.ValidationError(
                detail=f'Invalid input for query parameters {name}. Value {problem}.')


def _strings(node, path=()):
    """(path, string, is_key) for every key and string value of a decoded JSON document;
    a key comes before its value, so a value's path holds only checked keys."""
    if isinstance(node, str):
        yield path, node, False
    elif isinstance(node, dict):
        for key, value in node.items():
            yield path, key, True
            yield from _strings(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*path, index))


def check_body(document):
    """400 when a key or string value of a JSON body is not fit for the database."""
    for path, text, is_key in _strings(document):
        problem = _string_problem(text, MAX_BODY_STRING)
        if problem:
            field = next((p for p in reversed(path) if isinstance(p, str)), 'body')
            what = 'A key' if is_key else 'Value'
            raise exception.ValidationError(
                detail=f'Invalid input for field/attribute {field}. {what} {problem}.')
