"""The admin and deferred-delete server actions: os-resetState, injectNetworkInfo,
restore and forceDelete (their ``perform`` functions; the action table and the recipe
live in server_actions.py; migrate is in move_actions.py)."""

from cepheid.common import states

RESET_STATES = {'active': states.ACTIVE, 'error': states.ERROR}


def reset_state(compute_api, context, instance, value):
    compute_api.reset_state(context, instance, RESET_STATES[value['state']])


def inject_network_info(compute_api, context, instance, value):
    compute_api.inject_network_info(context, instance)


def restore(compute_api, context, instance, value):
    compute_api.restore(context, instance)


def force_delete(compute_api, context, instance, value):
    compute_api.force_delete(context, instance)
