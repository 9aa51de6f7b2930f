"""``cepheid-manage``: database and operator commands (``db sync``, ``db version``)."""

import sys

from oslo_config import cfg

from cepheid.api import conf as api_conf
from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from cepheid.common import config


def _db_sync(conf):
    database = db_session.Database(conf.database.connection)
    migration.db_sync(database)
    print(f'Database at revision {migration.db_version(database)}')


def _db_version(conf):
    print(migration.db_version(db_session.Database(conf.database.connection)) or 'None')


def _add_commands(subparsers):
    db = subparsers.add_parser('db', help='database commands')
    db_sub = db.add_subparsers(dest='action')
    db_sub.required = True
    db_sub.add_parser('sync', help='upgrade the schema and seed flavors').set_defaults(
        func=_db_sync)
    db_sub.add_parser('version', help='print the schema revision').set_defaults(
        func=_db_version)


def main(argv=None):
    conf = config.make_conf(api_conf.register_opts)
    conf.register_cli_opt(cfg.SubCommandOpt('category', handler=_add_commands))
    config.parse_args(conf, sys.argv[1:] if argv is None else argv, prog='cepheid-manage')
    conf.category.func(conf)
    return 0


if __name__ == '__main__':
    sys.exit(main())
