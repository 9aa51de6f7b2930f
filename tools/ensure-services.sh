#!/usr/bin/env bash
# Make sure RabbitMQ (127.0.0.1:5672), PostgreSQL (127.0.0.1:5432) and MariaDB (127.0.0.1:3306)
# answer; start them if not.
set -euo pipefail

answers() {  # host port
    timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

wait_for() {  # name host port seconds
    local i
    for ((i = 0; i < $4 * 2; i++)); do
        answers "$2" "$3" && { echo "$1 answers on $2:$3"; return 0; }
        sleep 0.5
    done
    echo "$1 does not answer on $2:$3 after $4 s" >&2
    return 1
}

start_rabbitmq() {
    # As the packaged script does (su rabbitmq), but with room for many connections: su resets
    # the soft limit to 1024 file descriptors, which ~800 AMQP connections exhaust (Mnesia then
    # fails to read its own files and the node stops serving vhosts).
    (cd /var/lib/rabbitmq && su rabbitmq -s /bin/sh -c \
        "ulimit -n \$(ulimit -Hn); /usr/lib/rabbitmq/bin/rabbitmq-server -detached") \
        || rabbitmq-server -detached || true
}

rabbitmq_serves() {  # the node answers and its database (vhosts) is readable
    timeout 30 rabbitmqctl -q list_vhosts >/dev/null 2>&1
}

if ! answers 127.0.0.1 5672; then
    echo "starting RabbitMQ"
    start_rabbitmq
elif command -v rabbitmqctl >/dev/null && ! rabbitmq_serves; then
    echo "RabbitMQ answers but cannot list its vhosts: restarting it"
    timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 || pkill -f 'beam.*rabbit@localhost' || true
    sleep 2
    start_rabbitmq
fi
if ! answers 127.0.0.1 5432; then
    echo "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! answers 127.0.0.1 3306; then
    echo "starting MariaDB"
    /etc/init.d/mariadb start >/dev/null || true
fi
wait_for RabbitMQ 127.0.0.1 5672 90
wait_for PostgreSQL 127.0.0.1 5432 60
wait_for MariaDB 127.0.0.1 3306 60
# RabbitMQ accepts TCP before it accepts AMQP logins: wait for a real answer.
if command -v rabbitmq-diagnostics >/dev/null; then
    timeout 90 bash -c 'until rabbitmq-diagnostics -q check_running >/dev/null 2>&1; do sleep 1; done'
fi
