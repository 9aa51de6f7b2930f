"""Start-up checks of the api side: ``[database] connection`` set, reachable and migrated."""

import sqlalchemy as sa

from cepheid.api.db import schema_revision
from cepheid.common import startup

EXAMPLE_URL = 'postgresql+psycopg://cepheid:secret@db-host/cepheid'
EXTRAS = {'postgresql': 'postgresql', 'mysql': 'mysql', 'mariadb': 'mysql'}


def _engine(conf, url, timeout):
    where = startup.where(conf, 'connection', 'database')
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise startup.StartupError(f'{where}: not a SQLAlchemy URL: {exc}') from exc
    connect_args = {}
    if parsed.get_backend_name() in ('postgresql', 'mysql', 'mariadb'):
        connect_args['connect_timeout'] = timeout
    try:
        return parsed, sa.create_engine(parsed, poolclass=sa.pool.NullPool,
                                        connect_args=connect_args)
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        extra = EXTRAS.get(parsed.get_backend_name())
        hint = f" (pip install 'cepheid[{extra}]')" if extra else ''
        raise startup.StartupError(f'{where}: no driver for {parsed.drivername}{hint}') \
            from exc


def check_database(conf, *, need_schema=True, timeout=5):
    """Raise StartupError unless the database can be used (and, with ``need_schema``,
    is at the newest schema revision); returns the current revision."""
    where = startup.where(conf, 'connection', 'database')
    url = conf.database.connection
    if not url:
        raise startup.StartupError(
            f'{where}: not set; give the SQLAlchemy URL of the database, e.g. {EXAMPLE_URL}')
    parsed, engine = _engine(conf, url, timeout)
    shown = parsed.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            revision = schema_revision.current(connection)
    except sa.exc.DBAPIError as exc:
        cause = ' '.join(str(exc.orig).split()) if exc.orig is not None else str(exc)
        raise startup.StartupError(f'{where}: cannot connect to {shown}: {cause}') from exc
    finally:
        engine.dispose()
    head = schema_revision.head()
    if need_schema and revision != head:
        raise startup.StartupError(
            f'{where}: the database {shown} is at schema revision {revision}, this version '
            f'needs {head}; run cepheid-manage db sync')
    return revision
