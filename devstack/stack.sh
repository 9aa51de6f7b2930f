#!/usr/bin/env bash
# A local multi-host Cepheid stack on one machine, without devstack: one cepheid-api
# (several workers) and N cepheid-compute processes (hosts compute1..N) over the local
# RabbitMQ and PostgreSQL. Configs, logs and pids live in $CEPHEID_STACK_DIR
# (default /tmp/cepheid-stack); devstack/unstack.sh stops exactly what this started.
set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=$(realpath -m "${CEPHEID_STACK_DIR:-/tmp/cepheid-stack}")
PYTHON=${CEPHEID_PYTHON:-python3}
PG=${CEPHEID_STACK_PG:-postgres@127.0.0.1:5432}        # user@host:port, trust auth
RABBIT=${CEPHEID_STACK_RABBIT:-guest:guest@127.0.0.1:5672}   # or rabbit://user:pass@host:port/
RABBIT_NODE=${CEPHEID_STACK_RABBIT_NODE:-}                    # rabbitmqctl -n; see lib/rabbit.sh
DB_NAME=${CEPHEID_STACK_DB:-cepheid_stack}
VHOST=${CEPHEID_STACK_VHOST:-$DB_NAME}
PORT=${CEPHEID_STACK_PORT:-8774}
COMPUTES=2
DRIVER=fake
API_WORKERS=2
EXECUTOR=threading
REPLACE=0
WAIT_SECONDS=90

usage() {
    cat <<EOF
usage: $0 [--computes N] [--driver fake|libvirt|<class>] [--port P] [--api-workers N]
          [--executor threading|eventlet] [--rabbit URL] [--rabbit-node NODE] [--replace]
Environment: CEPHEID_STACK_DIR ($STACK_DIR), CEPHEID_STACK_DB ($DB_NAME),
  CEPHEID_STACK_VHOST, CEPHEID_STACK_PORT, CEPHEID_PYTHON ($PYTHON), CEPHEID_STACK_PG ($PG),
  CEPHEID_STACK_RABBIT (--rabbit: user:pass@host:port or rabbit://...),
  CEPHEID_STACK_RABBIT_NODE (--rabbit-node: the node rabbitmqctl addresses with -n;
  default: the local default node, or rabbit@<host> for a broker on another host).
EOF
}

parse_args() {
    while (($#)); do
        case $1 in
            --computes) COMPUTES=$2; shift ;;
            --driver) DRIVER=$2; shift ;;
            --port) PORT=$2; shift ;;
            --api-workers) API_WORKERS=$2; shift ;;
            --executor) EXECUTOR=$2; shift ;;
            --rabbit) RABBIT=$2; shift ;;
            --rabbit-node) RABBIT_NODE=$2; shift ;;
            --replace) REPLACE=1 ;;
            -h|--help) usage; exit 0 ;;
            *) usage >&2; exit 2 ;;
        esac
        shift
    done
    [[ $COMPUTES =~ ^[1-9][0-9]*$ ]] || { echo "--computes needs a positive number" >&2; exit 2; }
    rabbit_parse
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# shellcheck source=devstack/lib/pids.sh
source "$TOP/devstack/lib/pids.sh"
# shellcheck source=devstack/lib/rabbit.sh
source "$TOP/devstack/lib/rabbit.sh"

refuse_if_running() {
    local running
    running=$(running_services "$STACK_DIR")
    [[ -z $running ]] && return 0
    if ((REPLACE)); then
        echo "replacing the running stack in $STACK_DIR"
        "$TOP/devstack/unstack.sh"
        return 0
    fi
    echo "A Cepheid stack is already running from $STACK_DIR:" >&2
    printf '  %s\n' "${running//$'\n'/$'\n  '}" >&2
    echo "Stop it with devstack/unstack.sh, or run again with --replace." >&2
    exit 1
}

check_python() {
    "$PYTHON" -c 'import cepheid.api.cmd, psycopg' 2>/dev/null && return 0
    echo "$PYTHON cannot import cepheid with PostgreSQL support: pip install -e '.[postgresql]'" \
         "or set CEPHEID_PYTHON" >&2
    exit 1
}

port_free() {
    ! timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
}

create_database() {
    psql -q "postgresql://$PG/postgres" -v ON_ERROR_STOP=1 \
        -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" -c "CREATE DATABASE $DB_NAME" \
        >/dev/null 2>&1 || { echo "cannot (re)create database $DB_NAME on $PG" >&2; exit 1; }
}

transport_url() {
    if [[ $VHOST == / ]]; then echo "rabbit://$RABBIT/"; else echo "rabbit://$RABBIT/$VHOST"; fi
}

write_configs() {
    mkdir -p "$STACK_DIR/logs"
    local common
    common="transport_url = $(transport_url)
control_exchange = $DB_NAME
executor = $EXECUTOR"
    cat >"$STACK_DIR/api.conf" <<EOF
[DEFAULT]
host = api
$common

[api]
auth_strategy = noauth2
listen = 127.0.0.1
port = $PORT
workers = $API_WORKERS

[database]
connection = postgresql+psycopg://$PG/$DB_NAME
EOF
    local i
    for ((i = 1; i <= COMPUTES; i++)); do
        cat >"$STACK_DIR/compute$i.conf" <<EOF
[DEFAULT]
host = compute$i
$common
compute_driver = $DRIVER

[libvirt]
instances_path = $STACK_DIR/instances/compute$i
EOF
    done
    {
        printf 'DB_NAME=%q\nVHOST=%q\nPG=%q\nPORT=%q\nRABBIT_NODE=%q\n' "$DB_NAME" "$VHOST" \
            "$PG" "$PORT" "${RABBIT_NODE:-}"
    } >"$STACK_DIR/stack.env"
}

start_service() {  # name module
    setsid "$PYTHON" -m "$2" --config-file "$STACK_DIR/$1.conf" \
        </dev/null >>"$STACK_DIR/logs/$1.log" 2>&1 &
    echo "$1 $!" >>"$STACK_DIR/pids"
}

endpoint() { echo "http://127.0.0.1:$PORT/v2.1"; }

api_answers() {
    curl -fsS -m 2 -o /dev/null "$(endpoint)/" 2>/dev/null
}

computes_up() {
    curl -fsS -m 2 -H 'X-Auth-Token: admin:admin' "$(endpoint)/os-services" 2>/dev/null |
        "$PYTHON" -c '
import json, sys
want = {f"compute{i}" for i in range(1, int(sys.argv[1]) + 1)}
up = {s["host"] for s in json.load(sys.stdin)["services"]
      if s["binary"] == "cepheid-compute" and s["state"] == "up"}
sys.exit(0 if want <= up else 1)' "$COMPUTES"
}

wait_for() {  # what command...
    local what=$1 deadline=$((SECONDS + WAIT_SECONDS))
    shift
    until "$@"; do
        if ((SECONDS >= deadline)) || [[ -z $(running_services "$STACK_DIR") ]]; then
            echo "$what: not reached in ${WAIT_SECONDS}s; last log lines:" >&2
            tail -n 15 "$STACK_DIR"/logs/*.log >&2 || true
            "$TOP/devstack/unstack.sh" >&2 || true
            exit 1
        fi
        sleep 0.2
    done
}

write_clouds_yaml() {
    cat >"$STACK_DIR/clouds.yaml" <<EOF
# noauth2: the token 'user:project' is trusted as is; 'admin' gets the admin role.
clouds:
  cepheid:
    auth_type: admin_token
    auth:
      endpoint: $(endpoint)
      token: admin:admin
    compute_api_version: '2.90'
    region_name: RegionOne
EOF
}

main() {
    parse_args "$@"
    local started
    started=$(now)
    refuse_if_running
    check_python
    port_free || { echo "port $PORT is in use: pick another with --port" >&2; exit 1; }
    "$TOP/tools/ensure-services.sh" >/dev/null
    create_database
    rabbit_create_vhost
    rm -f "$STACK_DIR/pids"
    write_configs
    "$PYTHON" -m cepheid.api.manage --config-file "$STACK_DIR/api.conf" db sync \
        >>"$STACK_DIR/logs/manage.log" 2>&1
    start_service api cepheid.api.cmd
    wait_for "cepheid-api answering on $(endpoint)" api_answers
    local i
    for ((i = 1; i <= COMPUTES; i++)); do
        start_service "compute$i" cepheid.compute.cmd
    done
    wait_for "$COMPUTES computes up in /os-services" computes_up
    write_clouds_yaml
    cat <<EOF
Cepheid stack up in $(elapsed "$started") s: api ($API_WORKERS workers) + $COMPUTES computes \
(driver $DRIVER, executor $EXECUTOR)
Compute endpoint: $(endpoint)   (noauth2: X-Auth-Token: admin:admin or user:project)
State, configs, logs: $STACK_DIR   Stop: devstack/unstack.sh
clouds.yaml ($STACK_DIR/clouds.yaml; OS_CLIENT_CONFIG_FILE=$STACK_DIR/clouds.yaml OS_CLOUD=cepheid):
$(sed 's/^/  /' "$STACK_DIR/clouds.yaml")
EOF
}

main "$@"
