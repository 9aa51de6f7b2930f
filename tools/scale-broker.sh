#!/bin/bash
# A private RabbitMQ node for `python -m bench scale` (never the shared one on 5672).
#
#   eval "$(tools/scale-broker.sh start [PORT])"   starts it and exports what the bench reads
#   tools/scale-broker.sh stop [PORT]
#
# The node listens on 127.0.0.1:PORT (default 5690), keeps its Mnesia and logs under
# /tmp/cepheid-scale-broker-PORT, may open 20,000 files (one per host connection and
# more) and runs no plugins (so no management port to collide with).
set -euo pipefail
action=${1:?start|stop}
port=${2:-5690}
base=/tmp/cepheid-scale-broker-$port
node=scale$port@localhost
export RABBITMQ_NODENAME=$node RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=$port
export RABBITMQ_DIST_PORT=$((port + 20000))
export RABBITMQ_MNESIA_BASE=$base/mnesia RABBITMQ_LOG_BASE=$base/log
export RABBITMQ_CONFIG_FILE=$base/rabbitmq RABBITMQ_ENABLED_PLUGINS_FILE=$base/enabled_plugins
case $action in
start)
    mkdir -p "$base/mnesia" "$base/log"
    echo "listeners.tcp.default = 127.0.0.1:$port" > "$base/rabbitmq.conf"
    echo '[].' > "$base/enabled_plugins"
    chown -R rabbitmq:rabbitmq "$base"
    ulimit -n 20000
    # As the rabbitmq user without PAM, in the background rather than with -detached:
    # the packaged wrapper's su and Erlang's -detached both leave the node with a soft
    # open-files limit of 1024.
    HOME=/var/lib/rabbitmq setsid setpriv --reuid rabbitmq --regid rabbitmq --init-groups \
        /usr/lib/rabbitmq/bin/rabbitmq-server > "$base/log/stdout" 2>&1 < /dev/null &
    for _ in $(seq 60); do   # until the node has registered with epmd and booted
        rabbitmqctl -q -n "$node" await_startup --timeout 60 >/dev/null 2>&1 && break
        sleep 1
    done
    pid=$(rabbitmqctl -q -n "$node" eval 'list_to_integer(os:getpid()).')
    echo "export CEPHEID_RABBIT_URL=rabbit://guest:guest@127.0.0.1:$port/"
    echo "export RABBITMQ_NODENAME=$node"
    echo "export CEPHEID_SCALE_BROKER_PIDS=$pid"
    ;;
stop)
    rabbitmqctl -q -n "$node" stop >/dev/null
    ;;
esac
