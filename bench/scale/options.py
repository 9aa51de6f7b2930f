"""The config options a scale run sets from the command line (``--api-set``, and
``--host-set`` for the hosts)."""


def api_settings(settings):
    """``(group, name, value)`` of each ``GROUP.NAME=VALUE`` (a name alone: ``DEFAULT``)."""
    parsed = []
    for setting in settings:
        key, sep, value = setting.partition('=')
        group, _, name = key.rpartition('.')
        if not sep or not name:
            raise SystemExit(f'--api-set {setting!r}: expected GROUP.NAME=VALUE')
        parsed.append((group or 'DEFAULT', name, value))
    return parsed
