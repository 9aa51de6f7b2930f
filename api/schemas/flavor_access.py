"""JSON schemas of POST /flavors/{id}/action: addTenantAccess and removeTenantAccess."""


def _tenant_action(name):
    return {
        'type': 'object',
        'properties': {
            name: {
                'type': 'object',
                'properties': {'tenant': {'type': 'string', 'minLength': 1, 'maxLength': 255}},
                'required': ['tenant'],
                'additionalProperties': False,
            },
        },
        'required': [name],
        'additionalProperties': False,
    }


add_tenant_access = _tenant_action('addTenantAccess')
remove_tenant_access = _tenant_action('removeTenantAccess')
