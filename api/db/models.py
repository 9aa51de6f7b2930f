"""SQLAlchemy 2 models of the api service's database (Alembic migrations mirror them)."""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from cepheid.api.db.column_types import DATETIME
from cepheid.api.db.column_types import utcnow


class Base(orm.DeclarativeBase):
    type_annotation_map = {datetime.datetime: DATETIME}


class TimestampMixin:
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)
    updated_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column(onupdate=utcnow)


class Instance(TimestampMixin, Base):
    __tablename__ = 'instances'
    __table_args__ = (
        sa.Index('instances_host_deleted_idx', 'host', 'deleted'),
        sa.Index('instances_project_id_deleted_idx', 'project_id', 'deleted'),
        sa.Index('instances_reservation_id_idx', 'reservation_id'),
        sa.Index('instances_task_state_idx', 'task_state'),   # the watchdog's scan
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    display_name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    description: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    user_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    host: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    node: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    availability_zone: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    flavor_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    flavor_name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    vcpus: orm.Mapped[int]
    memory_mb: orm.Mapped[int]
    root_gb: orm.Mapped[int]
    ephemeral_gb: orm.Mapped[int] = orm.mapped_column(default=0)
    swap: orm.Mapped[int] = orm.mapped_column(default=0)
    image_ref: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    vm_state: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    task_state: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    power_state: orm.Mapped[int] = orm.mapped_column(default=0)
    launched_at: orm.Mapped[datetime.datetime | None]
    terminated_at: orm.Mapped[datetime.datetime | None]
    locked: orm.Mapped[bool] = orm.mapped_column(default=False)
    locked_by: orm.Mapped[str | None] = orm.mapped_column(sa.Enum('owner', 'admin',
                                                                  name='instances0locked_by'))
    locked_reason: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    meta: orm.Mapped[dict] = orm.mapped_column('metadata', sa.JSON, default=dict)
    access_ip_v4: orm.Mapped[str | None] = orm.mapped_column(sa.String(39))
    access_ip_v6: orm.Mapped[str | None] = orm.mapped_column(sa.String(39))
    # Servers created by one request share a reservation id; launch_index is their order.
    reservation_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    launch_index: orm.Mapped[int | None]
    # Set by the 2.90 create/update ``hostname``; else derived from the name when shown.
    hostname: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    key_name: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    # Base64 text of the create (or 2.57 rebuild) request; shown to admins (2.3+).
    user_data: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    # The flavor's extra specs when the server was created (the flavor may change or go).
    flavor_extra_specs: orm.Mapped[dict | None] = orm.mapped_column(sa.JSON)
    deleted_at: orm.Mapped[datetime.datetime | None]
    # 0 while live; the row id once soft-deleted (Nova's convention).
    deleted: orm.Mapped[int] = orm.mapped_column(default=0)


class InstanceAction(TimestampMixin, Base):
    __tablename__ = 'instance_actions'
    __table_args__ = (
        sa.Index('instance_uuid_request_id_idx', 'instance_uuid', 'request_id'),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    action: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    instance_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))
    request_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    user_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    start_time: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)
    finish_time: orm.Mapped[datetime.datetime | None]
    message: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))


class InstanceActionEvent(TimestampMixin, Base):
    __tablename__ = 'instance_actions_events'
    __table_args__ = (   # the watchdog's scan of unfinished events
        sa.Index('instance_actions_events_finish_time_idx', 'finish_time'),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    action_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('instance_actions.id'), index=True)
    event: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    start_time: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)
    finish_time: orm.Mapped[datetime.datetime | None]
    result: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    traceback: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    host: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    details: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class InstanceFault(TimestampMixin, Base):
    __tablename__ = 'instance_faults'

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    instance_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), index=True)
    code: orm.Mapped[int]
    message: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    details: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    host: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))


class Service(TimestampMixin, Base):
    __tablename__ = 'services'
    __table_args__ = (sa.UniqueConstraint('host', 'binary', name='uniq_services0host0binary'),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    binary: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    topic: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    report_count: orm.Mapped[int] = orm.mapped_column(default=0)
    disabled: orm.Mapped[bool] = orm.mapped_column(default=False)
    disabled_reason: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    forced_down: orm.Mapped[bool] = orm.mapped_column(default=False)
    last_seen_up: orm.Mapped[datetime.datetime | None]


class Flavor(TimestampMixin, Base):
    __tablename__ = 'flavors'

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    flavorid: orm.Mapped[str] = orm.mapped_column(sa.String(255), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), unique=True)
    vcpus: orm.Mapped[int]
    memory_mb: orm.Mapped[int]
    root_gb: orm.Mapped[int]
    ephemeral_gb: orm.Mapped[int] = orm.mapped_column(default=0)
    swap: orm.Mapped[int] = orm.mapped_column(default=0)
    rxtx_factor: orm.Mapped[float] = orm.mapped_column(sa.Float, default=1.0)
    is_public: orm.Mapped[bool] = orm.mapped_column(default=True)
    disabled: orm.Mapped[bool] = orm.mapped_column(default=False)
    description: orm.Mapped[str | None] = orm.mapped_column(sa.Text)


class Outbox(Base):
    """A cast to a compute, written in the transaction of the change it belongs to and
    deleted once published. ``claimed_by`` (an api process) sends it until
    ``claimed_until``; after that any api process may claim it (its sender died)."""

    __tablename__ = 'outbox'
    __table_args__ = (sa.Index('outbox_claimed_until_idx', 'claimed_until'),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    method: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    context: orm.Mapped[str] = orm.mapped_column(sa.Text)       # JSON
    kwargs: orm.Mapped[str] = orm.mapped_column(sa.Text)        # JSON
    created_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)
    claimed_by: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    claimed_until: orm.Mapped[datetime.datetime]


class FlavorProject(TimestampMixin, Base):
    """A project that may use a non-public flavor (os-flavor-access)."""

    __tablename__ = 'flavor_projects'
    __table_args__ = (sa.UniqueConstraint('flavor_id', 'project_id',
                                          name='uniq_flavor_projects0flavor_id0project_id'),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    flavor_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey('flavors.id'))
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))


class FlavorExtraSpec(TimestampMixin, Base):
    __tablename__ = 'flavor_extra_specs'
    __table_args__ = (sa.UniqueConstraint('flavor_id', 'key',
                                          name='uniq_flavor_extra_specs0flavor_id0key'),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    flavor_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey('flavors.id'))
    key: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    value: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))


class KeyPair(TimestampMixin, Base):
    __tablename__ = 'key_pairs'
    __table_args__ = (sa.UniqueConstraint('user_id', 'name', name='uniq_key_pairs0user_id0name'),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    user_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    fingerprint: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    public_key: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    type: orm.Mapped[str] = orm.mapped_column(sa.Enum('ssh', 'x509', name='keypair_types'),
                                              default='ssh')


class ComputeNode(TimestampMixin, Base):
    """A compute host's capacity as its compute reports it (Nova's resource tracker), and
    the amounts claimed by the api's scheduler (``*_used``: changed only by claims)."""

    __tablename__ = 'compute_nodes'
    __table_args__ = (sa.UniqueConstraint('host', 'deleted',
                                          name='uniq_compute_nodes0host0deleted'),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    hypervisor_hostname: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    hypervisor_type: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    hypervisor_version: orm.Mapped[int] = orm.mapped_column(sa.BigInteger, default=0)
    host_ip: orm.Mapped[str | None] = orm.mapped_column(sa.String(39))
    vcpus: orm.Mapped[int]
    memory_mb: orm.Mapped[int]
    local_gb: orm.Mapped[int]
    vcpus_used: orm.Mapped[int] = orm.mapped_column(default=0)
    memory_mb_used: orm.Mapped[int] = orm.mapped_column(default=0)
    local_gb_used: orm.Mapped[int] = orm.mapped_column(default=0)
    running_vms: orm.Mapped[int] = orm.mapped_column(default=0)
    cpu_allocation_ratio: orm.Mapped[float] = orm.mapped_column(sa.Float, default=4.0)
    ram_allocation_ratio: orm.Mapped[float] = orm.mapped_column(sa.Float, default=1.0)
    disk_allocation_ratio: orm.Mapped[float] = orm.mapped_column(sa.Float, default=1.0)
    deleted: orm.Mapped[int] = orm.mapped_column(default=0)


class Aggregate(TimestampMixin, Base):
    """A host aggregate (Nova's ``aggregates``); its hosts and metadata are child rows."""

    __tablename__ = 'aggregates'

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(255), unique=True)


class AggregateHost(TimestampMixin, Base):
    __tablename__ = 'aggregate_hosts'
    __table_args__ = (sa.UniqueConstraint('host', 'aggregate_id',
                                          name='uniq_aggregate_hosts0host0aggregate_id'),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    aggregate_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('aggregates.id', ondelete='CASCADE'))


class AggregateMetadata(TimestampMixin, Base):
    __tablename__ = 'aggregate_metadata'
    __table_args__ = (sa.UniqueConstraint('aggregate_id', 'key',
                                          name='uniq_aggregate_metadata0aggregate_id0key'),
                      sa.Index('aggregate_metadata_key_idx', 'key'))

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    aggregate_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey('aggregates.id', ondelete='CASCADE'))
    key: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    value: orm.Mapped[str] = orm.mapped_column(sa.String(255))


class InstanceGroup(TimestampMixin, Base):
    """A server group (os-server-groups): one policy, its rules, and its members."""

    __tablename__ = 'instance_groups'
    __table_args__ = (sa.Index('instance_groups_project_id_idx', 'project_id'),)

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    name: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    user_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    # affinity, anti-affinity, soft-affinity or soft-anti-affinity.
    policy: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    # {'max_server_per_host': n} for anti-affinity (2.64); {} otherwise.
    rules: orm.Mapped[dict] = orm.mapped_column(sa.JSON, default=dict)


class InstanceGroupMember(TimestampMixin, Base):
    __tablename__ = 'instance_group_member'
    __table_args__ = (
        sa.UniqueConstraint('group_id', 'instance_uuid',
                            name='uniq_instance_group_member0group_id0instance_uuid'),
        sa.Index('instance_group_member_instance_idx', 'instance_uuid'),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    group_id: orm.Mapped[int] = orm.mapped_column(sa.ForeignKey('instance_groups.id'))
    instance_uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36))


class Quota(TimestampMixin, Base):
    """A limit set for a project (user_id NULL) or for one user in a project."""

    __tablename__ = 'quotas'
    __table_args__ = (
        sa.UniqueConstraint('project_id', 'user_id', 'resource',
                            name='uniq_quotas0project_id0user_id0resource'),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    project_id: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    # '' for the project's own limit (a NULL would defeat the unique constraint).
    user_id: orm.Mapped[str] = orm.mapped_column(sa.String(255), default='')
    resource: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    hard_limit: orm.Mapped[int]


class Migration(TimestampMixin, Base):
    """An instance's move (Nova's ``migrations``): a resize, a cold or live migration or an
    evacuation, from ``source_compute`` to ``dest_compute``, and its status. ``old_flavor``
    and ``new_flavor`` keep the flavors of a resize (Nova keeps them on the instance)."""

    __tablename__ = 'migrations'
    __table_args__ = (
        sa.Index('migrations_instance_uuid_and_status_idx', 'deleted', 'instance_uuid',
                 'status'),
        sa.Index('migrations_by_host_nodes_and_status_idx', 'deleted', 'source_compute',
                 'dest_compute', 'status'),
        sa.Index('migrations_updated_at_idx', 'updated_at'),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    uuid: orm.Mapped[str] = orm.mapped_column(sa.String(36), unique=True)
    source_compute: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    dest_compute: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    source_node: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    dest_node: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    dest_host: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    old_instance_type_id: orm.Mapped[int | None]
    new_instance_type_id: orm.Mapped[int | None]
    instance_uuid: orm.Mapped[str | None] = orm.mapped_column(sa.String(36))
    status: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    # resize, migration, live-migration or evacuation.
    migration_type: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    hidden: orm.Mapped[bool] = orm.mapped_column(default=False)
    memory_total: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    memory_processed: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    memory_remaining: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    disk_total: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    disk_processed: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    disk_remaining: orm.Mapped[int | None] = orm.mapped_column(sa.BigInteger)
    user_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    project_id: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    old_flavor: orm.Mapped[dict | None] = orm.mapped_column(sa.JSON)
    new_flavor: orm.Mapped[dict | None] = orm.mapped_column(sa.JSON)
    # active or stopped: whether the guest runs again after the move (or its revert).
    old_vm_state: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
    deleted_at: orm.Mapped[datetime.datetime | None]
    deleted: orm.Mapped[int] = orm.mapped_column(default=0)


class Tag(Base):
    """A server tag (Nova's ``tags``): ``resource_id`` is the instance uuid."""

    __tablename__ = 'tags'
    __table_args__ = (sa.Index('tags_tag_idx', 'tag'),)

    resource_id: orm.Mapped[str] = orm.mapped_column(sa.String(36), primary_key=True)
    tag: orm.Mapped[str] = orm.mapped_column(sa.String(80), primary_key=True)


class TaskLog(TimestampMixin, Base):
    """One run of a compute's periodic task over a period (Nova's task_log): the instance
    usage audit writes one row per host and audit period."""

    __tablename__ = 'task_log'
    __table_args__ = (
        sa.UniqueConstraint('task_name', 'host', 'period_beginning', 'period_ending',
                            name='uniq_task_log0task_name0host0period_beginning0period_ending'),
        sa.Index('ix_task_log_period_beginning', 'period_beginning'),
        sa.Index('ix_task_log_host', 'host'),
        sa.Index('ix_task_log_period_ending', 'period_ending'),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    task_name: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    state: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    host: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    period_beginning: orm.Mapped[datetime.datetime]
    period_ending: orm.Mapped[datetime.datetime]
    message: orm.Mapped[str] = orm.mapped_column(sa.String(255))
    task_items: orm.Mapped[int] = orm.mapped_column(default=0)
    errors: orm.Mapped[int] = orm.mapped_column(default=0)
