"""``cepheid-manage``: database and operator commands (``db sync``, ``db version``,
``host reboot``)."""

import sys

from oslo_config import cfg

from cepheid.api import conf as api_conf
from cepheid.api import manage_host
from cepheid.api import startup_checks
from cepheid.api.db import migration
from cepheid.api.db import session as db_session
from cepheid.common import config
from cepheid.common import startup

PROG = 'cepheid-manage'
DESCRIPTION = """\
cepheid-manage: operator commands of Cepheid's api database.

  cepheid-manage --config-file api.conf db sync      create/upgrade the schema, seed flavors
  cepheid-manage --config-file api.conf db version   print the schema revision
  cepheid-manage host reboot HOST [--type SOFT|HARD] [--parallel N] [--no-skip-locked]
      --url URL --token TOKEN                        rolling reboot through the REST API

The db commands need [database] connection (the api's SQLAlchemy URL) in the --config-file.
Every option:
"""


def _db_sync(conf):
    startup_checks.check_database(conf, need_schema=False)
    database = db_session.Database(conf.database.connection)
    migration.db_sync(database)
    print(f'Database at revision {migration.db_version(database)}')


def _db_version(conf):
    print(startup_checks.check_database(conf, need_schema=False) or 'None')


def _add_commands(subparsers):
    db = subparsers.add_parser('db', help='database commands')
    db_sub = db.add_subparsers(dest='action')
    db_sub.required = True
    db_sub.add_parser('sync', help='upgrade the schema and seed flavors').set_defaults(
        func=_db_sync)
    db_sub.add_parser('version', help='print the schema revision').set_defaults(
        func=_db_version)
    manage_host.add_parser(subparsers)


def _start(argv):
    conf = config.make_conf(api_conf.register_opts)
    conf.register_cli_opt(cfg.SubCommandOpt('category', handler=_add_commands))
    startup.parse(conf, argv, prog=PROG, description=DESCRIPTION)
    return conf.category.func(conf) or 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    return startup.run(PROG, lambda: _start(argv))


if __name__ == '__main__':
    sys.exit(main())
