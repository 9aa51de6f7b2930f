"""Flavors, their access lists (projects) and extra specs; Nova's visibility rules.

A non-admin sees public flavors and the flavors shared with its project; everything
here returns plain dicts with ``extra_specs`` ({key: value}) and ``projects`` ([ids]).
"""

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from cepheid.api.db import models
from cepheid.api.db import session as db_session
from cepheid.common import exception

CLASSIC_FLAVORS = [
    ('1', 'm1.tiny', 1, 512, 1),
    ('2', 'm1.small', 1, 2048, 20),
    ('3', 'm1.medium', 2, 4096, 40),
    ('4', 'm1.large', 4, 8192, 80),
    ('5', 'm1.xlarge', 8, 16384, 160),
]

ALL = object()   # ``project_id=ALL``: an admin's view, no visibility filter


def _visible(stmt, project_id):
    if project_id is ALL:
        return stmt
    shared = sa.select(models.FlavorProject.flavor_id).where(
        models.FlavorProject.project_id == project_id)
    return stmt.where(sa.or_(models.Flavor.is_public.is_(True), models.Flavor.id.in_(shared)))


def _details(session, rows):
    """Flavor dicts with their extra specs and projects (two queries for any number)."""
    ids = [r.id for r in rows]
    specs, projects = {i: {} for i in ids}, {i: [] for i in ids}
    if ids:
        for spec in session.scalars(sa.select(models.FlavorExtraSpec).where(
                models.FlavorExtraSpec.flavor_id.in_(ids))):
            specs[spec.flavor_id][spec.key] = spec.value
        for access in session.scalars(sa.select(models.FlavorProject).where(
                models.FlavorProject.flavor_id.in_(ids)).order_by(models.FlavorProject.id)):
            projects[access.flavor_id].append(access.project_id)
    return [dict(db_session.row_to_dict(r), extra_specs=specs[r.id], projects=projects[r.id])
            for r in rows]


def _row(session, flavorid, project_id=ALL):
    stmt = sa.select(models.Flavor).where(models.Flavor.flavorid == str(flavorid))
    row = session.scalars(_visible(stmt, project_id)).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row


def get(session, flavorid, *, project_id=ALL):
    """The flavor ``flavorid`` if ``project_id`` may see it (any for ALL); else FlavorNotFound."""
    return _details(session, [_row(session, flavorid, project_id)])[0]


def get_all(session, *, project_id=ALL, private_only=False, include_disabled=True):
    """Flavors (ordered by id) that ``project_id`` may see: public or shared with it (ALL:
    every flavor); ``private_only`` keeps the non-public ones."""
    model = models.Flavor
    stmt = _visible(sa.select(model), project_id)
    if not include_disabled:
        stmt = stmt.where(model.disabled.is_(False))
    if private_only:
        stmt = stmt.where(model.is_public.is_(False))
    return _details(session, session.scalars(stmt.order_by(model.id)).all())


def create(session, values):
    """Insert a flavor; FlavorIdExists / FlavorExists (409) on a duplicate id or name."""
    model = models.Flavor
    if session.scalars(sa.select(model.id).where(model.flavorid == values['flavorid'])).first():
        raise exception.FlavorIdExists(flavor_id=values['flavorid'])
    if session.scalars(sa.select(model.id).where(model.name == values['name'])).first():
        raise exception.FlavorExists(name=values['name'])
    row = model(**values)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except sa_exc.IntegrityError:
        # A concurrent create won the race: say which unique key it took.
        if session.scalars(sa.select(model.id).where(
                model.flavorid == values['flavorid'])).first():
            raise exception.FlavorIdExists(flavor_id=values['flavorid']) from None
        raise exception.FlavorExists(name=values['name']) from None
    return _details(session, [row])[0]


def update(session, flavorid, values):
    row = _row(session, flavorid)
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    return _details(session, [row])[0]


def destroy(session, flavorid):
    """Delete the flavor with its access list and extra specs; returns what it was."""
    row = _row(session, flavorid)
    flavor = _details(session, [row])[0]
    for child in (models.FlavorProject, models.FlavorExtraSpec):
        session.execute(sa.delete(child).where(child.flavor_id == row.id))
    session.delete(row)
    session.flush()
    return flavor


def add_project(session, flavorid, project_id):
    row = _row(session, flavorid)
    model = models.FlavorProject
    exists = session.scalars(sa.select(model.id).where(
        model.flavor_id == row.id, model.project_id == project_id)).first()
    if exists:
        raise exception.FlavorAccessExists(flavor_id=flavorid, project_id=project_id)
    try:
        with session.begin_nested():
            session.add(model(flavor_id=row.id, project_id=project_id))
            session.flush()
    except sa_exc.IntegrityError:
        raise exception.FlavorAccessExists(flavor_id=flavorid, project_id=project_id) from None
    return _details(session, [row])[0]


def remove_project(session, flavorid, project_id):
    row = _row(session, flavorid)
    model = models.FlavorProject
    result = session.execute(sa.delete(model).where(
        model.flavor_id == row.id, model.project_id == project_id))
    if not result.rowcount:
        raise exception.FlavorAccessNotFound(flavor_id=flavorid, project_id=project_id)
    return _details(session, [row])[0]


def set_extra_specs(session, flavorid, specs):
    """Create or update ``specs`` ({key: str}) on the flavor; returns the flavor."""
    row = _row(session, flavorid)
    model = models.FlavorExtraSpec
    current = {s.key: s for s in session.scalars(
        sa.select(model).where(model.flavor_id == row.id))}
    try:
        with session.begin_nested():
            for key, value in specs.items():
                if key in current:
                    current[key].value = value
                else:
                    session.add(model(flavor_id=row.id, key=key, value=value))
            row.updated_at = models.utcnow()
            session.flush()
    except sa_exc.IntegrityError:
        # A concurrent writer, or keys equal under a case-insensitive collation (MySQL).
        raise exception.FlavorExtraSpecUpdateCreateFailed(id=flavorid, retries=1) from None
    return _details(session, [row])[0]


def delete_extra_spec(session, flavorid, key):
    row = _row(session, flavorid)
    model = models.FlavorExtraSpec
    result = session.execute(sa.delete(model).where(model.flavor_id == row.id,
                                                    model.key == key))
    if not result.rowcount:
        raise exception.FlavorExtraSpecsNotFound(flavor_id=flavorid, extra_specs_key=key)
    return _details(session, [row])[0]


def seed(session):
    """Insert Nova's classic m1.* flavors that are missing."""
    existing = set(session.scalars(sa.select(models.Flavor.flavorid)))
    for flavorid, name, vcpus, ram, disk in CLASSIC_FLAVORS:
        if flavorid not in existing:
            session.add(models.Flavor(flavorid=flavorid, name=name, vcpus=vcpus,
                                      memory_mb=ram, root_gb=disk))
