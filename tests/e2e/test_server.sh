#!/bin/sh
# Migrations outlive the console: the server owns them. In tmux on the
# demo: a console killed mid-migration and a new one attached; two
# consoles at once; q detaching and q aborting; SIGTERM; the commands
# (jobs --json, migrate --detach, watch, abort); a peer of another user
# refused. Its own tmux server and its own ferry servers, stopped by PID.
set -u
FERRY=${1:?usage: test_server.sh path/to/ferry}
. "$(dirname "$0")/lib.sh"
export HOME="$TMP/home" XDG_STATE_HOME="$TMP/state"
start() { # name
    S=$1
    tmux -L "$SOCK" -f "$TMP/tmux.conf" new-session -d -s "$S" -x 100 -y 30 \
        "env LANG=C.UTF-8 $FERRY --demo; echo EXIT=\$?; sleep 60"
}
quick() { # VM: the quick dialog, started
    keys : q u i c k Space
    for ch in $(echo "$1" | sed 's/./& /g'); do keys "$ch"; done
    keys Enter; wait_for "Migrate $1" 10 "the quick dialog opens on $1"
    keys Enter; wait_for "start migrating $1?" 10 "it asks before starting"
    keys y
}
jobs_json() { "$FERRY" --demo jobs --json >"$TMP/jobs.json" 2>"$TMP/err"; }
job_field() { # VM field: of the VM's newest job
    python3 -c "
import json; j = [x for x in json.load(open('$TMP/jobs.json')) if x['vm'] == '$1']
print(j[-1].get('$2', '') if j else '')"
}
# wait_job VM FIELD VALUE SECONDS DESC: ferry jobs --json until it says so
wait_job() {
    i=0 n=$(waits "$4")
    while [ $i -lt $((n * 2)) ]; do
        jobs_json
        [ "$(job_field "$1" "$2")" = "$3" ] && { ok "$5"; return 0; }
        sleep 0.5; i=$((i + 1))
    done
    no "$5 ($1 $2 is '$(job_field "$1" "$2")', not '$3')"; return 1
}

# ---- the console's terminal goes away mid-migration -------------------------
start first
wait_for "web-01" 10 "the console starts (and with it the server)"
[ -n "$(server_pids)" ] && ok "a server runs, its pid in the runtime directory" || no "a server runs"
quick cache-01
wait_for "round 1" 20 "the migration of cache-01 runs"
sleep 3   # a few seconds of history before the terminal goes
tmux -L "$SOCK" kill-session -t first
wait_job cache-01 state running 10 "the terminal is gone (SIGHUP); the job runs on in the server"
start second
wait_for "web-01" 10 "a new console attaches"
keys 4; wait_for "cache-01" 10 "the jobs view shows the job"
keys Enter; wait_for "cache-01  hv-02 -> hv-01" 10 "its dashboard opens"
wait_for "hypervisor limit kept at 1 ms" 10 "with the decisions from the start"
wait_for "done " 120 "and the job finishes"
wait_for "(real)" 10 "with the real downtime"
keys Escape Escape

# ---- two consoles at once ------------------------------------------------------
tmux -L "$SOCK" -f "$TMP/tmux.conf" new-session -d -s other -x 100 -y 30 \
    "env LANG=C.UTF-8 $FERRY --demo; echo EXIT=\$?; sleep 60"
S=other; wait_for "web-01" 10 "a second console attaches at the same time"
S=second; keys 2; quick db-01
wait_for "round" 20 "the first console starts a move of db-01"
S=other; keys 4; wait_for "db-01     hv-01->hv-02" 10 "the second console sees it in its jobs view"
wait_for "1 running" 10 "... running (it leaves the queue once its data plane is set up)"
keys Down; keys Enter; wait_for "db-01  hv-01 -> hv-02" 10 "and opens its dashboard"
keys a; wait_for "abort this migration?" 5 "abort asks"
keys y; wait_for "cancelled" 30 "the second console aborts it"
S=second; wait_for "cancelled" 30 "the first console sees it cancelled"
wait_job db-01 outcome cancelled 10 "the server says cancelled, once"
jobs_json
[ "$(python3 -c "import json; print(len([x for x in json.load(open('$TMP/jobs.json')) if x['vm'] == 'db-01']))")" = 1 ] &&
    ok "one job, one abort" || no "one job, one abort"

# ---- q detaches by default; q then a aborts everything ------------------------
# batch-01 to hv-03, behind 1 GbE, takes a minute: started by a command
"$FERRY" --demo migrate batch-01 --to hv-03 --time real --detach >/dev/null 2>&1
S=second; keys Escape 4
wait_for "batch-01" 20 "a move of batch-01 started by a command shows in the console"
keys q; wait_for "d (Enter) detaches" 5 "q with a job running asks: detach or abort"
keys Escape; wait_for "still attached" 5 "Esc stays"
keys q Enter; wait_for "EXIT=0" 10 "Enter detaches: the console exits 0"
wait_job batch-01 state running 5 "and batch-01 runs on"
S=other; keys q; wait_for "d (Enter) detaches" 5 "the other console asks too"
keys a; wait_for "EXIT=0" 10 "a aborts them all and quits"
wait_job batch-01 outcome cancelled 30 "batch-01 is cancelled"

# ---- the commands ------------------------------------------------------------
"$FERRY" --demo migrate web-02 --to hv-03 --time real --detach >"$TMP/out" 2>"$TMP/err"; rc=$?
[ $rc -eq 0 ] && grep -q "^job [0-9]*: compute web-02 hv-01 -> hv-03: running" "$TMP/out" &&
    ok "migrate --detach queues the move in the server and prints its id" ||
    no "migrate --detach: rc $rc: $(cat "$TMP/out" "$TMP/err")"
id=$(sed -n 's/^job \([0-9]*\):.*/\1/p' "$TMP/out")
jobs_json
python3 -c "
import json; j = {x['id']: x for x in json.load(open('$TMP/jobs.json'))}
x = j[$id]
assert x['vm'] == 'web-02' and x['state'] in ('running', 'ended'), x
assert set(['source', 'destination', 'kind', 'policy', 'phase', 'budget_ms']) <= set(x), x" &&
    ok "jobs --json lists it with its route, kind, policy, phase" || no "jobs --json: $(cat "$TMP/jobs.json")"
"$FERRY" --demo watch "$id" >"$TMP/watch" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^completed in .*destination verified" "$TMP/watch" &&
    ok "watch follows it to its end (exit 0)" || no "watch: rc $rc: $(tail -3 "$TMP/watch")"
"$FERRY" --demo watch web-02 --json >"$TMP/watch.json" 2>&1
tail -n 1 "$TMP/watch.json" | python3 -c "
import json, sys; r = json.loads(sys.stdin.read())
assert r['type'] == 'result' and r['outcome'] == 'completed', r" &&
    ok "watch VM --json: the records as JSON lines, ending in the result" || no "watch --json"
"$FERRY" --demo watch 999 >"$TMP/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "no job 999" "$TMP/out" && ok "watch of an unknown job says so (exit 2)" ||
    no "watch 999: rc $rc $(cat "$TMP/out")"
"$FERRY" --demo migrate idle-01 --to hv-01 --time real --detach >/dev/null 2>&1
"$FERRY" --demo abort idle-01 >"$TMP/out" 2>&1; rc=$?
grep -q "abort requested" "$TMP/out" && grep -q "^CANCELLED after" "$TMP/out" &&
    ok "abort JOB aborts it and shows its end" || no "abort: rc $rc $(cat "$TMP/out")"

# ---- SIGTERM ends a console or a migrate within 2 s; the job goes on ---------
start term
wait_for "web-01" 10 "a console for SIGTERM"
pid=$(tmux -L "$SOCK" list-panes -t term -F '#{pane_pid}')
cpid=$(pgrep -P "$pid" -f "ferry --demo" | head -n 1)
sleep 1
t0=$(date +%s%N)
kill -TERM "$cpid"
i=0; while kill -0 "$cpid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
t1=$(date +%s%N)
if ! kill -0 "$cpid" 2>/dev/null && [ $(((t1 - t0) / 1000000)) -lt 2000 ]; then
    ok "SIGTERM: the console exits within 2 s ($(((t1 - t0) / 1000000)) ms)"
else
    no "SIGTERM: the console did not exit within 2 s"
fi
"$FERRY" --demo migrate db-01 --to hv-02 --time real >"$TMP/mig" 2>&1 &
mpid=$!
i=0; while ! grep -q "phase\|prepare\|bulk" "$TMP/mig" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
t0=$(date +%s%N)
kill -TERM $mpid
wait $mpid; rc=$?
t1=$(date +%s%N)
[ $rc -eq 3 ] && [ $(((t1 - t0) / 1000000)) -lt 2000 ] &&
    ok "SIGTERM: migrate exits within 2 s, exit 3 ($(((t1 - t0) / 1000000)) ms)" ||
    no "SIGTERM: migrate rc $rc after $(((t1 - t0) / 1000000)) ms"
grep -q "goes on in the server" "$TMP/mig" && ok "... saying the job goes on in the server" || no "... says nothing: $(tail -2 "$TMP/mig")"
wait_job db-01 outcome completed 120 "and the server steers it to its end"

# ---- the server's door -----------------------------------------------------------
mode=$(stat -c %a "$XDG_RUNTIME_DIR/ferry")
[ "$mode" = 700 ] && ok "the runtime directory is private (0700)" || no "the runtime directory is $mode"
if command -v setpriv >/dev/null; then
    # a server of another user: root's connection is refused and logged
    # its own directory, which nobody can enter (the test's is root's)
    NB=$(mktemp -d /tmp/ferry-nobody.XXXXXX); chmod 755 "$NB"
    mkdir -p "$NB/nobody/run" "$NB/nobody/home"
    chown -R 65534:65534 "$NB/nobody"; chmod 700 "$NB/nobody/run"
    setpriv --reuid=65534 --regid=65534 --clear-groups env \
        HOME="$NB/nobody/home" XDG_RUNTIME_DIR="$NB/nobody/run" \
        XDG_STATE_HOME="$NB/nobody/home/state" "$FERRY" --demo server >/dev/null 2>&1 &
    npid=$!
    i=0; while ! ls "$NB"/nobody/run/ferry/*.sock >/dev/null 2>&1 && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    python3 -c "
import socket, glob, sys
s = socket.socket(socket.AF_UNIX); s.connect(glob.glob('$NB/nobody/run/ferry/*.sock')[0])
s.settimeout(10)
try:
    s.sendall(b'{\"type\":\"hello\",\"protocol\":1}\n'); got = s.recv(4096)
except (ConnectionResetError, BrokenPipeError):
    got = b''
sys.exit(0 if got == b'' else 1)" && ok "a client of another user is refused (the connection is closed)" ||
        no "a client of another user was not refused"
    i=0; while ! grep -q "refused a client of uid 0" "$NB"/nobody/home/state/ferry/server-*.log 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    grep -q "refused a client of uid 0" "$NB"/nobody/home/state/ferry/server-*.log &&
        ok "... and the server logs it" || no "... and the server logs it"
    kill $npid 2>/dev/null; wait $npid
    rm -rf "$NB"
fi
"$FERRY" --demo kill-server >"$TMP/out" 2>&1
grep -q "stopped" "$TMP/out" && [ -z "$(server_pids)" ] && ok "kill-server stops this configuration's server" ||
    no "kill-server: $(cat "$TMP/out")"
finish
