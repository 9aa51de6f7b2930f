"""The fake driver's live migration: the guest's state travels in the migrate data from
the source's driver to the destination's (each compute has its own FakeDriver), so the
same guest — its boots, console and power state — runs on the destination after it.
``live_migration_seconds`` holds the copy open; an abort or a force-complete wakes it."""

import dataclasses
import threading

from cepheid.common import exception
from cepheid.common import states


@dataclasses.dataclass
class Control:
    """An abort or a force-complete of a live migration in progress wakes it."""

    wake: threading.Event = dataclasses.field(default_factory=threading.Event)
    aborted: bool = False
    forced: bool = False


class FakeLiveMigration:
    """Mixed into FakeDriver: needs ``guests``, ``_lock``, ``_live``, ``host``,
    ``live_migration_seconds``, ``_call``, ``_guest`` and ``_new_guest``."""

    def pre_live_migration(self, instance, migrate_data):
        def _prepare():
            self.guests.setdefault(instance['uuid'], self._new_guest(
                power_state=states.PAUSED_POWER, boots=0, incoming=True))
            return {**migrate_data, 'dest_host': self.host}
        return self._call('pre_live_migration', instance, _prepare)

    def live_migration(self, instance, dest, migrate_data):
        uuid = instance['uuid']
        with self._lock:
            control = self._live.setdefault(uuid, Control())

        def _migrate():
            guest = self._guest(instance)
            if guest.power_state not in (states.RUNNING, states.PAUSED_POWER):
                raise exception.InstanceNotRunning(instance_uuid=uuid)
            if self.live_migration_seconds:
                control.wake.wait(self.live_migration_seconds)
            if control.aborted:
                raise exception.LiveMigrationAborted(instance_uuid=uuid)
            self.guests.pop(uuid, None)
            return {**migrate_data, 'fake_guest': dataclasses.asdict(guest)}
        try:
            return self._call('live_migration', instance, _migrate)
        finally:
            with self._lock:
                self._live.pop(uuid, None)

    def _live_control(self, instance):
        # An abort or force-complete that arrives just before the copy starts is kept
        # for it.
        with self._lock:
            return self._live.setdefault(instance['uuid'], Control())

    def live_migration_abort(self, instance):
        control = self._live_control(instance)
        control.aborted = True
        control.wake.set()

    def live_migration_force_complete(self, instance):
        control = self._live_control(instance)
        control.forced = True
        control.wake.set()

    def post_live_migration_at_destination(self, instance, migrate_data):
        def _arrive():
            state = dict(migrate_data.get('fake_guest') or {})
            state.pop('incoming', None)
            self.guests[instance['uuid']] = self._new_guest(**state)
        self._call('post_live_migration_at_destination', instance, _arrive)

    def rollback_live_migration_at_destination(self, instance):
        def _remove():
            guest = self.guests.get(instance['uuid'])
            if guest is not None and guest.incoming:
                self.guests.pop(instance['uuid'], None)
        self._call('rollback_live_migration_at_destination', instance, _remove)
