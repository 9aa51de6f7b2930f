"""Server tag queries (Nova's ``tags`` table) and the tag filters of the server list."""

import sqlalchemy as sa

from cepheid.api.db import models

_TAGS = models.Tag.__table__


def get(session, uuid):
    """The tags of instance ``uuid``, sorted."""
    return list(session.scalars(sa.select(_TAGS.c.tag).where(_TAGS.c.resource_id == uuid)
                                .order_by(_TAGS.c.tag)))


def get_many(session, uuids):
    """{uuid: [tags, sorted]} for ``uuids`` (every uuid present, [] when it has none)."""
    result = {uuid: [] for uuid in uuids}
    if not result:
        return result
    rows = session.execute(sa.select(_TAGS.c.resource_id, _TAGS.c.tag)
                           .where(_TAGS.c.resource_id.in_(list(result)))
                           .order_by(_TAGS.c.resource_id, _TAGS.c.tag))
    for uuid, tag in rows:
        result[uuid].append(tag)
    return result


def exists(session, uuid, tag):
    return session.scalar(sa.select(sa.func.count()).select_from(_TAGS).where(
        _TAGS.c.resource_id == uuid, _TAGS.c.tag == tag)) > 0


def add(session, uuid, tag):
    """Add ``tag`` to ``uuid``; False when it was there already."""
    if exists(session, uuid, tag):
        return False
    session.execute(sa.insert(_TAGS).values(resource_id=uuid, tag=tag))
    return True


def replace(session, uuid, tags):
    """Make ``tags`` (duplicates dropped) the whole set of ``uuid``; returns them sorted."""
    wanted = set(tags)
    current = set(get(session, uuid))
    if current - wanted:
        session.execute(sa.delete(_TAGS).where(_TAGS.c.resource_id == uuid,
                                               _TAGS.c.tag.in_(sorted(current - wanted))))
    for tag in sorted(wanted - current):
        session.execute(sa.insert(_TAGS).values(resource_id=uuid, tag=tag))
    return sorted(wanted)


def delete(session, uuid, tag):
    """Remove ``tag`` from ``uuid``; False when it had no such tag."""
    return session.execute(sa.delete(_TAGS).where(_TAGS.c.resource_id == uuid,
                                                  _TAGS.c.tag == tag)).rowcount > 0


def delete_all(session, uuid):
    session.execute(sa.delete(_TAGS).where(_TAGS.c.resource_id == uuid))


def _has(instance_uuid, tags):
    """EXISTS a tag of ``instance_uuid`` among ``tags``."""
    return sa.exists().where(_TAGS.c.resource_id == instance_uuid, _TAGS.c.tag.in_(tags))


def filter_predicates(instance_uuid, *, tags=None, tags_any=None, not_tags=None,
                      not_tags_any=None):
    """WHERE clauses of Nova's tag filters, on the column ``instance_uuid``:
    ``tags`` all present, ``tags_any`` one present, ``not_tags`` not all present,
    ``not_tags_any`` none present."""
    preds = []
    if tags:
        preds.extend(_has(instance_uuid, [tag]) for tag in tags)
    if tags_any:
        preds.append(_has(instance_uuid, tags_any))
    if not_tags:
        preds.append(sa.not_(sa.and_(*[_has(instance_uuid, [tag]) for tag in not_tags])))
    if not_tags_any:
        preds.append(sa.not_(_has(instance_uuid, not_tags_any)))
    return preds
