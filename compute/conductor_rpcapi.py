"""Client of the api service's conductor endpoint: every DB write a compute makes.

Calls where the compute needs the answer (a CAS), casts where it does not (heartbeats).
The steps of an operation (begin, advance, update, finish) go through a ReportBatcher:
those that become ready while one is in flight travel as one ``report_batch`` (1.4).
Every call is idempotent on the api side (a CAS whose expected states include its target,
events started/finished once), so a call whose reply was lost — a broker restart drops
the reply queue — is simply made again. Each retry waits twice as long as the attempt
before (capped, with a little jitter): a call that timed out is still in the api's queue
and will be served, so against an overloaded api a quick retry only doubles its work.
"""

import random
import time

import oslo_messaging
from oslo_log import log as logging

from cepheid.common import exception
from cepheid.common import metrics
from cepheid.common import rpc
from cepheid.compute import cast_ends
from cepheid.compute import conductor_topics
from cepheid.compute import report_batcher
from cepheid.compute import step_caller

LOG = logging.getLogger(__name__)

TOPIC = 'cepheid-api'
VERSION = '1.0'
BATCH_VERSION = '1.4'
# task_end: the end of an operation as a cast, sent only to an api that advertises it.
END_VERSION = '1.12'
# begin(advance, notify): the next step and the start notification ride on the begin.
ADVANCE_VERSION = '1.14'
# A retry's timeout is the previous one's doubled (capped), less up to this share, so
# the computes whose calls timed out together do not retry together.
RETRY_JITTER = 0.1
# A starting compute's first call (Nova's ``wait_until_ready``): the api may not have
# declared its queue yet, and a broker drops a call sent to no queue. The call is asked
# again after this many seconds, doubled each time up to the normal timeout.
EARLY_TIMEOUT = 1.0


class ConductorAPI(conductor_topics.TopicRouting):
    def __init__(self, transport, *, host, timeout=15, attempts=4, db_wait=120,
                 group_commit=True, max_timeout=None, finish_cast=False,
                 notification_format=None, heartbeat_publisher=None, step_publisher=None,
                 step_caller=None, begin_advances=False):
        self.host = host
        # common/lean_publisher.Publisher for the heartbeats (compute/heartbeat_publisher)
        # and the cast steps (compute/step_publisher), or None: casts through
        # oslo.messaging.
        self.heartbeat_publisher = heartbeat_publisher
        self.step_publisher = step_publisher
        # compute/step_caller.Caller for the calls on the steps topic, or None.
        self.step_caller = step_caller
        self.attempts = attempts
        # The longest a retried call waits for its answer (default: 4 x timeout, so
        # 15, 30, 60, 60 s).
        self.max_timeout = max_timeout if max_timeout is not None else 4 * timeout
        self.db_wait = db_wait
        self.transport = transport
        self.timeout = timeout
        self.client = rpc.get_client(transport, TOPIC, version=VERSION, timeout=timeout)
        # heartbeat_client, steps_client, api_version: compute/conductor_topics.py.
        self._init_topics()
        # Callables ``(when, instance_uuid, task_state, method)`` told of every task_state
        # this compute reports, as it sends it (``when``: time.monotonic()).
        self.observers = []
        self.batcher = report_batcher.ReportBatcher(self._send_reports)
        self._batches = True     # False once the api service refused report_batch
        # ``[DEFAULT] conductor_group_commit``; False: each report goes alone, as
        # before 1.4.
        self.group_commit = group_commit
        # ``[DEFAULT] conductor_finish_cast`` (sent as a cast to an api of 1.12 or later).
        self.finish_cast = finish_cast
        # ``[DEFAULT] conductor_begin_advances`` (to an api of 1.14 or later).
        self.begin_advances = begin_advances
        # This compute's [notifications] notification_format: the api sends a task_end's
        # notification in it.
        self.notification_format = notification_format
        # The last end sent as a cast per instance (compute/cast_ends.py).
        self.cast_ends = cast_ends.CastEnds()

    def _report(self, method, instance_uuid, values):
        if values and 'task_state' in values:
            now = time.monotonic()
            for observer in list(self.observers):
                observer(now, instance_uuid, values['task_state'], method)

    def _call(self, context, method, version=None, *, early_timeout=None, **kwargs):
        return self._timed_call(context, method, version, kwargs, steps=False,
                                early_timeout=early_timeout)

    def _timed_call(self, context, method, version, kwargs, *, steps, early_timeout=None):
        start = time.monotonic()
        try:
            return self._call_retried(context, method, version, kwargs, steps,
                                      early_timeout)
        finally:
            metrics.COMPUTE_CONDUCTOR_CALL.labels(method).observe(time.monotonic() - start)

    def _call_retried(self, context, method, version, kwargs, steps, early_timeout=None):
        """``early_timeout``: first ask with this timeout, doubled while below the normal
        one (these attempts are not counted); then the normal attempts."""
        timeouts, steps_timeouts, waits, waited = 0, 0, 0, 0.0
        early = early_timeout
        while True:
            base = self.steps_client if steps else self.client
            options = {'version': version} if version else {}
            early_attempt = early is not None and early < self.timeout
            if early_attempt:
                options['timeout'] = early
            elif timeouts:
                options['timeout'] = self.retry_timeout(timeouts)
            try:
                answer = self._lean_call(base, context, method, version, kwargs,
                                         options.get('timeout', self.timeout))
                if answer is not step_caller.NOT_TAKEN:
                    return answer
                client = base.prepare(**options) if options else base
                return client.call(context, method, host=self.host, **kwargs)
            except oslo_messaging.MessagingTimeout:
                if early_attempt:
                    LOG.warning("The api's conductor did not answer %s within %.0f s: is "
                                'it running, or did this compute start before it? Asking '
                                'again', method, early)
                    early *= 2
                    continue
                timeouts += 1
                if base is not self.client:
                    steps_timeouts += 1
                    self.steps_timed_out(base, steps_timeouts)
                if timeouts >= self.attempts:
                    raise
                LOG.warning('Conductor call %s timed out (attempt %d of %d), retrying '
                            'with a timeout of %.0f s', method, timeouts, self.attempts,
                            self.retry_timeout(timeouts, jitter=False))
            except exception.ServiceUnavailable:
                # The api's database is down: wait it out (bounded), the call is idempotent.
                if waited >= self.db_wait:
                    raise
                waits += 1
                delay = min(5.0, 0.5 * waits)
                LOG.warning('Conductor call %s: database unavailable, retrying in %.1f s',
                            method, delay)
                time.sleep(delay)
                waited += delay

    def retry_timeout(self, timeouts, *, jitter=True):
        """The timeout of the attempt after ``timeouts`` timed-out ones: the first one's
        doubled each time, capped at ``max_timeout``, less up to RETRY_JITTER of it."""
        value = min(self.max_timeout, self.timeout * 2 ** timeouts)
        return value * (1 - random.uniform(0, RETRY_JITTER)) if jitter else value

    # -- the steps of an operation: batched ----------------------------------------
    def _step(self, context, method, version, args, *, wait=True):
        if not self.group_commit:
            report = report_batcher.Report(method, context, (version, args), wait)
            return self._send_one(report)
        return self.batcher.submit(method, context, (version, args), wait=wait)

    def _lean_call(self, base, context, method, version, kwargs, timeout):
        """A call on the api's steps topic (``base`` is the steps client, unless the
        steps go to the conductor topic) through the lean caller (compute/step_caller.py):
        its answer, or NOT_TAKEN (oslo.messaging's call)."""
        if self.step_caller is None or base is self.client:
            return step_caller.NOT_TAKEN
        return self.step_caller.call(context, topic=base.target.topic, method=method,
                                     args={'host': self.host, **kwargs},
                                     version=version or base.target.version or VERSION,
                                     timeout=timeout)

    def _send_reports(self, reports):
        """The batcher's sender: one report as its own method (what an api of any
        version serves), several as one ``report_batch``."""
        if len(reports) > 1 and self._batches:
            try:
                return self._send_batch(reports)
            except oslo_messaging.RemoteError as exc:
                if not conductor_topics.refused(exc):
                    raise
                LOG.warning('The api service does not take report batches: sending '
                            'reports one by one')
                self._batches = False
        for report in reports:
            try:
                report.result = self._send_one(report)
            except Exception as exc:
                report.error = exc

    def _send_one(self, report):
        version, args = report.args
        if not report.wait:
            self._cast_step(report.context, report.method, version, args)
            return None
        return self._timed_call(report.context, report.method, version, args, steps=True)

    def _send_batch(self, reports):
        items = [{'method': r.method, 'context': r.context.to_dict(), 'args': r.args[1]}
                 for r in reports]
        if not any(r.wait for r in reports):
            self._cast_step(reports[0].context, 'report_batch', BATCH_VERSION,
                            {'items': items})
            return
        replies = self._timed_call(reports[0].context, 'report_batch', BATCH_VERSION,
                                   {'items': items}, steps=True)
        for report, reply in zip(reports, replies, strict=True):
            if 'error' in reply:
                report.error = rpc.error_from_primitive(reply['error'])
            else:
                report.result = reply.get('result')

    def _cast_step(self, context, method, version, args):
        """Cast a step to the steps topic: through the lean publisher when there is one
        and it takes it (compute/step_publisher.py), else through oslo.messaging."""
        base = self.steps_client
        publisher = self.step_publisher
        if publisher is not None and publisher.publish(
                context, topic=base.target.topic, method=method,
                args={'host': self.host, **args}, version=version or base.target.version):
            return
        client = base.prepare(version=version) if version else base
        client.cast(context, method, host=self.host, **args)

    def begin(self, context, instance_uuid, *, event, values, expected_task_state):
        """Start the event and CAS, one round trip: ``(instance, event_id)``."""
        self._report('begin', instance_uuid, values)
        reply = self._step(context, 'begin', '1.2', dict(
            instance_uuid=instance_uuid, event=event, values=values,
            expected_task_state=list(expected_task_state)))
        return reply['instance'], reply['event_id']

    def begin_advancing(self, context, instance_uuid, *, event, values, expected_task_state,
                        advance, expected_by_advance, notify):
        """``begin``, and after its commit the api sends ``notify`` (``(action, phase)``)
        and applies the next step ``advance`` (CAS from ``expected_by_advance``) before it
        answers (api/conductor_advance.py): ``(instance, event_id, True)``. An api before
        1.14, or ``conductor_begin_advances`` off: the begin alone, ``(..., False)``, and
        the step and the notification are the caller's."""
        if self.begin_advances and conductor_topics.at_least(self.api_version,
                                                             ADVANCE_VERSION):
            self._report('begin', instance_uuid, values)
            try:
                reply = self._step(context, 'begin', ADVANCE_VERSION, dict(
                    instance_uuid=instance_uuid, event=event, values=values,
                    expected_task_state=list(expected_task_state),
                    advance={'values': advance,
                             'expected_task_state': list(expected_by_advance)},
                    notify=[*notify, self.notification_format]))
            except oslo_messaging.RemoteError as exc:
                if not conductor_topics.refused(exc):
                    raise
                # An api process older than 1.14 took it (an upgrade under way): it
                # applied nothing, so the begin goes alone.
                LOG.warning('The api service does not take a begin carrying its next '
                            'step (%s): sending the begin alone', exc.exc_type)
            else:
                # Saved by the api as the begin's follow-up, before its answer.
                self._report('begin', instance_uuid, advance)
                return reply['instance'], reply['event_id'], True
        return (*self.begin(context, instance_uuid, event=event, values=values,
                            expected_task_state=expected_task_state), False)

    def task_advance(self, context, instance_uuid, *, values, expected_task_state):
        """An intermediate CAS nobody waits for (a cast)."""
        self._report('task_advance', instance_uuid, values)
        self._step(context, 'task_advance', '1.2', dict(
            instance_uuid=instance_uuid, values=values,
            expected_task_state=list(expected_task_state)), wait=False)

    def task_update(self, context, instance_uuid, *, values, expected_task_state):
        self._report('task_update', instance_uuid, values)
        return self._step(context, 'task_update', None, dict(
            instance_uuid=instance_uuid, values=values,
            expected_task_state=list(expected_task_state)))

    def task_finish(self, context, instance_uuid, *, event, result, values=None,
                    expected_task_state=None, traceback=None, fault=None, event_id=None):
        kwargs = {'event_id': event_id} if event_id is not None else {}
        self._report('task_finish', instance_uuid, values)
        return self._step(context, 'task_finish', '1.2' if kwargs else None, dict(
            instance_uuid=instance_uuid, event=event, result=result, values=values,
            expected_task_state=list(expected_task_state or [None]),
            traceback=traceback, fault=fault, **kwargs))

    def ends_by_cast(self):
        """Whether an operation's end may go as a ``task_end`` cast: asked for, and the
        api advertised 1.12."""
        return self.finish_cast and conductor_topics.at_least(self.api_version, END_VERSION)

    def task_end(self, context, instance_uuid, *, event, event_id, values,
                 expected_task_state, notify):
        """The end of a successful operation as a cast (api/conductor_end.py): the api
        finishes event ``event_id`` once, CASes ``values`` and sends ``notify``
        (``(action, phase)``) after the commit. Remembered per instance, so a re-sent
        request finds it (``end_again``)."""
        args = dict(instance_uuid=instance_uuid, event=event, event_id=event_id,
                    values=values, expected_task_state=list(expected_task_state),
                    notify=[*notify, self.notification_format])
        self._report('task_end', instance_uuid, values)
        self.cast_ends.remember(instance_uuid, context, args)
        self._step(context, 'task_end', END_VERSION, args, wait=False)

    def end_again(self, context, instance_uuid):
        """Send the end this compute cast for this request again, as a call: the request
        came again (the watchdog re-sends a task stuck past its timeout: the cast was
        lost). False when this compute sent no such end (the request is run again)."""
        args = self.cast_ends.of_request(instance_uuid, context.request_id)
        if args is None:
            return False
        self._timed_call(context, 'task_end', END_VERSION, args, steps=True)
        return True

    def instance_destroy(self, context, instance_uuid, *, event):
        return self._call(context, 'instance_destroy', instance_uuid=instance_uuid,
                          event=event)

    def instance_get(self, context, instance_uuid):
        """The instance as the api has it; a read right after an end this compute cast
        carries that end, which the api applies first (1.12): the read sees it."""
        end = self.cast_ends.unsettled(instance_uuid)
        if end is None:
            return self._call(context, 'instance_get', version='1.1',
                              instance_uuid=instance_uuid)
        return self._call(context, 'instance_get', version=END_VERSION,
                          instance_uuid=instance_uuid, end=end)

    def power_state_sync(self, context, instance_uuid, *, values, expected_vm_state,
                         action=None):
        """CAS ``values`` while task_state is None (the power-state sync's only write).

        Not retried: a retry of a save that recorded a ``stop`` would miss its own CAS and
        leave the stop to the api watchdog; the next sync redoes a lost power_state save.
        """
        return self.client.prepare(version='1.1').call(
            context, 'power_state_sync', host=self.host, instance_uuid=instance_uuid,
            values=values, expected_vm_state=expected_vm_state, action=action)

    def migration_step(self, context, instance_uuid, migration_id, **kwargs):
        """One step of a resize or cold migration (api/conductor_moves.py), retried like
        every call: ``{"instance", "migration", "event_id"}``."""
        self._report('migration_step', instance_uuid, kwargs.get('values'))
        for key in ('expected_task_state', 'expected_vm_state', 'expected_status'):
            if kwargs.get(key) is not None:
                kwargs[key] = list(kwargs[key])
        return self._call(context, 'migration_step', version='1.5',
                          instance_uuid=instance_uuid, migration_id=migration_id, **kwargs)

    def evacuation_step(self, context, instance_uuid, migration_id, **kwargs):
        """One step of an evacuation on its destination (api/conductor_evacuate.py):
        ``{"instance", "event_id"}``."""
        self._report('evacuation_step', instance_uuid, kwargs.get('values'))
        if kwargs.get('expected_task_state') is not None:
            kwargs['expected_task_state'] = list(kwargs['expected_task_state'])
        return self._call(context, 'evacuation_step', version='1.7',
                          instance_uuid=instance_uuid, migration_id=migration_id, **kwargs)

    def evacuations_from_host(self, context):
        # A starting compute's first call: the api may not listen yet (EARLY_TIMEOUT).
        return self._call(context, 'evacuations_from_host', version='1.7',
                          early_timeout=EARLY_TIMEOUT)

    def evacuations_to_host(self, context):
        return self._call(context, 'evacuations_to_host', version='1.8')

    def evacuation_source_cleaned(self, context, instance_uuid, migration_id):
        return self._call(context, 'evacuation_source_cleaned', version='1.7',
                          instance_uuid=instance_uuid, migration_id=migration_id)

    def stale_guests(self, context, instance_uuids):
        return self._call(context, 'stale_guests', version='1.9',
                          instance_uuids=list(instance_uuids))

    def migrations_in_progress(self, context):
        return self._call(context, 'migrations_in_progress', version='1.5')

    def instances_for_recovery(self, context):
        return self._call(context, 'instances_for_recovery')

    def usage_audit_begin(self, context, *, begin, end):
        """Begin this host's usage audit of [begin, end]: its instances, or None when the
        period's audit already ran (or runs) here."""
        return self._call(context, 'usage_audit_begin', version='1.6',
                          begin=begin.isoformat(), end=end.isoformat())

    def task_log_end_task(self, context, *, task_name, begin, end, errors, message):
        return self._call(context, 'task_log_end_task', version='1.6', task_name=task_name,
                          begin=begin.isoformat(), end=end.isoformat(), errors=errors,
                          message=message)

