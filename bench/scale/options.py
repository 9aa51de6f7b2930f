"""The config options a bench run sets from the command line: ``--api-set`` (the scale
api's), ``--host-set`` (the scale hosts') and ``--compute-option`` (the speed bench's
computes)."""


def api_settings(settings, flag='--api-set'):
    """``(group, name, value)`` of each ``GROUP.NAME=VALUE`` (a name alone: ``DEFAULT``)."""
    parsed = []
    for setting in settings:
        key, sep, value = setting.partition('=')
        group, _, name = key.rpartition('.')
        if not sep or not name:
            raise SystemExit(f'{flag} {setting!r}: expected GROUP.NAME=VALUE')
        parsed.append((group or 'DEFAULT', name, value))
    return parsed


def default_settings(settings, flag):
    """``{name: value}`` of each ``NAME=VALUE``, all of them ``[DEFAULT]`` options."""
    parsed = {}
    for group, name, value in api_settings(settings, flag):
        if group != 'DEFAULT':
            raise SystemExit(f'{flag} {group}.{name}: only [DEFAULT] options')
        parsed[name] = value
    return parsed
