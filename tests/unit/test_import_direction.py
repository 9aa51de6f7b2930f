"""Imports run one way: api → compute (api/rpcapi) → common; compute → common; virt alone."""

import ast
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _imports(folder):
    for path in (ROOT / folder).rglob('*.py'):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    yield path, f'{node.module}.{alias.name}'
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    yield path, alias.name


def _offenders(folder, forbidden):
    return sorted(f'{p.relative_to(ROOT)}: {m}' for p, m in _imports(folder)
                  if any(m == f or m.startswith(f + '.') for f in forbidden))


def test_common_imports_neither_api_nor_compute():
    assert _offenders('common', ['cepheid.api', 'cepheid.compute']) == []


def test_compute_never_imports_the_api_service():
    assert _offenders('compute', ['cepheid.api']) == []


def test_api_uses_only_compute_api_rpcapi_and_actions():
    allowed = {'cepheid.compute.api', 'cepheid.compute.rpcapi', 'cepheid.compute.actions'}
    bad = [o for o in _offenders('api', ['cepheid.compute'])
           if o.split(': ')[1] not in allowed]
    assert bad == []


def test_virt_drivers_touch_no_db_rpc_or_notifications():
    forbidden = ['cepheid.api', 'cepheid.common.rpc', 'cepheid.common.notifications',
                 'oslo_messaging', 'sqlalchemy', 'cepheid.compute.conductor_rpcapi']
    assert _offenders('compute/virt', forbidden) == []
