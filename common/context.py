"""The request context: who asks (user, project, roles) and the request ids, on and off the bus."""

import copy
import datetime
import re

from oslo_context import context as oslo_context
from oslo_utils import timeutils

#: Nova's time format for the context ``timestamp`` (its ``utils.strtime``).
_STRTIME = '%Y-%m-%dT%H:%M:%S.%f'
#: Exactly what ``_STRTIME`` writes for years 1000-9999: such a string is read by
#: ``datetime.fromisoformat`` (a C parser, ~40x cheaper than ``strptime``) to the same value.
_STRTIME_SHAPE = re.compile(r'[1-9]\d{3}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}')


def parse_timestamp(text):
    """A context ``timestamp`` as sent on the bus (``_STRTIME``) back to a naive datetime."""
    if _STRTIME_SHAPE.fullmatch(text):
        return datetime.datetime.fromisoformat(text)
    return timeutils.parse_strtime(text, _STRTIME)


def format_timestamp(moment):
    """``moment.strftime(_STRTIME)``, by the cheaper ``isoformat`` where both agree."""
    if moment.tzinfo is None and moment.year >= 1000:
        return moment.isoformat(timespec='microseconds')
    return moment.strftime(_STRTIME)


class RequestContext(oslo_context.RequestContext):
    """oslo.context's RequestContext; ``is_admin`` follows the ``admin`` role by default."""

    def __init__(self, *args, remote_address=None, timestamp=None, read_deleted='no',
                 quota_class=None, service_catalog=None, **kwargs):
        self.remote_address = remote_address
        self.timestamp = timeutils.utcnow() if timestamp is None else timestamp
        if isinstance(self.timestamp, str):
            self.timestamp = parse_timestamp(self.timestamp)
        self.read_deleted = read_deleted
        self.quota_class = quota_class
        self.service_catalog = service_catalog or []
        roles = kwargs.get('roles') or []
        if kwargs.get('is_admin') is None:
            kwargs['is_admin'] = 'admin' in roles
        super().__init__(*args, **kwargs)

    def to_dict(self):
        """oslo.context's keys plus those Nova's ``RequestContext.to_dict()`` adds."""
        values = super().to_dict()
        values.update({
            'user_id': self.user_id, 'project_id': self.project_id,
            'is_admin': self.is_admin, 'read_deleted': self.read_deleted,
            'remote_address': self.remote_address,
            'timestamp': format_timestamp(self.timestamp),
            'request_id': self.request_id, 'quota_class': self.quota_class,
            'user_name': self.user_name, 'service_catalog': self.service_catalog,
            'project_name': self.project_name,
            'is_admin_project': getattr(self, 'is_admin_project', True),
        })
        return values

    @classmethod
    def from_dict(cls, values):
        return super().from_dict(
            values, user_id=values.get('user_id'), project_id=values.get('project_id'),
            is_admin=values.get('is_admin'), remote_address=values.get('remote_address'),
            timestamp=values.get('timestamp'),
            read_deleted=values.get('read_deleted', 'no'),
            quota_class=values.get('quota_class'),
            service_catalog=values.get('service_catalog'))

    def elevated(self):
        """Return a copy with the admin role, for service-internal work."""
        ctx = copy.copy(self)
        ctx.roles = list(set(self.roles) | {'admin'})
        ctx.is_admin = True
        return ctx

    def to_policy_values(self):
        values = super().to_policy_values()
        values['project_id'] = self.project_id
        values['user_id'] = self.user_id
        return values


def get_admin_context(request_id=None):
    """A context for service-internal work (start-up recovery, periodic tasks)."""
    kwargs = {'roles': ['admin'], 'is_admin': True, 'overwrite': False}
    if request_id:
        kwargs['request_id'] = request_id
    return RequestContext(**kwargs)
