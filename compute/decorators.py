"""Cross-cutting steps of compute operations, one concern per decorator.

Fixed order, outermost first: ``wrap_exception`` (error notification) →
``reverts_task_state`` → ``wrap_instance_event`` (event finished as Error) →
``wrap_instance_fault`` (fault row). Each acts only when an exception escapes the
operation; the success path records its event in the operation's own conductor calls.
Operations take ``(self, context, instance, ...)``; ``self`` offers ``conductor``,
``notifier`` and ``host``.
"""

import functools
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


def wrap_exception(action):
    """Emit ``instance.<action>.error`` when the operation raises."""
    def decorator(fn):
        @functools.wraps(fn)
        def wrapper(self, context, instance, *args, **kwargs):
            try:
                return fn(self, context, instance, *args, **kwargs)
            except HANDS_OFF:
                raise
            except Exception as exc:
                self.notifier.notify(context, instance, action, 'error', exc=exc)
                raise
        wrapper.cepheid_stack = ['wrap_exception', *getattr(fn, 'cepheid_stack', [])]
        return wrapper
    return decorator


def reverts_task_state(fn):
    """Clear task_state when the operation raises, unless another task owns the instance."""
    @functools.wraps(fn)
    def wrapper(self, context, instance, *args, **kwargs):
        try:
            return fn(self, context, instance, *args, **kwargs)
        except HANDS_OFF:
            raise
        except Exception:
            owned = states.owned_task_states(instance['task_state'])
            _best_effort('revert task state', self.conductor.task_update, context,
                         instance['uuid'], values={'task_state': None},
                         expected_task_state=owned)
            raise
    wrapper.cepheid_stack = ['reverts_task_state', *getattr(fn, 'cepheid_stack', [])]
    return wrapper


def wrap_instance_event(fn):
    """Finish the operation's action event as Error (with traceback) when it raises."""
    @functools.wraps(fn)
    def wrapper(self, context, instance, *args, **kwargs):
        try:
            return fn(self, context, instance, *args, **kwargs)
        except HANDS_OFF:
            raise
        except Exception:
            _best_effort('finish event', self.conductor.task_finish, context, instance['uuid'],
                         event=f'compute_{fn.__name__}', result='Error',
                         traceback=traceback.format_exc())
            raise
    wrapper.cepheid_stack = ['wrap_instance_event', *getattr(fn, 'cepheid_stack', [])]
    return wrapper


def wrap_instance_fault(fn):
    """Record an instance fault row when the operation raises."""
    @functools.wraps(fn)
    def wrapper(self, context, instance, *args, **kwargs):
        try:
            return fn(self, context, instance, *args, **kwargs)
        except HANDS_OFF:
            raise
        except Exception as exc:
            _best_effort('record fault', self.conductor.task_finish, context, instance['uuid'],
                         event=None, result='Error', fault=fault_from_exception(exc))
            raise
    wrapper.cepheid_stack = ['wrap_instance_fault', *getattr(fn, 'cepheid_stack', [])]
    return wrapper


def fault_from_exception(exc):
    """A fault dict (code, message, details) for the conductor, as Nova records one."""
    code = getattr(exc, 'code', 500)
    message = exc.format_message() if hasattr(exc, 'format_message') else str(exc)
    return {'code': code if isinstance(code, int) else 500,
            'message': message or type(exc).__name__,
            'details': ''.join(traceback.format_exception(exc))}


def run_operation(operation, context, instance, **kwargs):
    """Run a queued operation: another owner or a redelivery is logged, not raised."""
    try:
        operation(context, instance, **kwargs)
    except exception.RequestAlreadyHandled as exc:
        LOG.info('Ignoring a redelivered request: %s', exc)
    except HANDS_OFF as exc:
        LOG.info('Instance %s moved on without this operation: %s', instance['uuid'], exc)
