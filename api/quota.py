"""Nova's quotas, counted from the database: defaults ([quota] options), the limits set
per project or per user (os-quota-sets), usage, and the checks that refuse with 403.

Limits apply to a user as the user's own row, else the project's, else the default;
-1 is unlimited. Counted: instances, cores, ram, key_pairs (per user), server_groups,
server_group_members (per group) and metadata_items (per server). The injected-file and
network resources are only shown (Cepheid has no personality files or networks to count).
"""

from cepheid.api.db import quotas as db_quotas
from cepheid.api.db import server_groups as db_groups
from cepheid.api.schemas import quota_sets as schemas
from cepheid.common import quota_exceptions

COUNTED, INJECTED, NETWORK = schemas.COUNTED, schemas.INJECTED, schemas.NETWORK
resources = schemas.resources


def defaults(conf):
    values = {name: getattr(conf.quota, name) for name in COUNTED + INJECTED[:2]}
    values['injected_file_path_bytes'] = conf.quota.injected_file_path_length
    values.update(dict.fromkeys(NETWORK, -1))
    return values


def limits(session, conf, project_id, user_id=None):
    """{resource: limit} in force for the project, or for ``user_id`` in it."""
    values = defaults(conf)
    values.update(db_quotas.get_limits(session, project_id))
    if user_id:
        values.update(db_quotas.get_limits(session, project_id, user_id))
    return values


def usage(session, project_id, user_id=None):
    """{resource: in use} of the counted resources (others 0)."""
    used = dict.fromkeys(COUNTED + INJECTED + NETWORK, 0)
    used.update(db_quotas.instance_usage(session, project_id, user_id))
    used['server_groups'] = db_groups.count(session, project_id, user_id)
    if user_id:
        used['key_pairs'] = db_quotas.key_pair_count(session, user_id)
    return used


def _over(limit, used, requested):
    return limit >= 0 and used + requested > limit


def check_instances(session, conf, ctx, *, count, vcpus, ram):
    """Refuse (403, Nova's text) ``count`` more servers of this size over the project's or
    the user's instances, cores or ram quota."""
    wanted = {'instances': count, 'cores': count * vcpus, 'ram': count * ram}
    for user_id in (None, ctx.user_id):
        allowed = limits(session, conf, ctx.project_id, user_id)
        used = db_quotas.instance_usage(session, ctx.project_id, user_id)
        overs = [r for r in wanted if _over(allowed[r], used[r], wanted[r])]
        if overs:
            first = overs[0]
            raise quota_exceptions.TooManyInstances(
                overs=', '.join(overs), req=wanted[first], used=used[first],
                allowed=allowed[first])


def check_resize(session, conf, instance, *, vcpus, ram):
    """Refuse (403) a resize whose extra cores or RAM (``vcpus``/``ram``: new minus old;
    a smaller flavor is never refused) goes over the quota of the instance's project or
    user (as Nova, whoever asks: an admin resizing another project's server too)."""
    wanted = {'cores': max(vcpus, 0), 'ram': max(ram, 0)}
    if not any(wanted.values()):
        return
    project_id = instance['project_id']
    for user_id in (None, instance['user_id']):
        allowed = limits(session, conf, project_id, user_id)
        used = db_quotas.instance_usage(session, project_id, user_id)
        overs = [r for r in wanted if wanted[r] and _over(allowed[r], used[r], wanted[r])]
        if overs:
            first = overs[0]
            raise quota_exceptions.TooManyInstances(
                overs=', '.join(overs), req=wanted[first], used=used[first],
                allowed=allowed[first])


def allowed_count(session, conf, ctx, *, min_count, max_count, vcpus, ram):
    """The most servers (min..max) the quotas allow; TooManyInstances below min_count."""
    for count in range(max_count, min_count, -1):
        try:
            check_instances(session, conf, ctx, count=count, vcpus=vcpus, ram=ram)
            return count
        except quota_exceptions.TooManyInstances:
            continue
    check_instances(session, conf, ctx, count=min_count, vcpus=vcpus, ram=ram)
    return min_count


def check_metadata(session, conf, project_id, metadata):
    allowed = limits(session, conf, project_id)['metadata_items']
    if _over(allowed, 0, len(metadata)):
        raise quota_exceptions.MetadataLimitExceeded(allowed=allowed)


def check_key_pairs(session, conf, project_id, user_id):
    allowed = limits(session, conf, project_id, user_id)['key_pairs']
    if _over(allowed, db_quotas.key_pair_count(session, user_id), 1):
        raise quota_exceptions.KeypairLimitExceeded()


def check_server_groups(session, conf, project_id, user_id):
    for uid in (None, user_id):
        allowed = limits(session, conf, project_id, uid)['server_groups']
        if _over(allowed, db_groups.count(session, project_id, uid), 1):
            raise quota_exceptions.ServerGroupLimitExceeded()


def check_group_members(session, conf, group, adding):
    allowed = limits(session, conf, group['project_id'],
                     group['user_id'])['server_group_members']
    if _over(allowed, len(group['members']), adding):
        raise quota_exceptions.GroupMemberLimitExceeded()
