"""``db sync``: run the Alembic migrations, then seed the classic flavors."""

import os

from alembic import command
from alembic import config as alembic_config

from cepheid.api.db import services as db_services

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), 'migrations')


def _alembic_config(connection):
    cfg = alembic_config.Config()
    cfg.set_main_option('script_location', MIGRATIONS_DIR)
    cfg.attributes['connection'] = connection
    return cfg


def db_sync(database, revision='head'):
    """Upgrade ``database`` (a session.Database) to ``revision`` and seed flavors."""
    with database.engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)
    with database.transaction() as session:
        db_services.seed_flavors(session)


def db_version(database):
    from alembic.runtime import migration
    with database.engine.connect() as connection:
        return migration.MigrationContext.configure(connection).get_current_revision()


def head_revision():
    """The newest schema revision this code knows."""
    from alembic import script
    return script.ScriptDirectory.from_config(_alembic_config(None)).get_current_head()
