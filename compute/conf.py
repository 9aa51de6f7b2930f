"""oslo.config options of the compute service (it has no database options at all)."""

from oslo_config import cfg

from cepheid.compute import metrics as compute_metrics

compute_opts = [
    cfg.StrOpt('compute_driver', default='fake',
               help="Virt driver: an alias ('fake', 'libvirt') or a dotted class path."),
    cfg.IntOpt('sync_power_state_interval', default=600,
               help='Seconds between power-state syncs; 0 or less disables the task.'),
    cfg.FloatOpt('lifecycle_event_delay', default=15.0, min=0,
                 help='Seconds a guest SHUTDOWN lifecycle event waits before it syncs the '
                      'power state; a RUNNING event meanwhile (a reboot inside the guest) '
                      "cancels it, as Nova's libvirt driver delays STOPPED events."),
    cfg.BoolOpt('conductor_group_commit', default=True,
                help='Group commit of state reports: the reports of this host that become '
                     'ready while one is in flight to the api service travel as one '
                     'report_batch message, applied in one transaction (each item still '
                     'its own compare-and-swap). False sends every report alone.'),
    cfg.BoolOpt('conductor_finish_cast', default=True,
                help="The end of a reboot that succeeded goes to the api service as a "
                     "cast (conductor 1.12 task_end: applied once per request, the end "
                     "notification sent by the api after the commit, a lost cast left to "
                     "the watchdog) instead of a call. Only to an api that advertises "
                     "1.12; failures and the other operations keep the call."),
    cfg.BoolOpt('conductor_begin_advances', default=True,
                help="A reboot's begin carries its next step (task_state reboot_started) "
                     "and its instance.reboot.start notification (conductor 1.14): the api "
                     "service sends the notification and saves the step once the begin "
                     "commits, before it answers, so the compute sends nothing more until "
                     "the reboot's end (one message less per reboot). Only to an api that "
                     "advertises 1.14; False casts the step and sends the notification "
                     "from this host."),
    cfg.StrOpt('heartbeat_publisher', default='lean', choices=['lean', 'rpc'],
               help="How this host's heartbeat casts leave it once the api named its "
                    "heartbeat topic, over RabbitMQ: 'lean' publishes them from one kombu "
                    "connection per process, transient and without publisher confirms "
                    "(the body oslo.messaging would send; on an error the beat goes "
                    "through oslo.messaging and the connection is made again at a later "
                    "beat); 'rpc' casts them through oslo.messaging (confirmed, "
                    "persistent). Called heartbeats are always oslo.messaging calls."),
    cfg.StrOpt('steps_publisher', default='lean', choices=['lean', 'rpc'],
               help="How the steps of an operation that nobody waits for (a reboot's "
                    "task_advance and task_end, and batches of only such steps) leave this "
                    "host over RabbitMQ: 'lean' publishes them from one kombu connection "
                    "per process, persistent and confirmed by the broker like "
                    "oslo.messaging's cast, at about half its CPU (the body "
                    "oslo.messaging would send; on an error, a nack or no confirm within "
                    "a few seconds the step goes through oslo.messaging and the connection "
                    "is made again later); 'rpc' casts them through oslo.messaging. "
                    "Called steps: see steps_caller."),
    cfg.StrOpt('steps_caller', default='lean', choices=['lean', 'rpc'],
               help="How the called steps of an operation (a reboot's begin, batches "
                    "with a called step) go to the api's steps topic over RabbitMQ: "
                    "'lean' publishes the request from one kombu connection per process, "
                    "transient and unconfirmed (a lost one times out and is retried, as "
                    "with oslo.messaging), and takes the answer on a reply queue of the "
                    "process's own (compute/step_caller.py); when that queue is not "
                    "consumed (at start, after a lost connection) the call goes through "
                    "oslo.messaging. 'rpc': always oslo.messaging's call."),
    cfg.FloatOpt('rpc_listener_min_wait', default=10.0, min=0,
                 help="Seconds this compute's RabbitMQ listeners (its RPC server, the reply "
                      "waiter) first wait for the next message after one arrived, doubling "
                      "up to rpc_listener_max_wait (by default they are equal: no "
                      "doubling); 0 keeps oslo.messaging's 1 ms. Cepheid's default "
                      "differs from oslo.messaging (which has no option for it): the short "
                      "waits serve acknowledgements that only notification listeners queue "
                      "(a compute has none; its RPC listeners and reply waiter acknowledge "
                      "as they read), and cost ~13 timed-out reads per message received. "
                      "A graceful stop does not wait for it (see rpc_listener_max_wait)."),
    cfg.FloatOpt('rpc_listener_max_wait', default=10.0, min=0,
                 help="Longest wait of this compute's idle RabbitMQ listeners between two "
                      "wakes; 0 keeps oslo.messaging's 5 s. Each wake of an idle listener "
                      "(a timed-out read and an AMQP heartbeat check) costs ~0.5 ms of CPU. "
                      "oslo.messaging reads for at most heartbeat_timeout_threshold / "
                      "heartbeat_rate / 2 seconds at a time (10 s by default) to keep the "
                      "connection's AMQP heartbeats, so a longer value acts as that. A "
                      "graceful stop does not wait for it: while it stops, the compute casts "
                      "empty batches to its own queue, which end the listener's wait."),
    cfg.FloatOpt('cpu_allocation_ratio', default=4.0, min=0.0,
                 help='Virtual CPUs per physical CPU the scheduler may place on this host '
                      "(Nova's initial_cpu_allocation_ratio)."),
    cfg.FloatOpt('ram_allocation_ratio', default=1.0, min=0.0,
                 help='Virtual RAM per physical RAM the scheduler may place on this host.'),
    cfg.FloatOpt('disk_allocation_ratio', default=1.0, min=0.0,
                 help='Virtual disk per physical disk the scheduler may place on this host.'),
]

libvirt_opts = [
    cfg.StrOpt('connection_uri', default='',
               help="libvirt URI; empty means derived from virt_type ('qemu:///system')."),
    cfg.StrOpt('virt_type', default='qemu', choices=['qemu', 'kvm', 'test'],
               help='Domain type. KVM is used only when set here explicitly.'),
    cfg.IntOpt('wait_soft_reboot_seconds', default=120, min=0,
               help='Seconds to wait for a guest to shut down on a soft reboot '
                    'before falling back to a hard reboot.'),
    cfg.IntOpt('wait_running_seconds', default=60, min=1,
               help='Seconds to wait for a guest to reach RUNNING after start.'),
    cfg.FloatOpt('reconnect_timeout', default=60.0, min=0,
                 help='Seconds a call waits for libvirtd to come back after the connection '
                      'broke (a libvirtd restart) before it fails with HypervisorUnavailable. '
                      'Reconnecting itself goes on in the background until it succeeds.'),
    cfg.FloatOpt('reconnect_max_interval', default=2.0, min=0.01,
                 help='Longest pause between two reconnect attempts; the pauses start at '
                      '0.1 s and double up to this.'),
    cfg.StrOpt('instances_path', default='/var/lib/cepheid/instances',
               help='Directory holding one folder per instance (disk, console log).'),
    cfg.StrOpt('images_path', default='',
               help='Local catalog of direct-kernel images: <images_path>/<imageRef>/ holds '
                    '"kernel", optionally "initrd" and a "cmdline" file. Empty: disabled.'),
    cfg.IntOpt('shutdown_timeout', default=60, min=0,
               help='Seconds a resize or cold migration waits for the guest to shut down '
                    "cleanly (ACPI) before it destroys it (Nova's shutdown_timeout)."),
    cfg.DictOpt('migration_instances_paths', default={},
                help='host:path pairs: the instances_path of another compute, as this host '
                     'reaches it (computes sharing one machine, or a mount). A cold '
                     'migration copies the disk there with a local copy; a destination '
                     'not listed is refused (there is no ssh/rsync transport).'),
    cfg.StrOpt('live_migration_inbound_addr', default='',
               help='Address other computes send live-migration traffic (memory, disks) '
                    'to; this host listens on it. Empty: libvirt picks (the hostname).'),
    cfg.IntOpt('live_migration_bandwidth', default=0, min=0,
               help='MiB/s a live migration from this host may use; 0: no limit '
                    "(Nova's option of the same name)."),
]

fake_opts = [
    cfg.FloatOpt('wait_soft_reboot_seconds', default=2.0, min=0,
                 help='How long a fake guest that ignores ACPI is waited for.'),
    cfg.FloatOpt('reboot_delay', default=0.0, min=0,
                 help='Seconds every fake reboot takes (tests of slow or killed computes).'),
    cfg.BoolOpt('ignore_acpi', default=False,
                help='Every fake guest ignores a soft shutdown, so soft reboots wait '
                     'wait_soft_reboot_seconds and then go hard.'),
    cfg.FloatOpt('live_migration_seconds', default=0.0, min=0,
                 help='Seconds a fake live migration copies memory before it completes; '
                      'an abort or a force-complete ends it earlier (tests of both).'),
    cfg.IntOpt('vcpus', default=1000, min=0,
               help='vCPUs the fake host reports (its capacity for the scheduler).'),
    cfg.IntOpt('memory_mb', default=800000, min=0,
               help='RAM in MiB the fake host reports.'),
    cfg.IntOpt('local_gb', default=600000, min=0,
               help='Local disk in GiB the fake host reports.'),
    cfg.ListOpt('fail_instance_names', default=[],
                help='Failure injection for out-of-process tests: instances (by display '
                     'name) whose driver operations raise VirtDriverError. "name" fails '
                     'every operation, "name:op" only that one (spawn, destroy, reboot, '
                     'power_on, power_off, pause, unpause, suspend, resume), e.g. '
                     '"vm-a:reboot, vm-b:pause".'),
]


def register_opts(conf):
    conf.register_opts(compute_opts)
    conf.register_opts(libvirt_opts, group='libvirt')
    conf.register_opts(fake_opts, group='fake_driver')
    conf.register_opts(compute_metrics.metrics_opts, group='metrics')


def list_opts():
    """Entry point for oslo-config-generator (namespace ``cepheid.compute``)."""
    return [('DEFAULT', compute_opts), ('libvirt', libvirt_opts), ('fake_driver', fake_opts),
            ('metrics', compute_metrics.metrics_opts)]
