"""The REST action's statement with its outbox row, as built for PostgreSQL (no database:
the real one runs it in tests/integration/test_db_postgresql_rest_cast.py)."""

from sqlalchemy.dialects import postgresql

from cepheid.api.db import fused_steps
from cepheid.api.db import instance_cas
from cepheid.api.db import instances as db_instances
from cepheid.common import objects
from cepheid.compute import rpcapi as compute_rpcapi

INSTANCE = {field: None for field in objects.INSTANCE_FIELDS}
INSTANCE.update(uuid='u1', host='h1', display_name='vm')


def _sql(method):
    columns = db_instances.cas_columns({'task_state': 'rebooting'})
    shape, _ = instance_cas.prepare('u1', columns, expected_owner=('p', 'u'), unlocked=True,
                                    launched=True, expected_task_state=[None],
                                    expected_vm_state=['active'])
    stmt = fused_steps._owned_cast_statement(shape, instance_cas.ALL, method)
    return str(stmt.compile(dialect=postgresql.dialect()))


def test_an_instance_cast_is_the_cast_its_builder_makes():
    cast = compute_rpcapi.reboot_cast('HARD')
    assert (cast.method, cast.kwargs) == ('reboot_instance', {'reboot_type': 'HARD'})
    assert cast(INSTANCE) == compute_rpcapi.reboot_instance(INSTANCE, 'HARD')
    built = compute_rpcapi.power_action_cast('stop_instance')(INSTANCE)
    assert built == compute_rpcapi.run_power_action(INSTANCE, 'stop_instance')
    assert built.host == 'h1' and built.kwargs['instance']['uuid'] == 'u1'


def test_the_statement_writes_every_field_of_the_bus_form_once():
    sql = _sql('reboot_instance')
    for field in objects.INSTANCE_FIELDS:
        value = (f"to_char(cas.{field}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
                 if field in objects.TIME_FIELDS else f'cas.{field}')
        assert sql.count(f"'{field}', {value}") == 1, field
    assert "INSERT INTO outbox (host, method, context, kwargs, created_at, claimed_by, " \
           "claimed_until) SELECT cas.host AS host, 'reboot_instance'," in sql
    assert sql.endswith('FROM cas JOIN queued ON true')


def test_the_method_is_written_as_a_quoted_literal():
    assert "SELECT cas.host AS host, 'it''s'," in _sql("it's")
