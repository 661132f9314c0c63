#!/bin/sh
# The console on a generated datacenter of 64 hosts and 4,000 VMs, in a
# real terminal (tmux): it opens, scrolls to the last VM, filters to one,
# sorts by memory, lists every host in the wizard, and shows 60-character
# names whole in the detail line and the dashboard.
set -u
FERRY=${1:?usage: test_large.sh path/to/ferry path/to/gen_dc}
GEN=${2:?usage: test_large.sh path/to/ferry path/to/gen_dc}
. "$(dirname "$0")/lib.sh"
LONG_VM=customer-portal-frontend-production-blue-green-replica-00042
LONG_HOST=kvm-node-017-rack-42-row-7-hall-b.dc2.example.net.internal01

"$GEN" 64 4000 3 --long-names >"$TMP/dc.ini" || { echo "gen_dc failed"; exit 1; }
if [ "$(awk 'length($0) > 1000' "$TMP/dc.ini" | wc -l)" -gt 0 ] &&
    grep -q "^hosts = \*" "$TMP/dc.ini"; then
    ok "the generated file has hosts = * and lines over 1,000 characters"
else
    no "the generated file has hosts = * and lines over 1,000 characters"
fi
S=big
tmux -L "$SOCK" -f "$TMP/tmux.conf" new-session -d -s "$S" -x 200 -y 40 \
    "env HOME=$TMP/home XDG_STATE_HOME=$TMP/state LANG=C.UTF-8 $FERRY --sim $TMP/dc.ini; echo EXIT=\$?; sleep 60"
wait_for "vm-00001" 60 "the console opens on 4,000 VMs"
keys G; wait_for "vm-03999" 20 "G scrolls to the last VM"
keys g; wait_for "$LONG_VM" 20 "g goes back to the first"
# the first row selected: its detail line has both names whole
wait_for "$LONG_VM on $LONG_HOST: running" 20 \
    "a 60-character VM and host are shown whole in the detail line"
keys / v m - 0 2 7 1 0 Enter; wait_for "vm-02710" 20 "filter by name"
gone "vm-02711" 20 "the filter leaves one VM"
keys Escape; wait_for "vm-02709" 20 "Esc clears the filter, the selection stays"
keys '>' '>' '>' '>'; wait_for "sorted by MEMORY" 20 "> moves the sort to MEMORY"
keys r g
wait_for "MEMORY↓" 20 "r reverses it"
if screen | sed -n 3p | grep -q "16.0 GiB"; then
    ok "the largest VMs come first"
else
    no "the largest VMs come first"
fi
keys '<' '<' '<' '<' r; wait_for "NAME↑" 20 "back to sorting by name"
keys / v m - 0 0 0 0 5 Enter; wait_for "vm-00005 on kvm-005.dc2.example.net" 20 "vm-00005 selected"
keys m; wait_for "step 1 of" 30 "m opens the wizard"
keys Enter; wait_for "VERDICT" 60 "the host step lists hosts"
# the best host is preselected (it may be far down): Home shows the first
keys Home; wait_for "kvm-001.dc2.example.net" 60 "the wizard lists the first hosts"
gone "checking" 120 "every host's first-hand checks arrive from the server, none left 'checking'"
keys End; wait_for "kvm-063.dc2.example.net" 60 "End reaches the last of the 64 hosts"
keys Home; wait_for "$LONG_HOST" 60 "the long host name is listed in the wizard"
keys Escape; wait_for "y yes" 20 "Esc asks before leaving the wizard"
keys y; wait_for "NAME↑" 20 "the wizard is left for the VMs"
keys Escape
keys : q u i c k Space "$LONG_VM" Enter
wait_for "Migrate $LONG_VM" 30 "the quick dialog opens for the long-named VM"
keys Enter; wait_for "start migrating" 30 "starting asks first"
keys y
wait_for " $LONG_VM  $LONG_HOST -> " 60 "the dashboard header has both names whole"
wait_for "done " 120 "the long-named VM's migration completes"
keys Escape; wait_for "customer-portal-frontend-production-blu… kvm-001.dc2.example.net" 60 \
    "its row shows it on its new host, the long name cut with an ellipsis"
keys q; wait_for "EXIT=0" 30 "q quits with status 0"

# Evacuating the long-named host of 4,000 VMs from the command line: the
# plan places every VM, the run empties the host, and the simulated time
# until empty is within 20% of the planned one.
EVENV="HOME=$TMP/home XDG_STATE_HOME=$TMP/state"
env $EVENV "$FERRY" --sim "$TMP/dc.ini" evacuate "$LONG_HOST" --dry-run --json >"$TMP/plan.json" 2>"$TMP/plan.err"
if python3 -c "import json,sys; d=json.load(open('$TMP/plan.json')); sys.exit(0 if d['host']=='$LONG_HOST' and len(d['moves'])>=10 and all(m['to']!='$LONG_HOST' and m['reason'] for m in d['moves']) else 1)"; then
    ok "the plan for the long-named host places every VM elsewhere, with reasons"
else
    no "the plan for the long-named host: $(head -c 300 "$TMP/plan.json") $(cat "$TMP/plan.err")"
fi
env $EVENV "$FERRY" --sim "$TMP/dc.ini" evacuate "$LONG_HOST" --json >"$TMP/run.json" 2>"$TMP/run.err"; rc=$?
tail -n 1 "$TMP/run.json" >"$TMP/last.json"
if [ "$rc" -eq 0 ] && python3 -c "import json,sys; d=json.load(open('$TMP/last.json')); r=d['elapsed_ms']/d['planned_ms']; print('# planned %d ms, simulated %d ms (%.2fx)' % (d['planned_ms'], d['elapsed_ms'], r)); sys.exit(0 if d['result']['empty'] and 0.8 <= r <= 1.2 else 1)"; then
    ok "the evacuation empties the host within 20% of the planned time"
else
    no "the evacuation empties the host within 20% of the planned time (exit $rc): $(tail -c 400 "$TMP/last.json") $(cat "$TMP/run.err")"
fi
echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
