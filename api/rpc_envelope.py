"""oslo.messaging's AMQP wire format, read and written without its RPC server.

An RPC message an ordinary ``RPCClient`` sends over RabbitMQ is the 2.0 envelope
``{"oslo.version": "2.0", "oslo.message": "<json>"}`` whose inner message holds
``method``, ``args``, ``version``, ``namespace``, the context as ``_context_<key>`` keys,
and for a call ``_msg_id``, ``_reply_q`` and ``_timeout`` (amqpdriver / amqp / common).
A call is answered on the default exchange with routing key ``_reply_q``: the envelope
of ``{"result", "failure", "ending": true, "_msg_id", "_unique_id"}``, ``failure`` being
oslo.messaging's own serialized exception, so the caller raises what it would have
raised had the RPC server answered (a Cepheid exception rebuilt, anything else a
RemoteError).
"""

import json
import uuid

from oslo_messaging._drivers import common as rpc_common
from oslo_serialization import jsonutils

ENVELOPE_VERSION = '2.0'
_CONTEXT = '_context_'


class Request:
    """One decoded RPC message: a call when ``msg_id`` and ``reply_q`` are set."""

    __slots__ = ('method', 'args', 'version', 'namespace', 'context', 'msg_id', 'reply_q')

    def __init__(self, method, args, version, namespace, context, msg_id, reply_q):
        self.method, self.args, self.version = method, args, version
        self.namespace, self.context = namespace, context
        self.msg_id, self.reply_q = msg_id, reply_q

    @property
    def is_call(self):
        return bool(self.msg_id and self.reply_q)


def decode(body):
    """The Request of a message body (the kombu-decoded dict, or its JSON), or None when
    it is no RPC message (no method, args not a dict, an unknown envelope version)."""
    if isinstance(body, (bytes, str)):
        body = json.loads(body)
    if not isinstance(body, dict):
        return None
    if 'oslo.message' in body:
        if body.get('oslo.version') != ENVELOPE_VERSION:
            return None
        body = json.loads(body['oslo.message'])
        if not isinstance(body, dict):
            return None
    method, args = body.get('method'), body.get('args') or {}
    if not isinstance(method, str) or not isinstance(args, dict):
        return None
    context = {k[len(_CONTEXT):]: v for k, v in body.items() if k.startswith(_CONTEXT)}
    return Request(method, args, str(body.get('version') or '1.0'), body.get('namespace'),
                   context, body.get('_msg_id'), body.get('_reply_q'))


def failure(exc):
    """``exc`` serialized as oslo.messaging serializes an RPC server's exception."""
    return rpc_common.serialize_remote_exception((type(exc), exc, exc.__traceback__))


def reply_body(msg_id, *, result=None, failure=None):
    """The envelope answering call ``msg_id`` with ``result`` or a serialized
    ``failure`` (see ``failure``), as oslo.messaging's AMQPIncomingMessage sends it."""
    msg = {'result': result, 'failure': failure, 'ending': True, '_msg_id': msg_id,
           '_unique_id': uuid.uuid4().hex}
    return {'oslo.version': ENVELOPE_VERSION, 'oslo.message': jsonutils.dumps(msg)}

