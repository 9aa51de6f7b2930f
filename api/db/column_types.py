"""Column types and the clock shared by the api database's models: datetimes with
microseconds on every backend, stored naive in UTC."""

import datetime

import sqlalchemy as sa


class DateTime6(sa.types.TypeDecorator):
    """A DATETIME, ``DATETIME(6)`` on MySQL/MariaDB: their DATETIME keeps whole seconds
    unless told otherwise; CAS on updated_at and newest-first ordering need the
    microseconds every other backend keeps. As ``with_variant(mysql.DATETIME(fsp=6))``,
    but SQLAlchemy's MySQL dialect (~1 MB of RSS) is imported only on MySQL/MariaDB."""

    impl = sa.DateTime
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name in ('mysql', 'mariadb'):
            from sqlalchemy.dialects import mysql
            return dialect.type_descriptor(mysql.DATETIME(fsp=6))
        return dialect.type_descriptor(sa.DateTime())


DATETIME = DateTime6()


def utcnow():
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
