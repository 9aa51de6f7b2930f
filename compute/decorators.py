"""Cross-cutting steps of compute operations, one concern per decorator.

Fixed order, outermost first: ``wrap_exception`` (error notification) →
``reverts_task_state`` → ``wrap_instance_event`` (event finished as Error) →
``wrap_instance_fault`` (fault row). Each acts only when an exception escapes the
operation; the success path records its event in the operation's own conductor calls.
Operations take ``(self, context, instance, ...)``; ``self`` offers ``conductor``,
``notifier`` and ``host``.
"""

import functools
import sys
import traceback

from oslo_log import log as logging

from cepheid.common import exception
from cepheid.common import states

LOG = logging.getLogger(__name__)

# Exceptions that mean "someone else owns the instance now": never undo their state.
HANDS_OFF = (exception.UnexpectedTaskStateError, exception.RequestAlreadyHandled,
             exception.InstanceNotFound, exception.HostMismatch)


def _best_effort(what, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except Exception as exc:
        LOG.warning('Could not %s: %s', what, exc)


def _on_failure(concern, handle):
    """A decorator running ``handle(self, context, instance, fn)`` when the operation
    raises (not for HANDS_OFF), then re-raising; it adds ``concern`` to the stack record."""
    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(self, context, instance, *args, **kwargs):
            try:
                return fn(self, context, instance, *args, **kwargs)
            except HANDS_OFF:
                raise
            except Exception:
                handle(self, context, instance, fn)
                raise
        wrapper.cepheid_stack = [concern, *getattr(fn, 'cepheid_stack', [])]
        return wrapper
    return decorator


def _current_exception():
    return sys.exc_info()[1]


def wrap_exception(action):
    """Emit ``instance.<action>.error`` when the operation raises."""
    def notify(self, context, instance, fn):
        self.notifier.notify(context, instance, action, 'error', exc=_current_exception())
    return _on_failure('wrap_exception', notify)


def revert_task_state(self, context, instance):
    """Clear the task_state ``instance`` shows (and its later steps), best effort."""
    owned = states.owned_task_states(instance['task_state'])
    _best_effort('revert task state', self.conductor.task_update, context, instance['uuid'],
                 values={'task_state': None}, expected_task_state=owned)


def _revert(self, context, instance, fn):
    revert_task_state(self, context, instance)


def _finish_event(self, context, instance, fn):
    _best_effort('finish event', self.conductor.task_finish, context, instance['uuid'],
                 event=f'compute_{fn.__name__}', result='Error',
                 traceback=traceback.format_exc())


def _record_fault(self, context, instance, fn):
    _best_effort('record fault', self.conductor.task_finish, context, instance['uuid'],
                 event=None, result='Error', fault=fault_from_exception(_current_exception()))


#: Clear task_state when the operation raises, unless another task owns the instance.
reverts_task_state = _on_failure('reverts_task_state', _revert)
#: Finish the operation's action event as Error (with traceback) when it raises.
wrap_instance_event = _on_failure('wrap_instance_event', _finish_event)
#: Record an instance fault row when the operation raises.
wrap_instance_fault = _on_failure('wrap_instance_fault', _record_fault)


def operation(action):
    """The whole stack, in its fixed order, for an operation notifying ``instance.<action>``."""
    def decorator(fn):
        return wrap_exception(action)(
            reverts_task_state(wrap_instance_event(wrap_instance_fault(fn))))
    return decorator


# -- the same stack for the steps of a resize or cold migration ------------------------
# A move's step may run on the host the instance is not on yet, so its concerns report
# through the move's ``migration_step`` (the conductor checks the host is one of the
# move's two); an escaping exception errors the move out: instance ERROR, migration error.
def _on_move_failure(concern, handle):
    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(self, context, instance, *, migration, **kwargs):
            try:
                return fn(self, context, instance, migration=migration, **kwargs)
            except HANDS_OFF:
                raise
            except Exception:
                handle(self, context, instance, migration, fn)
                raise
        wrapper.cepheid_stack = [concern, *getattr(fn, 'cepheid_stack', [])]
        return wrapper
    return decorator


def _move_step(what, self, context, instance, migration, **kwargs):
    _best_effort(what, self.conductor.migration_step, context, instance['uuid'],
                 migration['id'], **kwargs)


def _notify_move(action):
    def notify(self, context, instance, migration, fn):
        self.notifier.notify(context, instance, action, 'error', exc=_current_exception())
    return notify


def _revert_move(self, context, instance, migration, fn):
    _move_step('error out the move', self, context, instance, migration,
               values={'task_state': None, 'vm_state': states.ERROR},
               expected_task_state=[None, *states.RESIZE_STATES, states.RESIZE_REVERTING,
                                    states.MIGRATING],
               status='error')


def _finish_move_event(self, context, instance, migration, fn):
    _move_step('finish event', self, context, instance, migration, phase='finish',
               event=f'compute_{fn.__name__}', result='Error',
               traceback=traceback.format_exc())


def _move_fault(self, context, instance, migration, fn):
    _move_step('record fault', self, context, instance, migration,
               fault=fault_from_exception(_current_exception()))


def move_operation(action):
    """The stack, in its fixed order, for a step of a move notifying ``instance.<action>``."""
    def decorator(fn):
        return _on_move_failure('wrap_exception', _notify_move(action))(
            _on_move_failure('reverts_task_state', _revert_move)(
                _on_move_failure('wrap_instance_event', _finish_move_event)(
                    _on_move_failure('wrap_instance_fault', _move_fault)(fn))))
    return decorator


# -- the same stack for an evacuation, on its destination ---------------------------------
# The instance is on its (failed) source host until the hand-over, so the concerns report
# through ``evacuation_step`` (only the destination may): an escaping exception errors
# the instance out on the source and fails the evacuation (the destination's claim back).
def _evacuation_step(what, self, context, instance, migration, **kwargs):
    _best_effort(what, self.conductor.evacuation_step, context, instance['uuid'],
                 migration['id'], **kwargs)


def _revert_evacuation(self, context, instance, migration, fn):
    _evacuation_step('fail the evacuation', self, context, instance, migration,
                     values={'task_state': None, 'vm_state': states.ERROR},
                     expected_task_state=list(states.REBUILD_STATES), outcome='failed')


def _finish_evacuation_event(self, context, instance, migration, fn):
    _evacuation_step('finish event', self, context, instance, migration, phase='finish',
                     event='compute_rebuild_instance', result='Error',
                     traceback=traceback.format_exc())


def _evacuation_fault(self, context, instance, migration, fn):
    _evacuation_step('record fault', self, context, instance, migration,
                     fault=fault_from_exception(_current_exception()))


def evacuation_operation(action):
    """The stack, in its fixed order, for an evacuation notifying ``instance.<action>``."""
    def decorator(fn):
        return _on_move_failure('wrap_exception', _notify_move(action))(
            _on_move_failure('reverts_task_state', _revert_evacuation)(
                _on_move_failure('wrap_instance_event', _finish_evacuation_event)(
                    _on_move_failure('wrap_instance_fault', _evacuation_fault)(fn))))
    return decorator


def live_destination_call(fn):
    """A live migration's step on the destination, an RPC call of the source: its event
    finished as Error and a fault recorded when it raises; the exception goes back to the
    source, which rolls the migration back (so no task_state revert here)."""
    return _on_move_failure('wrap_instance_event', _finish_move_event)(
        _on_move_failure('wrap_instance_fault', _move_fault)(fn))


def best_effort_step(self, context, instance, migration, **kwargs):
    """A ``migration_step`` whose failure is only logged."""
    _move_step('report a live migration step', self, context, instance, migration, **kwargs)


def fault_from_exception(exc):
    """A fault dict (code, message, details) for the conductor, as Nova records one."""
    code = getattr(exc, 'code', 500)
    message = exc.format_message() if hasattr(exc, 'format_message') else str(exc)
    return {'code': code if isinstance(code, int) else 500,
            'message': message or type(exc).__name__,
            'details': ''.join(traceback.format_exception(exc))}


def brief(exc):
    """One line for ``exc``: a domain error's own message, without the remote traceback
    oslo.messaging appends to exceptions that crossed the bus."""
    return getattr(exc, 'message', None) or str(exc).splitlines()[0]


def run_operation(operation, context, instance, **kwargs):
    """Run a queued operation: another owner or a redelivery is one INFO line, not raised
    (the conductor has finished the request's event with the reason). The request's
    context becomes the worker thread's current one first, so every line the operation
    logs carries its request id, user and project (the thread last held another's)."""
    context.update_store()
    try:
        operation(context, instance, **kwargs)
    except exception.RequestAlreadyHandled as exc:
        LOG.info('Ignoring a redelivered request: %s', brief(exc))
    except HANDS_OFF as exc:
        LOG.info('Request %s on %s not run, another request owns the instance: %s',
                 context.request_id, instance['uuid'], brief(exc))
