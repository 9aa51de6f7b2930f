#!/usr/bin/env bash
# Stop the local Cepheid stack started by devstack/stack.sh: exactly the recorded pids whose
# command line still names this stack's config, computes first, the api last. With --purge
# also drop the stack's PostgreSQL database and RabbitMQ vhost.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=$(realpath -m "${CEPHEID_STACK_DIR:-/tmp/cepheid-stack}")
STOP_SECONDS=${CEPHEID_STACK_STOP_SECONDS:-20}
PURGE=0

# shellcheck source=devstack/lib/pids.sh
source "$TOP/devstack/lib/pids.sh"
# shellcheck source=devstack/lib/rabbit.sh
source "$TOP/devstack/lib/rabbit.sh"

stop_one() {  # name pid
    local deadline=$((SECONDS + STOP_SECONDS))
    kill -TERM "$2" 2>/dev/null || return 0
    while pid_matches "$STACK_DIR" "$1" "$2"; do
        if ((SECONDS >= deadline)); then
            echo "$1 (pid $2) ignored SIGTERM for ${STOP_SECONDS}s: SIGKILL"
            kill -KILL "$2" 2>/dev/null || true
            break
        fi
        sleep 0.1
    done
    echo "stopped $1 (pid $2)"
}

purge() {
    # shellcheck source=/dev/null
    source "$STACK_DIR/stack.env"
    psql -q "postgresql://$PG/postgres" -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" \
        >/dev/null 2>&1 || echo "warning: could not drop database $DB_NAME" >&2
    if [[ $VHOST != / ]]; then
        rabbit_ctl delete_vhost "$VHOST" >/dev/null 2>&1 ||
            echo "warning: could not delete RabbitMQ vhost $VHOST" >&2
    fi
    echo "dropped database $DB_NAME and vhost $VHOST"
}

main() {
    [[ ${1:-} == --purge ]] && PURGE=1
    if [[ ! -f $STACK_DIR/pids ]]; then
        echo "no Cepheid stack recorded in $STACK_DIR"
    else
        local name pid
        # Recorded api first, then computes: stop in reverse order.
        while read -r name pid; do
            stop_one "$name" "$pid"
        done < <(running_services "$STACK_DIR" | tac)
        rm -f "$STACK_DIR/pids"
    fi
    if ((PURGE)) && [[ -f $STACK_DIR/stack.env ]]; then
        purge
    fi
}

main "$@"
