"""Cepheid's domain exceptions: a message format and an HTTP code each, no web framework.

They cross the RPC bus as themselves (oslo.messaging rebuilds them from ``args`` and
``kwargs`` when this module is in ``allowed_remote_exmods``).
"""


class CepheidException(Exception):
    """Base class: ``msg_fmt % kwargs`` becomes the message."""

    msg_fmt = 'An unknown exception occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        self.kwargs.setdefault('code', self.code)
        if not message:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def format_message(self):
        return self.args[0]


# 400
class Invalid(CepheidException):
    msg_fmt = 'Bad request: %(reason)s'
    code = 400


class InvalidAggregateAction(Invalid):
    msg_fmt = ("Cannot perform action '%(action)s' on aggregate %(aggregate_id)s. "
               "Reason: %(reason)s.")


class ValidationError(Invalid):
    msg_fmt = '%(detail)s'


class MalformedRequestBody(Invalid):
    msg_fmt = 'Malformed request body'


class InvalidMicroversion(Invalid):
    msg_fmt = 'Invalid API version request: %(version)s'


class FlavorNotFoundForCreate(Invalid):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class ComputeServiceInUse(Invalid):
    msg_fmt = 'Compute service of %(host)s is still in use.'


class InvalidSharedStorage(Invalid):
    msg_fmt = 'Invalid state of instance files on shared storage'


class InvalidServerHost(Invalid):
    msg_fmt = 'Compute host %(host)s could not be found.'


class ComputeServiceUnavailable(Invalid):
    msg_fmt = 'Compute service of %(host)s is unavailable at this time.'


class InvalidRebootType(Invalid):
    msg_fmt = 'Invalid reboot type %(reboot_type)s.'


class InstanceNotRescuable(Invalid):
    msg_fmt = 'Instance %(instance_id)s cannot be rescued: %(reason)s'


class TriggerCrashDumpNotSupported(Invalid):
    msg_fmt = 'Triggering crash dump is not supported'


class PreserveEphemeralNotSupported(Invalid):
    msg_fmt = 'The current driver does not support preserving ephemeral partitions.'


class InvalidKeyName(Invalid):
    msg_fmt = 'Invalid key_name provided.'


class InvalidKeypair(Invalid):
    msg_fmt = 'Keypair data is invalid: %(reason)s'


class CannotResizeToSameFlavor(Invalid):
    msg_fmt = 'When resizing, instances must change flavor!'


class CannotResizeDisk(Invalid):
    msg_fmt = 'Server disk was unable to be resized because: %(reason)s'


class CannotMigrateToSameHost(Invalid):
    msg_fmt = 'Cannot migrate to the host where the server exists.'


class UnableToMigrateToSelf(Invalid):
    msg_fmt = ('Unable to migrate instance (%(instance_id)s) to current host '
               '(%(host)s).')


class InvalidMigrationState(Invalid):
    msg_fmt = ('Migration %(migration_id)s state of instance %(instance_uuid)s is '
               '%(state)s. Cannot %(method)s while the migration is in this state.')


class MarkerNotFound(Invalid):
    msg_fmt = 'Marker %(marker)s could not be found.'


# 401 / 403
class NotAuthenticated(CepheidException):
    msg_fmt = 'The request you have made requires authentication.'
    code = 401


class Forbidden(CepheidException):
    msg_fmt = 'Forbidden'
    code = 403


class PolicyNotAuthorized(Forbidden):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."


# 404
class NotFound(CepheidException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class MetadataItemNotFound(NotFound):
    msg_fmt = 'Metadata item was not found'


class ServerTagNotFound(NotFound):
    msg_fmt = "Server %(server_id)s has no tag '%(tag)s'"


class InstanceTagNotFound(NotFound):
    msg_fmt = "Instance %(instance_id)s has no tag '%(tag)s'"


class FlavorNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class FlavorAccessNotFound(NotFound):
    msg_fmt = 'Flavor access not found for %(flavor_id)s / %(project_id)s combination.'


class FlavorExtraSpecsNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s has no extra specs with key %(extra_specs_key)s.'


class KeypairNotFound(NotFound):
    msg_fmt = 'Keypair %(name)s not found for user %(user_id)s'


class InstanceActionNotFound(NotFound):
    msg_fmt = 'Action for request_id %(request_id)s on instance %(instance_uuid)s not found'


class HostNotFound(NotFound):
    msg_fmt = 'Host %(host)s could not be found.'


class AggregateNotFound(NotFound):
    msg_fmt = 'Aggregate %(aggregate_id)s could not be found.'


class AggregateHostNotFound(NotFound):
    msg_fmt = 'Aggregate %(aggregate_id)s has no host %(host)s.'


class ComputeHostNotFound(NotFound):
    msg_fmt = 'Compute host %(host)s could not be found.'


class MigrationNotFound(NotFound):
    msg_fmt = 'Migration %(migration_id)s could not be found.'


class MigrationNotFoundForInstance(MigrationNotFound):
    msg_fmt = 'Migration %(migration_id)s not found for instance %(instance_id)s'


class MigrationNotFoundByStatus(MigrationNotFound):
    msg_fmt = ('Migration not found for instance %(instance_id)s with status '
               '%(status)s.')


# 406
class MicroversionNotAcceptable(CepheidException):
    msg_fmt = ('Version %(version)s is not supported by the API. '
               'Minimum is %(min_version)s and maximum is %(max_version)s.')
    code = 406


# 409
class Conflict(CepheidException):
    msg_fmt = 'Conflict'
    code = 409


class FlavorExists(Conflict):
    msg_fmt = 'Flavor with name %(name)s already exists.'


class FlavorIdExists(Conflict):
    msg_fmt = 'Flavor with ID %(flavor_id)s already exists.'


class FlavorAccessExists(Conflict):
    msg_fmt = ('Flavor access already exists for flavor %(flavor_id)s and project '
               '%(project_id)s combination.')


class FlavorExtraSpecUpdateCreateFailed(Conflict):
    msg_fmt = ('Flavor %(id)s extra spec cannot be updated or created after %(retries)d '
               'retries.')


class AggregateNameExists(Conflict):
    msg_fmt = 'Aggregate %(aggregate_name)s already exists.'


class AggregateHostExists(Conflict):
    msg_fmt = 'Aggregate %(aggregate_id)s already has host %(host)s.'


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


class InstanceIsLocked(Conflict):
    msg_fmt = 'Instance %(instance_uuid)s is locked'


class InstanceInvalidState(Conflict):
    msg_fmt = ("Cannot '%(method)s' instance %(instance_uuid)s while it is in "
               "%(attr)s %(state)s")


class UnexpectedTaskStateError(Conflict):
    msg_fmt = ('Conflict updating instance %(instance_uuid)s. '
               'Expected: %(expected)s. Actual: %(actual)s')


class UnexpectedDeletingTaskStateError(UnexpectedTaskStateError):
    pass


class InstanceAgentNotEnabled(Conflict):
    msg_fmt = 'QEMU guest agent is not enabled'


class SetAdminPasswdNotSupported(Conflict):
    msg_fmt = 'Set admin password is not supported'


class InstancePasswordSetFailed(Conflict):
    msg_fmt = 'Failed to set admin password on %(instance)s because %(reason)s'


class MigrationStatusConflict(Conflict):
    msg_fmt = ('Migration %(migration_id)s is %(actual)s, not one of %(expected)s')


class TaskAlreadyRunning(Conflict):
    msg_fmt = 'Task %(task_name)s is already running on host %(host)s'


class InstanceNotReady(Conflict):
    msg_fmt = 'Instance %(instance_id)s is not ready'


# 501
class LiveMigrationAborted(CepheidException):
    msg_fmt = 'Live migration of instance %(instance_uuid)s was aborted'


class NotSupported(CepheidException):
    msg_fmt = '%(detail)s'
    code = 501


# 413 / 415
class RequestTooLarge(CepheidException):
    msg_fmt = 'Request is too large.'
    code = 413


class UnsupportedMediaType(CepheidException):
    msg_fmt = 'Unsupported Content-Type'
    code = 415


# 501
class NotImplementedYet(CepheidException):
    msg_fmt = '%(what)s is not implemented by Cepheid.'
    code = 501


# 503 and compute-side failures
class NoValidHost(CepheidException):
    msg_fmt = 'No valid host was found. %(reason)s'
    code = 503


class ServiceUnavailable(CepheidException):
    msg_fmt = 'Service unavailable: %(reason)s'
    code = 503


class HypervisorUnavailable(CepheidException):
    msg_fmt = 'Connection to the hypervisor is broken on host %(host)s'


class VirtDriverNotFound(CepheidException):
    msg_fmt = 'Could not load virt driver %(driver)s: %(reason)s'


class InstanceRebootFailure(CepheidException):
    msg_fmt = 'Failed to reboot instance: %(reason)s'


class InstancePowerOnFailure(CepheidException):
    msg_fmt = 'Failed to power on instance: %(reason)s'


class InstancePowerOffFailure(CepheidException):
    msg_fmt = 'Failed to power off instance: %(reason)s'


class InstanceSpawnFailure(CepheidException):
    msg_fmt = 'Failed to spawn instance: %(reason)s'


class ConsoleNotAvailable(NotFound):
    msg_fmt = 'Guest does not have a console available.'


class InstanceNotRunning(CepheidException):
    msg_fmt = 'Instance %(instance_uuid)s is not running.'


class InstanceDriverNotFound(CepheidException):
    """The hypervisor has no guest for this instance."""

    msg_fmt = 'Instance %(instance_uuid)s could not be found on the hypervisor.'


class VirtDriverError(CepheidException):
    msg_fmt = 'Hypervisor error: %(reason)s'


class ResizeError(VirtDriverError):
    msg_fmt = 'Resize error: %(reason)s'


class TaskNotRunning(NotFound):
    msg_fmt = 'Task %(task_name)s is not running on host %(host)s'


class InvalidRPCPayload(CepheidException):
    msg_fmt = 'Invalid RPC payload: %(reason)s'
    code = 400


class HostMismatch(Forbidden):
    msg_fmt = 'Host %(host)s may not report on instance %(instance_uuid)s'


class RequestAlreadyHandled(CepheidException):
    """A redelivered or stale message for a request whose event already finished."""

    msg_fmt = 'Request %(request_id)s already handled %(event)s on instance %(instance_uuid)s'
    code = 409


class InstanceGroupNotFound(NotFound):
    msg_fmt = 'Instance group %(group_uuid)s could not be found.'
