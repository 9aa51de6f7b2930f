"""The executor choice read before any heavy import agrees with oslo.config's sources."""

import pytest

from cepheid.common import early_config


@pytest.fixture(autouse=True)
def no_default_files(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path / 'home'))
    monkeypatch.delenv(early_config.ENV_VAR, raising=False)
    monkeypatch.setattr(early_config, '_config_dirs',
                        lambda project: [str(tmp_path / 'home' / f'.{project}')])


def _conf(path, executor):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[DEFAULT]\nhost = h\nexecutor = {executor}\n[api]\nport = 1\n')
    return str(path)


def test_default_is_threading():
    assert early_config.executor([], prog='cepheid-api') == 'threading'


def test_last_config_file_wins_in_command_line_order(tmp_path):
    a = _conf(tmp_path / 'a.conf', 'eventlet')
    b = _conf(tmp_path / 'b.conf', 'threading')
    assert early_config.executor(['--config-file', a, f'--config-file={b}'],
                                 prog='x') == 'threading'
    assert early_config.executor(['--config-file', b, '--config-file', a], prog='x') == 'eventlet'


def test_config_dir_is_read_where_it_stands_on_the_command_line(tmp_path):
    a = _conf(tmp_path / 'a.conf', 'threading')
    _conf(tmp_path / 'd' / '10-exec.conf', 'eventlet')
    conf_dir = str(tmp_path / 'd')
    assert early_config.executor(['--config-file', a, '--config-dir', conf_dir],
                                 prog='x') == 'eventlet'
    assert early_config.executor(['--config-dir', conf_dir, '--config-file', a],
                                 prog='x') == 'threading'


def test_default_files_of_project_and_prog_are_used_without_config_file(tmp_path):
    _conf(tmp_path / 'home' / '.cepheid' / 'cepheid-compute.conf', 'eventlet')
    assert early_config.executor([], prog='cepheid-compute') == 'eventlet'
    assert early_config.executor([], prog='cepheid-api') == 'threading'
    other = _conf(tmp_path / 'other.conf', 'threading')
    assert early_config.executor(['--config-file', other], prog='cepheid-compute') == 'threading'


def test_environment_beats_files(tmp_path, monkeypatch):
    a = _conf(tmp_path / 'a.conf', 'threading')
    monkeypatch.setenv(early_config.ENV_VAR, 'eventlet')
    assert early_config.executor(['--config-file', a], prog='x') == 'eventlet'


def test_a_broken_or_missing_file_leaves_the_choice_to_oslo_config(tmp_path):
    broken = tmp_path / 'broken.conf'
    broken.write_text('executor = eventlet\n')  # no section header
    assert early_config.executor(['--config-file', str(broken),
                                  '--config-file', str(tmp_path / 'missing.conf')],
                                 prog='x') == 'threading'
