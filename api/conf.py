"""oslo.config options of the api service: the REST server and the database."""

import os

from oslo_config import cfg
from oslo_policy import opts as policy_opts

# Client connections one api process keeps open by default (Nova's eventlet server served
# up to wsgi_default_pool_size = 1,000); api/wsgi.py's servers take it as theirs.
MAX_CONNECTIONS = 1000


def cpu_count():
    """The CPU cores this process may run on (its affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1

api_opts = [
    cfg.StrOpt('auth_strategy', default='keystone', choices=['noauth2', 'keystone'],
               help="How requests are authenticated: 'keystone' (keystonemiddleware "
                    "auth_token, the [keystone_authtoken] group) or 'noauth2' (tests and "
                    "demos: the token 'user:project' is trusted as is)."),
    cfg.IntOpt('max_request_body_size', default=114688, min=1,
               help='Largest request body accepted, in bytes; bigger ones get 413.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Most items a collection GET returns in one page.'),
    cfg.IntOpt('max_servers_per_create', default=10, min=1,
               help='Most servers one POST /servers creates (Cepheid has no quotas; this '
                    "is Nova's default instances quota). A larger max_count creates this "
                    'many; a larger min_count is refused with 403.'),
    cfg.HostAddressOpt('listen', default='127.0.0.1',
                       help='Address the REST API listens on.'),
    cfg.PortOpt('port', default=8774, help='Port the REST API listens on.'),
    cfg.IntOpt('threads', default=8, min=1,
               help='Request threads of the WSGI server (waitress) per process.'),
    cfg.IntOpt('max_connections', default=MAX_CONNECTIONS, min=1,
               help='Most client connections one api process keeps open, idle keep-alive '
                    "ones and the dashboard's event streams included (as Nova's eventlet "
                    "server's wsgi_default_pool_size). At the limit the process accepts no "
                    'new connection until one closes; waitress closes an idle one after 120 '
                    "s. waitress's own limit (100, its two sockets included) stalled the "
                    '99th client.'),
    cfg.IntOpt('workers', default=cpu_count(), min=1,
               sample_default='<number of CPU cores>',
               help='Number of api processes serving the REST API (default: the number of '
                    'CPU cores this process may run on; more processes than cores only '
                    'slow it down). 1 serves from the cepheid-api process itself.'),
    cfg.BoolOpt('enable_instance_password', default=True,
                help="Return the administrative password in the responses of rebuild and "
                     "rescue (Nova's option of the same name)."),
    cfg.IntOpt('outbox_claim_seconds', default=30, min=1,
               help='How long an api process holds the casts it wrote to the outbox '
                    '(renewed while it retries); after that, if it died, another api '
                    'process publishes them.'),
    cfg.StrOpt('compute_rpc_version_cap',
               help="The highest compute RPC version this api sends (Nova's [upgrade_levels] "
                    "compute): set it to the oldest compute's during a rolling upgrade, "
                    "e.g. 1.7 before every compute takes run_casts (1.8: the outbox's casts "
                    "for one host published together as one message). Unset: the newest."),
    cfg.FloatOpt('outbox_poll_interval', default=1.0, min=0.05,
                 help='Seconds between looks for outbox casts whose api process died; '
                      'while the looks find none they space out, doubling up to a sixth '
                      'of outbox_claim_seconds.'),
    cfg.FloatOpt('heartbeat_flush_interval', default=1.0, min=0.0,
                 help='Seconds between writes of the computes\' heartbeats and capacity '
                      'reports, batched: one transaction for all the computes heard from '
                      'meanwhile (a compute\'s first heartbeat is written at once). 0: one '
                      'transaction per heartbeat.'),
    cfg.StrOpt('heartbeat_consumer', default='lean', choices=('lean', 'rpc'),
               help='How this api process takes the computes\' heartbeats. lean: one kombu '
                    'consumer of the topic cepheid-heartbeat (oslo.messaging casts, decoded '
                    'without the RPC dispatcher; RabbitMQ transports only), advertised to '
                    'each compute in the answer to its first heartbeat. rpc: on the '
                    'conductor topic through oslo.messaging, as before.'),
    cfg.StrOpt('steps_consumer', default='lean', choices=('lean', 'rpc'),
               help='How this api process takes the steps computes report (begin, '
                    'task_advance, task_update, task_finish, report_batch). lean: kombu '
                    'consumers of the topic cepheid-api-steps (oslo.messaging calls and '
                    'casts, answered in its reply format without the RPC server; RabbitMQ '
                    'transports only), advertised to each compute in the answer to its '
                    'called heartbeat. rpc: on the conductor topic through oslo.messaging, '
                    'as before.'),
    cfg.StrOpt('casts_publisher', default='lean', choices=('lean', 'rpc'),
               help="How the outbox's casts to the computes leave this api process over "
                    "RabbitMQ. lean: from one kombu connection per process, persistent "
                    "and confirmed by the broker like oslo.messaging's cast, at about "
                    "half its CPU (the body oslo.messaging would send; on an error, a "
                    "nack or no confirm within a few seconds the cast goes through "
                    "oslo.messaging). rpc: through oslo.messaging, as before."),
    cfg.IntOpt('steps_consumer_threads', default=4, min=1,
               help='Threads (each with its own broker connection) consuming the topic '
                    'cepheid-api-steps in each api process, [api] steps_consumer = lean.'),
    cfg.IntOpt('conductor_threads', default=8, min=1,
               help="Threads serving the conductor topic (cepheid-api) in each api process: "
                    "the computes' calls not taken by the steps consumer and the dashboard's "
                    "fanout casts. Each is a short database transaction that waits on no "
                    "other conductor message; more are queued in the broker. "
                    "oslo.messaging's [DEFAULT] executor_thread_pool_size (64) stays the "
                    "computes' own."),
    cfg.IntOpt('db_retry_after', default=5, min=0,
               help='Retry-After (seconds) of the 503 answered while the database is '
                    'unavailable.'),
    cfg.BoolOpt('dashboard_feed', default=True,
                help='Keep /dashboard live: cast every committed instance change to every '
                     'api process (fanout on topic cepheid-api) and listen to the versioned '
                     'notifications in each api process. Off: one message less per '
                     'task_state step; the dashboard shows a snapshot, refreshed by '
                     'reloading the page.'),
]

# [DEFAULT] options Nova's api and compute services share with Cepheid's api service.
server_opts = [
    cfg.StrOpt('multi_instance_display_name_template', default='%(name)s-%(count)d',
               help='Name of each server when one request creates several: %(name)s is '
                    'the requested name, %(count)d its 1-based index, %(uuid)s its id.'),
    cfg.IntOpt('reclaim_instance_interval', default=0, min=0,
               help='0: DELETE removes a server at once. Above 0: DELETE soft-deletes it '
                    '(status SOFT_DELETED; restore and forceDelete actions), and the api '
                    'service deletes it for good once it has been soft-deleted this many '
                    'seconds (checked every interval).'),
    cfg.BoolOpt('allow_resize_to_same_host', default=False,
                help='Let a resize pick the server\'s own host (the scheduler then places '
                     'it like any other host). A cold migration always leaves its host.'),
    cfg.IntOpt('resize_confirm_window', default=0, min=0,
               help='Seconds after which a resize or cold migration waiting in '
                    'VERIFY_RESIZE is confirmed automatically (checked every minute, or '
                    'every window when shorter); 0 disables.'),
]

# [quota]: Nova's default limits of every project (-1: unlimited); os-quota-sets overrides.
quota_opts = [
    cfg.IntOpt(name, default=default, min=-1, help=f'Default {name} quota of a project.')
    for name, default in (
        ('instances', 10), ('cores', 20), ('ram', 51200), ('metadata_items', 128),
        ('key_pairs', 100), ('server_groups', 10), ('server_group_members', 10),
        ('injected_files', 5), ('injected_file_content_bytes', 10240),
        ('injected_file_path_length', 255))
]

database_opts = [
    cfg.StrOpt('connection', secret=True,
               help='SQLAlchemy URL of the api database (required), e.g. '
                    'postgresql+psycopg://user:pass@host/cepheid, '
                    'mysql+pymysql://user:pass@host/cepheid?charset=utf8mb4 or '
                    'sqlite:////var/lib/cepheid/cepheid.sqlite.'),
    cfg.IntOpt('max_pool_size', min=1,
               sample_default='[api] threads + [api] steps_consumer_threads + '
                              '[api] conductor_threads + 4',
               help="Connections each api process keeps open (oslo.db's name). Unset: one "
                    "per thread that writes the database (the REST threads, the steps "
                    "consumer's threads, the conductor's threads and the four background "
                    "tasks), so a busy process does not open and close overflow "
                    "connections for every request. Opened only as they are needed. On "
                    "SQLite, unset means one connection and no overflow: SQLite runs one "
                    "writer at a time, so threads take turns in the pool rather than in "
                    "SQLite's busy handler."),
    cfg.IntOpt('max_overflow', default=50, min=0,
               help="Connections opened past max_pool_size under a burst, closed when "
                    "returned (oslo.db's default)."),
    cfg.IntOpt('pool_timeout', default=30, min=1,
               help='Seconds a thread waits for a free connection before its request fails.'),
    cfg.BoolOpt('fused_steps', default=True,
                help="On PostgreSQL, run a compute's begin (its event, the action's "
                     "touch and the instance's compare-and-swap) and its end (the "
                     "event's and action's finish and the end state) each as one "
                     "statement of data-modifying CTEs: one round trip instead of four "
                     "and three. Same rows written; other databases always run the "
                     "statements one by one, as does false."),
    cfg.BoolOpt('prebuilt_statements', default=True,
                help="Run the hot paths' prebuilt statements (a reboot's CAS, its "
                     "action and events, the outbox row) compiled once, on the "
                     "driver's cursor, instead of through SQLAlchemy's "
                     "Connection.execute: the same SQL and rows for less CPU. False "
                     "runs them through Connection.execute."),
    cfg.BoolOpt('single_statement_autocommit', default=True,
                help="On PostgreSQL (psycopg), send the first statement of a compute's "
                     "begin, advance, update and end in autocommit when it is one that "
                     "writes all or nothing: one round trip instead of three (BEGIN, "
                     "the statement, COMMIT). Anything the step runs after it (the "
                     "statements that say why a compare-and-swap missed) runs in a "
                     "transaction of its own. Needs prebuilt_statements; false sends "
                     "every step in one transaction."),
]


def register_opts(conf):
    conf.register_opts(server_opts)
    conf.register_opts(api_opts, group='api')
    conf.register_opts(database_opts, group='database')
    conf.register_opts(quota_opts, group='quota')
    # [oslo_policy] (policy_file, enforce_scope, ...) exists before any Enforcer does.
    policy_opts.set_defaults(conf)


def list_opts():
    """Entry point for oslo-config-generator (namespace ``cepheid.api``)."""
    return [('DEFAULT', server_opts), ('api', api_opts), ('database', database_opts),
            ('quota', quota_opts)]
