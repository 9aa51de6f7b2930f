"""Where a split run's reboots spent their time, from the api's own records of them.

Every reboot leaves an instance action (its ``start_time``: the REST request, on the api's
clock) and a ``compute_reboot_instance`` event (``start_time``: when the api applied the
compute's begin; ``finish_time``: when it applied the end). Their medians split the
latency in two:

- ``rest_to_begin_ms``: the REST transaction, the cast through the outbox and the broker,
  the compute's dispatch, and the begin's hop back;
- ``begin_to_end_ms``: the begin's two transactions and its start notification, the
  answer's hop, the driver, and the end's hop.

One clock (the api's) stamps all three, so the figures hold on any number of hosts. An
operator reads the same times from ``GET /servers/{id}/os-instance-actions/{request}``.
"""

import statistics

import sqlalchemy as sa

EVENT = 'compute_reboot_instance'
_QUERY = sa.text(
    'SELECT a.start_time, e.start_time, e.finish_time FROM instance_actions a '
    'JOIN instance_actions_events e ON e.action_id = a.id '
    'WHERE a.id > :after AND a.action = :action AND e.event = :event '
    'AND e.finish_time IS NOT NULL')


def last_action_id(engine):
    """The newest instance action's id (0 when there is none): a run's actions come after."""
    with engine.connect() as conn:
        return conn.execute(sa.text('SELECT max(id) FROM instance_actions')).scalar() or 0


def medians(rows):
    """``{'rest_to_begin_ms', 'begin_to_end_ms', 'reboots'}`` of ``(action start, event
    start, event finish)`` rows; empty without rows."""
    if not rows:
        return {}

    def ms(earlier, later):
        return (later - earlier).total_seconds() * 1000

    return {'rest_to_begin_ms': round(statistics.median(ms(r[0], r[1]) for r in rows), 2),
            'begin_to_end_ms': round(statistics.median(ms(r[1], r[2]) for r in rows), 2),
            'reboots': len(rows)}


def since(engine, after):
    """The phases of the reboots recorded after action id ``after``."""
    with engine.connect() as conn:
        rows = conn.execute(_QUERY, {'after': after, 'action': 'reboot',
                                     'event': EVENT}).all()
    return medians(rows)
