#!/bin/sh
# The guided migration wizard and the queue on the demo datacenter, in a
# real terminal (tmux). Its own tmux server; killed at the end.
set -u
FERRY=${1:?usage: test_wizard.sh path/to/ferry}
KEY_DELAY=0.2
. "$(dirname "$0")/lib.sh"
# the line of the screen that holds TEXT
line_of() { screen | grep -F -- "$1" | head -1; }
start() { # name env...
    S=$1; shift
    tmux -L "$SOCK" -f "$TMP/tmux.conf" new-session -d -s "$S" -x 80 -y 24 \
        "env HOME=$TMP/home XDG_CONFIG_HOME=$TMP/config-$S XDG_STATE_HOME=$TMP/state LANG=C.UTF-8 $* $FERRY --demo; echo EXIT=\$?; sleep 60"
}
# :migrate VM opens the wizard on VM
migrate() { keys : m i g r a t e Space; for ch in $(echo "$1" | sed 's/./& /g'); do keys "$ch"; done; keys Enter; }

# ---- compute: an incompatible host, a compatible move that completes --------
start compute
wait_for "web-01" 10 "console starts"
migrate db-02
wait_for "step 1 of 5: Kind" 5 "the wizard opens on the kind step"
wait_for "move the running VM to another host" 5 "each kind is explained"
keys Enter; wait_for "step 2 of 5: Host" 5 "Enter goes to the destination host"
case "$(line_of " hv-04 ")" in
*error*CPU\ lacks\ avx512f*) ok "hv-04 is shown as an error with the missing CPU flag" ;;
*) no "hv-04 is shown as an error with the missing CPU flag" ;;
esac
case "$(line_of " hv-02 ")" in
*current*) ok "the VM's own host is marked current" ;;
*) no "the VM's own host is marked current" ;;
esac
wait_for "GiB" 2 "hosts show their free memory"
# hv-01, hv-02 (current), hv-03, hv-04: go to the last row and try it
keys Down Down Down Down Enter
wait_for "hv-04 cannot be chosen: hv-04's CPU" 5 "the incompatible host cannot be chosen, with its reason"
wait_for "step 2 of 5: Host" 2 "the wizard stays on the host step"
keys Up Up Up Up Enter
wait_for "step 3 of 5: Options" 5 "a compatible host leads to the options (no datastore step for compute)"
keys Enter; wait_for "step 4 of 5: Pre-flight" 5 "pre-flight"
wait_for "has every network the VM uses" 5 "pre-flight lists the checks"
wait_for "Prediction" 2 "pre-flight shows the prediction"
keys Enter; wait_for "step 5 of 5: Review" 5 "review"
wait_for "compute: hv-02 -> hv-01" 5 "review says what moves where"
wait_for "at once (priority normal)" 2 "review says it starts at once"
keys Enter; wait_for "Dirty rate vs bandwidth" 5 "Enter starts it and opens the dashboard"
wait_for "db-02: migration completed" 90 "the compute move completes"
keys 2; wait_for "done" 5 "the VM list shows it done"
keys q; wait_for "EXIT=0" 5 "quits"

# ---- storage, and a warning accepted ------------------------------------------
start storage
wait_for "web-01" 10 "console starts"
migrate web-01
keys Down
wait_for "storage   ok" 5 "storage is available for web-01"
keys Enter; wait_for "step 2 of 5: Datastore" 5 "storage skips the host step"
case "$(line_of "ds-shared ")" in
*current*) ok "the datastore the disks are on is marked current" ;;
*) no "the datastore the disks are on is marked current" ;;
esac
case "$(line_of "ds-ssd-02 ")" in
*error*) ok "a datastore hv-01 cannot see is an error" ;;
*) no "a datastore hv-01 cannot see is an error" ;;
esac
# ds-shared (current), ds-ssd-01, ...: the cursor starts on the first usable
keys Up Enter; wait_for "ds-shared cannot be chosen: every disk of web-01 is already on ds-shared" 5 "the current datastore cannot be chosen"
keys Down Enter
wait_for "destination datastore: ds-ssd-01" 5 "ds-ssd-01 chosen"
wait_for "step 3 of 5: Options" 5 "options"
keys Enter; wait_for "step 4 of 5: Pre-flight" 5 "pre-flight"
wait_for "datastore ds-ssd-01 has" 5 "pre-flight checks the datastore's space"
keys Enter; wait_for "step 5 of 5: Review" 5 "review"
wait_for "storage: disks ds-shared -> ds-ssd-01" 5 "review names the datastores"
keys Enter; wait_for "web-01: migration completed" 90 "the storage move completes"
keys Escape 3; wait_for "ds-ssd-01" 5 "datastores view"

# a move that does not converge: a warning that can be accepted
keys 2; migrate cache-01
keys Enter Enter Enter
wait_for "step 4 of 5: Pre-flight" 5 "cache-01 pre-flight"
wait_for "does not converge" 5 "the prediction says it does not converge"
wait_for "-> " 2 "pre-flight says what would make it work"
keys Enter; wait_for "1 warning: accept and go on? (y/n)" 5 "a warning asks before going on"
keys n; wait_for "step 4 of 5: Pre-flight" 2 "n stays on pre-flight"
keys Enter y; wait_for "step 5 of 5: Review" 5 "y accepts the warning"
wait_for "1 warning accepted" 2 "review counts the accepted warning"
# Esc asks before discarding
keys Escape; wait_for "discard this migration of cache-01?" 5 "Esc asks before discarding"
keys n; wait_for "step 5 of 5: Review" 2 "n keeps the wizard"
keys Escape y; wait_for "migration of cache-01 not started" 5 "y discards"
keys q; wait_for "EXIT=0" 5 "quits"

# ---- both, invalid values, back and forth keep the choices -------------------
start both
wait_for "web-01" 10 "console starts"
migrate idle-01
keys Down Down; wait_for "both      ok" 5 "both is available"
keys Enter; wait_for "step 2 of 6: Host" 5 "both: host step"
keys Up Up Up Enter   # hv-01
wait_for "step 3 of 6: Datastore" 5 "both: datastore step"
case "$(line_of "ds-ssd-02 ")" in
*error*hv-01*|*error*) ok "a datastore hv-01 cannot see is an error for both" ;;
*) no "a datastore hv-01 cannot see is an error for both" ;;
esac
keys Up Up Up Down Enter   # ds-ssd-01
wait_for "step 4 of 6: Options" 5 "both: options"
keys Down BSpace BSpace BSpace BSpace BSpace BSpace BSpace x y z
wait_for "invalid: downtime budget" 5 "an invalid budget is refused as typed"
keys Enter; wait_for "step 4 of 6: Options" 2 "Enter does not leave options while a value is invalid"
keys BSpace BSpace BSpace 7 0 0 m s
wait_for "[700ms_]" 30 "the budget is typed"
gone "invalid:" 30 "a valid budget clears the message"
keys Down 5 G b i t
wait_for "[5Gbit_]" 2 "a bandwidth cap is typed with units"
keys BSpace BSpace BSpace BSpace BSpace BSpace 1 0 k
wait_for "invalid: bandwidth cap" 2 "an invalid bandwidth is refused"
keys BSpace BSpace BSpace 8 0 0 M i B / s
wait_for "[800MiB/s_]" 30 "the cap is typed"
gone "invalid:" 30 "800MiB/s is accepted"
keys Down Down Right   # allow post-copy: yes -> no
keys Down Down Right   # priority normal -> high
wait_for "< high >" 2 "priority changes with Right"
keys Enter; wait_for "step 5 of 6: Pre-flight" 5 "both: pre-flight"
keys BTab; wait_for "[700ms" 5 "back to options keeps the typed budget"
wait_for "[800MiB/s]" 2 "and the bandwidth cap"
keys BTab; wait_for "step 3 of 6: Datastore" 5 "back to the datastore step"
case "$(line_of "ds-ssd-01 ")" in
\**) ok "the chosen datastore is still marked" ;;
*) no "the chosen datastore is still marked" ;;
esac
keys BSpace; wait_for "step 2 of 6: Host" 5 "back to the host step"
case "$(line_of "hv-01 ")" in
\**) ok "the chosen host is still marked" ;;
*) no "the chosen host is still marked" ;;
esac
keys Enter Enter Enter
wait_for "step 5 of 6: Pre-flight" 5 "forward again"
keys Enter
if screen | grep -qF "accept and go on"; then keys y; fi
wait_for "step 6 of 6: Review" 5 "review"
wait_for "both: hv-04 -> hv-01, disks ds-shared -> ds-ssd-01" 5 "review has the chosen host and datastore"
wait_for "700 ms downtime" 2 "review has the typed budget"
wait_for "capped at 800 MiB/s" 2 "review has the bandwidth cap"
wait_for "post-copy no" 2 "review has the escalations"
wait_for "priority high" 2 "review has the priority"
keys ?; wait_for "Help: Review" 5 "? explains the step"
keys x; wait_for "step 6 of 6: Review" 2 "any key closes the help"
keys Enter; wait_for "idle-01: migration completed" 90 "the move of VM and disks completes"
keys q; wait_for "EXIT=0" 5 "quits"

# ---- the queue: a host limit of 1 ---------------------------------------------
mkdir -p "$TMP/config-queue/ferry"
printf '[queue]\nhost_limit = 1\n' >"$TMP/config-queue/ferry/ferry.ini"
start queue
wait_for "web-01" 10 "console starts with [queue] host_limit = 1"
migrate batch-01
keys Enter Down Enter Enter Enter   # to hv-03, behind 1 Gbit: a long move
if screen | grep -qF "accept and go on"; then keys y; fi
wait_for "step 5 of 5: Review" 5 "first move reviewed"
keys Enter; wait_for "batch-01: migration started" 5 "the first move starts"
keys 2; migrate web-02
keys Enter Enter Enter Enter
if screen | grep -qF "accept and go on"; then keys y; fi
wait_for "queued (priority normal): waits for host hv-01" 5 "review says the move will wait"
keys Enter; wait_for "QUEUED #1" 5 "the jobs view shows the queued job with its position"
wait_for "web-02 waits for host hv-01 (1 of 1 units in use, needs 1)" 5 "and what it waits for"
keys 2; migrate web-01
keys Enter Enter Enter Enter
if screen | grep -qF "accept and go on"; then keys y; fi
keys Enter; wait_for "QUEUED #2" 5 "a second queued job is #2"
wait_for "web-01 waits for host hv-01" 3 "the new job is selected: what it waits for"
keys '['; wait_for "web-01 is now #1 in the queue" 5 "[ moves a queued job up"
keys x; wait_for "web-01: removed from the queue" 5 "x cancels a queued job"
wait_for "CANCELLED" 2 "the cancelled job is listed as cancelled"
wait_for "web-02: left the queue, migration started" 120 "the queued job starts when the slot frees"
wait_for "web-02: migration completed" 120 "and completes"
keys q; wait_for "EXIT=0" 5 "quits"

finish
