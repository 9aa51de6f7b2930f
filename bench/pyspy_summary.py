"""Summarize a ``py-spy record -f raw`` profile by Cepheid layer and by hottest functions.

    py-spy record --gil --nonblocking -r 250 -f raw -o /tmp/inproc.txt -- \\
        python -m bench --only inprocess
    python -m bench.pyspy_summary /tmp/inproc.txt

``--gil`` samples only the thread holding the GIL, so shares approximate CPU. Each sample
goes to the first layer (in the order below) found anywhere on its stack.
"""

import collections
import re
import sys

LAYERS = (
    ('import (start-up)', 'importlib'),
    ('conductor begin', 'ConductorEndpoint.begin'),
    ('conductor task_advance', 'ConductorEndpoint.task_advance'),
    ('conductor task_update', 'ConductorEndpoint.task_update'),
    ('conductor task_finish', 'ConductorEndpoint.task_finish'),
    ('conductor other', 'ConductorEndpoint.'),
    ('api request (Flask)', 'Flask.'),
    ('api request (werkzeug client)', 'werkzeug/'),
    ('compute notifications', 'InstanceNotifier.notify'),
    ('compute manager', 'ComputeManager.'),
    ('bench itself', '/bench/'),
    ('oslo.messaging rpc dispatch', 'oslo_messaging/rpc/'),
    ('oslo.messaging fake driver', 'impl_fake.py'),
    ('thread pools (idle hand-offs)', 'futurist|concurrent/futures'),
)
HOT = ('Session.flush', 'Session.scalars', 'SessionTransaction.commit', '_compile_w_cache',
       'do_execute ', 'QueuePool._do_return_conn', 'QueuePool._do_get', 'row_to_dict',
       'event_start', 'event_finish ', 'event_finished', 'instances.py:\\d+\\);update|update '
       '\\(main/api/db/instances.py', 'policy|Enforcer', 'oslo_messaging/notify/notifier.py')


def read(path):
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip().rpartition(' ')
            if count.isdigit():
                yield stack, int(count)


def summarize(path, top=15):
    total = 0
    layers, hot, leaves = collections.Counter(), collections.Counter(), collections.Counter()
    for stack, count in read(path):
        total += count
        layer = next((name for name, pat in LAYERS if re.search(pat, stack)), 'other')
        layers[layer] += count
        for pat in HOT:
            if re.search(pat, stack):
                hot[pat] += count
        leaves[re.sub(r':\d+\)$', ')', stack.rsplit(';', 1)[-1]) or '(no Python frame)'] += count
    lines = [f'{total} samples', '-- by layer (first match on the stack)']
    lines += [f'{n / total:6.1%}  {name}' for name, n in layers.most_common()]
    lines.append('-- inclusive, selected functions')
    lines += [f'{hot[p] / total:6.1%}  {p}' for p in HOT]
    lines.append(f'-- top {top} self (leaf) functions')
    lines += [f'{n / total:6.1%}  {name}' for name, n in leaves.most_common(top)]
    return '\n'.join(lines)


if __name__ == '__main__':
    print(summarize(sys.argv[1]))
