"""Compute nodes: capacity reports from computes, and the scheduler's atomic claims."""

import uuid as uuidlib

import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.api.db import session as db_session

# What a compute's report may set (the ``*_used`` amounts are the scheduler's claims).
REPORTED = ('hypervisor_hostname', 'hypervisor_type', 'hypervisor_version', 'host_ip',
            'vcpus', 'memory_mb', 'local_gb', 'running_vms', 'cpu_allocation_ratio',
            'ram_allocation_ratio', 'disk_allocation_ratio')
_INTS = ('hypervisor_version', 'vcpus', 'memory_mb', 'local_gb', 'running_vms')
_FLOATS = ('cpu_allocation_ratio', 'ram_allocation_ratio', 'disk_allocation_ratio')


def _clean(resources):
    values = {k: resources[k] for k in REPORTED if k in resources}
    values.update({k: int(values[k]) for k in _INTS if k in values})
    values.update({k: float(values[k]) for k in _FLOATS if k in values})
    return values


def report(session, *, host, resources):
    """Create or refresh the node of ``host`` from its compute's report. Only changed
    columns are written, so an unchanged report costs one SELECT."""
    model = models.ComputeNode
    values = _clean(resources)
    row = session.scalars(sa.select(model).where(model.host == host, model.deleted == 0)).first()
    if row is None:
        values.setdefault('hypervisor_hostname', host)
        values.setdefault('hypervisor_type', 'fake')
        session.add(model(uuid=str(uuidlib.uuid4()), host=host, **values))
        session.flush()
        return
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if changed:
        session.execute(sa.update(model).where(model.id == row.id).values(**changed))


_NODES = models.ComputeNode.__table__
_REPORTED_ROWS = (sa.select(_NODES.c.id, _NODES.c.host, *(_NODES.c[k] for k in REPORTED))
                  .where(_NODES.c.deleted == 0,
                         _NODES.c.host.in_(sa.bindparam('hosts', expanding=True))))


def report_many(session, reports):
    """``report`` for each ``{host: resources}``: one SELECT of their nodes, an UPDATE
    of the changed columns of a node whose report changed, a new node where none is."""
    if not reports:
        return
    conn = session.connection()
    rows = {row.host: row for row in conn.execute(_REPORTED_ROWS, {'hosts': sorted(reports)})}
    for host, resources in reports.items():
        row = rows.get(host)
        if row is None:
            report(session, host=host, resources=resources)
            continue
        changed = {k: v for k, v in _clean(resources).items() if getattr(row, k) != v}
        if changed:
            conn.execute(sa.update(_NODES).where(_NODES.c.id == row.id).values(**changed))


def get_all(session, *, hypervisor_hostname_pattern=None):
    model = models.ComputeNode
    stmt = sa.select(model).where(model.deleted == 0).order_by(model.id)
    if hypervisor_hostname_pattern is not None:
        stmt = stmt.where(model.hypervisor_hostname.like(f'%{hypervisor_hostname_pattern}%'))
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]


def get(session, *, node_id=None, node_uuid=None):
    model = models.ComputeNode
    stmt = sa.select(model).where(model.deleted == 0)
    stmt = stmt.where(model.id == node_id) if node_id is not None else \
        stmt.where(model.uuid == node_uuid)
    row = session.scalars(stmt).first()
    return db_session.row_to_dict(row) if row is not None else None


def claim(session, *, host, vcpus, memory_mb, disk_gb):
    """Add the amounts to ``host``'s used ones if they still fit its capacity times its
    allocation ratios: one conditional UPDATE, so concurrent claims never overcommit
    (the row lock serializes them and each re-checks the condition). True when claimed."""
    model = models.ComputeNode
    stmt = (sa.update(model)
            .where(model.host == host, model.deleted == 0,
                   model.vcpus_used + vcpus <= model.vcpus * model.cpu_allocation_ratio,
                   model.memory_mb_used + memory_mb <= model.memory_mb * model.ram_allocation_ratio,
                   model.local_gb_used + disk_gb <= model.local_gb * model.disk_allocation_ratio)
            .values(vcpus_used=model.vcpus_used + vcpus,
                    memory_mb_used=model.memory_mb_used + memory_mb,
                    local_gb_used=model.local_gb_used + disk_gb)
            .execution_options(synchronize_session=False))
    return session.execute(stmt).rowcount == 1


def release(session, *, host, vcpus, memory_mb, disk_gb):
    """Give back a claim (an instance deleted); never below zero."""
    model = models.ComputeNode
    session.execute(
        sa.update(model).where(model.host == host, model.deleted == 0)
        .values(vcpus_used=_floor0(model.vcpus_used - vcpus),
                memory_mb_used=_floor0(model.memory_mb_used - memory_mb),
                local_gb_used=_floor0(model.local_gb_used - disk_gb))
        .execution_options(synchronize_session=False))


def _floor0(expr):
    return sa.case((expr < 0, 0), else_=expr)


def instance_disk_gb(instance):
    """Disk an instance takes on its host: root + ephemeral + swap (MiB, rounded up)."""
    return (int(instance['root_gb']) + int(instance.get('ephemeral_gb') or 0)
            + -(-int(instance.get('swap') or 0) // 1024))


def workload_by_host(session):
    """{host: live instances with a task in progress} (Nova's current_workload)."""
    model = models.Instance
    stmt = (sa.select(model.host, sa.func.count())
            .where(model.deleted == 0, model.host.is_not(None), model.task_state.is_not(None))
            .group_by(model.host))
    return dict(session.execute(stmt).all())
