#!/bin/sh
# The two-host lab, end to end: ferry migrating real TCG guests between two
# libvirt hosts on this machine (see lab.sh). Usage: test_lab.sh FERRY
#
# Everything the lab starts is stopped by PID when this script exits, also
# after a failure. Guests: busy-waiting dirtiers (see guest/dirtier.c for
# why they do not sleep); a guest keeps writing its disk only where no
# memory moves (block copy), because a guest blocked in disk I/O across a
# live migration dies in the kernel's timer code on this QEMU under TCG.
set -u
FERRY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${FERRY_LAB_DIR:-/var/tmp/ferry-lab}
export FERRY_LAB_DIR="$LAB"
L="sh $HERE/lab.sh"
CFG=$LAB/ferry.ini
OUT=$(mktemp -d /tmp/ferry-lab-test.XXXXXX)
TMUX_SOCK=$OUT/tmux.sock
fails=0 checks=0

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the lab needs root (network and mount namespaces)"
    exit 77
fi

AGENT_PID=
# ferry's servers (one per configuration) live in this test's own runtime
# directory and are stopped by the PIDs they wrote there.
export XDG_RUNTIME_DIR="$OUT/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
stop_servers() { # servers first (their guards then end), then the guards
    for f in "$XDG_RUNTIME_DIR"/ferry/*.pid "$XDG_RUNTIME_DIR"/ferry/*.guard; do
        [ -f "$f" ] || continue
        p=$(cat "$f"); kill "$p" 2>/dev/null
        i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    done
}
cleanup() {
    tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
    stop_servers
    [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
    [ -n "${VPID:-}" ] && kill "$VPID" 2>/dev/null
    $L down >/dev/null 2>&1
    rm -rf "$OUT"
}
trap cleanup EXIT
trap "exit 130" INT TERM

ok() { checks=$((checks + 1)); echo "ok   $*"; }
known=0
# A guest's own check after a move. QEMU 7.2 under TCG here sometimes
# corrupts the guest kernel's interrupt or timer data across a live
# migration (about one move in fifteen; reproduced with plain QEMU, no
# libvirt, no ferry): the guest then oopses in IRQ or timer code. That is
# reported as KNOWN with the oops, not as ferry's failure, and so is a
# guest that hangs silently (no answer within 10 s, its domain running);
# a wrong answer, or any other failure of the check, fails the suite.
guest_ok() { # description, host, vm, command
    d=$1 h=$2 vm=$3; shift 3
    if $L ctl "$h" "$vm" "$@" >"$OUT/check.log" 2>&1; then ok "$d"; return; fi
    # the oops may be on an earlier host's console: a guest that crashed
    # on lab-b is still broken after it moves back to lab-a
    log=$(grep -lE 'Oops|BUG:|general protection fault|Kernel panic' \
        "$LAB"/hosts/*/log/qemu/"$vm"-console.log 2>/dev/null | head -n 1)
    if [ -n "$log" ]; then
        checks=$((checks + 1)); known=$((known + 1))
        echo "KNOWN $d: the guest kernel crashed after the move (QEMU TCG):"
        grep -m 3 -E 'BUG:|RIP:|general protection' "$log" | sed 's/^/     | /'
    elif grep -q "TimeoutError" "$OUT/check.log" &&
         $L virsh "$h" domstate "$vm" 2>/dev/null | grep -q running; then
        # the other face of the same bug: the guest hangs without a word
        # on its console. A wrong answer ("bad ...") still fails.
        checks=$((checks + 1)); known=$((known + 1))
        echo "KNOWN $d: the guest stopped answering after the move, no oops on its console (QEMU TCG)"
    else
        no "$d"; sed 's/^/     | /' "$OUT/check.log" | tail -5
    fi
}
no() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }
check() { # description, command...
    d=$1; shift
    if "$@" >"$OUT/check.log" 2>&1; then ok "$d"; else
        no "$d"; sed 's/^/     | /' "$OUT/check.log" | tail -15; fi
}
ferry() { "$FERRY" -c "$CFG" "$@"; }
screen_has() { # tmux session, regex, seconds: wait for it on the screen
    n=0
    while [ $n -lt $(($3 * 2)) ]; do
        tmux -S "$TMUX_SOCK" capture-pane -t "$1" -p | grep -q -- "$2" && return 0
        sleep 0.5; n=$((n + 1))
    done
    tmux -S "$TMUX_SOCK" capture-pane -t "$1" -p
    return 1
}
json_get() { python3 -c "import json,sys; d=json.loads(sys.stdin.read().strip().splitlines()[-1]); print(d$1)"; }

$L up || { echo "FAIL the lab did not start"; exit 1; }
mkdir -p "$LAB/logs"

# ---- connecting ---------------------------------------------------------
ferry list hosts --json >"$OUT/hosts.json"
check "list hosts --json names both hosts with their URIs" python3 -c "
import json; h = json.load(open('$OUT/hosts.json'))
assert [x['name'] for x in h] == ['lab-a', 'lab-b'], h
assert all(x['uri'].startswith('qemu+unix:///system?socket=') and x['up'] for x in h), h
assert 'QEMU' in h[0]['versions'], h"
"$FERRY" --connect "$($L uri b)" list hosts --json >"$OUT/c.json" 2>&1
check "--connect URI names the host by the hostname libvirt reports" python3 -c "
import json; h = json.load(open('$OUT/c.json'))
assert len(h) == 1 and h[0]['name'] == 'lab-b' and h[0]['uri'] == '$($L uri b)', h"
ferry --connect "$($L uri b)" list hosts --json >"$OUT/c2.json" 2>&1
check "--connect replaces the hosts of ferry.ini" python3 -c "
import json; h = json.load(open('$OUT/c2.json'))
assert [x['name'] for x in h] == ['lab-b'], h"
"$FERRY" --connect "qemu+unix:///system?socket=$LAB/nowhere" list hosts >"$OUT/e" 2>&1
rc=$?
check "--connect to a dead URI fails with the URI and libvirt's reason" \
    sh -c "[ $rc -eq 2 ] && grep -q 'cannot connect to qemu+unix:///system?socket=$LAB/nowhere' $OUT/e"
printf '[host x]\nuri = qemu:/bad\n' >"$OUT/bad.ini"
"$FERRY" -c "$OUT/bad.ini" list hosts >"$OUT/e" 2>&1
check "a bad host entry is refused with file and line" \
    grep -q "bad.ini:2: \[host x\] uri: 'qemu:/bad' is not a libvirt URI" "$OUT/e"

# ---- compute: converging, there and back ----------------------------------
$L vm m1 a shared 64 2 0 || exit 1
ferry list vms --json >"$OUT/vms.json"
check "the inventory shows the guest, its pool and state" python3 -c "
import json; v = {x['name']: x for x in json.load(open('$OUT/vms.json'))}
assert v['m1']['host'] == 'lab-a' and v['m1']['state'] == 'running', v
assert v['m1']['datastores'] == ['shared'] and v['m1']['memory_bytes'] == 256 << 20, v"

# ---- inventory at scale: a refresh costs the same at 60 more domains -------
# Many shut-off definitions on lab-a (cheap: no QEMU), listed whole with
# their states and memory; libvirt's own client log in a server of their
# own counts the calls one refresh makes, before and after 50 more domains.
# A refresh reads every domain's state, memory, vCPUs and disk sizes in one
# call; a domain's XML only when it is new or an event says it changed.
BULK=$OUT/bulk
mkdir -p "$BULK"
LONG=$(python3 -c "print('long-' + 'n' * 235)") # libvirt keeps NAME.xml: 255 bytes
bulk_xml() { # name, index, pool directory
    cat <<X
<domain type='qemu'><name>$1</name>
<memory unit='MiB'>$((64 + $2))</memory><currentMemory unit='MiB'>$((32 + $2))</currentMemory>
<vcpu current='$((1 + $2 % 2))'>4</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>
<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='$3/$1.img'/><target dev='vda' bus='virtio'/></disk>
</devices></domain>
X
}
bulk_define() { # from to: bulk-FROM .. bulk-TO on lab-a, in one virsh
    c="" i=$1
    while [ "$i" -le "$2" ]; do
        bulk_xml "bulk-$i" "$i" /var/lib/libvirt/images >"$BULK/bulk-$i.xml"
        c="$c define $BULK/bulk-$i.xml;"; i=$((i + 1))
    done
    $L virsh a "$c" >/dev/null
}
bulk_undefine_all() {
    c=""
    for d in $($L virsh a list --all --name | grep -E '^(bulk-|probe-|long-)'); do
        c="$c undefine $d;"
    done
    [ -z "$c" ] || $L virsh a "$c" >/dev/null 2>&1
}
cp "$CFG" "$OUT/rpc.ini"
RPCLOG=$OUT/rpc.log
rf() { LIBVIRT_LOG_FILTERS="1:rpc.netclient" LIBVIRT_LOG_OUTPUTS="1:file:$RPCLOG" \
        "$FERRY" -c "$OUT/rpc.ini" "$@"; }
# calls of libvirt's remote program (not keepalives) the server sent
rpcs() { grep -c 'RPC_CLIENT_MSG_TX_QUEUE.*prog=536903814 ' "$RPCLOG" 2>/dev/null || echo 0; }
listed() { # names...: wait until ferry lists them all
    n=0
    while [ $n -lt 100 ]; do
        rf list vms --json 2>/dev/null | python3 -c "
import json, sys; v = {x['name'] for x in json.load(sys.stdin)}
sys.exit(0 if set(sys.argv[1:]) <= v else 1)" "$@" && return 0
        sleep 0.2; n=$((n + 1))
    done
    return 1
}
refresh_cost() { # name: define one more domain, print the calls it cost
    sleep 1; b=$(rpcs)
    bulk_xml "$1" 1 /var/lib/libvirt/images >"$BULK/$1.xml"
    $L virsh a define "$BULK/$1.xml" >/dev/null
    listed "$1" || { echo "$1 never listed"; return 1; }
    sleep 1; echo $(($(rpcs) - b))
}
bulk_define 1 10
bulk_xml "$LONG" 7 /var/lib/libvirt/fast >"$BULK/long.xml"
$L virsh a define "$BULK/long.xml" >/dev/null
rf list vms --json >"$OUT/bulk0.json"
c1=$(refresh_cost probe-1)
n1=$($L virsh a list --all --name | grep -c .)
bulk_define 11 60
check "60 more domains on lab-a are listed" listed bulk-11 bulk-60
c2=$(refresh_cost probe-2)
n2=$($L virsh a list --all --name | grep -c .)
echo "     | one refresh of lab-a: $c1 calls at $n1 domains, $c2 at $n2"
check "a refresh costs the same calls at $n1 and $n2 domains ($c1, $c2)" \
    sh -c "[ $c1 -gt 0 ] && [ $c1 -le 12 ] && [ $c2 -ge $((c1 - 1)) ] && [ $c2 -le $((c1 + 1)) ]"
rf list vms --json >"$OUT/bulk.json"
check "every bulk domain with its state, current and maximum memory, vCPUs, pool" python3 -c "
import json; v = {x['name']: x for x in json.load(open('$OUT/bulk.json'))}
for i in range(1, 61):
    d = v['bulk-%d' % i]
    assert d['host'] == 'lab-a' and d['state'] == 'shut off', d
    assert d['memory_bytes'] == (32 + i) << 20, d
    assert d['memory_max_bytes'] == (64 + i) << 20, d
    assert d['vcpus'] == 1 + i % 2 and d['datastores'] == ['local@lab-a'], d
assert v['m1']['state'] == 'running' and v['m1']['memory_bytes'] == 256 << 20, v['m1']
assert v['$LONG']['datastores'] == ['fast@lab-a'], v['$LONG']"
# a changed definition is read again (the event names the domain)
$L virsh a dumpxml bulk-5 | sed 's|/images/bulk-5|/fast/bulk-5|' |
    $L virsh a define /dev/stdin >/dev/null
$L virsh a undefine bulk-6 >/dev/null
wait_bulk() {
    n=0
    while [ $n -lt 50 ]; do
        rf list vms --json >"$OUT/bulk2.json" 2>/dev/null && python3 -c "
import json; v = {x['name']: x for x in json.load(open('$OUT/bulk2.json'))}
assert v['bulk-5']['datastores'] == ['fast@lab-a'], v['bulk-5']
assert 'bulk-6' not in v and 'bulk-7' in v" 2>/dev/null && return 0
        sleep 0.2; n=$((n + 1))
    done
    cat "$OUT/bulk2.json"; return 1
}
check "a redefined domain shows its new disk; an undefined one is gone" wait_bulk
rf kill-server >/dev/null 2>&1
bulk_undefine_all
check "the bulk domains are gone from lab-a" sh -c \
    "! $L virsh a list --all --name | grep -qE '^(bulk-|probe-|long-)'"

ferry migrate m1 --to lab-b --json >"$OUT/m1.json" 2>&1
check "live migration lab-a -> lab-b completes, verified, within the budget" python3 -c "
import json; r = json.loads(open('$OUT/m1.json').read().strip().splitlines()[-1])
assert r['outcome'] == 'completed' and r['verified'] and r['downtime_ms'] <= 300, r"
guest_ok "the guest runs on lab-b with every page it wrote" b m1 verify
ferry migrate m1 --to lab-a --json >"$OUT/m1b.json" 2>&1
check "and back to lab-a" python3 -c "
import json; r = json.loads(open('$OUT/m1b.json').read().strip().splitlines()[-1])
assert r['outcome'] == 'completed' and r['verified'], r"
guest_ok "the guest runs on lab-a again, memory intact" a m1 verify
check "the flight log records the libvirt backend and the hosts' URIs" sh -c \
    "head -n 1 \$(ls -t $LAB/logs/*-m1-*.jsonl | head -n 1) | grep -q '\"backend\":\"libvirt\".*\"uris\"'"
ferry plan m1 --to lab-b --json >"$OUT/m1p.json" 2>&1
check "the next plan of m1 starts from what its last move measured" python3 -c "
import json
p = json.loads(open('$OUT/m1p.json').read())['prediction']
r = json.loads(open('$OUT/m1b.json').read().strip().splitlines()[-1])
first = r['observed']['first_round_bytes']
assert first < 256 << 20 and p['bytes'] >= first, (p, r['observed'])
assert p['bytes'] < 256 << 20, p"
$L virsh a destroy m1 >/dev/null 2>&1

# ---- a guest dirtying faster than the link --------------------------------
$L vm hot a shared 64 40 0 || exit 1
ferry plan hot --to lab-b --measure 2s --json >"$OUT/hot-m.json" 2>&1
check "its dirty rate is measured before the move (page sampling)" python3 -c "
import json; p = json.loads(open('$OUT/hot-m.json').read())
assert p['measured_dirty_bps'] >= 4 << 20, p"
ferry migrate hot --to lab-b --policy qemu-default --max-time 30s --json \
    >"$OUT/hot-q.json" 2>&1
check "under qemu-default a 40 MiB/s writer on a ~11 MiB/s link does not converge" python3 -c "
import json; r = json.loads(open('$OUT/hot-q.json').read().strip().splitlines()[-1])
assert r['outcome'] != 'completed', r"
check "... and still runs on lab-a afterwards" $L ctl a hot verify
# ... started from a console whose terminal then goes away (an SSH
# session dropping): the server steers it to the end
tmux -S "$TMUX_SOCK" new-session -d -s drop -x 100 -y 30 \
    "TERM=xterm-256color $FERRY -c $CFG; sleep 30"
check "a console for the 40 MiB/s writer" screen_has drop "hot " 15
tmux -S "$TMUX_SOCK" send-keys -t drop : q u i c k Space h o t Enter
check "the quick dialog opens on hot" screen_has drop "Migrate hot" 10
tmux -S "$TMUX_SOCK" send-keys -t drop Enter
check "it asks before starting" screen_has drop "start migrating hot" 10
tmux -S "$TMUX_SOCK" send-keys -t drop y
check "the console starts hot -> lab-b under ferry's policy" screen_has drop "round" 30
sleep 3
tmux -S "$TMUX_SOCK" kill-session -t drop
# wait_job VM FIELD VALUE SECONDS: ferry jobs --json until it says so
wait_job() {
    n=0
    while [ $n -lt $(($4 * 2)) ]; do
        ferry jobs --json >"$OUT/jobs.json" 2>/dev/null
        [ "$(python3 -c "
import json; j = [x for x in json.load(open('$OUT/jobs.json')) if x['vm'] == '$1']
print(j[-1].get('$2', '') if j else '')" 2>/dev/null)" = "$3" ] && return 0
        sleep 0.5; n=$((n + 1))
    done
    cat "$OUT/jobs.json"; return 1
}
check "the terminal is gone; the job runs on in the server" wait_job hot state running 5
check "and the server completes it" wait_job hot outcome completed 180
check "... within the 300 ms budget, verified" python3 -c "
import json; j = [x for x in json.load(open('$OUT/jobs.json')) if x['vm'] == 'hot'][-1]
r = json.loads(open(j['log']).read().strip().splitlines()[-1])
assert r['outcome'] == 'completed' and r['verified'] and r['downtime_ms'] <= 300, r"
guest_ok "the guest runs on lab-b, memory intact" b hot verify
tmux -S "$TMUX_SOCK" new-session -d -s again -x 100 -y 30 \
    "TERM=xterm-256color $FERRY -c $CFG; sleep 30"
check "a new console attaches" screen_has again "hot " 15
tmux -S "$TMUX_SOCK" send-keys -t again 2 / h o t Enter Enter
check "the job shows whole: its dashboard to the end" screen_has again "done .*(real)" 10
check "... with the engine's first decision" screen_has again "hypervisor limit kept at 1 ms" 5
tmux -S "$TMUX_SOCK" send-keys -t again q
# SIGTERM to `ferry migrate` and to the console mid-migration: each ends
# within 2 s (exit 3: detached), and the server steers the job to the end
"$FERRY" -c "$CFG" migrate hot --to lab-a --policy ferry >"$OUT/hot-t.txt" 2>&1 &
pid=$!
n=0; while ! grep -q "phase\|downtime  " "$OUT/hot-t.txt" && [ $n -lt 300 ]; do sleep 0.1; n=$((n + 1)); done
sleep 2
t0=$(date +%s%N); kill -TERM $pid; wait $pid; rc=$?; t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
check "SIGTERM: migrate exits within 2 s ($ms ms), exit 3" sh -c "[ $rc -eq 3 ] && [ $ms -lt 2000 ]"
check "the server steers hot -> lab-a to the end" wait_job hot outcome completed 180
guest_ok "the guest runs on lab-a, memory intact" a hot verify
tmux -S "$TMUX_SOCK" new-session -d -s term -x 100 -y 30 \
    "TERM=xterm-256color $FERRY -c $CFG; sleep 30"
check "a console for SIGTERM" screen_has term "hot " 15
tmux -S "$TMUX_SOCK" send-keys -t term : q u i c k Space h o t Enter
check "the quick dialog opens" screen_has term "Migrate hot" 10
tmux -S "$TMUX_SOCK" send-keys -t term Enter
check "it asks" screen_has term "start migrating hot" 10
tmux -S "$TMUX_SOCK" send-keys -t term y
check "the move starts" screen_has term "round" 30
cpid=$(pgrep -P "$(tmux -S "$TMUX_SOCK" list-panes -t term -F '#{pane_pid}')" -f "ferry -c" | head -n 1)
t0=$(date +%s%N); kill -TERM "$cpid"
n=0; while kill -0 "$cpid" 2>/dev/null && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
t1=$(date +%s%N); ms=$(((t1 - t0) / 1000000))
check "SIGTERM: the console exits within 2 s ($ms ms)" sh -c "! kill -0 $cpid 2>/dev/null && [ $ms -lt 2000 ]"
check "the server steers hot -> lab-b to the end" wait_job hot outcome completed 180
guest_ok "the guest runs on lab-b, memory intact" b hot verify
tmux -S "$TMUX_SOCK" kill-session -t term 2>/dev/null

# ---- the fail-safe: the server dies mid-migration ---------------------------
# SIGKILL, as the OOM killer does it: nothing steers any more. Within 30 s
# the move is resolved per on_steering_lost (default: aborted, the VM stays
# on its source), its flight log says what happened, the guard exits, and
# the next ferry shows the job.
server_of() { pgrep -f -- "-c $1 server" | head -n 1; }
# A server is nobody's child: once it exits it waits, a zombie, for this
# machine's init to reap it (here that takes up to a second or two).
running() { [ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
gone_within() { # pid seconds
    n=0; while running "$1" && [ $n -lt $(($2 * 4)) ]; do sleep 0.25; n=$((n + 1)); done
    ! running "$1"
}
guard_of() { pgrep -P "$1" -f "ferry guard" | head -n 1; }
no_job() { # host vm seconds: libvirt's job on the VM has ended
    n=0
    while [ $n -lt $(($3 * 4)) ]; do
        $L virsh "$1" domjobinfo "$2" 2>/dev/null | grep -q "Job type: *None" && return 0
        sleep 0.25; n=$((n + 1))
    done
    $L virsh "$1" domjobinfo "$2"; return 1
}
job_runs() { # host vm seconds: libvirt runs a migration job for it
    n=0
    while [ $n -lt $(($3 * 4)) ]; do
        $L virsh "$1" domjobinfo "$2" 2>/dev/null | grep -q "Job type: *Unbounded" && return 0
        sleep 0.25; n=$((n + 1))
    done
    return 1
}
log_says() { # log regex seconds: the log's last lines match
    n=0
    while [ $n -lt $(($3 * 2)) ]; do
        tail -n 3 "$1" 2>/dev/null | grep -q -- "$2" && return 0
        sleep 0.5; n=$((n + 1))
    done
    tail -n 3 "$1"; return 1
}
newest_log() { ls -t "$LAB"/logs/*-"$1"-*.jsonl | head -n 1; }
samples() { # log count seconds: the log has that many samples
    n=0
    while [ $n -lt $(($3 * 4)) ]; do
        [ "$(grep -c '"type":"sample"' "$1" 2>/dev/null)" -ge "$2" ] && return 0
        sleep 0.25; n=$((n + 1))
    done
    return 1
}
ferry migrate hot --to lab-a --detach >"$OUT/fs1.txt" 2>&1
check "a move of the 40 MiB/s writer runs in the server" job_runs b hot 60
lg=$(newest_log hot)
check "... for a few rounds" samples "$lg" 30 60
spid=$(server_of "$CFG"); gpid=$(guard_of "$spid")
check "the server has its fail-safe guard" sh -c "[ -n '$gpid' ]"
t0=$(date +%s%N); kill -KILL "$spid"
check "SIGKILL to the server: the migration is resolved" no_job b hot 45
t1=$(date +%s%N); ms=$(((t1 - t0) / 1000000))
check "... within 30 s ($ms ms)" sh -c "[ $ms -le 30000 ]"
check "... aborted: hot still runs on lab-b, not on lab-a" sh -c \
    "$L virsh b domstate hot | grep -q running && ! $L virsh a domstate hot 2>/dev/null | grep -q running"
check "its flight log ends: steering lost, cancelled" log_says "$lg" '"type":"result","t_ms":[0-9]*,"outcome":"cancelled","reason":"steering lost' 30
check "the guard is gone once it resolved it" gone_within "$gpid" 30
check "the next ferry shows the job and what happened" wait_job hot steering_lost True 30
check "... cancelled, saying why" python3 -c "
import json; j = [x for x in json.load(open('$OUT/jobs.json')) if x['vm'] == 'hot'][-1]
assert j['outcome'] == 'cancelled' and j['reason'].startswith('steering lost:'), j
assert 'hot stays on lab-b' in j['reason'] or 'hot still runs on lab-b' in j['reason'], j
assert j['log'] == '$lg', j"
guest_ok "the guest runs on lab-b, memory intact" b hot verify

# on_steering_lost = budget: QEMU is given the budget (a guest this hot
# does not fit it), and a new server adopts the move, steering it to the
# end in the same flight log
ferry kill-server >/dev/null 2>&1 # one server at a time: each would watch
                                  # the other's moves as external ones
sed '/^\[host lab-[ab]\]/a on_steering_lost = budget' "$CFG" >"$OUT/budget.ini"
bf() { "$FERRY" -c "$OUT/budget.ini" "$@"; }
bf migrate hot --to lab-a --detach >"$OUT/fs2.txt" 2>&1
check "a move under on_steering_lost = budget runs" job_runs b hot 60
lg=$(newest_log hot)
check "... for a few rounds" samples "$lg" 30 60
spid=$(server_of "$OUT/budget.ini"); gpid=$(guard_of "$spid")
kill -KILL "$spid"
check "SIGKILL: its flight log says QEMU has the budget" log_says "$lg" '"action":"downtime","value":300,"reason":"steering lost' 30
check "... and the migration runs on (peer-to-peer)" job_runs b hot 5
adopted() { # a new server (started by `ferry jobs`) adopts the move
    n=0
    while [ $n -lt 120 ]; do
        bf jobs --json 2>/dev/null | grep -q '"owner": *"adopted"' && return 0
        sleep 0.5; n=$((n + 1))
    done
    bf jobs --json; return 1
}
runs_on() { # host vm seconds, asking the server meanwhile (it adopts)
    n=0
    while [ $n -lt $(($3 * 2)) ]; do
        bf jobs >/dev/null 2>&1
        o=a; [ "$1" = a ] && o=b
        $L virsh "$1" domstate "$2" 2>/dev/null | grep -q running &&
            ! $L virsh $o domstate "$2" 2>/dev/null | grep -q running && return 0
        sleep 0.5; n=$((n + 1))
    done
    return 1
}
check "a new server adopts it" adopted
check "... and steers it to the end: hot runs on lab-a" runs_on a hot 180
check "... the adopted job ends completed" log_says "$lg" '"type":"result","outcome":"completed"' 60
check "the same flight log: one header, the gap, the end" python3 -c "
import json
recs = [json.loads(l) for l in open('$lg') if l.strip()]
assert sum(r['type'] == 'header' for r in recs) == 1, recs[0]
assert any(r['type'] == 'error' and r.get('adopted') for r in recs), 'no gap record'
assert any(r['type'] == 'decision' and 'ferry steers again' in r['reason'] for r in recs)
assert recs[-1]['type'] == 'result' and recs[-1]['outcome'] == 'completed', recs[-1]"
guest_ok "the guest runs on lab-a, memory intact" a hot verify
# vm_on VM HOST SECONDS [f]: the inventory shows it there and settled
vm_on() {
    n=0
    while [ $n -lt $(($3 * 2)) ]; do
        ${4:-ferry} list vms --json 2>/dev/null | python3 -c "
import json, sys; v = {x['name']: x for x in json.load(sys.stdin)}['$1']
assert v['host'] == '$2' and v['state'] == 'running', v" 2>/dev/null && return 0
        sleep 0.5; n=$((n + 1))
    done
    return 1
}
check "the inventory has hot on lab-a" vm_on hot lab-a 60 bf
# SIGTERM under budget: handed over, the server gone within 2 s
bf migrate hot --to lab-b --detach >"$OUT/fs4.txt" 2>&1
check "another move under budget runs" job_runs a hot 60
lg=$(newest_log hot)
check "... for a few rounds" samples "$lg" 30 60
spid=$(server_of "$OUT/budget.ini")
t0=$(date +%s%N); kill -TERM "$spid"
n=0; while running "$spid" && [ $n -lt 400 ]; do sleep 0.05; n=$((n + 1)); done
t1=$(date +%s%N); ms=$(((t1 - t0) / 1000000))
st=0; running "$spid" && st=1
check "SIGTERM: the server exits within 2 s ($ms ms)" sh -c "[ $st = 0 ] && [ $ms -lt 2000 ]"
check "... handing the move to QEMU with the budget" log_says "$lg" '"action":"downtime","value":300,"reason":"steering lost' 30
check "... which a new server adopts and completes" runs_on b hot 180
check "... in the same flight log" log_says "$lg" '"type":"result","outcome":"completed"' 60
guest_ok "the guest runs on lab-b, memory intact" b hot verify
bf kill-server >/dev/null 2>&1

# ---- migrations ferry did not start: virsh migrate ---------------------------
# virsh_mig SRC VM DST: virsh migrate --live --p2p in the background,
# capped below the link (QEMU would otherwise switch by itself)
mig_addr() { sed -n "/^\[host lab-$1\]/,/^\$/s/^migration_address = //p" "$CFG"; }
virsh_mig() {
    $L virsh "$1" migrate --live --p2p --postcopy --unsafe "$2" \
        "qemu+tcp://$(mig_addr "$3")/system" --migrateuri "tcp://$(mig_addr "$3")" \
        --bandwidth 11 >"$OUT/virsh-$2.out" 2>&1 &
    VPID=$!
}
# a guest of its own, fresh: one that crashed after an earlier move
# (QEMU TCG, see guest_ok) writes nothing and would converge by itself
$L virsh b destroy hot >/dev/null 2>&1
$L virsh a destroy hot >/dev/null 2>&1
$L vm ext b shared 64 40 0 || exit 1
check "the inventory has the 40 MiB/s writer ext on lab-b" vm_on ext lab-b 60
virsh_mig b ext a
check "virsh migrate --live --p2p shows in the jobs, marked external" wait_job ext external True 60
check "... with a dashboard from its job stats" sh -c "n=0; until '$FERRY' -c '$CFG' jobs --json | python3 -c \"
import json, sys; j = [x for x in json.load(sys.stdin) if x['vm'] == 'ext'][-1]
assert j['owner'] == 'external' and not j['taken_over'] and j['records'] > 20 and j['progress'] > 0, j\"; do [ \$n -lt 120 ] || exit 1; sleep 0.5; n=\$((n + 1)); done"
lg=$(newest_log ext)
stats_in() { # log seconds: samples with the job's stats from round two on
    n=0
    while [ $n -lt $(($2 * 2)) ]; do
        python3 -c "
import json; s = [json.loads(l) for l in open('$1') if '\"type\":\"sample\"' in l]
assert any(x.get('memory_dirty_rate', 0) > 0 and all(k in x for k in ('memory_remaining', 'memory_iteration', 'downtime')) for x in s)
h = json.loads(open('$1').readline()); assert h['external'], h" 2>/dev/null && return 0
        sleep 0.5; n=$((n + 1))
    done
    tail -n 1 "$1"; return 1
}
check "... its samples: dirty rate, remaining, iteration, expected downtime" stats_in "$lg" 90
ferry abort ext >"$OUT/xabort.txt" 2>&1
wait $VPID; vrc=$?
check "ferry aborts it: virsh migrate fails, ext stays on lab-b" sh -c \
    "[ $vrc -ne 0 ] && $L virsh b domstate ext | grep -q running"
check "... the job ends cancelled" wait_job ext outcome cancelled 60
check "the inventory has ext on lab-b, settled" vm_on ext lab-b 60
virsh_mig b ext a
check "another virsh migrate is seen" wait_job ext state running 60
ferry take-over ext --policy ferry --downtime 300 >"$OUT/xtake.txt" 2>&1
check "ferry takes it over and steers it to the end" wait_job ext outcome completed 180
wait $VPID; vrc=$?
check "... virsh migrate reports success, ext runs on lab-a" sh -c \
    "[ $vrc -eq 0 ] && $L virsh a domstate ext | grep -q running"
check "... taken over, within its budget" python3 -c "
import json; j = [x for x in json.load(open('$OUT/jobs.json')) if x['vm'] == 'ext'][-1]
assert j['taken_over'] and j['downtime_ms'] <= 300, j"
guest_ok "the guest runs on lab-a, memory intact" a ext verify
$L virsh a destroy ext >/dev/null 2>&1

# ---- storage: block copy between pools, pivot -------------------------------
$L vm s1 a local 32 2 256 || exit 1
# the server killed mid-copy: cancelled without a pivot, the source kept
ferry migrate s1 --datastore fast@lab-a --bandwidth 1MiB/s --detach >"$OUT/fs3.txt" 2>&1
mirroring() { $L virsh a dumpxml s1 2>/dev/null | grep -q '<mirror'; }
check "a block copy runs in the server" sh -c \
    "n=0; until $L virsh a dumpxml s1 | grep -q '<mirror'; do [ \$n -lt 240 ] || exit 1; sleep 0.25; n=\$((n + 1)); done"
sleep 1
mirroring; was=$?
kill -KILL "$(server_of "$CFG")"
check "SIGKILL to the server mid-copy: the copy is cancelled within 30 s" sh -c \
    "[ $was = 0 ] || exit 1; n=0; while $L virsh a dumpxml s1 | grep -q '<mirror'; do [ \$n -lt 120 ] || exit 1; sleep 0.25; n=\$((n + 1)); done"
lg=$(newest_log s1)
check "... its flight log says so" log_says "$lg" '"outcome":"cancelled".*steering lost.*without a pivot' 30
check "no half-pivoted disk: s1 still uses its source volume" sh -c \
    "$L virsh a domblklist s1 | grep -q '/var/lib/libvirt/images/s1.img'"
check "the source volume is kept, the new one deleted" sh -c \
    "$L virsh a vol-list local | grep -q s1.img && ! $L virsh a vol-list fast | grep -q s1.img"
guest_ok "the guest writes on: it answers" a s1 ping
ferry migrate s1 --datastore fast@lab-a --json >"$OUT/s1.json" 2>&1
check "live storage migration local -> fast pivots, verified" python3 -c "
import json; r = json.loads(open('$OUT/s1.json').read().strip().splitlines()[-1])
assert r['outcome'] == 'completed' and r['verified'], r"
check "the domain now uses the volume in the fast pool" sh -c \
    "$L virsh a domblklist s1 | grep -q '/var/lib/libvirt/fast/s1.img'"
check "the source volume is gone" sh -c "! $L virsh a vol-list local | grep -q s1.img"
guest_ok "the guest kept writing: it answers" a s1 ping
$L ctl a s1 sync >/dev/null
check "every disk block the guest wrote is in the new volume" $L checkdisk a s1

# ---- compute and storage together ---------------------------------------------
ferry migrate s1 --to lab-b --datastore local@lab-b --json >"$OUT/s2.json" 2>&1
check "compute+storage lab-a/fast -> lab-b/local completes, verified" python3 -c "
import json; r = json.loads(open('$OUT/s2.json').read().strip().splitlines()[-1])
assert r['outcome'] == 'completed' and r['verified'], r"
guest_ok "the guest runs on lab-b, memory intact" b s1 verify
check "its disk arrived block for block" $L checkdisk b s1
check "the volume on lab-a is gone" sh -c "! $L virsh a vol-list fast | grep -q s1.img"
$L virsh b destroy s1 >/dev/null 2>&1

# ---- cold move ---------------------------------------------------------------
$L vm c1 a local 16 0 0 || exit 1
$L virsh a destroy c1 >/dev/null
ferry plan c1 --to lab-b --datastore local@lab-b --json >"$OUT/c1p.json" 2>&1
check "a cold move is planned as its disk alone (64 MiB, no memory)" python3 -c "
import json; p = json.loads(open('$OUT/c1p.json').read())['prediction']
assert p['converges'] and 60 << 20 <= p['bytes'] <= 70 << 20, p"
ferry migrate c1 --to lab-b --datastore local@lab-b --json >"$OUT/c1.json" 2>&1
check "a shut-off VM moves cold: volume streamed, domain defined on lab-b" python3 -c "
import json; r = json.loads(open('$OUT/c1.json').read().strip().splitlines()[-1])
assert r['outcome'] == 'completed' and r['verified'] and r['downtime_ms'] == 0, r"
check "lab-b has it, shut off; lab-a does not" sh -c \
    "$L virsh b list --all | grep -q 'c1.*shut off' && ! $L virsh a list --all | grep -q c1"
check "its disk is block for block what it was" $L checkdisk b c1

# ---- pre-flight checks from the hosts ----------------------------------------
$L vm cpu1 a shared 16 0 0 || exit 1
$L virsh a destroy cpu1 >/dev/null
$L virsh a dumpxml cpu1 |
    sed "s|</vcpu>|</vcpu><cpu mode='custom' match='exact'><model fallback='forbid'>qemu64</model><feature policy='require' name='avx512f'/></cpu>|" |
    $L virsh a define /dev/stdin >/dev/null
ferry plan cpu1 --to lab-b --json >"$OUT/cpu1.json" 2>&1
check "libvirt's CPU comparison refuses a guest CPU lab-b lacks, naming the feature" python3 -c "
import json; c = {x['name']: x for x in json.loads(open('$OUT/cpu1.json').read())['checks']}
assert c['cpu']['status'] == 'error' and 'avx512f' in c['cpu']['message'] and 'libvirt on lab-b' in c['cpu']['message'], c['cpu']"
$L virsh a undefine cpu1 >/dev/null 2>&1

# ---- the console, on libvirt hosts ------------------------------------------
$L vm con a shared 32 2 0 || exit 1
tmux -S "$TMUX_SOCK" new-session -d -s con -x 100 -y 30 \
    "TERM=xterm-256color $FERRY -c $CFG; sleep 30"
check "the console lists the lab's VMs" screen_has con "con " 10
tmux -S "$TMUX_SOCK" send-keys -t con : m i g r a t e Space c o n Enter
check "the wizard opens on con" screen_has con "step 1 of 5: Kind" 10
tmux -S "$TMUX_SOCK" send-keys -t con Enter
# lab-b passes every check and is the only other host: the placement's
# choice, tagged best (with its reason) where the others say ok
check "the host step shows lab-b as the best host" screen_has con "lab-b  *best" 10
tmux -S "$TMUX_SOCK" send-keys -t con Enter Enter
check "pre-flight: libvirt compared the CPU on lab-b" screen_has con "libvirt on lab-b: its qemu CPU" 10
check "pre-flight: lab-b's free memory from libvirt" screen_has con "libvirt on lab-b: .* free now" 5
tmux -S "$TMUX_SOCK" send-keys -t con d
check "d measures the dirty rate before the move" screen_has con "measured dirty rate: " 15
tmux -S "$TMUX_SOCK" send-keys -t con Enter
sleep 1
tmux -S "$TMUX_SOCK" capture-pane -t con -p | grep -q "accept and go on" &&
    tmux -S "$TMUX_SOCK" send-keys -t con y
check "review" screen_has con "step 5 of 5: Review" 10
tmux -S "$TMUX_SOCK" send-keys -t con Enter
check "the dashboard follows the real migration to DONE" screen_has con "done " 90
tmux -S "$TMUX_SOCK" capture-pane -t con -p >"$OUT/dash.txt"
check "the dashboard's time axis follows the host's clock (seconds, not hours)" \
    sh -c "grep -qE -- '-[0-9.]+ s ' $OUT/dash.txt && ! grep -qE -- '-[0-9]+h[0-9]+m' $OUT/dash.txt"
guest_ok "the guest runs on lab-b, memory intact" b con verify
tmux -S "$TMUX_SOCK" send-keys -t con q
sleep 1
$L virsh b destroy con >/dev/null 2>&1

# ---- abort mid-migration -------------------------------------------------------
$L vm ab a shared 64 40 0 || exit 1
# the binary itself in the background: a shell function would get the
# signal in a subshell that ignores it
"$FERRY" -c "$CFG" migrate ab --to lab-b --policy qemu-default --json \
    >"$OUT/ab.json" 2>&1 &
pid=$!
sleep 4
# while it runs: libvirt's own job shows in the checks, and no measurement
ferry plan ab --to lab-b --json >"$OUT/ab-plan.json" 2>&1
ferry plan ab --to lab-b --measure 1s >"$OUT/ab-measure.txt" 2>&1
mrc=$?
sleep 1
kill -INT $pid
wait $pid
rc=$?
check "Ctrl-C aborts: exit 1, outcome cancelled" python3 -c "
import json; r = json.loads(open('$OUT/ab.json').read().strip().splitlines()[-1])
assert $rc == 1 and r['outcome'] == 'cancelled' and 'still running on lab-a' in r['reason'], r"
check "a running migration is an error in the checks (libvirt's job)" python3 -c "
import json; c = {x['name']: x for x in json.loads(open('$OUT/ab-plan.json').read())['checks']}
assert c['not-migrating']['status'] == 'error' and 'job running' in c['not-migrating']['message'], c"
check "the dirty rate is never measured during a migration" sh -c \
    "[ $mrc = 1 ] && grep -q 'only measured before a move' $OUT/ab-measure.txt"
check "the guest still runs on lab-a, memory intact" $L ctl a ab verify
check "nothing of it is left on lab-b" sh -c "! $L virsh b list --all | grep -q ' ab '"

# ---- the destination's libvirtd dies mid-migration ----------------------------
tmux -S "$TMUX_SOCK" new-session -d -s lost -x 100 -y 30 \
    "TERM=xterm-256color $FERRY -c $CFG; sleep 30"
sleep 2
tmux -S "$TMUX_SOCK" send-keys -t lost 1
"$FERRY" -c "$CFG" migrate ab --to lab-b --policy qemu-default --json \
    >"$OUT/lost.json" 2>&1 &
pid=$!
sleep 6
$L stop-libvirtd b
wait $pid
rc=$?
check "the migration fails cleanly when lab-b's libvirtd stops" python3 -c "
import json; r = json.loads(open('$OUT/lost.json').read().strip().splitlines()[-1])
assert $rc == 1 and r['outcome'] in ('failed', 'cancelled'), r
assert 'still running on lab-a' in r['reason'], r"
check "the guest still runs on lab-a, memory intact" $L ctl a ab verify
check "the console shows lab-b lost within seconds" \
    screen_has lost 'lab-b.*LOST' 10
# the status line says it (or the job's end, which says why it failed)
check "... and says so on the status line" screen_has lost 'host lab-b \(was \)*lost' 1
$L start-libvirtd b
check "and reconnects when it is back" screen_has lost 'lab-b  *up' 20
check "... and says so" screen_has lost 'host lab-b is back' 1
tmux -S "$TMUX_SOCK" send-keys -t lost q

# ---- SSH: hosts reached only over ferry's own libssh sessions -------------------
# A home of its own: ~/.ssh/config aliases for the hosts' management
# addresses, known_hosts, keys; an ssh-agent stopped by PID at exit.
H=$OUT/home
mkdir -p "$H/.ssh"
eval "$(ssh-agent -s)" >/dev/null
AGENT_PID=$SSH_AGENT_PID
ssh-keygen -q -t ed25519 -N '' -C agent -f "$H/.ssh/agent_key"
ssh-add -q "$H/.ssh/agent_key" 2>/dev/null
ssh-keygen -q -t ed25519 -N 'open sesame' -C pp -f "$H/.ssh/pp_key"
ssh-keygen -q -t ed25519 -N '' -C wrong -f "$H/.ssh/wrong_key"
ssh-keygen -q -t ed25519 -N '' -C impostor -f "$OUT/impostor"
cat "$H/.ssh/agent_key.pub" "$H/.ssh/pp_key.pub" >"$LAB/authorized_keys"
rm "$H/.ssh/agent_key" # from now on only the agent has it
ssh_cfg() { # identity file for both aliases
    for h in a b; do
        printf 'Host lab-%s\n  HostName %s\n  User root\n  IdentityFile %s\n' \
            "$h" "$($L maddr $h)" "$1"
    done >"$H/.ssh/config"
}
ssh_cfg "$H/.ssh/agent_key"
known_both() {
    for h in a b; do echo "$($L maddr $h) $($L hostkey $h | cut -d' ' -f1-2)"; done >"$H/.ssh/known_hosts"
}
known_both
for b in 10.77.0.2 10.77.9.9; do
    n=$([ $b = 10.77.0.2 ] && echo ssh || echo ssh-unreach)
    printf '%s\n' "[host lab-a]" "uri = qemu+ssh://lab-a/system" \
        "migration_address = 10.77.0.1" "link_speed = 100mbit" \
        "[host lab-b]" "uri = qemu+ssh://lab-b/system" \
        "migration_address = $b" "link_speed = 100mbit" \
        "[datastore shared]" "shared = yes" \
        "[defaults]" "log_dir = $LAB/logs" >"$OUT/$n.ini"
done
printf '[host lab-a]\nuri = qemu+ssh://lab-a/system\n' >"$OUT/ssh-a.ini"
sf() { HOME=$H "$FERRY" "$@"; }
$L vm m2 a shared 64 4 0 || exit 1

sf -c "$OUT/ssh.ini" list hosts --json >"$OUT/ssh-hosts.json" 2>&1
check "known hosts, agent auth: both hosts are up over SSH" python3 -c "
import json; h = {x['name']: x for x in json.load(open('$OUT/ssh-hosts.json'))}
for n in ('lab-a', 'lab-b'):
    assert h[n]['up'] and h[n]['uri'] == 'qemu+ssh://%s/system' % n, h[n]
    assert h[n]['ssh'].startswith('root@10.77.'), h[n]
    assert 'agent' in h[n]['ssh'] and 'SHA256:' in h[n]['ssh'], h[n]"
for h in a b; do
    fp=$($L hostkey $h | ssh-keygen -lf - | awk '{print $2}')
    check "lab-$h's fingerprint is the one its sshd has" \
        python3 -c "
import json; h = {x['name']: x for x in json.load(open('$OUT/ssh-hosts.json'))}
assert h['lab-$h']['ssh'].endswith('$fp'), h['lab-$h']"
done
check "the probes report the hosts' kernel and QEMU" python3 -c "
import json, subprocess
k = subprocess.check_output(['uname', '-r'], text=True).strip()
q = subprocess.check_output(['qemu-system-x86_64', '--version'], text=True).split()[3]
for x in json.load(open('$OUT/ssh-hosts.json')):
    assert x['probe'].startswith('kernel %s, QEMU %s, clock ' % (k, q)), (x['probe'], k, q)"
sf -c "$OUT/ssh.ini" plan m2 --to lab-b --json >"$OUT/ssh-plan.json" 2>&1
check "pre-flight over SSH: lab-a reaches lab-b's migration address, clocks agree, same QEMU" python3 -c "
import json; c = {x['name']: x for x in json.load(open('$OUT/ssh-plan.json'))['checks']}
assert c['migration-net']['status'] == 'ok' and '10.77.0.2' in c['migration-net']['message'], c
assert c['clock']['status'] == 'ok' and c['qemu-version']['status'] == 'ok', c"
sf -c "$OUT/ssh-unreach.ini" plan m2 --to lab-b --json >"$OUT/ssh-unreach.json" 2>&1
check "a migration address lab-a cannot reach is an error, with the reason" python3 -c "
import json; c = {x['name']: x for x in json.load(open('$OUT/ssh-unreach.json'))['checks']}
m = c['migration-net']
assert m['status'] == 'error' and '10.77.9.9' in m['message'] and 'unreachable' in m['message'], m"
sf -c "$OUT/ssh.ini" plan m2 --datastore fast@lab-a --json >"$OUT/ssh-fs.json" 2>&1
avail=$($L inhost a df -P -B1 /var/lib/libvirt/fast | awk 'NR == 2 {print $4}')
check "the free space of the pool's filesystem comes from df on the host" python3 -c "
import json, re; c = {x['name']: x for x in json.load(open('$OUT/ssh-fs.json'))['checks']}
m = c['filesystem-space']['message']
assert m.startswith('df on lab-a: /var/lib/libvirt/fast has '), m
n, u = re.search(r'has ([0-9.]+) (\w+) free', m).groups()
got = float(n) * {'B': 1, 'KiB': 1024, 'MiB': 1 << 20, 'GiB': 1 << 30, 'TiB': 1 << 40}[u]
assert abs(got - $avail) <= 0.02 * $avail, (got, $avail)"

sf -c "$OUT/ssh.ini" migrate m2 --to lab-b --json >"$OUT/ssh-mig.json" 2>&1
check "a live migration between two hosts reached only over SSH completes" python3 -c "
import json; r = json.loads(open('$OUT/ssh-mig.json').read().strip().splitlines()[-1])
assert r['outcome'] == 'completed' and r['verified'], r"
guest_ok "the guest runs on lab-b, memory intact" b m2 verify
$L virsh b destroy m2 >/dev/null 2>&1

# A server checks a host's key and credentials when it connects: each
# case below gets a fresh one.
fresh() { sf -c "$OUT/ssh-a.ini" kill-server >/dev/null 2>&1; }
: >"$H/.ssh/known_hosts"
fresh
sf -c "$OUT/ssh-a.ini" list hosts >"$OUT/unknown.txt" 2>&1
rc=$?
check "an unknown host key is refused without --accept-new, with the fingerprint" sh -c \
    "[ $rc = 2 ] && grep -q \"can't be established\" $OUT/unknown.txt &&
     grep -q 'SHA256:' $OUT/unknown.txt && grep -q -- '--accept-new' $OUT/unknown.txt &&
     [ ! -s $H/.ssh/known_hosts ]"
fresh
sf -c "$OUT/ssh-a.ini" --accept-new list hosts >"$OUT/accept.txt" 2>&1
rc=$?
hk="$($L maddr a) ssh-ed25519 $($L hostkey a | cut -d' ' -f2)"
check "--accept-new records it in known_hosts and connects" sh -c \
    "[ $rc = 0 ] && grep -q '^lab-a .* up' $OUT/accept.txt &&
     grep -qF '$hk' $H/.ssh/known_hosts"
echo "$($L maddr a) $(cut -d' ' -f1-2 "$OUT/impostor.pub")" >"$H/.ssh/known_hosts"
cp "$H/.ssh/known_hosts" "$OUT/kh.before"
fresh
sf -c "$OUT/ssh-a.ini" --accept-new list hosts >"$OUT/changed.txt" 2>&1
rc=$?
check "a changed host key is refused even with --accept-new, naming the known_hosts line" sh -c \
    "[ $rc = 2 ] && grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED' $OUT/changed.txt &&
     grep -q '$H/.ssh/known_hosts:1' $OUT/changed.txt &&
     cmp -s $OUT/kh.before $H/.ssh/known_hosts"
known_both
ssh_cfg "$H/.ssh/wrong_key"
fresh
SSH_AUTH_SOCK= sf -c "$OUT/ssh-a.ini" list hosts >"$OUT/wrong.txt" 2>&1
rc=$?
check "a key the host does not accept is refused with a clear message" sh -c \
    "[ $rc = 2 ] && grep -q 'Permission denied (publickey) for root@$($L maddr a)' $OUT/wrong.txt"

# the console asks: host key, then the key's passphrase (wrong, then right)
: >"$H/.ssh/known_hosts"
ssh_cfg "$H/.ssh/pp_key"
fresh
tmux -S "$TMUX_SOCK" new-session -d -s sshc -x 80 -y 24 \
    "SSH_AUTH_SOCK= HOME=$H TERM=xterm-256color $FERRY -c $OUT/ssh-a.ini; sleep 30"
fp=$($L hostkey a | ssh-keygen -lf - | awk '{print $2}')
check "the console asks about lab-a's unknown host key" screen_has sshc "Host key of lab-a" 15
check "... showing its ED25519 fingerprint whole" screen_has sshc "$fp" 1
tmux -S "$TMUX_SOCK" send-keys -t sshc maybe Enter
check "... and insists on yes or no" screen_has sshc "Please type 'yes' or 'no'" 5
tmux -S "$TMUX_SOCK" send-keys -t sshc C-u yes Enter
check "accepting asks for the key's passphrase" screen_has sshc "Enter passphrase for key '$H/.ssh/pp_key'" 15
tmux -S "$TMUX_SOCK" send-keys -t sshc 'wrong one'
check "the passphrase is not echoed" sh -c "! tmux -S $TMUX_SOCK capture-pane -t sshc -p | grep -q 'wrong one'"
tmux -S "$TMUX_SOCK" send-keys -t sshc Enter
check "a wrong passphrase is asked again" screen_has sshc "Bad passphrase, try again" 10
tmux -S "$TMUX_SOCK" send-keys -t sshc 'open sesame' Enter
check "the right one connects lab-a over SSH" screen_has sshc "host lab-a is up over SSH" 20
check "the host key is in known_hosts now" grep -qF "$hk" "$H/.ssh/known_hosts"
tmux -S "$TMUX_SOCK" send-keys -t sshc 1
check "the host view shows how lab-a is reached and what the probe found" \
    screen_has sshc "kernel $(uname -r), QEMU" 10
tmux -S "$TMUX_SOCK" send-keys -t sshc q

echo "$checks checks, $fails failed, $known known guest crashes (QEMU TCG)"
[ $fails -eq 0 ]
