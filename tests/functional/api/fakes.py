"""A fake compute API for REST tests: records calls, writes the DB like the real one would,
and raises the domain errors a test asks for."""

import uuid

from cepheid.api.db import instances as db_instances
from cepheid.api.db import models
from cepheid.common import exception
from cepheid.common import states


def instance_values(**overrides):
    """The columns of an ACTIVE, running, launched instance of project ``demo-project``."""
    now = models.utcnow()
    values = {
        'uuid': str(uuid.uuid4()), 'display_name': 'vm', 'description': None,
        'project_id': 'demo-project', 'user_id': 'demo', 'host': 'compute1',
        'node': 'compute1', 'availability_zone': None, 'image_ref': None,
        'flavor_id': '1', 'flavor_name': 'm1.tiny', 'vcpus': 1, 'memory_mb': 512,
        'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0, 'meta': {},
        'vm_state': states.ACTIVE, 'task_state': None, 'power_state': states.RUNNING,
        'launched_at': now, 'created_at': now,
    }
    values.update(overrides)
    return values


def make_instance(db, **overrides):
    with db.transaction() as session:
        return db_instances.create(session, instance_values(**overrides))


class FakeComputeAPI:
    """``calls`` holds (method, instance uuid or name, extra) tuples; ``fail[method]`` is
    raised instead of doing the work."""

    def __init__(self, db):
        self.db = db
        self.calls = []
        self.fail = {}

    def _enter(self, method, key, *extra):
        self.calls.append((method, key, *extra))
        if method in self.fail:
            raise self.fail[method]

    @staticmethod
    def _check_lock(context, instance):
        if instance['locked'] and not context.is_admin:
            raise exception.InstanceIsLocked(instance_uuid=instance['uuid'])

    def create(self, context, *, name, flavor, image_ref=None, host=None, description=None,
               metadata=None, availability_zone=None, extra=None, group=None):
        self._enter('create', name, {'flavor': flavor['flavorid'], 'image_ref': image_ref,
                                     'host': host, 'description': description,
                                     'metadata': metadata, 'zone': availability_zone})
        return make_instance(
            self.db, display_name=name, project_id=context.project_id,
            user_id=context.user_id, host=host or 'compute1', image_ref=image_ref,
            flavor_id=flavor['flavorid'], flavor_name=flavor['name'],
            description=description, meta=metadata or {}, availability_zone=availability_zone,
            flavor_extra_specs=dict(flavor.get('extra_specs') or {}), **(extra or {}))

    def update_instance(self, context, instance, values):
        self._enter('update_instance', instance['uuid'], values)
        with self.db.transaction() as session:
            return db_instances.update(session, instance['uuid'], values)

    def update_instance_metadata(self, context, instance, change, *, method):
        self._check_lock(context, instance)
        self._enter('update_instance_metadata', instance['uuid'], method)
        with self.db.transaction() as session:
            return db_instances.update(session, instance['uuid'],
                                       {'meta': change(dict(instance['meta'] or {}))})

    def external_instance_event(self, context, instances, events):
        self._enter('external_instance_event', sorted(i['uuid'] for i in instances), events)

    def delete(self, context, instance):
        self._check_lock(context, instance)
        self._enter('delete', instance['uuid'])
        with self.db.transaction() as session:
            db_instances.soft_delete(session, instance['uuid'])

    def reboot(self, context, instance, reboot_type):
        self._check_lock(context, instance)
        self._enter('reboot', instance['uuid'], reboot_type)

    def power_action(self, context, instance, name, **kwargs):
        self._check_lock(context, instance)
        self._enter('power_action', instance['uuid'], name, *([kwargs] if kwargs else []))

    def _owned(self, context, uuid):
        """The caller's own live, unlocked (or admin) instance, as the real CAS requires;
        None sends the handler down its full path."""
        with self.db.transaction() as session:
            try:
                instance = db_instances.get(session, uuid)
            except exception.InstanceNotFound:
                return None
        owner = (instance['project_id'], instance['user_id'])
        if owner != (context.project_id, context.user_id):
            return None
        if instance['locked'] and not context.is_admin:
            return None
        return instance

    def reboot_owned(self, context, uuid, reboot_type):
        instance = self._owned(context, uuid)
        if instance is None:
            return False
        self.reboot(context, instance, reboot_type)
        return True

    def power_action_owned(self, context, uuid, name, **kwargs):
        instance = self._owned(context, uuid)
        if instance is None:
            return False
        self.power_action(context, instance, name, **kwargs)
        return True

    def rebuild(self, context, instance, *, image_ref, values, preserve_ephemeral=False,
                admin_password=None):
        self._check_lock(context, instance)
        self._enter('rebuild', instance['uuid'], {'image_ref': image_ref, **values,
                                                 'preserve_ephemeral': preserve_ephemeral})
        with self.db.transaction() as session:
            return db_instances.update(session, instance['uuid'],
                                       {**values, 'image_ref': image_ref,
                                        'task_state': states.REBUILDING})

    def set_admin_password(self, context, instance, password):
        self._check_lock(context, instance)
        self._enter('set_admin_password', instance['uuid'], password)

    def get_console_output(self, context, instance, tail_length=None):
        self._enter('get_console_output', instance['uuid'], tail_length)
        return 'line 1\nline 2\n'

    def get_diagnostics(self, context, instance, *, standardized):
        self._enter('get_diagnostics', instance['uuid'], standardized)
        if not instance['host']:
            raise exception.InstanceNotReady(instance_id=instance['uuid'])
        if instance['power_state'] != states.RUNNING:
            raise exception.InstanceInvalidState(
                method='get_diagnostics', instance_uuid=instance['uuid'],
                attr='power state', state=states.POWER_STATE_NAMES[instance['power_state']])
        if not standardized:
            return {'cpu0_time': 17300000000, 'memory': 524288, 'vda_read': 262144}
        return {'state': 'running', 'driver': 'libvirt', 'hypervisor': 'fake',
                'hypervisor_os': 'linux', 'uptime': 46, 'config_drive': False,
                'num_cpus': 1, 'num_nics': 0, 'num_disks': 1,
                'memory_details': {'maximum': 512, 'used': 256},
                'cpu_details': [{'id': 0, 'time': 17300000000, 'utilisation': 10}],
                'nic_details': [],
                'disk_details': [{'read_bytes': 262144, 'read_requests': 64, 'write_bytes': 0,
                                  'write_requests': 0, 'errors_count': 0}],
                'extra_driver_field': 'dropped by the view'}

    def get_host_uptime(self, context, host):
        self._enter('get_host_uptime', host)
        return ' 16:05:11 up 3 days,  4:02,  0 users,  load average: 0.00, 0.00, 0.00'

    def lock(self, context, instance, reason=None):
        self._enter('lock', instance['uuid'], reason)

    def unlock(self, context, instance):
        self._enter('unlock', instance['uuid'])

    def soft_delete(self, context, instance, *, now):
        self._check_lock(context, instance)
        self._enter('soft_delete', instance['uuid'])

    def restore(self, context, instance):
        self._check_lock(context, instance)
        self._enter('restore', instance['uuid'])

    def force_delete(self, context, instance):
        self._check_lock(context, instance)
        self._enter('force_delete', instance['uuid'])

    def reset_state(self, context, instance, vm_state):
        self._enter('reset_state', instance['uuid'], vm_state)

    def inject_network_info(self, context, instance):
        self._check_lock(context, instance)
        self._enter('inject_network_info', instance['uuid'])

    def migrate(self, context, instance, *, host=None):
        self._check_lock(context, instance)
        self._enter('migrate', instance['uuid'], host)

    def evacuate(self, context, instance, *, host=None, force=None, admin_password=None,
                 on_shared_storage=None):
        self._enter('evacuate', instance['uuid'], host)
    def live_migrate(self, context, instance, *, host=None, block_migration=None,
                     force=None):
        self._check_lock(context, instance)
        self._enter('live_migrate', instance['uuid'], host)

    def resize(self, context, instance, new_flavor):
        self._check_lock(context, instance)
        self._enter('resize', instance['uuid'], new_flavor['flavorid'])

    def confirm_resize(self, context, instance):
        self._check_lock(context, instance)
        self._enter('confirm_resize', instance['uuid'])

    def revert_resize(self, context, instance):
        self._check_lock(context, instance)
        self._enter('revert_resize', instance['uuid'])
