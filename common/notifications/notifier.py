"""InstanceNotifier: sends ``instance.<action>.<phase>`` (versioned) and
``compute.instance.<action>.<phase>`` (legacy), as ``[notifications] notification_format`` asks."""

from oslo_log import log as logging

from cepheid.common import binaries
from cepheid.common import rpc
from cepheid.common.notifications import exists
from cepheid.common.notifications import legacy as legacy_payloads
from cepheid.common.notifications import payloads

LOG = logging.getLogger(__name__)
# Nova's legacy names of the actions whose versioned name differs.
LEGACY_ACTIONS = {'resize_prep': 'resize.prep', 'resize_finish': 'finish_resize',
                  'resize_confirm': 'resize.confirm', 'resize_revert': 'resize.revert',
                  'live_migration_pre': 'live_migration.pre',
                  'live_migration_post': 'live_migration._post',
                  'live_migration_post_dest': 'live_migration.post.dest',
                  'live_migration_rollback': 'live_migration._rollback',
                  'live_migration_rollback_dest': 'live_migration.rollback.dest',
                  'live_migration_abort': 'live.migration.abort',
                  'live_migration_force_complete': 'live.migration.force.complete'}


class InstanceNotifier:
    """Versioned publisher ``<binary>:<host>`` (``binary_prefix`` names the binary);
    legacy publisher ``compute.<host>`` as Nova's, whichever service sends."""

    def __init__(self, conf, transport, *, service, host, fmt=None):
        # ``fmt``: another service's notification_format (the api sending a compute's).
        fmt = fmt or conf.notifications.notification_format
        self.format = fmt
        topics = conf.notifications
        self.publisher_id = f'{binaries.shown(conf, service)}:{host}'
        self.versioned = None
        self.legacy = None
        if fmt in ('versioned', 'both'):
            self.versioned = rpc.get_notifier(conf, transport, self.publisher_id,
                                              topics.versioned_notifications_topics)
        if fmt in ('unversioned', 'both'):
            # Nova's legacy publisher is compute.<host> from its api service too.
            self.legacy = rpc.get_notifier(conf, transport, f'compute.{host}',
                                           topics.legacy_notifications_topics)

    def notify(self, context, instance, action, phase=None, *, exc=None, legacy=True,
               extra=None):
        """Send ``instance.<action>[.<phase>]``; ``phase='error'`` goes at ERROR priority.

        ``legacy=False`` for events Nova has no unversioned form of (lock, unlock);
        ``extra``: the keys the action's payload class adds (``rescue_image_ref``).
        """
        suffix = f'{action}.{phase}' if phase else action
        event = f'instance.{suffix}'
        try:
            if self.versioned is not None:
                fault = payloads.exception_payload(exc) if exc is not None else None
                payload = payloads.payload_for(action, context, instance, fault=fault,
                                               **(extra or {}))
                send = self.versioned.error if phase == 'error' else self.versioned.info
                send(context, event, payload)
            if self.legacy is not None and legacy:
                send = self.legacy.error if phase == 'error' else self.legacy.info
                name = LEGACY_ACTIONS.get(action, action)
                suffix = f'{name}.{phase}' if phase else name
                send(context, f'compute.instance.{suffix}',
                     legacy_payloads.legacy_payload(instance, event=suffix, exception=exc))
        except Exception:
            LOG.exception('Failed to send notification %s for %s', event, instance['uuid'])

    def notify_exists(self, context, instance, *, begin, end):
        """Send ``instance.exists`` for the audit period [begin, end]. Unlike ``notify``
        a failure is raised: the usage audit counts it as an error of its run."""
        if self.versioned is not None:
            self.versioned.info(context, 'instance.exists',
                                exists.versioned_payload(context, instance, begin, end))
        if self.legacy is not None:
            self.legacy.info(context, 'compute.instance.exists',
                             exists.legacy_payload(instance, begin, end))
