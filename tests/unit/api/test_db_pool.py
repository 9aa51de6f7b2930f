"""The api database's connection pool is sized with the threads that write through it."""

import sqlalchemy as sa

from cepheid.api import conf as api_conf
from cepheid.api.db import session as db_session
from cepheid.common import config
from cepheid.demo import allinone


def _conf(**database):
    conf = config.make_conf(api_conf.register_opts)
    conf([], project='cepheid')
    for name, value in database.items():
        conf.set_override(name, value, group='database')
    return conf


def test_unset_pool_size_counts_the_threads_that_write():
    conf = _conf(connection='postgresql+psycopg://cepheid@127.0.0.1/cepheid')
    conf.set_override('threads', 8, group='api')
    conf.set_override('steps_consumer_threads', 4, group='api')
    conf.set_override('conductor_threads', 6, group='api')
    assert db_session.pool_options(conf) == {
        'pool_size': 8 + 4 + 6 + db_session.BACKGROUND_THREADS,
        'max_overflow': 50, 'pool_timeout': 30}


def test_unset_pool_size_on_sqlite_is_one_connection_and_no_overflow(tmp_path):
    conf = _conf(connection=f'sqlite:///{tmp_path}/api.sqlite', pool_timeout=7)
    assert db_session.pool_options(conf) == {
        'pool_size': 1, 'max_overflow': 0, 'pool_timeout': 7}
    # The url a caller passes (the all-in-one's own database) is the one that counts.
    conf = _conf(connection='postgresql+psycopg://cepheid@127.0.0.1/cepheid')
    assert db_session.pool_options(conf, 'sqlite:////tmp/x.sqlite')['pool_size'] == 1


def test_operator_settings_win_on_sqlite_too():
    conf = _conf(connection='sqlite:////tmp/x.sqlite', max_pool_size=6, max_overflow=2)
    assert db_session.pool_options(conf) == {
        'pool_size': 6, 'max_overflow': 2, 'pool_timeout': 30}


def test_operator_settings_win():
    conf = _conf(max_pool_size=3, max_overflow=0, pool_timeout=5)
    assert db_session.pool_options(conf) == {
        'pool_size': 3, 'max_overflow': 0, 'pool_timeout': 5}


def test_engine_keeps_that_many_connections(tmp_path):
    database = db_session.Database(f'sqlite:///{tmp_path}/pool.sqlite',
                                   {'pool_size': 16, 'max_overflow': 7, 'pool_timeout': 9})
    pool = database.engine.pool
    assert isinstance(pool, sa.pool.QueuePool)
    assert (pool.size(), pool._max_overflow, pool._timeout) == (16, 7, 9)
    database.dispose()


def test_in_memory_sqlite_keeps_its_single_connection():
    database = db_session.Database('sqlite://', {'pool_size': 16, 'max_overflow': 7,
                                                 'pool_timeout': 9})
    assert isinstance(database.engine.pool, sa.pool.StaticPool)
    database.dispose()


def test_the_all_in_one_sizes_its_pool_from_the_same_options(tmp_path):
    conf = allinone.make_conf()
    stack = allinone.AllInOne(conf, db_url=f'sqlite:///{tmp_path}/default.sqlite')
    assert (stack.db.engine.pool.size(), stack.db.engine.pool._max_overflow) == (1, 0)
    stack.db.dispose()
    conf.set_override('max_pool_size', 11, group='database')
    conf.set_override('max_overflow', 3, group='database')
    stack = allinone.AllInOne(conf, db_url=f'sqlite:///{tmp_path}/allinone.sqlite')
    pool = stack.db.engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (11, 3, 30)
    stack.db.dispose()
