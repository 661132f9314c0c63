#!/bin/sh
# Evacuating a host from the console on the demo datacenter, in a real
# terminal (tmux): the hosts view's e plans it, Enter starts it, its
# dashboard follows it to the end, the host is then in maintenance and M
# ends that. Its own tmux server; killed at the end.
set -u
FERRY=${1:?usage: test_evac.sh path/to/ferry}
KEY_DELAY=0.2
. "$(dirname "$0")/lib.sh"
# the line of the screen that holds TEXT
line_of() { screen | grep -F -- "$1" | head -1; }
# wait_line TEXT WORD SECONDS DESC: poll until the line holding TEXT also
# holds WORD (a table row's cell)
wait_line() {
    i=0 n=$(waits "$3")
    while [ $i -lt $((n * 5)) ]; do
        case "$(line_of "$1")" in *"$2"*) ok "$4"; return 0 ;; esac
        sleep 0.2; i=$((i + 1))
    done
    no "$4 (no '$2' on the line of '$1' within $n s)"; return 1
}
start() { # name env...
    S=$1; shift
    tmux -L "$SOCK" -f "$TMP/tmux.conf" new-session -d -s "$S" -x 80 -y 24 \
        "env HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config-$S XDG_STATE_HOME=$TMP/state LANG=C.UTF-8 $* $FERRY --demo; echo EXIT=\$?; sleep 60"
}

start evac
wait_for "web-01" 10 "console starts"
keys 1; wait_for "Intel Xeon Gold" 5 "1 opens the hosts view"
wait_for "e evacuate" 5 "the hints offer e on the hosts view"
keys Down; wait_for " hv-02: simulated host" 5 "hv-02 selected"

# ---- the plan -----------------------------------------------------------------
keys e; wait_for "Evacuate hv-02: the plan" 30 "e plans the selected host's evacuation"
case "$(screen)" in
*"host empty in "*|*" move in "*) ok "the plan says when its moves end (the host empty then, or not)" ;;
*) no "the plan says when its moves end (the host empty then, or not)" ;;
esac
wait_for "DOWNTIME" 5 "the plan lists each move's predicted downtime"
wait_for "web-03" 5 "the plan lists hv-02's VMs"
wait_for "Enter start the evacuation" 5 "the hints say Enter starts it"
case "$(line_of " hv-02: the plan")" in
*policy*budget*) ok "the plan's header has the policy and the budget" ;;
*) no "the plan's header has the policy and the budget" ;;
esac

# ---- the dashboard to the end ---------------------------------------------------
keys Enter; wait_for "Evacuation of hv-02" 10 "Enter starts it: the evacuation's dashboard"
wait_for "evacuation of hv-02 started" 10 "the status line says it started and the host is in maintenance"
wait_for "PRED DT" 5 "the dashboard lists the moves with predicted and real downtime"
# the moves run through the queue in real time: as long as they take
wait_for "ended after" 900 "the evacuation ends, with its result"
case "$(screen)" in
*"hv-02 is empty"*|*"left on hv-02"*) ok "the result says the host is empty or which VMs are left" ;;
*) no "the result says the host is empty or which VMs are left" ;;
esac
wait_for "M end maintenance" 5 "once ended, the hints offer M"

# ---- the host in maintenance; M ends it -------------------------------------------
keys Escape; wait_for "Intel Xeon Gold" 5 "Esc goes back to the hosts view"
wait_line " hv-02 " " maint " 10 "the hosts view shows hv-02 in maintenance"
wait_for "hv-02: in maintenance" 5 "the detail line says hv-02 is in maintenance"
keys M; wait_for "hv-02: maintenance ended" 10 "M ends the maintenance"
wait_line " hv-02 " " up " 30 "the hosts view shows hv-02 up again"
keys q; wait_for "EXIT=0" 10 "quits"

finish
