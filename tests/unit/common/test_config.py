"""Configuration: compute hosts hold no DB options; the sample generators find every option."""

from cepheid.api import conf as api_conf
from cepheid.common import config
from cepheid.compute import conf as compute_conf


def test_compute_configuration_has_no_database_options():
    conf = config.make_conf(compute_conf.register_opts)
    conf([])
    groups = {name for name, _ in compute_conf.list_opts()} | {'DEFAULT'}
    assert 'database' not in groups
    assert 'database' not in conf
    assert not any('connection' == opt.dest for opt in compute_conf.compute_opts)


def test_api_configuration_has_the_database_url_and_no_silent_default():
    conf = config.make_conf(api_conf.register_opts)
    conf([])
    assert 'connection' in conf.database
    assert conf.database.connection is None
