"""The begin's answer does not wait for the broker's confirm of the start notification
(api/conductor_advance.py): it leaves once the notification is written to the broker and
reboot_started is saved; what comes later of that instance waits for the confirm: the end
notification the api sends after a ``task_end``, and the answer to a ``task_finish``
(after which the compute sends its own). Another instance's end does not wait."""

import concurrent.futures
import threading

import pytest

from cepheid.api import conductor_advance
from cepheid.api.conductor import ConductorEndpoint
from cepheid.common import lean_notifier
from cepheid.common import rpc
from cepheid.common import states
from tests.fixtures import local_stack
from tests.fixtures import transport_conf
from tests.unit.compute import test_begin_advances as advances

HELD = 0.3      # how long a test watches something that must not happen meanwhile


class ConfirmsOnRelease:
    """A lean publisher whose batches are written at once and whose first batch's
    confirms come only when the test releases them."""

    def __init__(self):
        self.sent, self.written, self.release = [], threading.Event(), threading.Event()
        self._first = True

    def publish_bodies(self, messages, written=None):
        messages = list(messages)
        self.sent.extend(topic for _make, topic, _queue in messages)
        first, self._first = self._first, False
        if written is not None:
            written()
        if first:
            self.written.set()
            assert self.release.wait(10)
        return [True] * len(messages)

    def publish_body(self, make_body, *, topic, default_queue=None):
        return self.publish_bodies([(make_body, topic, default_queue)])[0]


class LeanHostNotices:
    """The api's HostNotifiers over a LeanNotifier (one topic per event, so that the
    order they left in is the publisher's ``sent``)."""

    def __init__(self, publisher):
        conf = transport_conf.conf_for('kombu+memory:////')
        self.transport = rpc.get_notification_transport(conf)
        self.notifier = lean_notifier.LeanNotifier(
            conf, publisher, self.transport, publisher_id='cepheid-compute:host',
            topics=['versioned'], serializer=rpc.RequestContextSerializer())
        self.events = []

    def notify(self, host, context, instance, action, phase, fmt=None):
        self.events.append((f'instance.{action}.{phase}', instance['uuid']))
        self.notifier.info(context, f'instance.{action}.{phase}', {'uuid': instance['uuid']})


@pytest.fixture
def stack():
    stack = local_stack.LocalStack()
    stack.publisher = ConfirmsOnRelease()
    stack.notices = LeanHostNotices(stack.publisher)
    stack.endpoint = ConductorEndpoint(stack.db, end_notifier=stack.notices)
    yield stack
    stack.publisher.release.set()
    stack.notices.transport.cleanup()


def _begun(stack):
    """A begun reboot whose start notification is written, its confirm held."""
    ctx, instance = advances._requested(stack)
    reply = stack.endpoint.begin(ctx, host=local_stack.HOST,
                                 **advances._begin_args(instance))
    assert stack.publisher.written.is_set()
    assert stack.get(instance['uuid'])['task_state'] == states.REBOOT_STARTED
    return ctx, instance, reply['event_id']


def _begun_elsewhere(stack):
    """``_begun`` in a thread of its own (the steps consumer's), once it has answered."""
    begun = []
    assert _in_thread(lambda: begun.append(_begun(stack))).wait(5)
    return begun[0]


def _in_thread(fn):
    done = threading.Event()
    thread = threading.Thread(target=lambda: (fn(), done.set()), daemon=True)
    thread.start()
    return done


def test_the_begin_answers_while_the_start_notification_awaits_its_confirm(stack):
    answered = _in_thread(lambda: _begun(stack))
    assert answered.wait(5)
    assert stack.publisher.sent == ['versioned.info']
    assert not stack.publisher.release.is_set()


def test_the_end_notification_waits_for_the_start_notifications_confirm(stack):
    ctx, instance, event_id = _begun_elsewhere(stack)
    ended = _in_thread(lambda: stack.endpoint.task_end(
        ctx, host=local_stack.HOST, instance_uuid=instance['uuid'],
        event='compute_reboot_instance', event_id=event_id,
        values={'task_state': None, 'vm_state': states.ACTIVE},
        expected_task_state=list(states.REBOOT_STEPS['SOFT'][1:]),
        notify=['reboot', 'end']))
    assert not ended.wait(HELD)
    # the end is saved; its notification is held back
    assert stack.get(instance['uuid'])['task_state'] is None
    assert [event for event, _ in stack.notices.events] == ['instance.reboot.start']
    stack.publisher.release.set()
    assert ended.wait(5)
    assert [event for event, _ in stack.notices.events] == [
        'instance.reboot.start', 'instance.reboot.end']


def test_a_task_finish_answers_after_the_start_notifications_confirm(stack):
    ctx, instance, event_id = _begun_elsewhere(stack)
    finished = _in_thread(lambda: stack.endpoint.task_finish(
        ctx, host=local_stack.HOST, instance_uuid=instance['uuid'],
        event='compute_reboot_instance', result='Error', event_id=event_id,
        values={'task_state': None, 'vm_state': states.ERROR},
        expected_task_state=list(states.REBOOT_STEPS['SOFT'][1:])))
    assert not finished.wait(HELD)
    stack.publisher.release.set()
    assert finished.wait(5)


def test_another_instances_end_does_not_wait(stack):
    assert _in_thread(lambda: _begun(stack)).wait(5)
    ctx, other = advances._requested(stack)
    reply = stack.endpoint.begin(ctx, host=local_stack.HOST,   # confirmed at once
                                 **advances._begin_args(other))
    ended = _in_thread(lambda: stack.endpoint.task_end(
        ctx, host=local_stack.HOST, instance_uuid=other['uuid'],
        event='compute_reboot_instance', event_id=reply['event_id'],
        values={'task_state': None, 'vm_state': states.ACTIVE},
        expected_task_state=list(states.REBOOT_STEPS['SOFT'][1:]),
        notify=['reboot', 'end']))
    assert ended.wait(5)
    assert stack.notices.events[-1] == ('instance.reboot.end', other['uuid'])
    assert not stack.publisher.release.is_set()



def test_a_start_never_confirmed_holds_the_rest_back_only_so_long(caplog):
    starts = conductor_advance.UnconfirmedStarts()
    never, done = concurrent.futures.Future(), concurrent.futures.Future()
    starts.add(['a'], never)
    starts.add(['b'], done)
    done.set_result(None)                   # forgotten once done
    assert starts._sending == {'a': never}
    starts.wait({'a', 'b', 'c'}, timeout=0.05)
    assert 'Start notification of a, b, c still not confirmed after 0 s' in caplog.text
