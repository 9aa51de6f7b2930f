"""Read ``[DEFAULT] executor`` before any heavy import, with the standard library only.

The eventlet executor needs the process monkey-patched before oslo.messaging, oslo.log or
anything else that uses threads is imported, so the choice is read here from the same
sources oslo.config will read (``--config-file``/``--config-dir`` in command-line order,
else the default files of ``project``/``prog``, then ``OS_DEFAULT__EXECUTOR``). The
services compare it with the full oslo.config parse and refuse to run on a mismatch.
Under the threading executor eventlet is then left out of the process altogether.
"""

import configparser
import glob
import os
import sys

DEFAULT_EXECUTOR = 'threading'
ENV_VAR = 'OS_DEFAULT__EXECUTOR'   # oslo.config's environment source for [DEFAULT] executor
GREENDNS_VAR = 'EVENTLET_NO_GREENDNS'   # read once, when eventlet is first imported


def _config_dirs(project):
    return [os.path.expanduser(f'~/.{project}'), os.path.expanduser('~'),
            f'/etc/{project}', '/etc']


def _first_existing(dirs, name):
    for folder in dirs:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    return None


def default_sources(project, prog):
    """oslo.config's defaults: ``<project>.conf``, ``<prog>.conf`` and their ``.conf.d``."""
    dirs = _config_dirs(project)
    files = [_first_existing(dirs, f'{name}.conf') for name in (project, prog)]
    conf_dirs = [_first_existing(dirs, f'{name}.conf.d') for name in (project, prog)]
    return ([('file', f) for f in files if f], [('dir', d) for d in conf_dirs if d])


def _cli_sources(argv):
    """``(kind, path)`` for each ``--config-file``/``--config-dir`` of ``argv``, in order."""
    sources = []
    args = list(argv)
    for index, arg in enumerate(args):
        for kind in ('file', 'dir'):
            flag = f'--config-{kind}'
            if arg == flag and index + 1 < len(args):
                sources.append((kind, args[index + 1]))
            elif arg.startswith(flag + '='):
                sources.append((kind, arg.split('=', 1)[1]))
    return sources


def config_sources(argv, *, project='cepheid', prog):
    """The config files oslo.config would read for ``argv``, in reading order."""
    cli = _cli_sources(argv)
    default_files, default_dirs = default_sources(project, prog)
    if not any(kind == 'file' for kind, _ in cli):
        cli = default_files + cli
    if not any(kind == 'dir' for kind, _ in cli):
        cli = cli + default_dirs
    paths = []
    for kind, path in cli:
        paths.extend(sorted(glob.glob(os.path.join(path, '*.conf'))) if kind == 'dir'
                     else [path])
    return paths


def _read_executor(path):
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read(path)
    except configparser.Error:
        return None   # oslo.config reports the broken file itself
    value = parser.defaults().get('executor')
    return value.strip() if value else None


def executor(argv, *, prog, project='cepheid'):
    """The ``[DEFAULT] executor`` that oslo.config will see for this command line."""
    value = DEFAULT_EXECUTOR
    for path in config_sources(argv, project=project, prog=prog):
        value = _read_executor(path) or value
    return os.environ.get(ENV_VAR) or value


def bootstrap(argv, *, prog):
    """Monkey-patch first thing when the eventlet executor is chosen; return the choice.

    The entry points call this before importing oslo.* or any service module.
    """
    choice = executor(argv, prog=prog)
    if choice == 'eventlet':
        import eventlet
        eventlet.monkey_patch()
    else:
        if not leave_eventlet_out():
            _import_eventlet_without_greendns()
    return choice


def leave_eventlet_out():
    """Threading executor: nothing runs on eventlet, yet oslo.service's default backend
    (imported by oslo.messaging's server), futurist and oslo.utils import it whenever it is
    installed: eventlet and greenlet (~2.8 MB of RSS), and its green DNS resolver with
    dnspython and cryptography (~17 MB) unless ``EVENTLET_NO_GREENDNS`` is set.

    oslo.service's threading backend (cotyledon, ~0.6 MB) is chosen instead, and a
    ``None`` entry in ``sys.modules`` makes any later ``import eventlet`` raise the
    ImportError those optional imports expect (futurist's green executors, oslo.utils'
    eventlet helpers and oslo.log's eventlet fix are then off: none is used here). Nothing
    is done when eventlet is already imported (a test runner) or oslo.service has no
    backends (before 4.2). Returns whether eventlet was left out.
    """
    if 'eventlet' in sys.modules:
        return sys.modules['eventlet'] is None
    try:
        from oslo_service import backend
    except ImportError:
        return False
    if backend.get_backend_type() not in (None, backend.BackendType.THREADING):
        return False
    sys.modules['eventlet'] = None
    try:
        backend.init_backend(backend.BackendType.THREADING)
    except (ImportError, ValueError):    # no cotyledon: the default backend needs eventlet
        del sys.modules['eventlet']
        return False
    return True


def _import_eventlet_without_greendns():
    """Threading executor where eventlet could not be left out (no cotyledon): oslo.utils
    and oslo.service import eventlet anyway; import it first without its green DNS resolver
    (dnspython and cryptography, ~17 MB of RSS that an unpatched process never uses). The
    variable is restored: children choose their own.
    """
    if 'eventlet' in sys.modules:
        return
    saved = os.environ.get(GREENDNS_VAR)
    os.environ[GREENDNS_VAR] = 'yes'
    try:
        import eventlet  # noqa: F401
    except ImportError:
        pass
    finally:
        if saved is None:
            del os.environ[GREENDNS_VAR]
        else:
            os.environ[GREENDNS_VAR] = saved


def check_agrees(conf, choice, *, prog):
    """Refuse to run when oslo.config's full parse disagrees with the start-up read."""
    if conf.executor != choice:
        raise SystemExit(f'{prog}: [DEFAULT] executor is {conf.executor!r} but the start-up '
                         f'read gave {choice!r}; set it in a config file or {ENV_VAR}')
