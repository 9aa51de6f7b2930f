"""devstack/stack.sh on a broker given by URL or node: every rabbitmqctl call addresses it.

``devstack/lib/rabbit.sh`` (what stack.sh and unstack.sh use) runs with a recording
``rabbitmqctl`` first on PATH; the test reads the calls it received.
"""

import os
import pathlib
import subprocess

import pytest

LIB = pathlib.Path(__file__).resolve().parents[2] / 'devstack' / 'lib' / 'rabbit.sh'


def _run(tmp_path, rabbit, node=None):
    """Create and delete the vhost 'cepheid_x' through lib/rabbit.sh; return
    (rabbitmqctl argument lines, the transport user and the node)."""
    calls = tmp_path / 'calls'
    stub = tmp_path / 'bin' / 'rabbitmqctl'
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    stub.chmod(0o755)
    script = f'''set -euo pipefail
source {LIB}
RABBIT={rabbit!r}
RABBIT_NODE={node or ''!r}
VHOST=cepheid_x
rabbit_parse
rabbit_create_vhost
rabbit_ctl delete_vhost "$VHOST"
echo "$RABBIT_USER|${{RABBIT_NODE:-}}|$VHOST|$RABBIT"
'''
    env = dict(os.environ, PATH=f'{stub.parent}:{os.environ["PATH"]}')
    done = subprocess.run(['bash', '-c', script], capture_output=True, text=True, env=env,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    return calls.read_text().splitlines(), done.stdout.strip().split('|')


@pytest.mark.parametrize('rabbit,node,expected_node', [
    ('rabbit://mq:pw@mq-host.example:5673/', None, 'rabbit@mq-host.example'),
    ('mq:pw@10.0.0.7:5672', None, 'rabbit@10.0.0.7'),
    ('rabbit://mq:pw@127.0.0.1:5673/other', 'rabbit2@localhost', 'rabbit2@localhost'),
    ('mq:pw@mq-host.example:5672', 'hare@mq-a', 'hare@mq-a'),
])
def test_every_rabbitmqctl_call_addresses_the_given_node(tmp_path, rabbit, node,
                                                         expected_node):
    calls, (user, used_node, vhost, normalized) = _run(tmp_path, rabbit, node)
    assert used_node == expected_node
    assert user == 'mq' and vhost == 'cepheid_x'
    assert '/' not in normalized and normalized.startswith('mq:pw@')
    assert calls == [
        f'-n {expected_node} -q delete_vhost cepheid_x',
        f'-n {expected_node} -q add_vhost cepheid_x',
        f'-n {expected_node} -q set_permissions -p cepheid_x mq .* .* .*',
        f'-n {expected_node} -q delete_vhost cepheid_x',
    ]


def test_a_local_broker_uses_the_default_node(tmp_path):
    calls, (user, used_node, _, _) = _run(tmp_path, 'guest:guest@127.0.0.1:5672')
    assert used_node == '' and user == 'guest'
    assert calls[1] == '-q add_vhost cepheid_x'


def test_stack_scripts_use_the_library_for_every_rabbitmqctl_call():
    for script in ('stack.sh', 'unstack.sh'):
        text = (LIB.parents[1] / script).read_text()
        assert 'rabbitmqctl -q' not in text and 'rabbitmqctl "' not in text, script
        assert 'source "$TOP/devstack/lib/rabbit.sh"' in text, script
    stack = (LIB.parents[1] / 'stack.sh').read_text()
    assert '--rabbit-node) RABBIT_NODE=$2' in stack and 'RABBIT_NODE=%q' in stack
