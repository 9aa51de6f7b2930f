"""Instance notifications in Nova's formats: versioned payloads (``payloads``), legacy
payloads (``legacy``) and the notifier that sends them (``notifier``)."""

from cepheid.common.notifications.legacy import legacy_payload  # noqa: F401
from cepheid.common.notifications.notifier import InstanceNotifier  # noqa: F401
from cepheid.common.notifications.payloads import exception_payload  # noqa: F401
from cepheid.common.notifications.payloads import flavor_payload  # noqa: F401
from cepheid.common.notifications.payloads import format_time  # noqa: F401
from cepheid.common.notifications.payloads import instance_action_payload  # noqa: F401
from cepheid.common.notifications.payloads import instance_create_payload  # noqa: F401
from cepheid.common.notifications.payloads import payload_for  # noqa: F401
