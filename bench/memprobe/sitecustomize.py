"""A memory probe for the api process of a bench cluster (not imported by Cepheid).

With ``PYTHONPATH=bench/memprobe`` and ``MEMPROBE_DIR=<dir>`` in the environment of
``python -m bench``, every ``cepheid.api.cmd`` process it starts watches ``<dir>``; touching
``<dir>/<pid>.<tag>.req`` makes it write ``<pid>.<tag>.json`` (VmRSS, RssAnon/File,
smaps_rollup, threads, glibc's mallinfo2) and ``<pid>.<tag>.mallocstats`` (pymalloc's
arenas), and with ``MEMPROBE_TRACE=<frames>`` a tracemalloc snapshot ``<pid>.<tag>.snap``
(``tracemalloc.Snapshot.load(...).compare_to(...)``); ``MEMPROBE_TRIM=1`` then calls
``malloc_trim(0)`` and records the figures after it. With ``MEMPROBE_TRACE_LATER=1`` the
tracing starts at the first request instead (start-up stays fast with many frames), so a
later snapshot holds only what was allocated since then and is still alive: the growth.
"""

import os
import sys
import threading
import time

_DIR = os.environ.get('MEMPROBE_DIR')


def _is_api():
    try:
        with open('/proc/self/cmdline', 'rb') as f:
            return b'cepheid.api.cmd' in f.read()
    except OSError:
        return False


def _status():
    out = {}
    with open('/proc/self/status') as f:
        for line in f:
            key, _, value = line.partition(':')
            if key in ('VmRSS', 'VmHWM', 'RssAnon', 'RssFile', 'Threads', 'VmData'):
                out[key] = value.strip()
    with open('/proc/self/smaps_rollup') as f:
        out['smaps_rollup'] = f.read()
    return out


def _mallinfo(libc):
    import ctypes

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            'arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks', 'fsmblks',
            'uordblks', 'fordblks', 'keepcost')]

    libc.mallinfo2.restype = MallInfo2
    info = libc.mallinfo2()
    return {name: getattr(info, name) for name, _ in MallInfo2._fields_}


def _dump(tag):
    import ctypes
    import json
    import sys
    import tracemalloc
    base = f'{_DIR}/{os.getpid()}.{tag}'
    info = _status()
    info['allocated_blocks'] = sys.getallocatedblocks()
    info['threads'] = [t.name for t in threading.enumerate()]
    if tracemalloc.is_tracing():
        info['traced'] = tracemalloc.get_traced_memory()
        tracemalloc.take_snapshot().dump(f'{base}.snap')
    saved = os.dup(2)
    with open(f'{base}.mallocstats', 'w') as out:
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
    libc = ctypes.CDLL('libc.so.6')
    info['mallinfo2'] = _mallinfo(libc)
    if os.environ.get('MEMPROBE_TRIM'):
        libc.malloc_trim(0)
        info['after_trim'] = _status()
    with open(f'{base}.json', 'w') as f:
        json.dump(info, f, indent=1)
    if os.environ.get('MEMPROBE_TRACE') and not tracemalloc.is_tracing():
        tracemalloc.start(int(os.environ['MEMPROBE_TRACE']))


def _watch():
    prefix = f'{os.getpid()}.'
    while True:
        time.sleep(0.3)
        for name in sorted(os.listdir(_DIR)):
            if name.startswith(prefix) and name.endswith('.req'):
                try:
                    os.unlink(os.path.join(_DIR, name))
                    _dump(name.split('.')[1])
                except Exception as exc:    # the watcher outlives one failed dump
                    print(f'memprobe: {name}: {exc!r}', file=sys.stderr)


if _DIR and _is_api():
    if os.environ.get('MEMPROBE_TRACE') and not os.environ.get('MEMPROBE_TRACE_LATER'):
        import tracemalloc
        tracemalloc.start(int(os.environ['MEMPROBE_TRACE']))
    threading.Thread(target=_watch, name='memprobe', daemon=True).start()
