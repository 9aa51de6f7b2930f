"""The instance compare-and-swap UPDATE, prebuilt per shape (api/db/instances.py: update).

A CAS statement is built once per shape — the columns it sets, which predicates it
has, how many expected task and vm states (each its own bound parameter: no expanding
IN, whose SQL SQLAlchemy re-renders on every execution) and what it RETURNs — then only
executed. A caller asks for the columns it uses: ``ALL`` (every column), ``FIELDS`` (what
crosses the bus, common/objects.py) or ``SUMMARY`` (what the dashboard feed sends on).
"""

import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.api.db import prebuilt
from cepheid.common import objects

UNSET = object()

TABLE = models.Instance.__table__
# Attribute name -> column name (``meta`` is the ``metadata`` column).
COLUMN_OF = {attr.key: attr.columns[0].name
             for attr in sa.inspect(models.Instance).column_attrs}
# Every column, labelled by attribute name: rows come back as dicts keyed by it.
COLUMNS = [TABLE.c[name].label(key) for key, name in COLUMN_OF.items()]

SUMMARY_FIELDS = ('uuid', 'display_name', 'project_id', 'user_id', 'vm_state', 'task_state',
                  'power_state', 'host', 'locked', 'locked_by', 'locked_reason',
                  'launched_at', 'updated_at', 'created_at')


def _labelled(keys):
    return tuple(TABLE.c[COLUMN_OF[key]].label(key) for key in keys)


RETURNING = {'all': tuple(COLUMNS), 'fields': _labelled(objects.INSTANCE_FIELDS),
             'summary': _labelled(SUMMARY_FIELDS)}
ALL, FIELDS, SUMMARY = 'all', 'fields', 'summary'

# Shape -> the built statement (and, where UPDATE has no RETURNING, its re-read).
_BUILT = {}
_READS = {which: sa.select(*cols).where(TABLE.c.uuid == sa.bindparam('x_uuid'),
                                       TABLE.c.deleted == 0)
          for which, cols in RETURNING.items()}


def _in(column, prefix, count):
    params = [sa.bindparam(f'{prefix}{i}') for i in range(count)]
    return column == params[0] if count == 1 else column.in_(params)


def _where(stmt, shape):
    _, by_host, task_shape, vm_count, updated_at, (by_owner, unlocked, launched) = shape
    table = TABLE
    stmt = stmt.where(table.c.uuid == sa.bindparam('x_uuid'), table.c.deleted == 0)
    if by_host:
        stmt = stmt.where(table.c.host == sa.bindparam('x_host'))
    if by_owner:
        stmt = stmt.where(table.c.project_id == sa.bindparam('x_project_id'),
                          table.c.user_id == sa.bindparam('x_user_id'))
    if unlocked:
        stmt = stmt.where(table.c.locked == sa.false())
    if launched:
        stmt = stmt.where(table.c.launched_at.is_not(None))
    if task_shape is not None:
        with_null, count = task_shape
        preds = [table.c.task_state.is_(None)] if with_null else []
        if count:
            preds.append(_in(table.c.task_state, 'x_ts', count))
        stmt = stmt.where(sa.or_(*preds) if preds else sa.false())
    if vm_count is not None:
        stmt = stmt.where(_in(table.c.vm_state, 'x_vs', vm_count) if vm_count else sa.false())
    if updated_at == 'null':
        stmt = stmt.where(table.c.updated_at.is_(None))
    elif updated_at == 'equal':
        stmt = stmt.where(table.c.updated_at == sa.bindparam('x_updated_at'))
    return stmt


def _statement(shape, returning, dialect_returns):
    key = (shape, returning, dialect_returns)
    stmt = _BUILT.get(key)
    if stmt is None:
        stmt = update_statement(shape)
        if dialect_returns:
            stmt = stmt.returning(*RETURNING[returning])
        _BUILT[key] = stmt
    return stmt


def prepare(uuid, columns, *, expected_task_state=UNSET, expected_vm_state=UNSET,
            expected_host=UNSET, expected_updated_at=UNSET, expected_owner=UNSET,
            unlocked=False, launched=False):
    """The CAS's ``(shape, params)``: what ``swap`` (and api/db/fused_steps.py, which
    puts the same UPDATE in a larger statement) executes; arguments as ``swap``'s."""
    params = {f'v_{name}': value for name, value in columns.items()}
    params['x_uuid'] = uuid
    task_shape = vm_count = None
    if expected_host is not UNSET:
        params['x_host'] = expected_host
    if expected_owner is not UNSET:
        params['x_project_id'], params['x_user_id'] = expected_owner
    if expected_task_state is not UNSET:
        values = [v for v in expected_task_state if v is not None]
        task_shape = (len(values) < len(expected_task_state), len(values))
        params.update((f'x_ts{i}', v) for i, v in enumerate(values))
    if expected_vm_state is not UNSET:
        vm_count = len(expected_vm_state)
        params.update((f'x_vs{i}', v) for i, v in enumerate(expected_vm_state))
    updated_at = None
    if expected_updated_at is not UNSET:
        updated_at = 'null' if expected_updated_at is None else 'equal'
        if expected_updated_at is not None:
            params['x_updated_at'] = expected_updated_at
    guards = (expected_owner is not UNSET, bool(unlocked), bool(launched))
    shape = (tuple(columns), expected_host is not UNSET, task_shape, vm_count, updated_at,
             guards)
    return shape, params


def update_statement(shape):
    """The CAS's UPDATE of ``shape`` (no RETURNING), for a caller that extends it."""
    return _where(sa.update(TABLE), shape).values(
        {name: sa.bindparam(f'v_{name}') for name in shape[0]})


def swap(conn, uuid, columns, *, returning=ALL, **guards):
    """Run the CAS setting ``columns`` (column name -> value) on live instance ``uuid``;
    the updated row (the ``returning`` columns, by attribute name) or None on a miss.

    ``expected_owner``: a (project_id, user_id) pair the row must have; ``unlocked``: the
    row is not locked; ``launched``: it has a ``launched_at`` (the checks of a REST
    action folded into its CAS, api/handlers/owned_action.py).

    One UPDATE … RETURNING where the dialect has it; MySQL/MariaDB (no RETURNING on
    UPDATE) run the UPDATE, check its rowcount (matched rows: SQLAlchemy sets FOUND_ROWS)
    and read the row back in the same transaction, which holds its row lock.
    """
    shape, params = prepare(uuid, columns, **guards)
    dialect_returns = conn.dialect.update_returning
    result = prebuilt.execute(conn, _statement(shape, returning, dialect_returns), params,
                              alone=dialect_returns)
    if dialect_returns:
        row = result.mappings().first()
        return dict(row) if row is not None else None
    if result.rowcount != 1:
        return None
    row = prebuilt.execute(conn, _READS[returning], {'x_uuid': uuid}).mappings().first()
    return dict(row) if row is not None else None
