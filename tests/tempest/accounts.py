"""Tempest's pre-provisioned accounts: created in Keystone, listed in ``accounts.yaml``.

Dynamic credentials are not usable here: with ``[service_available] neutron = True`` (see
config.py) Tempest's clean-up of each dynamic project calls Neutron's security-group API.
Pre-provisioned accounts need no clean-up. Tempest locks one account per role a test class
asks for; with ``--concurrency 2`` these sets leave a spare for each kind.

- full projects (``primary``, ``project_reader``, ``project_manager`` of one project);
- alt projects (``alt``: listed first, Tempest hands role-less requests the first free one);
- admins on the ``admin`` project, and service users (roles admin + service).
"""

import json

from tests.fixtures import keystone_identity

PASSWORD = 'tempest-pass'
SETS = 3


def accounts():
    """(username, project, roles) of every account, in the order Tempest should see them."""
    out = [(f'tempest-alt{i}', f'tempest-alt{i}', ['member']) for i in range(SETS)]
    for i in range(SETS):
        out += [(f'tempest-p{i}-{role}', f'tempest-p{i}', [role])
                for role in ('member', 'reader', 'manager')]
    out += [(f'tempest-admin{i}', 'admin', ['admin']) for i in range(SETS)]
    out += [(f'tempest-service{i}', 'service', ['admin', 'service']) for i in range(SETS)]
    return out


def provision(auth_url, admin_password):
    """Create the projects, users and role grants in Keystone."""
    admin = keystone_identity.IdentityAdmin(auth_url, admin_password)
    domain_id = admin.find('domains', name=keystone_identity.DOMAIN)['id']
    projects = {}
    for username, project, roles in accounts():
        if project not in projects:
            projects[project] = admin.ensure('projects', 'project', name=project,
                                             domain_id=domain_id, enabled=True)['id']
        user = admin.ensure('users', 'user', name=username, domain_id=domain_id,
                            password=PASSWORD, enabled=True)
        for role in roles:
            admin.grant(role, user_id=user['id'], project_id=projects[project])


def write(path):
    """``accounts.yaml`` (JSON is YAML) for ``[auth] test_accounts_file``."""
    entries = [{'username': username, 'project_name': project, 'password': PASSWORD,
                'roles': roles, 'user_domain_name': keystone_identity.DOMAIN,
                'project_domain_name': keystone_identity.DOMAIN}
               for username, project, roles in accounts()]
    path.write_text(json.dumps(entries, indent=1) + '\n')
    return path
