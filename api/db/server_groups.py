"""Server groups and their members (a member counts while its instance is not deleted)."""

import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.api.db import session as db_session
from cepheid.common import exception

_GROUP = models.InstanceGroup
_MEMBER = models.InstanceGroupMember
_INSTANCE = models.Instance
_MIGRATION = models.Migration


def _members(session, group_ids):
    """{group id: [uuids of its live instances, oldest first]}."""
    result = {gid: [] for gid in group_ids}
    if not group_ids:
        return result
    stmt = (sa.select(_MEMBER.group_id, _MEMBER.instance_uuid)
            .join(_INSTANCE, _INSTANCE.uuid == _MEMBER.instance_uuid)
            .where(_MEMBER.group_id.in_(group_ids), _INSTANCE.deleted == 0)
            .order_by(_MEMBER.id))
    for gid, uuid in session.execute(stmt):
        result[gid].append(uuid)
    return result


def _to_dicts(session, rows):
    members = _members(session, [r.id for r in rows])
    return [dict(db_session.row_to_dict(r), members=members[r.id]) for r in rows]


def _row(session, group_uuid):
    row = session.scalars(sa.select(_GROUP).where(_GROUP.uuid == group_uuid)).first()
    if row is None:
        raise exception.InstanceGroupNotFound(group_uuid=group_uuid)
    return row


def get(session, group_uuid):
    return _to_dicts(session, [_row(session, group_uuid)])[0]


def get_all(session, *, project_id=None, limit=None, offset=None):
    """Groups of ``project_id`` (every project's when None), oldest first."""
    stmt = sa.select(_GROUP).order_by(_GROUP.id)
    if project_id is not None:
        stmt = stmt.where(_GROUP.project_id == project_id)
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return _to_dicts(session, list(session.scalars(stmt)))


def create(session, values):
    row = _GROUP(**values)
    session.add(row)
    session.flush()
    return _to_dicts(session, [row])[0]


def destroy(session, group_uuid):
    row = _row(session, group_uuid)
    session.execute(sa.delete(_MEMBER).where(_MEMBER.group_id == row.id))
    session.delete(row)


def add_members(session, group_uuid, instance_uuids):
    row = _row(session, group_uuid)
    for uuid in instance_uuids:
        session.add(_MEMBER(group_id=row.id, instance_uuid=uuid))
    session.flush()


def remove_member(session, instance_uuid):
    """Forget ``instance_uuid`` in every group (its server is deleted)."""
    session.execute(sa.delete(_MEMBER).where(_MEMBER.instance_uuid == instance_uuid))


def group_of(session, instance_uuid):
    """The group ``instance_uuid`` belongs to (with policy, rules and members), or None."""
    group_id = session.scalars(sa.select(_MEMBER.group_id).where(
        _MEMBER.instance_uuid == instance_uuid)).first()
    if group_id is None:
        return None
    row = session.get(_GROUP, group_id)
    return _to_dicts(session, [row])[0]


# A member's move still under way towards its destination (the instance's host changes
# at the hand-over): resize / cold migration before it, live migration, evacuation.
_MOVING = ('pre-migrating', 'migrating', 'accepted', 'queued', 'preparing', 'running')


def hosts_of_members(session, group_uuid):
    """{host: number of the group's live members on it} (for the affinity filters and
    weighers). A member moving counts on its destination too, from the moment the move is
    placed (beyond Nova, whose filters see it there only after the hand-over): two moves
    placed at once cannot both pick one host for an anti-affinity group."""
    row = _row(session, group_uuid)
    live_member = sa.and_(_MEMBER.group_id == row.id, _INSTANCE.deleted == 0)
    on_host = (sa.select(_INSTANCE.uuid, _INSTANCE.host)
               .join(_MEMBER, _INSTANCE.uuid == _MEMBER.instance_uuid)
               .where(live_member, _INSTANCE.host.is_not(None)))
    moving_to = (sa.select(_INSTANCE.uuid, _MIGRATION.dest_compute)
                 .join(_MEMBER, _INSTANCE.uuid == _MEMBER.instance_uuid)
                 .join(_MIGRATION, _MIGRATION.instance_uuid == _INSTANCE.uuid)
                 .where(live_member, _MIGRATION.deleted == 0,
                        _MIGRATION.status.in_(_MOVING),
                        _MIGRATION.dest_compute.is_not(None)))
    pairs = set(session.execute(on_host).all()) | set(session.execute(moving_to).all())
    result = {}
    for _uuid, host in pairs:
        result[host] = result.get(host, 0) + 1
    return result


def count(session, project_id, user_id=None):
    stmt = sa.select(sa.func.count(_GROUP.id)).where(_GROUP.project_id == project_id)
    if user_id is not None:
        stmt = stmt.where(_GROUP.user_id == user_id)
    return session.scalar(stmt)
