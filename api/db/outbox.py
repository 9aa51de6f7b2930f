"""Queries of the transactional outbox (see api/outbox.py): write, claim, renew, delete.

Portable Core statements (no UPDATE … RETURNING: MariaDB lacks it). Claims are
compare-and-swaps on ``claimed_until`` and ``owner`` is unique per api process, so two
processes never hold one row.
"""

import json

import sqlalchemy as sa

from cepheid.api.db import models
from cepheid.api.db import prebuilt

_OUTBOX = models.Outbox.__table__
_INSERT = sa.insert(_OUTBOX).values({name: sa.bindparam(name) for name in (
    'host', 'method', 'context', 'kwargs', 'created_at', 'claimed_by', 'claimed_until')})
_DELETE = sa.delete(_OUTBOX).where(_OUTBOX.c.id.in_(sa.bindparam('ids', expanding=True)),
                                   _OUTBOX.c.claimed_by == sa.bindparam('owner'))


def add(session, *, context, cast, owner, until):
    """Write ``cast`` (a compute.rpcapi.Cast) claimed by ``owner``; returns its row."""
    now = models.utcnow()
    values = dict(host=cast.host, method=cast.method, context=json.dumps(context),
                  kwargs=json.dumps(cast.kwargs), created_at=now, claimed_by=owner,
                  claimed_until=until)
    result = prebuilt.execute(session.connection(), _INSERT, values)
    return dict(values, id=result.inserted_primary_key[0])


def claim_expired(session, *, owner, until, limit):
    """Claim up to ``limit`` rows whose claim ran out (their sender died); returns them."""
    now = models.utcnow()
    ids = list(session.scalars(
        sa.select(_OUTBOX.c.id).where(_OUTBOX.c.claimed_until < now)
        .order_by(_OUTBOX.c.id).limit(limit).with_for_update(skip_locked=True)))
    if not ids:
        return []
    session.execute(sa.update(_OUTBOX)
                    .where(_OUTBOX.c.id.in_(ids), _OUTBOX.c.claimed_until < now)
                    .values(claimed_by=owner, claimed_until=until))
    rows = session.execute(sa.select(_OUTBOX).where(_OUTBOX.c.id.in_(ids),
                                                    _OUTBOX.c.claimed_by == owner)
                           .order_by(_OUTBOX.c.id)).mappings()
    return [_decoded(row) for row in rows]


def renew(session, ids, *, owner, until):
    """Extend ``owner``'s claim on ``ids``; returns the ids it still holds."""
    if not ids:
        return set()
    session.execute(sa.update(_OUTBOX).where(_OUTBOX.c.id.in_(ids),
                                             _OUTBOX.c.claimed_by == owner)
                    .values(claimed_until=until))
    return set(session.scalars(sa.select(_OUTBOX.c.id).where(
        _OUTBOX.c.id.in_(ids), _OUTBOX.c.claimed_by == owner)))


def delete(session, ids, *, owner):
    """Forget the published rows ``ids`` of ``owner``."""
    if ids:
        session.connection().execute(_DELETE, {'ids': list(ids), 'owner': owner})


def count(session):
    return session.scalar(sa.select(sa.func.count()).select_from(_OUTBOX))


def _decoded(row):
    row = dict(row)
    row['context'] = json.loads(row['context'])
    row['kwargs'] = json.loads(row['kwargs'])
    return row
