#!/usr/bin/env bash
# Devstack plugin for Cepheid: install, configure, initialise, start and stop cepheid-api and
# cepheid-compute. Devstack sources this file once per phase with the phase as arguments
# ("stack install", "stack post-config", "stack extra", "unstack", "clean"), in its own
# shell: no `set -euo pipefail` here, devstack decides errexit/nounset.

_XTRACE_CEPHEID=$(set +o | grep xtrace)
set -o xtrace

function cepheid_url {
    echo "$CEPHEID_SERVICE_PROTOCOL://$CEPHEID_SERVICE_HOST:$CEPHEID_SERVICE_PORT/v2.1"
}

function install_cepheid {
    local extras=postgresql
    is_service_enabled keystone && extras+=,keystone
    [[ $CEPHEID_COMPUTE_DRIVER == libvirt ]] && extras+=,libvirt
    setup_develop "$CEPHEID_DIR" "$extras"
}

# The api service: RabbitMQ, the database, the REST listener and the auth strategy.
function configure_cepheid_api {
    rm -f "$CEPHEID_CONF"
    iniset "$CEPHEID_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$CEPHEID_CONF" DEFAULT executor "$CEPHEID_EXECUTOR"
    iniset_rpc_backend cepheid "$CEPHEID_CONF"
    iniset "$CEPHEID_CONF" database connection "$(database_connection_url cepheid)"
    iniset "$CEPHEID_CONF" api listen "$CEPHEID_SERVICE_LISTEN_ADDRESS"
    iniset "$CEPHEID_CONF" api port "$CEPHEID_SERVICE_PORT"
    iniset "$CEPHEID_CONF" api workers "$CEPHEID_API_WORKERS"
    if is_service_enabled keystone; then
        iniset "$CEPHEID_CONF" api auth_strategy keystone
        configure_keystone_authtoken_middleware "$CEPHEID_CONF" cepheid
    else
        iniset "$CEPHEID_CONF" api auth_strategy noauth2
    fi
}

# A compute: RabbitMQ, its host name and driver; no database options at all.
function configure_cepheid_compute {
    rm -f "$CEPHEID_COMPUTE_CONF"
    iniset "$CEPHEID_COMPUTE_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$CEPHEID_COMPUTE_CONF" DEFAULT executor "$CEPHEID_EXECUTOR"
    iniset "$CEPHEID_COMPUTE_CONF" DEFAULT host "$CEPHEID_COMPUTE_HOST"
    iniset "$CEPHEID_COMPUTE_CONF" DEFAULT compute_driver "$CEPHEID_COMPUTE_DRIVER"
    iniset_rpc_backend cepheid "$CEPHEID_COMPUTE_CONF"
    if [[ $CEPHEID_COMPUTE_DRIVER == libvirt ]]; then
        iniset "$CEPHEID_COMPUTE_CONF" libvirt virt_type "${LIBVIRT_TYPE:-qemu}"
        iniset "$CEPHEID_COMPUTE_CONF" libvirt instances_path "$CEPHEID_STATE_PATH/instances"
    fi
}

function configure_cepheid {
    sudo install -d -o "$STACK_USER" "$CEPHEID_CONF_DIR" "$CEPHEID_STATE_PATH"
    is_service_enabled cepheid-api && configure_cepheid_api
    is_service_enabled cepheid-compute && configure_cepheid_compute
    return 0
}

# Keystone: a service user for auth_token, and the catalog entry when Nova is not there.
function create_cepheid_accounts {
    is_service_enabled keystone && is_service_enabled cepheid-api || return 0
    create_service_user cepheid admin
    if ! is_service_enabled n-api; then
        get_or_create_service cepheid compute "Cepheid compute service"
        get_or_create_endpoint compute "$REGION_NAME" "$(cepheid_url)"
    fi
}

function init_cepheid {
    is_service_enabled cepheid-api || return 0
    recreate_database cepheid
    "$CEPHEID_BIN_DIR/cepheid-manage" --config-file "$CEPHEID_CONF" db sync
}

function start_cepheid {
    if is_service_enabled cepheid-api; then
        run_process cepheid-api "$CEPHEID_BIN_DIR/cepheid-api --config-file $CEPHEID_CONF"
        wait_for_service "$SERVICE_TIMEOUT" "$(cepheid_url)/" ||
            die $LINENO "cepheid-api did not start"
    fi
    run_process cepheid-compute \
        "$CEPHEID_BIN_DIR/cepheid-compute --config-file $CEPHEID_COMPUTE_CONF"
}

function stop_cepheid {
    stop_process cepheid-compute
    stop_process cepheid-api
}

function cleanup_cepheid {
    sudo rm -rf "$CEPHEID_CONF_DIR" "$CEPHEID_STATE_PATH"
}

if is_service_enabled cepheid-api cepheid-compute; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing Cepheid"
        install_cepheid
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring Cepheid"
        configure_cepheid
        create_cepheid_accounts
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Initialising and starting Cepheid"
        init_cepheid
        start_cepheid
    fi
    if [[ "$1" == "unstack" ]]; then
        stop_cepheid
    fi
    if [[ "$1" == "clean" ]]; then
        cleanup_cepheid
    fi
fi

$_XTRACE_CEPHEID
