"""Key pair views: ``type`` from 2.2; show adds the record's id and times."""

from cepheid.api.views import formats


def _base(keypair, version):
    view = {'name': keypair['name'], 'public_key': keypair['public_key'],
            'fingerprint': keypair['fingerprint']}
    if version >= '2.2':
        view['type'] = keypair['type']
    return view


def index_item(keypair, *, version):
    return {'keypair': _base(keypair, version)}


def created(keypair, *, version, private_key=None):
    view = dict(_base(keypair, version), user_id=keypair['user_id'])
    if private_key is not None:
        view['private_key'] = private_key
    return view


def show(keypair, *, version):
    return dict(_base(keypair, version), user_id=keypair['user_id'], id=keypair['id'],
                created_at=formats.perfect_time(keypair['created_at']),
                updated_at=formats.perfect_time(keypair.get('updated_at')),
                deleted=False, deleted_at=None)
