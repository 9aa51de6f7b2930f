"""The unmodified OpenStack clients as a user runs them: a clouds.yaml, CLIs as subprocesses."""

import json
import os
import pathlib
import subprocess
import sys

# noauth2 tokens ``user:project``: the owner and another member of the same project, an admin.
OWNER = 'demo:demo-project'
MEMBER = 'demo2:demo-project'
ADMIN = 'admin:admin-project'
CLI_TIMEOUT = 60
BIN = pathlib.Path(sys.executable).parent


def clouds(base_url):
    """clouds.yaml content: admin_token clouds per token, and one through the identity stub.

    admin_token sends a fixed X-Auth-Token to a fixed endpoint; `openstack server list`
    also checks that the identity service speaks v3, hence the override to the stub's
    version document.
    """
    def admin_token(token):
        return {'auth_type': 'admin_token',
                'auth': {'endpoint': f'{base_url}/v2.1', 'token': token},
                'identity_endpoint_override': f'{base_url}/identity/v3'}

    return {'clouds': {
        'owner': admin_token(OWNER),
        'member': admin_token(MEMBER),
        'admin': admin_token(ADMIN),
        'stub': {'auth_type': 'password',
                 'auth': {'auth_url': f'{base_url}/identity', 'username': 'demo',
                          'password': 'unused', 'project_name': 'demo-project',
                          'user_domain_name': 'Default', 'project_domain_name': 'Default'}},
    }}


class Clients:
    """Runs ``openstack`` and ``nova`` from this venv against one cluster.

    ``config`` is the clouds.yaml content, by default ``clouds(base_url)``.
    """

    def __init__(self, base_url, tmp, config=None):
        self.base_url = base_url
        self.config_file = pathlib.Path(tmp) / 'clouds.yaml'
        config = clouds(base_url) if config is None else config
        self.config_file.write_text(json.dumps(config, indent=2))  # JSON is YAML
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(('OS_', 'NOVA_'))}
        self.env['OS_CLIENT_CONFIG_FILE'] = str(self.config_file)  # before ~/.config/openstack

    def run(self, program, *args, check=True):
        proc = subprocess.run([str(BIN / program), *args], env=self.env, text=True,
                              capture_output=True, timeout=CLI_TIMEOUT)
        if check:
            assert proc.returncode == 0, (program, args, proc.stdout, proc.stderr)
        return proc

    def openstack(self, cloud, *args, check=True):
        return self.run('openstack', '--os-cloud', cloud, *args, check=check)

    def openstack_json(self, cloud, *args):
        return json.loads(self.openstack(cloud, *args, '-f', 'json').stdout)

    def nova(self, *args, token=OWNER, check=True):
        """The nova CLI with a token, through the identity stub (it always wants one)."""
        _user, _sep, project = token.partition(':')
        return self.run('nova', '--os-auth-url', f'{self.base_url}/identity',
                        '--os-token', token, '--os-project-id', project, *args, check=check)
