"""The schema revision of a database and of this code, read without importing Alembic.

The api's start-up check needs only two strings; Alembic's runtime (every dialect's DDL,
Mako, Pygments) would stay in the long-running process as ~14 MB of RSS. The answers are
Alembic's: the row of ``alembic_version`` and the one revision of ``migrations/versions``
that no other revision names as its ``down_revision`` (a unit test compares both).
"""

import ast
import os

import sqlalchemy as sa

VERSIONS_DIR = os.path.join(os.path.dirname(__file__), 'migrations', 'versions')
VERSION_TABLE = 'alembic_version'


def current(connection):
    """The database's revision, or None when it was never migrated (no version table)."""
    if not sa.inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(sa.text(f'SELECT version_num FROM {VERSION_TABLE}')).all()
    if len(rows) > 1:
        raise RuntimeError(f'{VERSION_TABLE} has {len(rows)} rows: several heads applied')
    return rows[0][0] if rows else None


def _assigned(path):
    """``{'revision': ..., 'down_revision': ...}`` as a migration file assigns them."""
    with open(path, encoding='utf-8') as source:
        tree = ast.parse(source.read(), path)
    found = {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign) and node.value else [])
        for target in targets:
            if isinstance(target, ast.Name) and target.id in ('revision', 'down_revision'):
                found[target.id] = ast.literal_eval(node.value)
    return found


def _down(value):
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def head(versions_dir=VERSIONS_DIR):
    """The newest revision this code knows; RuntimeError unless there is exactly one."""
    revisions, parents = set(), set()
    for name in sorted(os.listdir(versions_dir)):
        if not name.endswith('.py') or name.startswith('_'):
            continue
        found = _assigned(os.path.join(versions_dir, name))
        if 'revision' in found:
            revisions.add(found['revision'])
            parents.update(_down(found.get('down_revision')))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f'{versions_dir}: {len(heads)} heads {sorted(heads)}, expected one')
    return heads.pop()
