# Shared by the lab's tests (sourced): checks, waits, a guest's own
# verdict after a move, and ferry's servers stopped by PID. The sourcing
# script sets L (lab.sh), LAB and OUT, and counts in fails, checks, known.
T0=$(date +%s)
since() { echo "$(($(date +%s) - T0)) s"; }
ok() { checks=$((checks + 1)); echo "ok   $* [$(since)]"; }
no() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $* [$(since)]"; }
check() { # description, command...
    d=$1; shift
    if "$@" >"$OUT/check.log" 2>&1; then ok "$d"; else
        no "$d"; sed 's/^/     | /' "$OUT/check.log" | tail -15; fi
}
# wait_for SECONDS COMMAND...: until it succeeds; on a timeout, what its
# last try printed
wait_for() {
    s=$1; shift
    end=$(($(date +%s) + s))
    while :; do
        "$@" >"$OUT/try.log" 2>&1 && return 0
        [ "$(date +%s)" -lt "$end" ] || { cat "$OUT/try.log"; return 1; }
        sleep 0.5
    done
}
# A guest's own check after a move. QEMU 7.2 under TCG sometimes breaks a
# guest's kernel across a live migration (LAB-NOTES): an oops on its
# console, or silence with its domain running, is reported as KNOWN; a
# wrong answer fails.
guest_ok() { # description, host, vm, command
    d=$1 h=$2 vm=$3; shift 3
    if $L ctl "$h" "$vm" "$@" >"$OUT/check.log" 2>&1; then ok "$d"; return; fi
    log=$(grep -lE 'Oops|BUG:|general protection fault|Kernel panic' \
        "$LAB"/hosts/*/log/qemu/"$vm"-console.log 2>/dev/null | head -n 1)
    if [ -n "$log" ]; then
        checks=$((checks + 1)); known=$((known + 1))
        echo "KNOWN $d: the guest kernel crashed after the move (QEMU TCG):"
        grep -m 3 -E 'BUG:|RIP:|general protection' "$log" | sed 's/^/     | /'
    elif grep -q "TimeoutError" "$OUT/check.log" &&
         $L virsh "$h" domstate "$vm" 2>/dev/null | grep -q running; then
        checks=$((checks + 1)); known=$((known + 1))
        echo "KNOWN $d: the guest stopped answering after the move, no oops on its console (QEMU TCG)"
    else
        no "$d"; sed 's/^/     | /' "$OUT/check.log" | tail -5
    fi
}
# ferry's servers (and fail-safes) of this test's runtime directory
stop_servers() {
    for f in "$XDG_RUNTIME_DIR"/ferry/*.pid "$XDG_RUNTIME_DIR"/ferry/*.guard; do
        [ -f "$f" ] || continue
        p=$(cat "$f"); kill "$p" 2>/dev/null
        i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    done
}
