"""Versioned ``flavor.create|update|delete`` notifications (Nova's FlavorPayload 1.4).

Sent by the api service, which alone changes flavors; there is no legacy form (Nova has
none either).
"""

from oslo_log import log as logging

from cepheid.common import binaries
from cepheid.common import rpc

LOG = logging.getLogger(__name__)


def publisher_id(conf, binary):
    """``<binary>:<host>`` as the instance notifications publish (``binary_prefix``)."""
    return f'{binaries.shown(conf, binary)}:{conf.host}'


def payload(flavor, *, loaded=True):
    """FlavorPayload; ``projects``/``extra_specs`` are null when not loaded (create sends
    ``projects: []``, delete neither), as Nova's samples show."""
    return {
        'nova_object.name': 'FlavorPayload', 'nova_object.namespace': 'nova',
        'nova_object.version': '1.4',
        'nova_object.data': {
            'flavorid': flavor['flavorid'], 'name': flavor['name'],
            'memory_mb': flavor['memory_mb'], 'vcpus': flavor['vcpus'],
            'root_gb': flavor['root_gb'], 'ephemeral_gb': flavor['ephemeral_gb'],
            'swap': flavor['swap'], 'rxtx_factor': flavor['rxtx_factor'],
            'vcpu_weight': 0, 'disabled': bool(flavor['disabled']),
            'is_public': bool(flavor['is_public']), 'description': flavor.get('description'),
            'extra_specs': dict(flavor['extra_specs']) if loaded else None,
            'projects': list(flavor['projects']) if loaded else None,
        },
    }


class VersionedNotifier:
    """Sends versioned INFO notifications of the api service, when the format wants them."""

    def __init__(self, conf, transport, *, binary):
        self.notifier = None
        if conf.notifications.notification_format in ('versioned', 'both'):
            self.notifier = rpc.get_notifier(
                conf, transport, publisher_id(conf, binary),
                conf.notifications.versioned_notifications_topics)

    def send(self, context, event_type, body):
        if self.notifier is None:
            return
        try:
            self.notifier.info(context, event_type, body)
        except Exception:
            LOG.exception('Failed to send %s', event_type)


class FlavorNotifier(VersionedNotifier):
    """``notify(context, flavor, 'create'|'update'|'delete')`` on the versioned topics."""

    def notify(self, context, flavor, action):
        body = payload(flavor, loaded=action == 'update')
        if action == 'create':
            body['nova_object.data']['projects'] = []
        self.send(context, f'flavor.{action}', body)
