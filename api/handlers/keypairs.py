"""os-keypairs: list, create (generate or import), show and delete a user's key pairs.

Microversions: ``type`` (ssh or x509) from 2.2, with 201/204 instead of 200/202; an
admin's ``user_id`` (body or query) from 2.10; paging (limit/marker by name) from 2.35;
unknown query parameters refused from 2.75.
"""

import string

import flask

from cepheid.api import helpers
from cepheid.api import quota
from cepheid.api import validation
from cepheid.api.db import keypairs as db_keypairs
from cepheid.api.policies import keypairs as policies
from cepheid.api.schemas import keypairs as schemas
from cepheid.api.views import keypairs as views
from cepheid.common import exception

KEYPAIRS = policies.KEYPAIRS
SAFE_NAME_CHARS = frozenset('_- ' + string.digits + string.ascii_letters)


def _user_id(action, query_schema):
    """The key owner: ``?user_id=`` (2.10+, first value) or the caller; policy checked."""
    params = validation.validate_query(query_schema(helpers.version()), flask.request.args)
    user_id = None
    if helpers.version() >= '2.10' and params.get('user_id'):
        user_id = params['user_id'][0]
    user_id = user_id or helpers.context().user_id
    helpers.authorize(KEYPAIRS % action, {'user_id': user_id})
    return user_id


def index():
    user_id = _user_id('index', schemas.index_query_schema)
    version = helpers.version()
    limit = marker = None
    if version >= '2.35':
        limit, marker = helpers.query_limit(), flask.request.args.get('marker')
    with helpers.services().db.transaction() as session:
        rows = db_keypairs.get_all(session, user_id, limit=limit, marker=marker)
    body = {'keypairs': [views.index_item(r, version=version) for r in rows]}
    if limit is not None:
        links = helpers.next_links('os-keypairs', rows, limit, key='name')
        if links:
            body['keypairs_links'] = links
    return flask.jsonify(body)


def show(keypair_name):
    user_id = _user_id('show', schemas.item_query_schema)
    with helpers.services().db.transaction() as session:
        keypair = db_keypairs.get(session, user_id, keypair_name)
    return flask.jsonify({'keypair': views.show(keypair, version=helpers.version())})


def _notify(keypair, action, phase):
    notifier = getattr(helpers.services(), 'keypair_notifier', None)
    if notifier is not None:
        notifier.notify(helpers.context(), keypair, action, phase)


def delete(keypair_name):
    user_id = _user_id('delete', schemas.item_query_schema)
    with helpers.services().db.transaction() as session:
        keypair = db_keypairs.get(session, user_id, keypair_name)
    _notify(keypair, 'delete', 'start')
    with helpers.services().db.transaction() as session:
        db_keypairs.destroy(session, user_id, keypair_name)
    _notify(keypair, 'delete', 'end')
    return flask.Response(status=204 if helpers.version() >= '2.2' else 202)


def _material(params, user_id, key_type):
    """(public key, fingerprint, private key or None): imported or generated."""
    # Imported here: cryptography is ~11 MB of RSS that an api serving no key pairs never uses.
    from cepheid.api import crypto
    if 'public_key' in params:
        public_key = params['public_key']
        if key_type == 'x509':
            return public_key, crypto.x509_fingerprint(public_key), None
        return public_key, crypto.ssh_fingerprint(public_key), None
    if key_type == 'x509':
        private_key, public_key, fingerprint = crypto.generate_x509_cert(user_id)
    else:
        private_key, public_key, fingerprint = crypto.generate_ssh_key_pair()
    return public_key, fingerprint, private_key


def create():
    body = helpers.json_body()
    version = helpers.version()
    params = validation.validate(schemas.create_schema(version), body)['keypair']
    user_id = params.get('user_id') or helpers.context().user_id
    helpers.authorize(KEYPAIRS % 'create', {'user_id': user_id})
    name, key_type = params['name'], params.get('type', 'ssh')
    if set(name) - SAFE_NAME_CHARS:
        raise exception.InvalidKeypair(reason='Keypair name contains unsafe characters')
    services = helpers.services()
    with services.db.transaction() as session:
        if db_keypairs.exists(session, user_id, name):
            raise exception.KeyPairExists(key_name=name)
        quota.check_key_pairs(session, services.conf, helpers.context().project_id, user_id)
    action = 'import' if 'public_key' in params else 'create'
    _notify({'name': name, 'user_id': user_id, 'type': key_type,
             'public_key': params.get('public_key')}, action, 'start')
    public_key, fingerprint, private_key = _material(params, user_id, key_type)
    with helpers.services().db.transaction() as session:
        keypair = db_keypairs.create(session, {
            'name': name, 'user_id': user_id, 'type': key_type,
            'public_key': public_key, 'fingerprint': fingerprint})
    _notify(keypair, action, 'end')
    response = flask.jsonify({'keypair': views.created(keypair, version=version,
                                                       private_key=private_key)})
    response.status_code = 201 if version >= '2.2' else 200
    return response


def owned_key_name(key_name):
    """``key_name`` when the caller owns that key pair; KeypairNotFound otherwise."""
    user_id = helpers.context().user_id
    with helpers.services().db.transaction() as session:
        return db_keypairs.get(session, user_id, key_name)['name']


def key_name_for_server(key_name):
    """``key_name`` of POST /servers when the caller owns that key pair; else 400."""
    if key_name is None:
        return None
    try:
        return owned_key_name(key_name)
    except exception.KeypairNotFound as exc:
        raise exception.ValidationError(detail=exc.format_message()) from exc
