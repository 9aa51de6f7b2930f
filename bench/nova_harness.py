"""Nova's reboot cost through Nova's own in-process functional harness (run in Nova's venv).

Not imported by Cepheid: ``bench/nova_compare.py`` runs this file with the Python of the venv that
holds ``nova==34.0.0`` and its test fixtures. One ``_IntegratedTestBase`` test (API via
wsgi-intercept, conductor, scheduler, one compute with the fake driver, fake:// transport,
in-memory SQLite, the placement fixture) creates ``--servers`` servers, then reboots them
round-robin ``--reboots`` times, SOFT, one at a time, through the API. The harness turns
RPC casts into calls (its default, ``CAST_AS_CALL``), so each POST returns once the
compute has finished; the loop then waits for that reboot's ``instance.reboot.end``.
CPU per reboot is this process's CPU time over the reboot loop divided by the reboots
done. Writes a JSON document to ``--out``; stdlib and Nova only.
"""

import argparse
import json
import os
import resource
import sys
import time
import unittest
import warnings

# Run as a script: its own folder (bench/, Cepheid's modules) is not Nova's to import.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

ARGS = None
RESULT = {}


def _test_case():
    from nova.tests.functional import integrated_helpers

    class RebootCost(integrated_helpers._IntegratedTestBase):
        ADMIN_API = True
        microversion = 'latest'

        def _setup_services(self):
            # Nova's test base turns SQLAlchemy deprecation warnings into errors; with the
            # SQLAlchemy pip picks today some code paths (creating the third server) warn.
            # A benchmark is not Nova's CI: let them warn.
            import sqlalchemy.exc
            warnings.filterwarnings('ignore', category=sqlalchemy.exc.SADeprecationWarning)
            # The wheel installs api-paste.ini under <venv>/etc, not beside the package
            # where the harness looks for it in a source tree.
            self.flags(api_paste_config=os.path.join(sys.prefix, 'etc', 'nova',
                                                     'api-paste.ini'), group='wsgi')
            super()._setup_services()

        def test_reboots(self):
            servers = [self._create_server(name=f'bench-{i}', networks='none')
                       for i in range(ARGS.servers)]
            warm = servers[:2]      # warm-up: the first reboots load code and fill caches
            for nth, server in enumerate(warm, 1):
                self._reboot_once(server, nth)
            warmed = len(self.notifier.versioned_notifications)
            done, capped = 0, False
            deadline = time.monotonic() + ARGS.max_seconds
            wall0, cpu0 = time.monotonic(), time.process_time()
            ru0 = resource.getrusage(resource.RUSAGE_SELF)
            for index in range(ARGS.reboots):
                if time.monotonic() >= deadline:
                    capped = True
                    break
                self._reboot_once(servers[index % len(servers)], len(warm) + index + 1)
                done += 1
            cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
            ru1 = resource.getrusage(resource.RUSAGE_SELF)
            RESULT.update(
                nova_version=_nova_version(), servers=len(servers), requested=ARGS.reboots,
                reboots=done, complete=not capped and done == ARGS.reboots,
                capped=capped, max_seconds=ARGS.max_seconds,
                cpu_seconds=round(cpu, 3), seconds=round(wall, 3),
                cpu_user_s=round(ru1.ru_utime - ru0.ru_utime, 3),
                cpu_system_s=round(ru1.ru_stime - ru0.ru_stime, 3),
                cpu_ms_per_reboot=round(cpu / done * 1000, 3) if done else None,
                reboots_per_s=round(done / wall, 1) if wall > 0 and done else None,
                notifications_per_reboot=round(
                    (len(self.notifier.versioned_notifications) - warmed) / done, 2)
                if done else None)

        def _reboot_once(self, server, nth_end):
            self.api.post_server_action(server['id'], {'reboot': {'type': 'SOFT'}})
            self.notifier.wait_for_versioned_notifications(
                'instance.reboot.end', n_events=nth_end, timeout=60)

    return RebootCost


def _nova_version():
    from importlib import metadata
    return metadata.version('nova')


def main(argv):
    global ARGS
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--servers', type=int, default=4)
    parser.add_argument('--reboots', type=int, required=True)
    parser.add_argument('--max-seconds', type=float, default=300)
    parser.add_argument('--out', required=True)
    ARGS = parser.parse_args(argv)
    os.environ.setdefault('OS_TEST_TIMEOUT', '0')
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(_test_case())
    outcome = unittest.TextTestRunner(stream=sys.stderr, verbosity=0).run(suite)
    if not outcome.wasSuccessful() or not RESULT:
        return 1
    with open(ARGS.out, 'w') as f:
        json.dump(RESULT, f, indent=2)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
