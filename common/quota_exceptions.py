"""Quota refusals (403, Nova's texts): raised by the api's quota checks, never sent over RPC."""

from cepheid.common.exception import Forbidden


class QuotaExceeded(Forbidden):
    """A quota refusal (403); ``msg_fmt`` of the subclasses is Nova's text."""
    msg_fmt = 'Quota exceeded: code=%(code)s'


class TooManyInstances(QuotaExceeded):
    msg_fmt = ('Quota exceeded for %(overs)s: Requested %(req)s, but already used '
               '%(used)s of %(allowed)s %(overs)s')


class MetadataLimitExceeded(QuotaExceeded):
    msg_fmt = 'Maximum number of metadata items exceeds %(allowed)d'


class KeypairLimitExceeded(QuotaExceeded):
    msg_fmt = 'Quota exceeded, too many key pairs.'


class ServerGroupLimitExceeded(QuotaExceeded):
    msg_fmt = 'Quota exceeded, too many server groups.'


class GroupMemberLimitExceeded(QuotaExceeded):
    msg_fmt = 'Quota exceeded, too many servers in group'
