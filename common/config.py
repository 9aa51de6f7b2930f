"""oslo.config options shared by every Cepheid service, and the ConfigOpts factory."""

import socket

from oslo_config import cfg
from oslo_log import log as logging

#: The exchange the services' topics live on unless ``control_exchange`` is set.
CONTROL_EXCHANGE = 'cepheid'

common_opts = [
    cfg.StrOpt('host', default=socket.gethostname(), sample_default='<hostname>',
               help='Name of this host: the compute RPC server name and the '
                    'instances this compute owns.'),
    cfg.StrOpt('executor', default='threading', choices=['threading', 'eventlet'],
               help='How RPC servers run their work: native threads (default) or '
                    'eventlet green threads (the process is monkey-patched at start).'),
    cfg.IntOpt('rpc_worker_threads', default=16, min=1,
               help='Worker threads that run compute operations and conductor calls.'),
    cfg.IntOpt('reboot_timeout', default=300, min=0,
               help='Seconds after which a reboot (or other task) still in progress '
                    'is considered stuck and is re-sent or ended with a fault.'),
    cfg.IntOpt('watchdog_interval', default=30, min=1,
               help='Seconds between the api service\'s checks for stuck tasks.'),
    cfg.IntOpt('service_down_time', default=60, min=1,
               help='Seconds since the last heartbeat after which a service is down.'),
    cfg.IntOpt('report_interval', default=10, min=1,
               help='Seconds between service heartbeats.'),
    cfg.BoolOpt('instance_usage_audit', default=False,
                help='Computes run the periodic instance usage audit: once per '
                     'instance_usage_audit_period each records in the task log how many '
                     'instances of its host existed in the last completed period (read by '
                     'os-instance_usage_audit_log) and sends their instance.exists '
                     'notifications.'),
    cfg.StrOpt('instance_usage_audit_period', default='month',
               regex=r'^(hour|day|month|year)(@([0-9]+))?$',
               help='Length of an audit period: hour, day, month or year, optionally with '
                    'an offset (day@18: days start at 18:00 UTC; month@15: on the 15th; '
                    'year@3: on March 1st). The api service reads it too.'),
    cfg.StrOpt('binary_prefix', default='cepheid', choices=['cepheid', 'nova'],
               help='Prefix of the service binary names that clients and notification '
                    'consumers see: publisher ids (<prefix>-compute:<host>), the '
                    'os-services "binary" field and filter, and the logs. "nova" makes '
                    'them Nova\'s (nova-compute, nova-api); with control_exchange = nova '
                    'a consumer written for Nova needs no change.'),
]

notification_opts = [
    cfg.StrOpt('notification_format', default='versioned',
               choices=['unversioned', 'versioned', 'both'],
               help='Which notification formats to emit. Legacy (unversioned) consumers '
                    'need "unversioned" or "both"; they are off by default because an '
                    'unconsumed legacy topic only fills up in the broker.'),
    cfg.ListOpt('versioned_notifications_topics', default=['versioned_notifications'],
                help='Topics for versioned notifications.'),
    cfg.ListOpt('legacy_notifications_topics', default=['notifications'],
                help='Topics for legacy (unversioned) notifications.'),
    cfg.StrOpt('publisher', default='lean', choices=('lean', 'rpc'),
               help="How notifications are published over RabbitMQ. lean: the message "
                    "oslo.messaging's messagingv2 driver sends, from up to 4 kombu "
                    "connections per process (about a quarter less CPU per "
                    "notification); a message it cannot send goes through oslo.messaging's "
                    "driver, and both are retried as [oslo_messaging_notifications] retry "
                    "says. rpc: always oslo.messaging's notifier. Other transports, a "
                    "configured [oslo_messaging_notifications] driver other than "
                    "messagingv2, or kombu_compression always use oslo.messaging."),
]


QUIET_LOGGERS = ['alembic=WARN']


def register_common_opts(conf):
    conf.register_opts(common_opts)
    conf.register_opts(notification_opts, group='notifications')


def list_opts():
    """Entry point for oslo-config-generator (namespace ``cepheid.common``)."""
    return [('DEFAULT', common_opts), ('notifications', notification_opts)]


def make_conf(*registrars):
    """Return a fresh ConfigOpts with the common, logging and messaging options registered.

    ``registrars`` are ``register_opts(conf)`` callables of the service modules.
    """
    conf = cfg.ConfigOpts()
    register_common_opts(conf)
    levels = logging.get_default_log_levels()
    if QUIET_LOGGERS[0] not in levels:
        # Alembic announces its plugins and dialect at INFO on every start.
        logging.set_defaults(default_log_levels=levels + QUIET_LOGGERS)
    logging.register_options(conf)
    # oslo.messaging's own options (transport, rabbit, notifications) are wanted before
    # first use, so that Cepheid's defaults can be set on them.
    from oslo_messaging import opts as messaging_opts
    for group, opts in messaging_opts.list_opts():
        conf.register_opts(opts, group=group)
    conf.set_default('control_exchange', CONTROL_EXCHANGE)
    # Compute queues and casts survive a broker restart (quorum queues are an option).
    conf.set_default('amqp_durable_queues', True, group='oslo_messaging_rabbit')
    # oslo.messaging registers its tracing and metrics groups only on the global CONF.
    from oslo_messaging._metrics import client as _metrics
    from oslo_messaging._tracing import client as _tracing
    conf.register_opts(_tracing.oslo_messaging_tracing, group='oslo_messaging_tracing')
    conf.register_opts(_metrics.oslo_messaging_metrics, group='oslo_messaging_metrics')
    for register in registrars:
        register(conf)
    return conf


def parse_args(conf, argv, *, default_config_files=None, prog=None):
    """Parse the command line and config files into ``conf``, then set up logging."""
    conf(argv, project='cepheid', prog=prog, default_config_files=default_config_files)
    logging.setup(conf, 'cepheid')


def setup_logging(conf):
    """oslo.log set-up for a ConfigOpts already parsed."""
    logging.setup(conf, 'cepheid')
