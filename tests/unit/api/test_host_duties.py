"""The api host's periodic duties (the watchdog, the reclaim, the resize confirm, the
outbox's looks for a dead process's casts) run in the worker of slot 0 only — the only
worker with ``[api] workers = 1``, and any standalone or in-process api — while every
worker sends its own casts at once; a worker started in place of a dead one gets its slot."""

import datetime
import threading

import pytest
import sqlalchemy as sa

from cepheid.api import conf as api_conf
from cepheid.api import outbox
from cepheid.api import service as api_service
from cepheid.api import workers
from cepheid.api.db import models
from cepheid.api.db import store as db_store
from cepheid.common import config
from cepheid.compute import api as compute_api
from tests.fixtures import local_stack
from tests.unit.api import test_outbox

DUTIES = ['reclaim', 'resize_confirm', 'watchdog']
DUTY_THREADS = {'watchdog', 'reclaim', 'resize-confirm'}


def _conductor(monkeypatch, slot):
    if slot is None:
        monkeypatch.delenv(workers.SLOT_ENV, raising=False)
    else:
        monkeypatch.setenv(workers.SLOT_ENV, slot)
    conf = config.make_conf(api_conf.register_opts)
    conf([], default_config_files=[])
    conf.set_override('transport_url', 'fake://')
    conf.set_override('reclaim_instance_interval', 60)
    conf.set_override('resize_confirm_window', 60)
    services = api_service.ApiServices(conf, db=local_stack.LocalStack().db)
    return api_service.ConductorService(conf, services)


@pytest.mark.parametrize('slot, duties', [
    (None, DUTIES),          # a standalone api, [api] workers = 1, the in-process setups
    ('0', DUTIES),
    ('1', []),
    ('2', []),
])
def test_only_the_worker_of_slot_0_runs_the_host_duties(monkeypatch, slot, duties):
    assert sorted(_conductor(monkeypatch, slot).duties()) == duties


@pytest.mark.parametrize('slot, runs', [('0', True), ('1', False)])
def test_a_started_worker_starts_the_duty_threads_of_its_slot_only(monkeypatch, slot, runs):
    service = _conductor(monkeypatch, slot)
    before = {t.name for t in threading.enumerate()}
    service.start()
    try:
        started = {t.name for t in threading.enumerate()} - before
    finally:
        service.stop()
    assert 'outbox-sender' in started                  # every worker sends its casts
    assert (started & DUTY_THREADS == DUTY_THREADS) is runs
    assert runs or not started & DUTY_THREADS


@pytest.mark.parametrize('taken, slot', [((), 0), ((1,), 0), ((0, 1), 2), ((0, 2), 1)])
def test_a_worker_started_in_place_of_a_dead_one_gets_its_slot(taken, slot):
    assert workers.free_slot(taken) == slot


def _dead_process_cast(stack, api):
    """A cast committed by a process that died before publishing it: its claim lapsed."""
    api.power_action(stack.context(), stack.make_instance(), 'os-stop')
    with stack.db.transaction() as session:
        session.execute(sa.update(models.Outbox).values(
            claimed_until=models.utcnow() - datetime.timedelta(seconds=1)))


@pytest.mark.parametrize('look_for_lapsed, sent', [
    (True, ['stop_instance', 'reboot_instance']),    # slot 0: claims the dead one's too
    (False, ['reboot_instance']),                   # another slot: its own only
])
def test_every_sender_sends_its_own_casts_at_once_and_slot_0_also_a_dead_ones(
        look_for_lapsed, sent):
    stack = local_stack.LocalStack()
    dead = outbox.Outbox(stack.db, test_outbox.Broker())
    _dead_process_cast(stack, compute_api.ComputeAPI(
        db_store.InstanceStore(stack.db, service_down_time=60, outbox=dead)))
    broker = test_outbox.Broker()
    box = outbox.Outbox(stack.db, broker)
    api = compute_api.ComputeAPI(db_store.InstanceStore(stack.db, service_down_time=60,
                                                        outbox=box))
    box.start(look_for_lapsed=look_for_lapsed)
    try:
        api.reboot(stack.context(), stack.make_instance(), 'SOFT')
        for _ in range(500):
            # the look for lapsed claims and the reboot's own send race: either may go first
            if sorted(s[2] for s in broker.sent) == sorted(sent) and box.pending() == 0:
                break
            threading.Event().wait(0.01)
    finally:
        box.stop()
    assert sorted(s[2] for s in broker.sent) == sorted(sent)
    assert test_outbox._rows(stack) == (0 if look_for_lapsed else 1)
