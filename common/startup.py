"""Start-up of the service commands: one clear line for each bad configuration, no traceback.

A command runs its start-up inside ``run()``: a ``StartupError`` (or a configuration error
oslo.config raises) ends the process with ``<prog>: <message>`` on stderr and exit code 2;
SIGTERM/SIGINT during start-up end it at once (exit 128 + signal) even while it waits for
a broker. ``parse()`` reads the command line and config files, checks every option's value
and prints what the program is before oslo.config's ``--help``. ``wait_for_broker()``
retries an unreachable broker with one line per attempt. ``freeze_heap()``, once a service
serves, takes what start-up built out of the garbage collector's full passes. Only the
standard library is imported at module level (the eventlet executor monkey-patches after
this is imported).
"""

import gc
import os
import signal
import sys
import threading
import time

EXIT_CONFIG = 2


class StartupError(Exception):
    """A configuration or environment problem that stops the service before it serves."""


class Interrupted(BaseException):
    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def _raise_interrupted(signum, _frame):
    raise Interrupted(signum)


def run(prog, start):
    """Call ``start()`` with start-up signal handling; map its failures to one line.

    ``start`` returns the exit code; it switches to its own signal handlers once ready.
    """
    previous = {}
    if threading.current_thread() is threading.main_thread():   # else Python refuses
        previous = {sig: signal.signal(sig, _raise_interrupted)
                    for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return start()
    except StartupError as exc:
        print(f'{prog}: {exc}', file=sys.stderr, flush=True)
        return EXIT_CONFIG
    except Interrupted as exc:
        name = signal.Signals(exc.signum).name
        print(f'{prog}: stopped by {name} during start-up', file=sys.stderr, flush=True)
        # Threads a half-started service left behind must not keep the process alive.
        os._exit(128 + exc.signum)
    finally:
        for sig, handler in previous.items():   # cepheid-manage may run inside a caller
            if signal.getsignal(sig) is _raise_interrupted:
                signal.signal(sig, handler)


def _files(conf):
    return ', '.join(conf.config_file or []) or 'no --config-file given'


def where(conf, name, group=None):
    """``[group] name (in <file>)``: where an option's value comes from, for messages."""
    from oslo_config import cfg
    label = f'[{group or "DEFAULT"}] {name}'
    try:
        location = conf.get_location(name, group)
    except cfg.Error:
        location = None
    if location is not None and location.location == cfg.Locations.user:
        return f'{label} (in {location.detail})'
    return f'{label} (config files: {_files(conf)})'


def _read(conf, options, name, group):
    from oslo_config import cfg
    try:
        return options[name]
    except (cfg.ConfigFileValueError, ValueError) as exc:
        raise StartupError(f'{where(conf, name, group)}: {_cause(exc)}') from exc


def _check_values(conf):
    """Read every registered option once so a bad value fails now, naming option and file."""
    from oslo_config import cfg
    for key in list(conf):
        value = _read(conf, conf, key, None)
        if isinstance(value, cfg.ConfigOpts.GroupAttr):
            for name in list(value):
                _read(conf, value, name, key)


def _cause(exc):
    text = str(exc)
    return text.split(' is not valid: ', 1)[-1].splitlines()[0]


def parse(conf, argv, *, prog, description):
    """Parse ``argv`` into ``conf``; ``--help`` first says what ``prog`` does."""
    from oslo_config import cfg

    from cepheid.common import config
    if '-h' in argv or '--help' in argv:
        print(description.strip() + '\n')
    try:
        config.parse_args(conf, argv, prog=prog)
    except cfg.ConfigFilesNotFoundError as exc:
        raise StartupError(f'--config-file {", ".join(exc.config_files)}: no such file '
                           'or not readable') from exc
    except cfg.ConfigFilesPermissionDeniedError as exc:
        raise StartupError(f'--config-file {", ".join(exc.config_files)}: permission '
                           'denied') from exc
    except cfg.ConfigDirNotFoundError as exc:
        raise StartupError(f'--config-dir {exc.config_dir}: no such directory') from exc
    except cfg.ConfigFileParseError as exc:
        raise StartupError(f'--config-file {exc.config_file}: cannot parse: {exc.msg}') \
            from exc
    except cfg.RequiredOptError as exc:
        raise StartupError(f'{exc}; config files: {_files(conf)}') from exc
    except cfg.Error as exc:
        raise StartupError(f'{str(exc).splitlines()[0]} (config files: {_files(conf)})') \
            from exc
    _check_values(conf)


def check_transport(conf):
    """The transport URL parsed by oslo.messaging; a bad URL or an unknown driver is a
    StartupError."""
    import oslo_messaging
    try:
        url = oslo_messaging.TransportURL.parse(conf, conf.transport_url)
    except oslo_messaging.InvalidTransportURL as exc:
        raise StartupError(f'{where(conf, "transport_url")}: {exc}') from exc
    known = _transport_drivers()
    if url.transport not in known:
        raise StartupError(f'{where(conf, "transport_url")}: unknown transport '
                           f'{url.transport!r} (known: {", ".join(sorted(known))})')
    return url


def _transport_drivers():
    from importlib import metadata
    return {entry.name for entry in metadata.entry_points(group='oslo.messaging.drivers')}


def probe_rabbit(url, timeout, ssl):
    """None when one broker of ``url`` accepts an AMQP login, else the last failure."""
    import amqp
    failure = None
    for host in url.hosts:
        address = f'{host.hostname or "localhost"}:{host.port or 5672}'
        conn = amqp.Connection(host=address, userid=host.username or 'guest',
                               password=host.password or 'guest',
                               virtual_host=url.virtual_host or '/',
                               connect_timeout=timeout, ssl=ssl)
        try:
            conn.connect()
            return None
        except Exception as exc:   # refused, timed out, access refused, ...
            failure = f'{address}: ' + (' '.join(str(exc).split()) or type(exc).__name__)
        finally:
            conn.collect()
    return failure


def wait_for_broker(conf, log, *, timeout=3.0, max_delay=10.0):
    """Return once the broker of ``[DEFAULT] transport_url`` accepts a connection.

    Each failed attempt logs one WARNING line; SIGTERM/SIGINT interrupt the wait.
    Drivers other than rabbit (``fake://``) are not probed.
    """
    url = check_transport(conf)
    if url.transport not in ('rabbit', 'amqp', 'kombu'):
        return
    delay, attempt = 1.0, 0
    while True:
        attempt += 1
        failure = probe_rabbit(url, timeout, conf.oslo_messaging_rabbit.ssl)
        if failure is None:
            if attempt > 1:
                log.info('broker reachable after %d attempts', attempt)
            return
        log.warning('%s: broker not reachable (attempt %d: %s); retrying in %.0f s',
                    where(conf, 'transport_url'), attempt, failure, delay)
        time.sleep(delay)
        delay = min(delay * 2, max_delay)


def freeze_heap():
    """Collect once, then move every object alive to the collector's permanent generation
    (``gc.freeze``): the modules, mappers, policy rules, configuration and clients a service
    builds at start-up and keeps for its life are then skipped by every later full
    collection, which otherwise walked them all each time (~0.1 s a pass in a service)."""
    gc.collect()
    gc.freeze()
