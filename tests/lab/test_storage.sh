#!/bin/sh
# Storage moves keep the disk as it was (issue 19), in the two-host lab
# (lab.sh): a qcow2 disk moved live to another pool of lab-a, then with
# its VM to lab-b, and another moved cold, stays qcow2 of the same virtual
# size under a .qcow2 name, with every block the guest wrote; a disk with internal snapshots
# is refused in pre-flight with the reason and the VM is left as it was;
# a backing chain is kept by a shallow copy where the destination sees the
# backing file (on the shared pool) and flattened after a warning where it
# does not (on the pool the disk leaves), on lab-a and with the VM to
# lab-b; [datastore NAME] bandwidth caps
# the block copy. Usage: test_storage.sh FERRY
#
# Every wait is for a state, with a timeout; everything the lab starts is
# stopped by PID when this script exits, also after a failure.
set -u
FERRY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${FERRY_LAB_DIR:-/var/tmp/ferry-lab}
export FERRY_LAB_DIR="$LAB"
L="sh $HERE/lab.sh"
CFG=$LAB/ferry.ini
OUT=$(mktemp -d /tmp/ferry-storage-test.XXXXXX)
fails=0 checks=0 known=0

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the lab needs root (network and mount namespaces)"
    exit 77
fi

export XDG_RUNTIME_DIR="$OUT/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export XDG_STATE_HOME="$OUT/state"
BGPID=
. "$HERE/common.sh"
cleanup() {
    [ -n "$BGPID" ] && kill "$BGPID" 2>/dev/null
    stop_servers
    $L down >/dev/null 2>&1
    rm -rf "$OUT"
}
trap cleanup EXIT
trap "exit 130" INT TERM

ferry() { "$FERRY" -c "$CFG" "$@"; }
now() { date +%s.%N; }
secs() { python3 -c "print('%.2f' % ($2 - $1))"; }
# the image vda of a VM uses on a host
vda() { $L virsh "$1" domblklist "$2" --details | awk '$3 == "vda" {print $4}'; }
# qemu-img's view of an image, one field (python expression on the JSON)
img() { $L imginfo "$1" "$2" | python3 -c "import json,sys; i=json.load(sys.stdin); print($3)"; }
has_check() { # plan --json file, check name, status, text its message has
    python3 - "$@" <<'EOF'
import json, sys
f, name, status, text = sys.argv[1:5]
c = {x['name']: x for x in json.loads(open(f).read())['checks']}
x = c.get(name)
assert x is not None, "no check %s in %s" % (name, sorted(c))
assert x['status'] == status and text in x['message'], x
EOF
}
result_ok() { # migrate --json output: completed and verified
    python3 -c "
import json; r = json.loads(open('$1').read().strip().splitlines()[-1])
assert r['outcome'] == 'completed' and r['verified'], r"
}

$L up || { echo "FAIL the lab did not start"; exit 1; }
mkdir -p "$LAB/logs"

# ---- a qcow2 disk moved live to another pool stays qcow2 ----------------------
$L vm q1 a local 16 2 64 --qcow2 || exit 1
src=$(vda a q1)
vsize=$(img a "$src" "i['virtual-size']")
check "the guest's disk is a qcow2 image of 64 MiB on local@lab-a" sh -c \
    "[ '$src' = /var/lib/libvirt/images/q1.qcow2 ] && [ '$(img a "$src" "i['format']")' = qcow2 ] && [ '$vsize' = 67108864 ]"
ferry plan q1 --datastore fast@lab-a --json >"$OUT/q1p.json" 2>&1
check "pre-flight says the copy keeps qcow2" has_check "$OUT/q1p.json" \
    disk-copy ok "disk vda of q1: qcow2 stays qcow2 (64.0 MiB virtual, thin)"
t0=$(now)
ferry migrate q1 --datastore fast@lab-a --json >"$OUT/q1.json" 2>&1
t1=$(now)
echo "     live storage move local -> fast: $(secs "$t0" "$t1") s"
check "the live storage move completes, verified" result_ok "$OUT/q1.json"
new=$(vda a q1)
check "the disk is now fast/q1.qcow2" sh -c "[ '$new' = /var/lib/libvirt/fast/q1.qcow2 ]"
check "qemu-img: the new image is qcow2 of the same virtual size" sh -c \
    "[ '$(img a "$new" "i['format']")' = qcow2 ] && [ '$(img a "$new" "i['virtual-size']")' = '$vsize' ]"
check "the domain names it as qcow2" sh -c \
    "$L virsh a dumpxml q1 | grep -q \"<driver name='qemu' type='qcow2'\""
check "the pool lists it as qcow2, allocated no more than the guest wrote" sh -c "
    $L virsh a vol-dumpxml --pool fast q1.qcow2 | grep -q \"<format type='qcow2'/>\" &&
    [ \$($L virsh a vol-info --bytes --pool fast q1.qcow2 | awk '/Allocation/ {print \$2}') -le \$((64 * 1048576 + 2 * 1048576)) ]"
check "the source volume is gone" sh -c "! $L virsh a vol-list local | grep -q q1.qcow2"
guest_ok "the guest kept writing: it answers" a q1 ping
$L ctl a q1 sync >/dev/null
check "every disk block the guest wrote is in the new qcow2 image" $L checkdisk a q1

# ---- ... and with its VM to lab-b ---------------------------------------------
# (the guest does not write its disk across a live migration: LAB-NOTES)
t0=$(now)
ferry migrate q1 --to lab-b --datastore local@lab-b --json >"$OUT/q1b.json" 2>&1
t1=$(now)
echo "     compute+storage move lab-a/fast -> lab-b/local: $(secs "$t0" "$t1") s"
check "compute+storage lab-a/fast -> lab-b/local completes, verified" result_ok "$OUT/q1b.json"
newb=$(vda b q1)
check "on lab-b the disk is local/q1.qcow2, qcow2 of the same virtual size" sh -c \
    "[ '$newb' = /var/lib/libvirt/images/q1.qcow2 ] && [ '$(img b "$newb" "i['format']")' = qcow2 ] && [ '$(img b "$newb" "i['virtual-size']")' = '$vsize' ]"
guest_ok "the guest runs on lab-b, memory intact" b q1 verify
check "its disk arrived block for block" $L checkdisk b q1
check "the volume on lab-a is gone" sh -c "! $L virsh a vol-list fast | grep -q q1.qcow2"
$L virsh b destroy q1 >/dev/null 2>&1

# ---- a shut-off qcow2 VM moves cold and stays qcow2 --------------------------
$L vm q5 a local 16 0 0 --qcow2 || exit 1
$L ctl a q5 sync >/dev/null
$L virsh a destroy q5 >/dev/null
t0=$(now)
ferry migrate q5 --to lab-b --datastore local@lab-b --json >"$OUT/q5.json" 2>&1
t1=$(now)
echo "     cold move of q5 (qcow2, volume stream) to lab-b: $(secs "$t0" "$t1") s"
check "the cold move completes, verified" result_ok "$OUT/q5.json"
check "on lab-b the disk is local/q5.qcow2, qcow2 of 64 MiB, named so in its domain" sh -c \
    "[ '$(vda b q5)' = /var/lib/libvirt/images/q5.qcow2 ] && [ '$(img b /var/lib/libvirt/images/q5.qcow2 "i['format']")' = qcow2 ] && [ '$(img b /var/lib/libvirt/images/q5.qcow2 "i['virtual-size']")' = 67108864 ] && $L virsh b dumpxml q5 | grep -q \"type='qcow2'\""
check "its disk is block for block what the guest wrote" $L checkdisk b q5
$L virsh b undefine q5 >/dev/null 2>&1

# ---- internal snapshots: refused, the VM untouched ---------------------------
$L vm q2 a local 16 0 0 --qcow2 --stopped || exit 1
$L virsh a snapshot-create-as q2 s1 >/dev/null && $L virsh a snapshot-create-as q2 s2 >/dev/null
check "q2's image holds two internal snapshots" sh -c \
    "[ '$(img a /var/lib/libvirt/images/q2.qcow2 "len(i.get('snapshots', []))")' = 2 ]"
ferry plan q2 --to lab-b --datastore local@lab-b --json >"$OUT/q2c.json" 2>&1
check "shut off: pre-flight refuses the cold move, libvirt's snapshots would name the old file" \
    has_check "$OUT/q2c.json" disk-copy error \
    "disk vda of q2 has 2 internal snapshots (s1, s2): the copy would carry them inside the file, but libvirt's snapshots still name the old file"
$L virsh a start q2 >/dev/null
n=0; until $L ctl a q2 ping >/dev/null 2>&1; do n=$((n + 1)); [ $n -lt 120 ] || break; sleep 0.5; done
t0=$(now)
ferry plan q2 --datastore fast@lab-a --json >"$OUT/q2p.json" 2>&1
t1=$(now)
echo "     pre-flight of q2 (snapshots listed through libvirt): $(secs "$t0" "$t1") s"
check "pre-flight refuses a live copy: 2 internal snapshots (s1, s2), a copy would drop them" \
    has_check "$OUT/q2p.json" disk-copy error \
    "disk vda of q2 has 2 internal snapshots (s1, s2): a copy would drop them"
t0=$(now)
ferry migrate q2 --datastore fast@lab-a >"$OUT/q2.txt" 2>&1; rc=$?
t1=$(now)
echo "     refused migrate of q2: $(secs "$t0" "$t1") s, exit $rc"
sed 's/^/     | /' "$OUT/q2.txt" | head -n 4
check "ferry migrate refuses it with the reason" sh -c \
    "[ $rc -ne 0 ] && grep -q 'internal snapshots (s1, s2): a copy would drop them' '$OUT/q2.txt' || { cat '$OUT/q2.txt'; exit 1; }"
check "the VM is untouched: running, on local/q2.qcow2, its snapshots kept" sh -c "
    $L virsh a domstate q2 | grep -q running &&
    [ '$(vda a q2)' = /var/lib/libvirt/images/q2.qcow2 ] &&
    [ \$($L virsh a snapshot-list q2 --name | grep -c .) = 2 ] &&
    ! $L virsh a vol-list fast | grep -q q2 &&
    ! $L virsh a dumpxml q2 | grep -q '<mirror'"
guest_ok "the guest answers" a q2 ping
$L virsh a destroy q2 >/dev/null 2>&1
$L virsh a snapshot-delete q2 s2 >/dev/null 2>&1; $L virsh a snapshot-delete q2 s1 >/dev/null 2>&1
$L virsh a undefine q2 >/dev/null 2>&1

# ---- backing chains ------------------------------------------------------------
# on the shared pool: both hosts see it, and the disk does not leave it
$L virsh a vol-create-as shared base3.qcow2 64M --format qcow2 >/dev/null
$L virsh a pool-refresh shared >/dev/null
$L vm q3 a local 16 0 0 --backing="$LAB/shared/base3.qcow2" || exit 1
ferry plan q3 --datastore fast@lab-a --json >"$OUT/q3p.json" 2>&1
check "a backing file on the shared pool: pre-flight says a shallow copy keeps the chain" \
    has_check "$OUT/q3p.json" disk-copy ok \
    "disk vda of q3: qcow2 on backing file $LAB/shared/base3.qcow2 (qcow2, on shared, which lab-a sees): a shallow copy keeps the chain"
t0=$(now)
ferry migrate q3 --datastore fast@lab-a --json >"$OUT/q3.json" 2>&1
t1=$(now)
echo "     shallow storage move of q3: $(secs "$t0" "$t1") s"
check "the shallow move completes, verified" result_ok "$OUT/q3.json"
check "the new image is fast/q3.qcow2 on the same backing file" sh -c \
    "[ '$(vda a q3)' = /var/lib/libvirt/fast/q3.qcow2 ] && [ '$(img a /var/lib/libvirt/fast/q3.qcow2 "i.get('backing-filename')")' = '$LAB/shared/base3.qcow2' ]"
$L ctl a q3 sync >/dev/null
check "its disk is block for block what the guest wrote" $L checkdisk a q3
$L virsh a destroy q3 >/dev/null 2>&1

# on the pool the disk leaves: flattened, after a warning; and the pool's
# bandwidth caps the block copy
cat "$CFG" >"$OUT/cap.ini"
printf '\n[datastore fast]\nbandwidth = 8MiB/s\n' >>"$OUT/cap.ini"
$L virsh a vol-create-as local base4.qcow2 64M --format qcow2 >/dev/null
$L vm q4 a local 16 0 0 --backing=/var/lib/libvirt/images/base4.qcow2 || exit 1
"$FERRY" -c "$OUT/cap.ini" plan q4 --datastore fast@lab-a --json >"$OUT/q4p.json" 2>&1
check "a backing file on the pool it leaves: pre-flight warns the copy flattens it" \
    has_check "$OUT/q4p.json" disk-copy warning \
    "disk vda of q4 has a backing file /var/lib/libvirt/images/base4.qcow2 (on local@lab-a, the datastore it leaves): the copy flattens the chain into one qcow2 image of 64.0 MiB"
check "... and that [datastore fast] bandwidth caps the copy at 8 MiB/s" \
    has_check "$OUT/q4p.json" disk-copy warning \
    "copied at most at 8.00 MiB/s ([datastore fast@lab-a] bandwidth)"
check "the prediction counts the cap: 64 MiB at 8 MiB/s takes 8 s or more" python3 -c "
import json; p = json.loads(open('$OUT/q4p.json').read())['prediction']
assert p['total_ms'] >= 8000, p"
t0=$(now)
"$FERRY" -c "$OUT/cap.ini" migrate q4 --datastore fast@lab-a --json >"$OUT/q4.json" 2>&1 &
BGPID=$!
bw=
n=0
while [ $n -lt 120 ] && [ -z "$bw" ]; do
    bw=$($L virsh a blockjob q4 vda --info --bytes 2>/dev/null | sed -n 's/.*Bandwidth limit: *\([0-9]*\).*/\1/p')
    n=$((n + 1)); sleep 0.25
done
wait "$BGPID"; BGPID=
t1=$(now)
echo "     flattening storage move of q4 at 8 MiB/s: $(secs "$t0" "$t1") s"
check "libvirt's block job runs at the datastore's 8 MiB/s" sh -c "[ '$bw' = 8388608 ]"
check "the flattening move completes, verified" result_ok "$OUT/q4.json"
check "the new image is fast/q4.qcow2, one image on no backing file" sh -c \
    "[ '$(vda a q4)' = /var/lib/libvirt/fast/q4.qcow2 ] && [ '$(img a /var/lib/libvirt/fast/q4.qcow2 "i.get('backing-filename', 'none')")' = none ] && ! $L virsh a dumpxml q4 | grep -q base4"
$L ctl a q4 sync >/dev/null
check "its disk is block for block what the guest wrote" $L checkdisk a q4

# with the VM to lab-b: a chain on the shared pool stays (NON_SHARED_INC),
# one on lab-a's own pool is flattened (the destination XML on no backing
# file)
$L virsh a vol-create-as shared base6.qcow2 64M --format qcow2 >/dev/null
$L virsh a pool-refresh shared >/dev/null
$L vm q6 a local 16 0 0 --backing="$LAB/shared/base6.qcow2" || exit 1
ferry plan q6 --to lab-b --datastore local@lab-b --json >"$OUT/q6p.json" 2>&1
check "to lab-b, a backing file on the shared pool: a shallow copy keeps the chain" \
    has_check "$OUT/q6p.json" disk-copy ok "(qcow2, on shared, which lab-b sees): a shallow copy keeps the chain"
t0=$(now)
ferry migrate q6 --to lab-b --datastore local@lab-b --json >"$OUT/q6.json" 2>&1
t1=$(now)
echo "     compute+storage move of q6, shallow: $(secs "$t0" "$t1") s"
check "the shallow compute+storage move completes, verified" result_ok "$OUT/q6.json"
check "on lab-b q6.qcow2 is on the same backing file" sh -c \
    "[ '$(vda b q6)' = /var/lib/libvirt/images/q6.qcow2 ] && [ '$(img b /var/lib/libvirt/images/q6.qcow2 "i.get('backing-filename')")' = '$LAB/shared/base6.qcow2' ]"
guest_ok "the guest runs on lab-b, memory intact" b q6 verify
check "its disk arrived block for block" $L checkdisk b q6
$L virsh b destroy q6 >/dev/null 2>&1

$L virsh a vol-create-as local base7.qcow2 64M --format qcow2 >/dev/null
$L vm q7 a local 16 0 0 --backing=/var/lib/libvirt/images/base7.qcow2 || exit 1
ferry plan q7 --to lab-b --datastore local@lab-b --json >"$OUT/q7p.json" 2>&1
check "to lab-b, a backing file on lab-a's pool: pre-flight warns the copy flattens it" \
    has_check "$OUT/q7p.json" disk-copy warning \
    "disk vda of q7 has a backing file /var/lib/libvirt/images/base7.qcow2 (on local@lab-a, the datastore it leaves): the copy flattens the chain"
t0=$(now)
ferry migrate q7 --to lab-b --datastore local@lab-b --json >"$OUT/q7.json" 2>&1
t1=$(now)
echo "     compute+storage move of q7, flattened: $(secs "$t0" "$t1") s"
check "the flattening compute+storage move completes, verified" result_ok "$OUT/q7.json"
check "on lab-b q7.qcow2 is one image on no backing file" sh -c \
    "[ '$(vda b q7)' = /var/lib/libvirt/images/q7.qcow2 ] && [ '$(img b /var/lib/libvirt/images/q7.qcow2 "i.get('backing-filename', 'none')")' = none ] && ! $L virsh b dumpxml q7 | grep -q base7"
guest_ok "the guest runs on lab-b, memory intact" b q7 verify
check "its disk arrived block for block" $L checkdisk b q7

echo "storage lab: $checks checks, $fails failed, $known known QEMU faults"
[ "$fails" = 0 ]
