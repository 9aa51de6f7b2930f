"""Load shapes: a closed loop with N reboots in flight, and an open loop at a fixed rate.

Both are bounded in count and in time. ``post(server_id)`` sends one reboot request and
returns ``(status, request_id)``; completion comes from the notification Tracker.
"""

import itertools
import queue
import threading
import time

from bench import procstat


class _Counter:
    """Hands out at most ``limit`` tickets, thread-safely."""

    def __init__(self, limit):
        self._it = iter(range(limit))
        self._lock = threading.Lock()

    def take(self):
        with self._lock:
            return next(self._it, None)


def _run_threads(target, count):
    threads = [threading.Thread(target=target, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def closed_loop(post, servers, tracker, *, inflight, count, max_seconds, timeout=60.0):
    """Keep ``inflight`` reboots going (each on an idle server) until ``count`` are sent.

    Latency is accept (the 202 arrived) → done (the ``.end`` notification was sent).
    """
    idle = queue.Queue()
    for server_id in servers:
        idle.put(server_id)
    tickets = _Counter(count)
    deadline = time.monotonic() + max_seconds
    lock = threading.Lock()
    out = {'accept_to_done': [], 'post': [], 'errors': 0, 'timeouts': 0, 'failed': 0,
           'post_cpu': 0.0, 'first': None, 'last': None, 'requested': count,
           'max_seconds': max_seconds, 'capped': False}

    def worker():
        while tickets.take() is not None:
            if time.monotonic() >= deadline:
                out['capped'] = True      # stopped by the time cap with reboots left to send
                return
            server_id = idle.get()
            cpu0, sent = time.thread_time(), time.time()
            status, request_id = post(server_id)
            accepted, cpu = time.time(), time.thread_time() - cpu0
            done = tracker.wait(request_id, timeout) if status == 202 else None
            idle.put(server_id)
            with lock:
                out['post_cpu'] += cpu
                out['first'] = min(out['first'] or sent, sent)
                if status != 202:
                    out['errors'] += 1
                elif done is None:
                    out['timeouts'] += 1
                elif not done.ok:
                    out['failed'] += 1
                else:
                    out['post'].append(accepted - sent)
                    out['accept_to_done'].append(max(0.0, done.sent - accepted))
                    out['last'] = max(out['last'] or done.sent, done.sent)

    for thread in _run_threads(worker, inflight):
        thread.join()
    return out


def capped(out, done):
    """``requested``, ``complete`` and, for a run the time cap stopped, a ``note`` saying so
    (its figures are of the reboots done, not of the run asked for)."""
    requested = out.get('requested', done)
    figures = {'requested': requested, 'complete': not out.get('capped') and done >= requested}
    if out.get('capped'):
        figures['note'] = (f'stopped by the {out["max_seconds"]:g} s time cap at {done} of '
                           f'{requested} reboots')
    elif done < requested:
        figures['note'] = f'{requested - done} of {requested} reboots did not finish'
    return figures


def summarize_closed(out, cpu_seconds=None):
    """Figures of a closed_loop result (``cpu_seconds``: everything burned in the window)."""
    done = len(out['accept_to_done'])
    span = (out['last'] - out['first']) if done else 0.0
    result = {
        'reboots': done, 'errors': out['errors'], 'timeouts': out['timeouts'],
        'failed': out['failed'], 'seconds': round(span, 3),
        'reboots_per_s': round(done / span, 1) if span > 0 else None,
        'latency_ms': procstat.summarize_ms(out['accept_to_done']),
        'post_ms': procstat.summarize_ms(out['post']),
        'post_cpu_ms_per_reboot': round(out['post_cpu'] / done * 1000, 3) if done else None,
    }
    result.update(capped(out, done))
    if cpu_seconds is not None and done:
        result['cpu_ms_per_reboot'] = round(cpu_seconds / done * 1000, 3)
    return result


def open_loop(post, servers, *, rate, seconds, threads=None, accepted=None):
    """Send ``rate`` reboots per second for ``seconds``, round-robin over ``servers``.

    A request's latency counts from its scheduled send time (so a client that falls behind
    shows up as latency rather than as a lower offered rate) and from its actual send time.
    The request ids of the accepted POSTs are appended to ``accepted`` when given (to wait
    for those reboots to end before the next run).
    """
    total = int(rate * seconds)
    threads = threads or max(32, int(rate))  # a second's worth: a slow API shows as latency
    tickets = _Counter(total)
    order = itertools.cycle(servers)
    order_lock = threading.Lock()
    lock = threading.Lock()
    out = {'from_schedule': [], 'from_send': [], 'status': {}, 'late': 0, 'sent_at': []}
    start = time.monotonic() + 0.05

    def worker():
        while (ticket := tickets.take()) is not None:
            scheduled = start + ticket / rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            with order_lock:
                server_id = next(order)
            sent = time.monotonic()
            status, request_id = post(server_id)
            now = time.monotonic()
            with lock:
                out['status'][status] = out['status'].get(status, 0) + 1
                if status == 202 and accepted is not None:
                    accepted.append(request_id)
                out['late'] += delay < -0.001
                if status == 202:
                    out['from_schedule'].append(now - scheduled)
                    out['from_send'].append(now - sent)
                    out['sent_at'].append(sent - start)
            if now > start + seconds + 30:
                return

    for thread in _run_threads(worker, threads):
        thread.join()
    elapsed = time.monotonic() - start
    return {
        'offered_rate': rate, 'seconds': seconds, 'requests': total,
        'achieved_rate': round(sum(out['status'].values()) / elapsed, 1),
        'status_counts': {str(k): v for k, v in sorted(out['status'].items())},
        'sent_late': out['late'],
        'post_latency_ms': procstat.summarize_ms(out['from_send']),
        'post_latency_from_schedule_ms': procstat.summarize_ms(out['from_schedule']),
        # The five slowest POSTs: (latency ms, when sent, s after the start).
        'slowest_posts': [(round(late * 1000, 2), round(at, 3))
                          for late, at in sorted(zip(out['from_send'], out['sent_at'], strict=True),
                                                 reverse=True)[:5]],
    }
