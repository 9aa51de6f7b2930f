#!/usr/bin/env bash
# The broker of a local Cepheid stack. $RABBIT is "user:pass@host:port" or a rabbit:// URL
# (its vhost, if any, is ignored: the stack makes its own); $RABBIT_NODE is the RabbitMQ
# node that every rabbitmqctl call addresses with -n. Without it: the local default node
# when the broker is on this machine, else rabbit@<host>.

rabbit_parse() {  # normalizes RABBIT; sets RABBIT_USER, RABBIT_HOST and maybe RABBIT_NODE
    RABBIT=${RABBIT#rabbit://}
    RABBIT=${RABBIT%%/*}
    RABBIT_USER=${RABBIT%%:*}
    local hostport=${RABBIT##*@}
    RABBIT_HOST=${hostport%:*}
    RABBIT_HOST=${RABBIT_HOST#[}
    RABBIT_HOST=${RABBIT_HOST%]}
    if [[ -z ${RABBIT_NODE:-} ]]; then
        case $RABBIT_HOST in
            127.0.0.1|localhost|::1|"$(hostname -s)"|"$(hostname -f 2>/dev/null)") ;;
            *) RABBIT_NODE=rabbit@$RABBIT_HOST ;;
        esac
    fi
}

rabbit_ctl() {  # rabbitmqctl on $RABBIT_NODE (the default node when unset)
    local node=()
    [[ -n ${RABBIT_NODE:-} ]] && node=(-n "$RABBIT_NODE")
    rabbitmqctl "${node[@]}" -q "$@"
}

rabbit_describe() {
    echo "${RABBIT_NODE:-the default RabbitMQ node}"
}

# Queues are named after topics ('compute', 'cepheid-api'), not exchanges: a private vhost
# keeps this stack's messages away from any other Cepheid on the same broker. It is made
# afresh, like the database, so no message of an earlier stack is replayed.
rabbit_create_vhost() {  # (re)creates $VHOST; falls back to VHOST=/
    if command -v rabbitmqctl >/dev/null; then
        rabbit_ctl delete_vhost "$VHOST" >/dev/null 2>&1 || true
        if rabbit_ctl add_vhost "$VHOST" >/dev/null 2>&1 &&
                rabbit_ctl set_permissions -p "$VHOST" "$RABBIT_USER" '.*' '.*' '.*' \
                    >/dev/null 2>&1; then
            return 0
        fi
    fi
    echo "warning: cannot create RabbitMQ vhost $VHOST on $(rabbit_describe) (rabbitmqctl);" \
         "using '/'" >&2
    VHOST=/
}
