"""``tempest.conf`` for the Stack: endpoints, credentials and Cepheid's true feature flags.

Feature flags come from the code they describe (the server action table, the microversion
range), so they stay true as Cepheid grows. ``[service_available]``: Cepheid needs no Glance
(``imageRef`` is recorded, not fetched) and no Neutron, yet Tempest 47 builds the image client
in every admin compute class and skips classes with ``create_default_network`` unless they are
marked available. Both are marked available, the accounts are pre-provisioned (accounts.py) so no
network is created or cleaned up, and every test that really calls Glance or Neutron is named
in ``exclude.txt``.
"""

import uuid

from cepheid.api import microversion
from cepheid.api.handlers import server_actions
from tests.fixtures import keystone
from tests.fixtures import processes
from tests.tempest import accounts

# Images are never fetched: any two ids serve as image_ref and image_ref_alt.
IMAGE_REF = str(uuid.UUID(int=1))
IMAGE_REF_ALT = str(uuid.UUID(int=2))
BUILD_TIMEOUT = 60          # seconds; the fake driver spawns at once


def _has(*actions):
    return str(all(action in server_actions.ACTIONS for action in actions))


def compute_features():
    """``[compute-feature-enabled]``: what Cepheid does, and nothing it does not."""
    return {
        'pause': _has('pause', 'unpause'),
        'suspend': _has('suspend', 'resume'),
        'change_password': _has('changePassword'),
        'console_output': _has('os-getConsoleOutput'),
        'rescue': _has('rescue', 'unrescue'),
        'resize': _has('resize', 'confirmResize', 'revertResize'),
        'shelve': _has('shelve', 'unshelve'),
        'shelve_migrate': 'False',
        # migrate moves the guest to the other fake compute (resize's flow).
        'cold_migration': _has('migrate', 'confirmResize', 'revertResize'),
        'live_migration': _has('os-migrateLive'),
        # The fake driver has no disks to copy: a block migration moves the guest as any.
        'block_migration_for_live_migration': _has('os-migrateLive'),
        'snapshot': _has('createImage'),
        'disk_config': 'False',
        'personality': 'False',
        'config_drive': 'False',
        'metadata_service': 'False',
        'interface_attach': 'False',
        'vnc_console': 'False',
        'spice_console': 'False',
        'serial_console': 'False',
        'stable_rescue': 'False',
        'swap_volume': 'False',
        'attach_encrypted_volume': 'False',
        'volume_multiattach': 'False',
        'unified_limits': 'False',
        # Nova's default; Cepheid returns adminPass at create.
        'enable_instance_password': 'True',
        # The filters of Cepheid's scheduler that Tempest asks about (api/scheduler/filters.py).
        'scheduler_enabled_filters': 'ComputeFilter,ServerGroupAffinityFilter,'
                                     'ServerGroupAntiAffinityFilter',
        'nova_policy_roles': 'admin,member,reader,service',
    }


def sections(stack):
    """Every section of tempest.conf for a started ``stack``."""
    return {
        'DEFAULT': {'log_file': stack.workdir / 'tempest.log', 'debug': 'True'},
        'auth': {
            'use_dynamic_credentials': 'False',
            'test_accounts_file': accounts.write(stack.workdir / 'accounts.yaml'),
            'create_isolated_networks': 'False',
            'admin_username': 'admin',
            'admin_password': stack.admin_password,
            'admin_project_name': 'admin',
            'admin_domain_name': 'Default',
            'default_credentials_domain_name': 'Default',
        },
        'identity': {
            'uri_v3': stack.keystone_url,
            'auth_version': 'v3',
            'region': keystone.REGION,
            'v3_endpoint_type': 'public',
            'admin_role': 'admin',
        },
        'identity-feature-enabled': {'api_v2': 'False'},
        'compute': {
            'catalog_type': 'compute',
            'endpoint_type': 'publicURL',
            'region': keystone.REGION,
            'image_ref': IMAGE_REF,
            'image_ref_alt': IMAGE_REF_ALT,
            'flavor_ref': '1',
            'flavor_ref_alt': '2',
            'min_compute_nodes': '2',
            'build_timeout': BUILD_TIMEOUT,
            'build_interval': '1',
            'min_microversion': microversion.MIN_VERSION,
            'max_microversion': microversion.MAX_VERSION,
        },
        'compute-feature-enabled': compute_features(),
        'service_available': {
            'nova': 'True', 'glance': 'True', 'neutron': 'True',
            'cinder': 'False', 'swift': 'False', 'horizon': 'False',
        },
        'validation': {'run_validation': 'False'},
        'oslo_concurrency': {'lock_path': stack.workdir / 'locks'},
    }


def write(path, stack):
    return processes.write_conf(path, sections(stack))
