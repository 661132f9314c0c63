#!/bin/sh
# Lab benchmark: real migrations between the two lab hosts (tests/lab) for
# a few workloads and policies; prints a table of what happened against
# what ferry predicted before the start. Usage: lab.sh FERRY [POLICY...]
#
# Each workload's guest is first moved once with the ferry policy (the
# "first" row): ferry has never seen it, so that prediction starts from
# the VM's size alone. Later rows start from what the previous move of the
# same VM measured (its flight log), as an operator's second move would.
set -u
FERRY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
POLICIES=${*:-ferry qemu-default ovirt-postcopy nova}
HERE=$(cd "$(dirname "$0")/../lab" && pwd)
LAB=${FERRY_LAB_DIR:-/var/tmp/ferry-lab}
export FERRY_LAB_DIR="$LAB"
L="sh $HERE/lab.sh"
OUT=$(mktemp -d /tmp/ferry-bench-lab.XXXXXX)
trap '$L down >/dev/null 2>&1; rm -rf "$OUT"' EXIT INT TERM

$L up >/dev/null || exit 1
mkdir -p "$LAB/logs"
printf '%-16s %-15s %-9s %9s %9s %7s %9s %6s %9s %7s\n' WORKLOAD POLICY OUTCOME \
    PREDICTED ACTUAL ERR DOWNTIME ROUNDS SENT BUDGET
n=0
for w in "16 2" "64 8" "64 40"; do
    set -- $w
    n=$((n + 1))
    vm=b$n
    rm -f "$LAB"/logs/*-"$vm"-*.jsonl # "first" must really be the first
    $L vm "$vm" a shared "$1" "$2" 0 >/dev/null || exit 1
    host=a
    for pol in first $POLICIES; do
        to=$([ $host = a ] && echo lab-b || echo lab-a)
        p=$([ $pol = first ] && echo ferry || echo "$pol")
        "$FERRY" -c "$LAB/ferry.ini" migrate "$vm" --to "$to" --policy "$p" \
            --max-time 60s --json >"$OUT/r.json" 2>&1
        python3 - "$OUT/r.json" "$1 MiB @ $2 MiB/s" "$pol" <<'PY'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
pred, act = r.get("predicted_total_ms"), r["total_ms"]
err = "%+.0f%%" % (100.0 * (pred - act) / act) if pred and r["outcome"] == "completed" else "-"
print("%-16s %-15s %-9s %8.1fs %8.1fs %7s %7dms %6d %7.0fMiB %5dms" % (
    sys.argv[2], sys.argv[3], r["outcome"], (pred or 0) / 1000.0, act / 1000.0,
    err, r["downtime_ms"], r["rounds"], r["bytes_sent"] / 1048576.0,
    r["downtime_budget_ms"]))
PY
        if grep -q '"outcome":"completed"' "$OUT/r.json"; then
            host=$([ $host = a ] && echo b || echo a)
        fi
    done
    $L virsh $host destroy "$vm" >/dev/null 2>&1
done
