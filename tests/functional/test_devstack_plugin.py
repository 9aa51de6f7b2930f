"""The devstack plugin's phase dispatch and generated config, against a stand-in for devstack.

devstack/settings and devstack/plugin.sh are sourced by bash exactly as devstack does (one
shell, ``plugin.sh <mode> <phase>`` per phase) on top of tests/fixtures/devstack_stub.sh,
which records every devstack helper call and writes real ini files. ``cepheid-manage db
sync`` is the real command, run on SQLite through the generated config.
"""

import configparser
import pathlib
import sqlite3
import subprocess
import sys

from cepheid.api import conf as api_conf
from cepheid.common import config
from cepheid.compute import conf as compute_conf

ROOT = pathlib.Path(__file__).resolve().parents[2]
STUB = ROOT / 'tests' / 'fixtures' / 'devstack_stub.sh'
PHASES = [('stack', 'pre-install'), ('stack', 'install'), ('stack', 'post-config'),
          ('stack', 'extra'), ('stack', 'test-config'), ('unstack', ''), ('clean', '')]


def _script():
    lines = [f'source {STUB}', 'echo "PHASE settings" >>"$STUB_CALLS"',
             f'source {ROOT}/devstack/settings']
    for mode, phase in PHASES:
        lines += [f'echo "PHASE {f"{mode} {phase}".strip()}" >>"$STUB_CALLS"',
                  f'source {ROOT}/devstack/plugin.sh {mode} {phase}']
    return '\n'.join(lines) + '\n'


def run_devstack(tmp_path, services, *, stop_before=None):
    """Run every phase (until ``stop_before``); return {phase: [calls]} and the conf dir."""
    calls = tmp_path / 'calls.log'
    conf_dir = tmp_path / 'etc'
    env = {'PATH': '/usr/bin:/bin', 'STUB_CALLS': str(calls), 'STUB_ROOT': str(tmp_path),
           'ENABLED_SERVICES': services, 'STUB_BIN_DIR': str(pathlib.Path(sys.executable).parent),
           'STUB_DB_URL': f'sqlite:///{tmp_path}/cepheid.sqlite',
           'CEPHEID_CONF_DIR': str(conf_dir), 'HOME': str(tmp_path)}
    script = _script()
    if stop_before:
        script = script.split(f'echo "PHASE {stop_before}')[0]
    result = subprocess.run(['bash', '-c', script], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    return _calls_by_phase(calls.read_text()), conf_dir


def _calls_by_phase(text):
    phases, current = {}, None
    for line in text.splitlines():
        if line.startswith('PHASE '):
            current = line[len('PHASE '):].strip()
            phases[current] = []
        else:
            phases[current].append(line)
    return phases


def _names(calls):
    return [c.split()[0] for c in calls if not c.startswith(('echo_summary', 'sudo'))]


def _ini(path):
    parser = configparser.RawConfigParser(interpolation=None)
    assert parser.read(path), f'{path} not written'
    return parser


def test_settings_enable_both_services(tmp_path):
    calls, _ = run_devstack(tmp_path, 'keystone', stop_before='stack pre-install')
    assert calls['settings'] == ['enable_service cepheid-api cepheid-compute']


def test_each_phase_calls_the_right_devstack_helpers(tmp_path):
    calls, conf_dir = run_devstack(tmp_path, 'keystone,rabbit,mysql', stop_before='clean')
    api_conf_path, compute_conf_path = conf_dir / 'cepheid.conf', conf_dir / 'cepheid-compute.conf'
    assert _names(calls['stack pre-install']) == []
    assert calls['stack install'][-1] == (
        f'setup_develop {tmp_path}/opt/stack/cepheid postgresql,keystone')
    post = calls['stack post-config']
    assert f'iniset_rpc_backend cepheid {api_conf_path}' in post
    assert f'iniset_rpc_backend cepheid {compute_conf_path}' in post
    assert 'database_connection_url cepheid' in post
    assert f'configure_keystone_authtoken_middleware {api_conf_path} cepheid' in post
    assert 'create_service_user cepheid admin' in post
    assert 'get_or_create_endpoint compute RegionOne http://127.0.0.1:18774/v2.1' in post
    bin_dir = pathlib.Path(sys.executable).parent
    assert _names(calls['stack extra']) == ['recreate_database', 'run_process',
                                            'wait_for_service', 'run_process']
    assert calls['stack extra'][-1] == (
        f'run_process cepheid-compute {bin_dir}/cepheid-compute --config-file '
        f'{compute_conf_path}')
    assert _names(calls['stack test-config']) == []
    assert calls['unstack'] == ['stop_process cepheid-compute', 'stop_process cepheid-api']


def test_keystone_config_for_the_api_and_no_database_for_the_compute(tmp_path):
    _, conf_dir = run_devstack(tmp_path, 'keystone', stop_before='stack extra')
    api = _ini(conf_dir / 'cepheid.conf')
    assert api.get('api', 'auth_strategy') == 'keystone'
    assert api.get('keystone_authtoken', 'username') == 'cepheid'
    assert api.get('keystone_authtoken', 'auth_type') == 'password'
    assert api.get('database', 'connection') == f'sqlite:///{tmp_path}/cepheid.sqlite'
    assert api.get('DEFAULT', 'transport_url').startswith('rabbit://stackrabbit:')
    assert (api.get('api', 'port'), api.get('api', 'workers')) == ('18774', '2')
    compute = _ini(conf_dir / 'cepheid-compute.conf')
    assert not compute.has_section('database')
    assert not compute.has_section('keystone_authtoken')
    assert compute.get('DEFAULT', 'compute_driver') == 'fake'
    assert compute.get('DEFAULT', 'transport_url') == api.get('DEFAULT', 'transport_url')


def test_without_keystone_the_api_uses_noauth2_and_registers_no_accounts(tmp_path):
    calls, conf_dir = run_devstack(tmp_path, 'mysql', stop_before='stack extra')
    assert _ini(conf_dir / 'cepheid.conf').get('api', 'auth_strategy') == 'noauth2'
    assert not _ini(conf_dir / 'cepheid.conf').has_section('keystone_authtoken')
    assert not any(c.startswith(('create_service_user', 'get_or_create'))
                   for c in calls['stack post-config'])


def test_generated_configs_load_in_the_services_and_db_sync_ran(tmp_path):
    run_devstack(tmp_path, 'mysql', stop_before='unstack')
    conf_dir = tmp_path / 'etc'
    api = config.make_conf(api_conf.register_opts)
    api(['--config-file', str(conf_dir / 'cepheid.conf')], project='cepheid')
    assert (api.api.auth_strategy, api.api.workers) == ('noauth2', 2)
    assert _ini(conf_dir / 'cepheid.conf').get('DEFAULT', 'executor') == 'threading'
    compute = config.make_conf(compute_conf.register_opts)
    compute(['--config-file', str(conf_dir / 'cepheid-compute.conf')], project='cepheid')
    assert compute.compute_driver == 'fake' and compute.transport_url.startswith('rabbit://')
    with sqlite3.connect(tmp_path / 'cepheid.sqlite') as db:
        assert db.execute('SELECT count(*) FROM flavors').fetchone()[0] == 5


def test_compute_only_node_configures_and_starts_only_the_compute(tmp_path):
    # local.conf of a compute node: ENABLED_SERVICES+=,-cepheid-api (devstack's negation
    # survives the enable_service of settings).
    calls, conf_dir = run_devstack(tmp_path, 'rabbit,-cepheid-api', stop_before='clean')
    assert (conf_dir / 'cepheid-compute.conf').exists()
    assert not (conf_dir / 'cepheid.conf').exists()
    assert 'database_connection_url cepheid' not in calls['stack post-config']
    assert _names(calls['stack extra']) == ['run_process']
    assert calls['stack extra'][-1].startswith('run_process cepheid-compute ')


def test_nothing_happens_when_both_services_are_disabled(tmp_path):
    calls, conf_dir = run_devstack(tmp_path, 'keystone,-cepheid-api,-cepheid-compute')
    assert all(_names(calls[phase]) == [] for phase in calls if phase != 'settings')
    assert not conf_dir.exists()


def test_clean_removes_the_config_and_state(tmp_path):
    calls, conf_dir = run_devstack(tmp_path, 'keystone,mysql')
    assert calls['clean'][-1] == f'sudo rm -rf {conf_dir} {tmp_path}/data/cepheid'
    assert not conf_dir.exists()
