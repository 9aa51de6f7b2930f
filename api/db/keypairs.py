"""Key pairs of a user, by name (unique per user)."""

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from cepheid.api.db import models
from cepheid.api.db import session as db_session
from cepheid.common import exception

_MODEL = models.KeyPair


def _row(session, user_id, name):
    row = session.scalars(sa.select(_MODEL).where(
        _MODEL.user_id == user_id, _MODEL.name == name)).first()
    if row is None:
        raise exception.KeypairNotFound(name=name, user_id=user_id)
    return row


def get(session, user_id, name):
    return db_session.row_to_dict(_row(session, user_id, name))


def exists(session, user_id, name):
    return session.scalars(sa.select(_MODEL.id).where(
        _MODEL.user_id == user_id, _MODEL.name == name)).first() is not None


def create(session, values):
    """Insert a key pair; KeyPairExists (409) when the user already has that name."""
    if exists(session, values['user_id'], values['name']):
        raise exception.KeyPairExists(key_name=values['name'])
    row = _MODEL(**values)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except sa_exc.IntegrityError:
        raise exception.KeyPairExists(key_name=values['name']) from None
    return db_session.row_to_dict(row)


def get_all(session, user_id, *, limit=None, marker=None):
    """The user's key pairs by name; ``marker`` is the last name of the page before."""
    stmt = sa.select(_MODEL).where(_MODEL.user_id == user_id)
    if marker is not None:
        try:
            _row(session, user_id, marker)
        except exception.KeypairNotFound:
            raise exception.MarkerNotFound(marker=marker) from None
        stmt = stmt.where(_MODEL.name > marker)
    stmt = stmt.order_by(_MODEL.name, _MODEL.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [db_session.row_to_dict(r) for r in session.scalars(stmt)]


def destroy(session, user_id, name):
    session.delete(_row(session, user_id, name))
