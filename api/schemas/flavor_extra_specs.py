"""JSON schemas of flavor extra specs: POST os-extra_specs and PUT os-extra_specs/{key}."""

import copy

from cepheid.api.schemas import parameter_types

# Values may be numbers too (Nova stores them as strings).
specs = copy.deepcopy(parameter_types.metadata)
specs['patternProperties']['^[a-zA-Z0-9-_:. ]{1,255}$']['type'] = ['string', 'number']

create = {
    'type': 'object',
    'properties': {'extra_specs': specs},
    'required': ['extra_specs'],
    'additionalProperties': False,
}

update = dict(copy.deepcopy(specs), minProperties=1, maxProperties=1)
