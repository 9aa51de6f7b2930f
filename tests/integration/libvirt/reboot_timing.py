"""Where a real-QEMU soft reboot's time goes, without polling error: the client's 202, the
action event's start and finish (stamped by the api), the compute's log lines around the
driver call and the ``instance.reboot.end`` notification's own timestamp, all on the one
wall clock of this machine; and the guest's own part (shutdown sent → its stopped event,
the create call) as the libvirt driver logs it."""

import dataclasses
import datetime
import re
import statistics

_LOG_TIME = re.compile(r'^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})')
DONE = re.compile(
    r'SOFT reboot of (?P<uuid>\S+) done via (?P<path>\S+) in (?P<total>[\d.]+) s '
    r'\(shutdown (?P<shutdown>[\d.-]+) s, create (?P<create>[\d.-]+) s.*; guest: shutdown '
    r'to stop signal (?P<stopped>[\d.-]+) s, create call (?P<create_call>[\d.-]+) s\)')


def log_time(line):
    """The oslo.log timestamp of ``line`` (local time, ms) as epoch seconds, or None."""
    match = _LOG_TIME.match(line)
    if match is None:
        return None
    return datetime.datetime.strptime(match.group(1), '%Y-%m-%d %H:%M:%S.%f').timestamp()


def api_time(text):
    """An api time (``2026-12-02T04:17:00.123456``, UTC) as epoch seconds."""
    return datetime.datetime.strptime(text, '%Y-%m-%dT%H:%M:%S.%f').replace(
        tzinfo=datetime.UTC).timestamp()


def done_lines(log_text, uuid):
    """``[(epoch, match), ...]`` of the driver's "SOFT reboot ... done" lines for ``uuid``."""
    found = []
    for line in log_text.splitlines():
        match = DONE.search(line)
        if match and match.group('uuid') == uuid:
            found.append((log_time(line), match))
    return found


def _num(match, name):
    value = match.group(name)
    return None if value == '-' else float(value)


@dataclasses.dataclass
class Sample:
    """One soft reboot, epoch seconds (points) and seconds (durations)."""

    accepted: float        # the 202 reached the client
    begun: float           # action event started (the compute's begin call, in the api)
    start_emitted: float   # instance.reboot.start's own timestamp
    driver_done: float     # the driver's "done" log line
    committed: float       # action event finished (the end state's transaction)
    end_emitted: float     # instance.reboot.end's own timestamp (after the commit)
    total: float           # driver.reboot() from start to return
    shutdown: float        # driver: shutdown sent -> SHUTOFF seen
    create: float          # driver: create sent -> RUNNING seen
    stopped_event: float   # guest: shutdown sent -> the event after which it was seen off
    create_call: float     # guest: the create() call

    @classmethod
    def build(cls, *, accepted, event, done_at, done, start_emitted, end_emitted):
        return cls(accepted=accepted, begun=api_time(event['start_time']),
                   start_emitted=start_emitted,
                   driver_done=done_at, committed=api_time(event['finish_time']),
                   end_emitted=end_emitted, total=float(done.group('total')),
                   shutdown=float(done.group('shutdown')), create=float(done.group('create')),
                   stopped_event=_num(done, 'stopped'), create_call=_num(done, 'create_call'))

    @property
    def accept_to_active(self):
        """The end state's transaction (its event's finish time) less the 202's arrival."""
        return self.committed - self.accepted

    @property
    def guest_own(self):
        return self.stopped_event + self.create_call

    def split(self):
        """Seconds of overhead by where it goes; they add up to accept->ACTIVE - guest own."""
        driver_start = self.driver_done - self.total
        return {
            'accept->compute begin': self.begun - self.accepted,
            'begin->reboot.start': self.start_emitted - self.begun,
            'reboot.start->driver call': driver_start - self.start_emitted,
            'driver: lookups outside waits': self.total - self.shutdown - self.create,
            'driver: waits after event/create': self.shutdown + self.create - self.guest_own,
            'driver return->committed': self.committed - self.driver_done,
        }

    def row(self):
        return {'accept->ACTIVE': self.accept_to_active,
                'accept->reboot.end': self.end_emitted - self.accepted,
                'guest own': self.guest_own,
                'driver S+C': self.shutdown + self.create,
                'overhead': self.accept_to_active - self.guest_own, **self.split()}


_SHORT = {'accept->ACTIVE': 'A->ACTIVE', 'accept->reboot.end': 'A->end', 'guest own': 'own',
          'driver S+C': 'drv S+C', 'overhead': 'overhead', 'accept->compute begin': 'A->begin',
          'begin->reboot.start': 'begin->st', 'reboot.start->driver call': 'st->drv',
          'driver: lookups outside waits': 'drv look', 'driver: waits after event/create':
          'drv waits', 'driver return->committed': 'drv->com'}


def report(samples):
    """Lines: every sample's figures (ms), then median and min–max of each, and the ratio."""
    rows = [s.row() for s in samples]
    names = list(rows[0])
    lines = ['soft reboots of one real guest, ms (accept = the 202 reached the client; '
             'ACTIVE = the end state written, its action event finished; reboot.end = that '
             'notification emitted after the commit; guest own = shutdown sent -> stop '
             'signal + create call)',
             '  '.join(f'{n:>9}' for n in ['#', *(_SHORT[n] for n in names)])]
    for i, row in enumerate(rows, 1):
        lines.append('  '.join(f'{v:>9}' for v in [
            i, *(f'{row[n] * 1000:.1f}' for n in names)]))
    lines.append('median and spread (min-max):')
    for name in names:
        values = [row[name] * 1000 for row in rows]
        lines.append(f'  {name:34s} {statistics.median(values):8.1f}   '
                     f'{min(values):8.1f} - {max(values):8.1f}')
    ratios = [s.accept_to_active / s.guest_own for s in samples]
    end_ratios = [(s.end_emitted - s.accepted) / s.guest_own for s in samples]
    driver_ratios = [s.accept_to_active / (s.shutdown + s.create) for s in samples]
    lines.append(f'  ratio accept->ACTIVE / guest own  {statistics.median(ratios):8.3f}   '
                 f'{min(ratios):8.3f} - {max(ratios):8.3f}')
    lines.append(f'  ratio accept->reboot.end / own    {statistics.median(end_ratios):8.3f}   '
                 f'{min(end_ratios):8.3f} - {max(end_ratios):8.3f}')
    lines.append(f'  ratio to the driver S+C           {statistics.median(driver_ratios):8.3f}   '
                 f'{min(driver_ratios):8.3f} - {max(driver_ratios):8.3f}')
    return lines


def medians(samples):
    """Seconds: median accept->ACTIVE, guest own, overhead; and the median ratio."""
    return {
        'accept_to_active': statistics.median(s.accept_to_active for s in samples),
        'guest_own': statistics.median(s.guest_own for s in samples),
        'overhead': statistics.median(s.accept_to_active - s.guest_own for s in samples),
        'ratio': statistics.median(s.accept_to_active / s.guest_own for s in samples),
    }
