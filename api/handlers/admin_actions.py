"""The admin and deferred-delete server actions: os-resetState, injectNetworkInfo,
migrate, restore and forceDelete (their ``perform`` functions; the action table and the
recipe live in server_actions.py)."""

from cepheid.api import helpers
from cepheid.common import exception
from cepheid.common import states

RESET_STATES = {'active': states.ACTIVE, 'error': states.ERROR}


def reset_state(compute_api, context, instance, value):
    compute_api.reset_state(context, instance, RESET_STATES[value['state']])


def inject_network_info(compute_api, context, instance, value):
    compute_api.inject_network_info(context, instance)


def migrate(compute_api, context, instance, value):
    """Before 2.56 the value is not read; from 2.56 it may name the destination host."""
    host = (value or {}).get('host') if helpers.version() >= '2.56' else None
    try:
        compute_api.migrate(context, instance, host=host)
    except (exception.NoValidHost, exception.ComputeHostNotFound) as exc:
        # Nova's migrate answers the scheduler's and the host lookup's failures with 400.
        raise exception.ValidationError(detail=exc.format_message()) from exc


def restore(compute_api, context, instance, value):
    compute_api.restore(context, instance)


def force_delete(compute_api, context, instance, value):
    compute_api.force_delete(context, instance)
