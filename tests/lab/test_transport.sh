#!/bin/sh
# How moves travel (issue 19), in the two-host lab (lab.sh): QEMU's native
# TLS for the memory stream, with pre-flight checking both hosts'
# migration certificates over SSH and naming what is missing where;
# parallel connections (multifd) seen in QEMU's own parameters during the
# move; a peer-to-peer move whose control connection is libvirt's
# authenticated TLS (qemu+tls, from migration_uri); and a host ferry reaches
# over a local socket that names no transport refused for peer-to-peer.
# Usage: test_transport.sh FERRY
#
# The lab's CA and per-host certificates come from lab.sh (openssl): each
# host's QEMU reads them from $LAB/pki/qemu (its qemu.conf's
# migrate_tls_x509_cert_dir), its libvirtd listens for TLS with them.
# Every wait is for a state, with a timeout; everything the lab starts is
# stopped by PID when this script exits, also after a failure.
set -u
FERRY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
LAB=${FERRY_LAB_DIR:-/var/tmp/ferry-lab}
export FERRY_LAB_DIR="$LAB"
L="sh $HERE/lab.sh"
CFG=$LAB/ferry.ini
OUT=$(mktemp -d /tmp/ferry-transport-test.XXXXXX)
fails=0 checks=0 known=0
. "$HERE/common.sh"

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: the lab needs root (network and mount namespaces)"
    exit 77
fi

export XDG_RUNTIME_DIR="$OUT/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export XDG_STATE_HOME="$OUT/state"
AGENT_PID= MIGPID= MOVED=
cleanup() {
    [ -n "$MIGPID" ] && kill "$MIGPID" 2>/dev/null
    [ -n "$MOVED" ] && mv "$MOVED.away" "$MOVED" 2>/dev/null
    stop_servers
    [ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null
    $L down >/dev/null 2>&1
    rm -rf "$OUT"
}
trap cleanup EXIT
trap "exit 130" INT TERM

qmp() { # host vm command: QEMU's answer (JSON)
    $L virsh "$1" qemu-monitor-command "$2" "{\"execute\":\"$3\"}"
}
migrating() { # host vm: QEMU's outgoing migration is active
    qmp "$1" "$2" query-migrate | grep -q '"status":"active"'
}
outcome() { # json file: the migrate command's last line says completed
    python3 -c "
import json, sys; r = json.loads(open('$1').read().strip().splitlines()[-1])
if r.get('outcome') != 'completed': sys.exit(r)"
}

echo "lab: starting [$(since)]"
$L up || { echo "FAIL the lab did not start"; exit 1; }
mkdir -p "$LAB/logs"
$L vm t1 a shared 64 2 0 || exit 1
$L vm p1 a shared 64 2 0 || exit 1

# ---- the hosts over SSH, so that pre-flight sees their files ----------------------
H=$OUT/home
mkdir -p "$H/.ssh"
eval "$(ssh-agent -s)" >/dev/null
AGENT_PID=$SSH_AGENT_PID
ssh-keygen -q -t ed25519 -N '' -C agent -f "$H/.ssh/agent_key"
ssh-add -q "$H/.ssh/agent_key" 2>/dev/null
cat "$H/.ssh/agent_key.pub" >"$LAB/authorized_keys"
for h in a b; do
    printf 'Host lab-%s\n  HostName %s\n  User root\n' "$h" "$($L maddr $h)"
    echo "$($L maddr $h) $($L hostkey $h | cut -d' ' -f1-2)" >>"$H/.ssh/known_hosts"
done >"$H/.ssh/config"
TLS=$OUT/tls.ini
for h in a b; do
    printf '%s\n' "[host lab-$h]" "uri = qemu+ssh://lab-$h/system" \
        "migration_address = $([ $h = a ] && echo 10.77.0.1 || echo 10.77.0.2)" \
        "link_speed = 100mbit" "tls = yes" ""
done >"$TLS"
printf '%s\n' "[datastore shared]" "shared = yes" "[defaults]" \
    "log_dir = $LAB/logs" >>"$TLS"
tf() { HOME=$H "$FERRY" -c "$TLS" "$@"; }

# ---- pre-flight: how the move travels, and the certificates ------------------------
tf plan t1 --to lab-b >"$OUT/plan-tls.txt" 2>&1
check "plan: the memory goes over TLS to lab-b's migration address" \
    grep -E "transport.*TLS, tcp://10.77.0.2" "$OUT/plan-tls.txt"
check "plan: QEMU's certificates are in place on both hosts (seen over SSH)" \
    grep -E "tls-certs.*in place on lab-a $LAB/pki/qemu \(connects\), lab-b $LAB/pki/qemu \(serves\)" \
    "$OUT/plan-tls.txt"
check "plan: no cleartext warning for a TLS move" \
    sh -c "! grep -q 'unencrypted' '$OUT/plan-tls.txt'"
MOVED=$($L tlsdir b)/server-key.pem
mv "$MOVED" "$MOVED.away"
stop_servers # a new server probes the hosts again at once
tf plan t1 --to lab-b >"$OUT/plan-nokey.txt" 2>&1
rc=$?
check "plan: lab-b without its server key is an error that names the file and the host" \
    sh -c "[ $rc -ne 0 ] && grep -E 'tls-certs.*lab-b has no server-key.pem in $LAB/pki/qemu' '$OUT/plan-nokey.txt'"
mv "$MOVED.away" "$MOVED"; MOVED=
stop_servers

# ---- a TLS migration ---------------------------------------------------------------
tf migrate t1 --to lab-b --json >"$OUT/tls.json" 2>&1 &
MIGPID=$!
if wait_for 120 migrating a t1; then
    qmp a t1 query-migrate-parameters >"$OUT/tls-params.json" 2>&1
    check "during the move, QEMU's migration uses TLS credentials" python3 -c "
import json; p = json.load(open('$OUT/tls-params.json'))['return']
assert p.get('tls-creds'), p
assert p.get('tls-hostname') == '10.77.0.2', p"
else
    no "the TLS migration of t1 never became active"
fi
wait "$MIGPID"; rc=$?; MIGPID=
check "the TLS migration ends on lab-b (exit $rc)" outcome "$OUT/tls.json"
guest_ok "t1 runs on lab-b with its memory intact" b t1 verify

# ---- parallel connections ----------------------------------------------------------
PAR=$OUT/par.ini
sed '/^transport = tcp/a parallel_connections = 4' "$CFG" >"$PAR"
"$FERRY" -c "$PAR" plan p1 --to lab-b >"$OUT/plan-par.txt" 2>&1
check "plan: 4 connections, cleartext accepted as the lab's hosts say" \
    sh -c "grep -E 'transport.*tcp://10.77.0.2, 4 connections' '$OUT/plan-par.txt' &&
           grep -E 'encryption.*unencrypted, as \[host lab-b\] allows' '$OUT/plan-par.txt'"
"$FERRY" -c "$PAR" migrate p1 --to lab-b --json >"$OUT/par.json" 2>&1 &
MIGPID=$!
if wait_for 120 migrating a p1; then
    qmp a p1 query-migrate-capabilities >"$OUT/par-caps.json" 2>&1
    qmp a p1 query-migrate-parameters >"$OUT/par-params.json" 2>&1
    check "during the move, QEMU runs multifd with 4 channels" python3 -c "
import json
c = {x['capability']: x['state'] for x in json.load(open('$OUT/par-caps.json'))['return']}
p = json.load(open('$OUT/par-params.json'))['return']
assert c.get('multifd') is True, c
assert p.get('multifd-channels') == 4, p"
else
    no "the parallel migration of p1 never became active"
fi
wait "$MIGPID"; rc=$?; MIGPID=
check "the parallel migration ends on lab-b (exit $rc)" outcome "$OUT/par.json"
guest_ok "p1 runs on lab-b with its memory intact" b p1 verify

# ---- peer-to-peer, its control over libvirt's TLS ----------------------------------
# on_steering_lost = budget: the source's libvirtd drives the move and
# reaches the destination's itself, here over qemu+tls with the host's own
# client certificate (pkipath: inside each host, $LAB/pki is its own).
P2P=$OUT/p2p.ini
sed -e '/^transport = tcp/d' -e '/^encryption = none/d' \
    -e "/^migration_address = 10.77.0.1/a migration_uri = qemu+tls://10.77.0.1/system?pkipath=$LAB/pki/libvirt\ntls = yes\non_steering_lost = budget" \
    -e "/^migration_address = 10.77.0.2/a migration_uri = qemu+tls://10.77.0.2/system?pkipath=$LAB/pki/libvirt\ntls = yes\non_steering_lost = budget" \
    "$CFG" >"$P2P"
"$FERRY" -c "$P2P" plan t1 --to lab-a >"$OUT/plan-p2p.txt" 2>&1
check "plan: control peer-to-peer over qemu+tls, memory over TLS" \
    grep -E "transport.*TLS, tcp://10.77.0.1.*control peer-to-peer: qemu\+tls://10.77.0.1/system" \
    "$OUT/plan-p2p.txt"
"$FERRY" -c "$P2P" migrate t1 --to lab-a --json >"$OUT/p2p.json" 2>&1
rc=$?
check "the peer-to-peer TLS migration ends on lab-a (exit $rc)" outcome "$OUT/p2p.json"
guest_ok "t1 runs on lab-a again with its memory intact" a t1 verify

# ---- a local socket names no way for the other host's libvirtd ---------------------
NOT=$OUT/notransport.ini
sed -e '/^transport = tcp/d' -e '/^\[host lab-b\]/a on_steering_lost = budget' \
    -e '/^\[host lab-a\]/a on_steering_lost = budget' "$CFG" >"$NOT"
"$FERRY" -c "$NOT" plan p1 --to lab-a >"$OUT/plan-not.txt" 2>&1
rc=$?
check "plan: peer-to-peer to a host behind a local socket says to set transport" \
    sh -c "[ $rc -ne 0 ] && grep -E 'transport.*the other hosts. libvirtd cannot reach lab-a through qemu\+unix.*set transport = ssh, tls or tcp' '$OUT/plan-not.txt'"

echo "transport lab: $checks checks, $fails failed, $known known QEMU faults [$(since)]"
[ "$fails" -eq 0 ]
