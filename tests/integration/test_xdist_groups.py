"""The suite's grouping under pytest-xdist's ``--dist loadgroup`` (tox -e integration): a
file's tests run on one worker, and so does each folder of tests/integration/conftest.py's
_ONE_WORKER_FOLDERS (the libvirt folder's session starts the machine's one libvirtd). xdist
schedules by the group it appends to each test's id; when that is missing (pytest 9.2 with
pytest-xdist 3.8: pytest-dev/pytest-xdist#1386; or the marks added after xdist read them)
every test is scheduled on its own, silently, and two workers each start a libvirtd."""

import pytest

pytestmark = pytest.mark.integration


def test_this_test_id_carries_its_file_group(request):
    if not getattr(request.config.option, 'loadgroup', False):
        pytest.skip('not on a pytest-xdist worker under --dist loadgroup')
    assert request.node.nodeid.endswith('@test_xdist_groups.py'), request.node.nodeid
