"""The api's ``GET /healthcheck``: its database answers ``SELECT 1`` and its broker accepts
a connection (``common/health.py`` serves it through oslo.middleware)."""

import sqlalchemy as sa

from cepheid.common import health


def database_failure(db):
    """None when ``db`` answers, else the reason (no driver text: it may hold the URL)."""
    try:
        with db.transaction() as session:
            session.execute(sa.text('SELECT 1'))
    except Exception as exc:   # any failure means "not healthy"
        return f'database: {type(exc).__name__}'
    return None


def wrap(wsgi_app, services):
    return health.HealthApp(wsgi_app, [lambda: database_failure(services.db),
                                       lambda: health.broker_failure(services.conf)])
