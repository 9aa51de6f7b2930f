"""``instance.exists`` (versioned) and ``compute.instance.exists`` (legacy): Nova's usage
notification of one instance over an audit period, sent by the instance usage audit."""

from cepheid.common.notifications import legacy
from cepheid.common.notifications import payloads


def versioned_payload(context, instance, begin, end):
    """InstanceExistsPayload 1.2: the InstancePayload plus the audit period."""
    data = payloads.instance_payload_data(context, instance)
    data['audit_period'] = payloads.versioned('AuditPeriodPayload', '1.0', {
        'audit_period_beginning': payloads.format_time(begin),
        'audit_period_ending': payloads.format_time(end)})
    data['bandwidth'] = []
    return payloads.versioned('InstanceExistsPayload', '1.2', data)


def legacy_payload(instance, begin, end):
    """Nova's ``notify_usage_exists`` payload: info_from_instance plus the period as
    ``str(datetime)``, no bandwidth and no image metadata (no image service)."""
    payload = legacy.info_from_instance(instance)
    payload.update(audit_period_beginning=str(payloads.to_datetime(begin)),
                   audit_period_ending=str(payloads.to_datetime(end)),
                   bandwidth={}, image_meta={})
    return payload
