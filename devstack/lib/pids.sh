#!/usr/bin/env bash
# Recorded pids of a local Cepheid stack ("<name> <pid>" lines in $STACK_DIR/pids) and the
# check that a pid still runs the service we started: its command line must name
# "--config-file $STACK_DIR/<name>.conf", so a recycled pid is never signalled.

pid_matches() {  # stack_dir name pid
    local cmdline
    [[ -r /proc/$3/cmdline ]] || return 1
    cmdline=$(tr '\0' ' ' <"/proc/$3/cmdline" 2>/dev/null) || return 1
    [[ $cmdline == *"--config-file $1/$2.conf"* ]]
}

running_services() {  # stack_dir -> "<name> <pid>" lines of live, matching services
    local name pid
    [[ -f $1/pids ]] || return 0
    while read -r name pid; do
        [[ -n $pid ]] && pid_matches "$1" "$name" "$pid" && echo "$name $pid"
    done <"$1/pids"
    return 0
}
