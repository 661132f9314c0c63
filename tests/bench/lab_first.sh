#!/bin/sh
# Lab benchmark: the first move of a VM ferry never saw (no flight log, no
# measurement), between the two lab hosts (tests/lab). Prints, per
# workload, what ferry predicted for the whole move before the start, what
# its engine predicted 3 s into the copy and a quarter into it (job time +
# the engine's remaining time, from the flight log's samples), and the
# real total. The lab guests fill a working set and leave the rest of
# their memory zero, as a freshly booted guest does. Rows marked +m were
# planned after `--measure 3s` (dirty rate and zero pages read);
# FERRY_BENCH_MEASURE=no leaves them out (a ferry without it).
# Usage: lab_first.sh FERRY [CONFIG]   (CONFIG: another ferry.ini for the
# lab's hosts, e.g. one an older ferry reads)
set -u
FERRY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")/../lab" && pwd)
LAB=${FERRY_LAB_DIR:-/var/tmp/ferry-lab}
export FERRY_LAB_DIR="$LAB"
L="sh $HERE/lab.sh"
OUT=$(mktemp -d /tmp/ferry-bench-first.XXXXXX)
export XDG_RUNTIME_DIR="$OUT/run" XDG_STATE_HOME="$OUT/state"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
trap '$L down >/dev/null 2>&1; rm -rf "$OUT"' EXIT INT TERM

$L up >/dev/null || exit 1
CFG=${2:-$LAB/ferry.ini}
mkdir -p "$LAB/logs"
printf '%-22s %9s %9s %9s %9s %8s %8s %8s\n' WORKLOAD PLAN AT3S AT25% ACTUAL \
    ERR_PLAN ERR_3S ERR_25%
n=0
MEASURE=${FERRY_BENCH_MEASURE:-yes}
for w in "16 2" "64 4" "128 2"; do
  for how in plain measure; do
    [ $how = measure ] && [ "$MEASURE" != yes ] && continue
    set -- $w
    n=$((n + 1))
    vm=f$n
    opt=; label="$1 MiB @ $2 MiB/s"
    [ $how = measure ] && opt="--measure 3s" label="$label +m"
    rm -f "$LAB"/logs/*-"$vm"-*.jsonl # really the first
    $L vm "$vm" a shared "$1" "$2" 0 >/dev/null || exit 1
    "$FERRY" -c "$CFG" migrate "$vm" --to lab-b --policy ferry $opt \
        --max-time 90s --json >"$OUT/r.json" 2>&1
    log=$(ls -t "$LAB"/logs/*-"$vm"-*.jsonl 2>/dev/null | head -n 1)
    python3 - "$log" "$label" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
h, r = lines[0], lines[-1]
plan = h["prediction"]["total_ms"]
act = r.get("total_ms")
samples = [l for l in lines if l.get("type") == "sample" and
           "eta_ms" in l.get("pred", {})]
def at(t):
    for s in samples:
        if s["t_ms"] >= t:
            return s["t_ms"] + s["pred"]["eta_ms"]
    return None
p3, p25 = at(3000), at(act / 4 if act else 0)
def err(p):
    return "%+.0f%%" % (100.0 * (p - act) / act) if p and act else "-"
f = lambda v: "%8.1fs" % (v / 1000.0) if v else "%9s" % "-"
print("%-22s %s %s %s %s %8s %8s %8s" % (sys.argv[2], f(plan), f(p3), f(p25),
      f(act), err(plan), err(p3), err(p25)))
PY
    $L virsh b destroy "$vm" >/dev/null 2>&1
    for f in "$XDG_RUNTIME_DIR"/ferry/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  done
done
