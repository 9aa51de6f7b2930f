"""Versioned ``keypair.create|import|delete.start|end`` notifications (KeypairPayload 1.0)."""

from cepheid.api import flavor_notifications


def payload(keypair):
    return {
        'nova_object.name': 'KeypairPayload', 'nova_object.namespace': 'nova',
        'nova_object.version': '1.0',
        'nova_object.data': {
            'user_id': keypair['user_id'], 'name': keypair['name'],
            'fingerprint': keypair.get('fingerprint'), 'public_key': keypair.get('public_key'),
            'type': keypair['type'],
        },
    }


class KeypairNotifier(flavor_notifications.VersionedNotifier):
    """``notify(context, keypair, 'create'|'import'|'delete', 'start'|'end')``; a key pair
    not made yet has no fingerprint (nor, when generated, a public key), as in Nova."""

    def notify(self, context, keypair, action, phase):
        self.send(context, f'keypair.{action}.{phase}', payload(keypair))
