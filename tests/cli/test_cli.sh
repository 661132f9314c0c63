#!/bin/sh
# The command line contract (DESIGN.md): outputs, JSON shapes, exit codes.
set -u
FERRY=${1:?usage: test_cli.sh path/to/ferry}
TMP=$(mktemp -d)
# Servers this test starts live in its own runtime directory and are
# stopped by the PIDs they wrote there.
stop_servers() {
    for f in "$TMP"/run/ferry/*.pid; do
        [ -f "$f" ] || continue
        p=$(cat "$f"); kill "$p" 2>/dev/null
        i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    done
}
trap 'stop_servers; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok - $1"; }
no() { fail=$((fail + 1)); echo "not ok - $1"; }
expect_rc() { # want desc cmd...
    want=$1 desc=$2; shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"; rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$desc"; else no "$desc (exit $rc, want $want): $(cat "$TMP/err")"; fi
}
json_ok() { # desc python-expression (over `d`, the parsed stdout)
    if python3 -c "import json,sys; d=json.load(open('$TMP/out')); sys.exit(0 if ($2) else 1)"; then ok "$1"; else no "$1"; fi
}

export HOME="$TMP/home" XDG_STATE_HOME="$TMP/state" XDG_RUNTIME_DIR="$TMP/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
expect_rc 0 "list vms --json" "$FERRY" --demo list vms --json
json_ok "vms have name, host, state, memory_bytes" "len(d) >= 12 and all(set(['name','host','state','memory_bytes']) <= set(v) for v in d)"
expect_rc 0 "list datastores --json" "$FERRY" list datastores --json
json_ok "datastores have capacity, free, shared" "all(set(['name','capacity_bytes','free_bytes','shared']) <= set(v) for v in d)"
expect_rc 0 "list hosts" "$FERRY" list hosts --json
json_ok "hosts have names" "len(d) >= 4 and all('name' in h for h in d)"
expect_rc 2 "list without what" "$FERRY" list

expect_rc 0 "plan --json" "$FERRY" plan web-01 --to hv-02 --json
json_ok "plan has checks and prediction" "set(['converges','total_ms','downtime_ms','rounds','bytes']) <= set(d['prediction']) and all(set(['name','status','message']) <= set(c) for c in d['checks'])"
expect_rc 1 "plan to an incompatible CPU fails" "$FERRY" plan db-02 --to hv-04
grep -q "avx512f" "$TMP/out" && ok "plan names the missing CPU flag" || no "plan names the missing CPU flag"

"$FERRY" migrate web-01 --to hv-02 --json --log "$TMP/web.jsonl" >"$TMP/mig" 2>"$TMP/err"; rc=$?
[ $rc -eq 0 ] && ok "migrate completes (exit 0)" || no "migrate completes (exit $rc)"
tail -n 1 "$TMP/mig" >"$TMP/out"
json_ok "migrate --json ends in a result" "d['type']=='result' and d['outcome']=='completed' and all(k in d for k in ['reason','total_ms','downtime_ms','downtime_budget_ms','rounds','bytes_sent','policy'])"
head -n 1 "$TMP/web.jsonl" >"$TMP/out"
json_ok "flight log starts with a header" "d['type']=='header' and d['format']=='ferry-flightlog'"

"$FERRY" migrate cache-01 --to hv-01 --policy kubevirt --json --no-log >"$TMP/mig" 2>"$TMP/err"; rc=$?
[ $rc -eq 1 ] && ok "an aborted migration exits 1" || no "an aborted migration exits 1 (got $rc)"
tail -n 1 "$TMP/mig" >"$TMP/out"
json_ok "aborted result says cancelled with a reason" "d['outcome']=='cancelled' and 'progress' in d['reason']"

"$FERRY" migrate web-02 --to hv-03 --no-log >/dev/null 2>&1
ls "$TMP/state/ferry/logs" >/dev/null 2>&1 && no "--no-log writes no log" || ok "--no-log writes no log"
"$FERRY" migrate web-02 --to hv-02 >/dev/null 2>&1
ls "$TMP/state/ferry/logs"/*web-02*.jsonl >/dev/null 2>&1 && ok "default log directory is XDG state" || no "default log directory is XDG state"

expect_rc 2 "unknown VM" "$FERRY" migrate nosuch --to hv-02
grep -q "nosuch" "$TMP/err" && ok "unknown VM is named" || no "unknown VM is named"
expect_rc 2 "bad downtime" "$FERRY" migrate web-01 --to hv-02 --downtime soon
expect_rc 2 "unknown policy" "$FERRY" migrate web-01 --to hv-02 --policy yolo
expect_rc 2 "unknown option" "$FERRY" migrate web-01 --to hv-02 --fast
expect_rc 2 "storage without datastore" "$FERRY" migrate web-01 --kind storage

printf '[host a]\nmemory = 1GiB\n[vm v]\nhost = a\nmemory = lots\n' >"$TMP/bad.ini"
expect_rc 2 "bad --sim file" "$FERRY" --sim "$TMP/bad.ini" list vms
grep -q "bad.ini:5: \[vm v\] memory" "$TMP/err" && ok "bad --sim names file, line, key" || no "bad --sim names file, line, key: $(cat "$TMP/err")"
printf '[policy p]\nstep = whenever : abort\n' >"$TMP/ferry.ini"
expect_rc 2 "bad config" "$FERRY" -c "$TMP/ferry.ini" list vms
grep -q "ferry.ini:2" "$TMP/err" && ok "bad config names file and line" || no "bad config names file and line"
printf '[queue]\nhost_limit = 4\n\nstorage_host_cost = lots\n' >"$TMP/ferry.ini"
expect_rc 2 "bad [queue] value" "$FERRY" -c "$TMP/ferry.ini" list vms
grep -q "ferry.ini:4" "$TMP/err" && ok "bad [queue] value names file and line" || no "bad [queue] value names file and line: $(cat "$TMP/err")"
printf '[queue]\nhost_limit = 4\n' >"$TMP/ferry.ini"
expect_rc 0 "a good [queue] section is accepted" "$FERRY" -c "$TMP/ferry.ini" list vms
expect_rc 2 "--measure needs a duration of 1s to 60s" "$FERRY" plan cache-01 --to hv-01 --measure 10ms
grep -q "between 1s and 60s" "$TMP/err" && ok "--measure says the range" || no "--measure says the range: $(cat "$TMP/err")"
expect_rc 2 "--measure with a bad duration" "$FERRY" plan cache-01 --to hv-01 --measure soon
expect_rc 0 "plan --measure: measured, then the checks" "$FERRY" plan cache-01 --to hv-01 --measure 1s
grep -q "cache-01: measured dirty rate" "$TMP/out" && ok "--measure prints the measured rate" || no "--measure prints the measured rate"
expect_rc 0 "plan --measure --json" "$FERRY" plan cache-01 --to hv-01 --measure 1s --json
json_ok "plan --json has the measured rate" "d['measured_dirty_bps'] > 100 << 20"
printf '[policy patient]\nmode = schedule\ndowntime_limit = 5s\n' >"$TMP/ferry.ini"
expect_rc 0 "config policy is usable" "$FERRY" -c "$TMP/ferry.ini" migrate cache-01 --to hv-01 --policy patient --no-log

printf '[defaults]\nlog_dir = %s/mylogs\npolicy = kubevirt\ndowntime = 450ms\n' "$TMP" >"$TMP/defaults.ini"
"$FERRY" -c "$TMP/defaults.ini" migrate web-01 --to hv-02 --json >"$TMP/mig" 2>"$TMP/err"
tail -n 1 "$TMP/mig" >"$TMP/out"
json_ok "[defaults] policy and downtime apply" "d['policy']=='kubevirt' and d['downtime_budget_ms']==450"
ls "$TMP/mylogs"/*web-01*.jsonl >/dev/null 2>&1 && ok "[defaults] log_dir is kept beside policy" || no "[defaults] log_dir is kept beside policy"

# replay: summary, CSV, what-if and bad logs, without a terminal
"$FERRY" migrate cache-01 --to hv-01 --log "$TMP/cache.jsonl" >/dev/null 2>&1
expect_rc 0 "replay --summary" "$FERRY" replay "$TMP/cache.jsonl" --summary
grep -q "^outcome    completed in 20.7 s" "$TMP/out" && ok "summary: outcome and total time" || no "summary: outcome and total time: $(head -5 "$TMP/out")"
grep -q "^downtime   29 ms real, budget 300 ms (within)" "$TMP/out" && ok "summary: real downtime against the budget" || no "summary: real downtime against the budget"
grep -q "^stall      from .* dirtied memory at" "$TMP/out" && ok "summary: the stall explained" || no "summary: the stall explained"
grep -q "postcopy  will not converge" "$TMP/out" && ok "summary: decisions with reasons" || no "summary: decisions with reasons"
expect_rc 0 "replay --export csv" "$FERRY" replay "$TMP/cache.jsonl" --export csv -o "$TMP/cache.csv"
samples=$(grep -c '"type":"sample"' "$TMP/cache.jsonl")
[ "$(wc -l <"$TMP/cache.csv")" -eq $((samples + 1)) ] && ok "csv: a row per sample and a header" || no "csv: a row per sample and a header"
head -1 "$TMP/cache.csv" | grep -q "^t_ms,phase,status,stage,guest_paused,data_total" && ok "csv: header row" || no "csv: header row"
expect_rc 0 "replay --what-if with its own policy" "$FERRY" replay "$TMP/cache.jsonl" --what-if ferry
grep -q "^total time    20.7 s  *20.7 s" "$TMP/out" && grep -q "^downtime      29 ms  *29 ms" "$TMP/out" && ok "what-if with its own policy reproduces the outcome" || no "what-if with its own policy reproduces the outcome: $(cat "$TMP/out")"
expect_rc 0 "replay --what-if another policy and budget" "$FERRY" replay "$TMP/cache.jsonl" --what-if ovirt-postcopy --downtime 500ms
grep -q "what-if: ovirt-postcopy, 500 ms" "$TMP/out" && ok "what-if shows both outcomes side by side" || no "what-if shows both outcomes side by side"
expect_rc 2 "replay --what-if an unknown policy" "$FERRY" replay "$TMP/cache.jsonl" --what-if nosuch
grep -q "no policy named 'nosuch'" "$TMP/err" && ok "unknown what-if policy is named" || no "unknown what-if policy is named"
expect_rc 2 "replay --export xml" "$FERRY" replay "$TMP/cache.jsonl" --export xml
expect_rc 2 "replay without a terminal" "$FERRY" replay "$TMP/cache.jsonl"
grep -q "needs a terminal" "$TMP/err" && ok "replay says it needs a terminal" || no "replay says it needs a terminal"
echo "hello" >"$TMP/notalog.txt"
expect_rc 2 "replay of a file that is not a log" "$FERRY" replay "$TMP/notalog.txt" --summary
grep -q "notalog.txt: not a ferry flight log" "$TMP/err" && ok "not a log: says so" || no "not a log: says so: $(cat "$TMP/err")"
sed '1s/"version":1/"version":9/' "$TMP/cache.jsonl" >"$TMP/v9.jsonl"
expect_rc 2 "replay of an unknown format version" "$FERRY" replay "$TMP/v9.jsonl" --summary
grep -q "v9.jsonl: flight log format version 9; this ferry reads version 1" "$TMP/err" && ok "unknown version refused clearly" || no "unknown version refused clearly: $(cat "$TMP/err")"
{ head -n 4 "$TMP/cache.jsonl"; echo '{"type":"sample","t_ms":'; sed -n '6,40p' "$TMP/cache.jsonl"; head -c 100 "$TMP/cache.jsonl" | tail -c 50; } >"$TMP/broken.jsonl"
expect_rc 0 "replay of a corrupt, cut-short log" "$FERRY" replay "$TMP/broken.jsonl" --export csv
grep -q "broken.jsonl:5: line skipped: incomplete JSON" "$TMP/err" && ok "corrupt line reported with its number" || no "corrupt line reported with its number: $(cat "$TMP/err")"
"$FERRY" replay "$TMP/broken.jsonl" --summary >"$TMP/out" 2>&1
grep -q "cut short: no result line" "$TMP/out" && grep -q "line 41 was cut off" "$TMP/out" && ok "cut-short log: noted in the summary" || no "cut-short log: noted in the summary: $(tail -5 "$TMP/out")"

# Names as long as libvirt allows are shown whole: lists, JSON, migrate,
# its flight log and the summary (200-character VM, host and datastore)
LV=vm-$(printf '%0197d' 0 | tr 0 v) LH=host-$(printf '%0195d' 0 | tr 0 h) LD=ds-$(printf '%0197d' 0 | tr 0 d)
printf '[sim]\nseed = 1\n[host %s]\nmemory = 64GiB\n[host short]\nmemory = 64GiB\n[datastore %s]\nhosts = *\ncapacity = 1TiB\n[vm %s]\nhost = short\nmemory = 1GiB\ndisks = vda:%s:10GiB\nworkload = web\n' "$LH" "$LD" "$LV" "$LD" >"$TMP/long.ini"
expect_rc 0 "list vms with 200-character names" "$FERRY" --sim "$TMP/long.ini" list vms
grep -q -- "^$LV  *short .*$LD\$" "$TMP/out" && ok "list vms: a long VM and datastore name whole" || no "list vms: a long VM and datastore name whole: $(cut -c1-120 "$TMP/out")"
expect_rc 0 "list vms --json with 200-character names" "$FERRY" --sim "$TMP/long.ini" list vms --json
json_ok "list vms --json: the long VM name whole" "any(v['name']=='$LV' and v['host']=='short' for v in d)"
expect_rc 0 "list hosts with a 200-character name" "$FERRY" --sim "$TMP/long.ini" list hosts
grep -q -- "^$LH " "$TMP/out" && ok "list hosts: a long host name whole" || no "list hosts: a long host name whole"
expect_rc 0 "list hosts --json with a 200-character name" "$FERRY" --sim "$TMP/long.ini" list hosts --json
json_ok "list hosts --json: the long host name whole" "any(h['name']=='$LH' for h in d)"
expect_rc 0 "migrate a 200-character VM to a 200-character host" "$FERRY" --sim "$TMP/long.ini" migrate "$LV" --to "$LH"
grep -q -- "^$LV: compute short -> $LH" "$TMP/out" && ok "migrate: both names whole" || no "migrate: both names whole: $(head -c 300 "$TMP/out")"
log=$(sed -n 's/^flight log: //p' "$TMP/out")
[ -f "$log" ] && ok "migrate: the flight log of a long-named VM is written" || no "migrate: the flight log of a long-named VM is written ($log)"
head -n 1 "$log" >"$TMP/out"
json_ok "flight log header: the names whole" "d['job']['vm']=='$LV' and d['job']['source']=='short' and d['job']['destination']=='$LH'"
expect_rc 0 "replay --summary of a long-named VM's log" "$FERRY" replay "$log" --summary
grep -q -- "^$LV  short -> $LH  compute" "$TMP/out" && ok "summary: both names whole" || no "summary: both names whole: $(head -c 300 "$TMP/out")"
grep -q "^outcome    completed in" "$TMP/out" && ok "summary: a long-named VM's outcome" || no "summary: a long-named VM's outcome"
"$FERRY" --sim "$TMP/long.ini" migrate "$LV" --to short --json --no-log >"$TMP/mig" 2>"$TMP/err"
tail -n 1 "$TMP/mig" >"$TMP/out"
json_ok "migrate --json: the result of a long-named VM" "d['type']=='result' and d['outcome']=='completed'"

# --help, --version and the manual page
expect_rc 0 "--help" "$FERRY" --help
grep -q "^usage: ferry" "$TMP/out" && ok "--help prints the usage on stdout" || no "--help prints the usage on stdout"
expect_rc 0 "-h" "$FERRY" -h
grep -q "^usage: ferry" "$TMP/out" && ok "-h is --help" || no "-h is --help"
# Evacuations: the plan with reasons, exit codes, maintenance, --to auto.
expect_rc 1 "evacuate --dry-run leaves VMs that cannot go (exit 1)" "$FERRY" evacuate hv-02 --dry-run --json
json_ok "the plan has moves with destinations, predictions and reasons" "d['state']=='planned' and len(d['moves'])>=2 and all(m['to'] and m['reason'] and m['predicted_ms']>0 and m['order']>=1 for m in d['moves']) and d['planned_ms']>0"
json_ok "the plan lists VMs that stay, with reasons" "any(s['vm']=='gpu-01' and 'passed through' in s['reason'] for s in d['stays'])"
expect_rc 0 "evacuate --dry-run of a host that can empty (exit 0)" "$FERRY" evacuate hv-03 --dry-run --include-shutoff
grep -q "predicted: hv-03 empty" "$TMP/out" && ok "the plan says when the host is empty" || no "the plan says when the host is empty: $(cat "$TMP/out")"
expect_rc 2 "evacuate an unknown host" "$FERRY" evacuate hv-99
grep -q "no host named 'hv-99'" "$TMP/err" && ok "it names the host" || no "it names the host: $(cat "$TMP/err")"
expect_rc 2 "evacuate --to an unknown host" "$FERRY" evacuate hv-03 --to hv-01,nope
expect_rc 2 "evacuate --to itself" "$FERRY" evacuate hv-03 --to hv-03
expect_rc 2 "evacuate with an unknown policy" "$FERRY" evacuate hv-03 --policy yolo
expect_rc 0 "evacuate hv-03 empties it" "$FERRY" evacuate hv-03 --include-shutoff
grep -q "hv-03 is empty" "$TMP/out" && ok "it says the host is empty" || no "it says the host is empty: $(cat "$TMP/out")"
expect_rc 0 "list hosts --json" "$FERRY" list hosts --json
json_ok "hv-03 is empty and in maintenance" "[h for h in d if h['name']=='hv-03'][0]['maintenance'] and [h for h in d if h['name']=='hv-03'][0]['vms']==0"
expect_rc 1 "a move to a host in maintenance fails its check" "$FERRY" migrate web-01 --to hv-03
grep -q "maintenance" "$TMP/err" && ok "the check says maintenance" || no "the check says maintenance: $(cat "$TMP/err")"
expect_rc 0 "maintenance lists hv-03" "$FERRY" maintenance
grep -q "hv-03 is in maintenance" "$TMP/out" && ok "maintenance names it" || no "maintenance names it"
expect_rc 2 "maintenance with a bad word" "$FERRY" maintenance hv-03 maybe
expect_rc 0 "maintenance off" "$FERRY" maintenance hv-03 off
expect_rc 0 "list hosts --json" "$FERRY" list hosts --json
json_ok "hv-03 is out of maintenance" "not [h for h in d if h['name']=='hv-03'][0]['maintenance']"
expect_rc 0 "migrate --to auto" "$FERRY" migrate web-01 --to auto
grep -q "^--to auto: hv-0[0-9] (" "$TMP/out" && ok "--to auto names the host and why" || no "--to auto names the host and why: $(head -2 "$TMP/out")"
expect_rc 0 "evacuate --detach" "$FERRY" evacuate hv-04 --detach --json
json_ok "--detach prints the running evacuation" "d['state'] in ('running','ended') and d['id']>0"

expect_rc 0 "--version" "$FERRY" --version
grep -Eq "^ferry [0-9]+\.[0-9]+\.[0-9]+$" "$TMP/out" && ok "--version prints the version" || no "--version prints the version: $(cat "$TMP/out")"
version=$(cut -d' ' -f2 "$TMP/out")
BUILD=$(dirname "$FERRY")
if LANG=C MANWIDTH=80 man --warnings -l "$BUILD/ferry.1" >"$TMP/man" 2>"$TMP/manerr" && [ ! -s "$TMP/manerr" ]; then
    ok "ferry.1 renders without warnings"
else
    no "ferry.1 renders without warnings: $(cat "$TMP/manerr")"
fi
grep -q "ferry $version" "$TMP/man" && ok "ferry.1 carries the version" || no "ferry.1 carries the version"
missing=""
for o in $("$FERRY" --help | grep -o -- '--[a-z][a-z-]*\|-[a-z]\b' | sort -u); do
    grep -q -- "$o" "$TMP/man" || missing="$missing $o"
done
[ -z "$missing" ] && ok "every option of --help is in ferry.1" || no "options missing from ferry.1:$missing"
for sec in SYNOPSIS COMMANDS FILES ENVIRONMENT "EXIT STATUS" EXAMPLES NO_COLOR XDG_STATE_HOME ferry.ini; do
    grep -q "$sec" "$TMP/man" || missing="$missing '$sec'"
done
[ -z "$missing" ] && ok "ferry.1 has synopsis, commands, files, environment, exit status, examples" || no "ferry.1 lacks$missing"
if meson install -C "$BUILD" --no-rebuild --destdir "$TMP/dest" >"$TMP/inst" 2>&1; then
    page=$(find "$TMP/dest" -path '*/man1/ferry.1' | head -n 1)
    if [ -n "$page" ] && LANG=C MANPATH="${page%/man1/ferry.1}" man ferry 2>/dev/null | grep -q "live migration console"; then
        ok "meson install puts ferry(1) where man finds it"
    else
        no "meson install puts ferry(1) where man finds it ($page)"
    fi
else
    no "meson install --destdir: $(tail -3 "$TMP/inst")"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
