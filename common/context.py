"""The request context: who asks (user, project, roles) and the request ids, on and off the bus."""

import copy

from oslo_context import context as oslo_context


class RequestContext(oslo_context.RequestContext):
    """oslo.context's RequestContext; ``is_admin`` follows the ``admin`` role by default."""

    def __init__(self, *args, remote_address=None, **kwargs):
        self.remote_address = remote_address
        roles = kwargs.get('roles') or []
        if kwargs.get('is_admin') is None:
            kwargs['is_admin'] = 'admin' in roles
        super().__init__(*args, **kwargs)

    @classmethod
    def from_dict(cls, values):
        return super().from_dict(values, is_admin=values.get('is_admin'))

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
