#!/bin/sh
# The two-host lab: two libvirt hypervisors on this machine, each in its own
# network, mount and UTS namespace with its own libvirtd and sshd, a shaped
# veth link between them for migrations, a shared pool and local pools, and
# tiny TCG guests that dirty memory (and write their disk) at a set rate.
#
#   lab.sh up                 build the guest if needed, start both hosts
#   lab.sh down               stop everything the lab started, by PID
#   lab.sh vm NAME HOST POOL [wss MiB] [rate MiB/s] [disk KiB/s] [--stopped]
#             [--qcow2] [--backing=PATH]
#                             create a volume and a guest on HOST (a or b):
#                             NAME.img (raw), or NAME.qcow2 (--qcow2), on
#                             the image at PATH (--backing, qcow2 too)
#   lab.sh ctl HOST NAME CMD  send a command to a guest's control port
#                             (rate N, disk N, ping, verify, sync)
#   lab.sh virsh HOST ARGS    virsh on a host
#   lab.sh uri HOST           the URI ferry and virsh use for a host
#   lab.sh maddr HOST         the host's management address (its sshd)
#   lab.sh hostkey HOST       the host's SSH host key (public)
#   lab.sh checkdisk HOST NAME  verify the guest's disk blocks on HOST
#                             (through its whole backing chain)
#   lab.sh imginfo HOST PATH  qemu-img info --output=json inside HOST
#   lab.sh stop-libvirtd HOST stop a host's libvirtd (a host failure)
#   lab.sh start-libvirtd HOST  start it again
#   lab.sh tlsdir HOST        where the host's QEMU migration certificates are
#
# Network traffic stays on the lab's own links: ferry reaches each libvirtd
# through its UNIX socket (the host's private /run/libvirt is a directory
# here) or over SSH on a management veth pair per host (10.77.1.1 <-> .2 for
# lab-a, 10.77.2.1 <-> .2 for lab-b); the hosts reach each other over the
# veth pair 10.77.0.1 <-> .2. sshd accepts the keys in
# $FERRY_LAB_DIR/authorized_keys, which the tests write.
# State lives in $FERRY_LAB_DIR (default /var/tmp/ferry-lab) and is kept
# between runs: libvirt's first start probes QEMU for ~17 s, later ones do
# not.
set -eu

LAB=${FERRY_LAB_DIR:-/var/tmp/ferry-lab}
RATE=${FERRY_LAB_RATE:-100mbit}
HERE=$(cd "$(dirname "$0")" && pwd)
KVER=$(ls /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1 |
       sed 's|/boot/vmlinuz-||')

die() { echo "lab: $*" >&2; exit 1; }
addr() { [ "$1" = a ] && echo 10.77.0.1 || echo 10.77.0.2; }
# The management link from this machine to a host (where its sshd listens):
# a /30 per host, this machine's end .1, the host's end .2.
maddr() { [ "$1" = a ] && echo 10.77.1.2 || echo 10.77.2.2; }
mpeer() { [ "$1" = a ] && echo 10.77.1.1 || echo 10.77.2.1; }
hdir() { echo "$LAB/hosts/$1"; }
uri() { echo "qemu+unix:///system?socket=$(hdir "$1")/run/libvirt-sock"; }
lvirsh() { h=$1; shift; virsh -q -c "$(uri "$h")" "$@"; }
# Run a command inside a host's namespaces (mount, network, UTS).
inhost() {
    h=$1; shift
    pid=$(cat "$(hdir "$h")/libvirtd.pid" 2>/dev/null) ||
        die "host $h is not running"
    nsenter -t "$pid" -m -n -u -- "$@"
}

build_guest() {
    g=$LAB/guest
    [ -n "$KVER" ] || die "no /boot/vmlinuz-*-cloud-amd64 (apt-get install linux-image-cloud-amd64)"
    if [ -f "$g/initrd.img" ] && [ "$g/initrd.img" -nt "$HERE/guest/dirtier.c" ] &&
       [ "$g/initrd.img" -nt "$0" ]; then
        return 0
    fi
    echo "lab: building the guest (kernel $KVER, busybox, dirtier)"
    rm -rf "$g" && mkdir -p "$g/root/bin" "$g/root/lib/modules" "$g/root/dev" \
        "$g/root/proc" "$g/root/sys"
    cp "/boot/vmlinuz-$KVER" "$g/vmlinuz"
    cp /bin/busybox "$g/root/bin/busybox"
    ln -s busybox "$g/root/bin/sh"
    cc -O2 -static -Wall -Wextra -o "$g/root/dirtier" "$HERE/guest/dirtier.c"
    # virtio_ring before virtio, or the guest sees no disk (LAB-NOTES)
    mods="virtio/virtio_ring virtio/virtio virtio/virtio_pci_legacy_dev
          virtio/virtio_pci_modern_dev virtio/virtio_pci block/virtio_blk"
    order=""
    for m in $mods; do
        f=/lib/modules/$KVER/kernel/drivers/$m.ko
        [ -f "$f" ] || f=$f.xz
        b=$(basename "$m")
        case $f in
        *.xz) xz -dc "$f" >"$g/root/lib/modules/$b.ko" ;;
        *) cp "$f" "$g/root/lib/modules/$b.ko" ;;
        esac
        order="$order $b"
    done
    cat >"$g/root/init" <<EOF
#!/bin/sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev
for m in$order; do /bin/busybox insmod /lib/modules/\$m.ko; done
n=0; while [ ! -b /dev/vda ] && [ \$n -lt 50 ]; do /bin/busybox sleep 0.1; n=\$((n+1)); done
exec /dirtier
EOF
    chmod +x "$g/root/init"
    (cd "$g/root" && find . | cpio -o -H newc --quiet | gzip -1 >"$g/initrd.img")
}

# A CA of the lab's own and a certificate per host (openssl), for QEMU's
# TLS migration stream and libvirtd's TLS listener: the same certificate
# serves and connects (both key purposes), its names are the host's
# migration address and lab-X. Kept between runs; a file a test removed is
# made again at the next up. Inside a host, $LAB/pki is that host's.
make_pki() {
    h=$1; d=$(hdir "$h"); ca=$LAB/ca
    mkdir -p "$ca" "$LAB/pki" "$d/pki/qemu" "$d/pki/CA" "$d/pki/libvirt/private"
    if [ ! -f "$ca/ca-cert.pem" ]; then
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=ferry lab CA" \
            -keyout "$ca/ca-key.pem" -out "$ca/ca-cert.pem" 2>/dev/null ||
            die "openssl cannot make the lab's CA"
    fi
    k=$d/pki/host-key.pem; c=$d/pki/host-cert.pem
    if [ ! -f "$c" ] || [ "$c" -ot "$ca/ca-cert.pem" ]; then
        printf '%s\n' "basicConstraints = critical, CA:FALSE" \
            "keyUsage = critical, digitalSignature, keyEncipherment" \
            "extendedKeyUsage = serverAuth, clientAuth" \
            "subjectAltName = IP:$(addr "$h"), DNS:lab-$h" >"$d/pki/ext.cnf"
        openssl req -newkey rsa:2048 -nodes -subj "/CN=lab-$h" -keyout "$k" \
            -out "$d/pki/host.csr" 2>/dev/null &&
        openssl x509 -req -in "$d/pki/host.csr" -CA "$ca/ca-cert.pem" \
            -CAkey "$ca/ca-key.pem" -CAcreateserial -days 3650 \
            -extfile "$d/pki/ext.cnf" -out "$c" 2>/dev/null ||
            die "openssl cannot make lab-$h's certificate"
    fi
    for f in ca-cert.pem:"$ca/ca-cert.pem" server-cert.pem:"$c" server-key.pem:"$k" \
             client-cert.pem:"$c" client-key.pem:"$k"; do
        cp "${f#*:}" "$d/pki/qemu/${f%%:*}"
    done
    cp "$ca/ca-cert.pem" "$d/pki/CA/cacert.pem"
    cp "$ca/ca-cert.pem" "$d/pki/libvirt/cacert.pem" # a client's pkipath
    cp "$c" "$d/pki/libvirt/servercert.pem"; cp "$c" "$d/pki/libvirt/clientcert.pem"
    cp "$k" "$d/pki/libvirt/private/serverkey.pem"
    cp "$k" "$d/pki/libvirt/private/clientkey.pem"; cp "$k" "$d/pki/libvirt/clientkey.pem"
}

setup_host() {
    h=$1; d=$(hdir "$h")
    mkdir -p "$d/etc/qemu" "$d/etc/storage" "$d/run" "$d/lib/images" \
        "$d/lib/fast" "$d/log/qemu" "$d/cache" "$d/sshd-run" "$d/ssh" \
        "$LAB/shared"
    uuid=$( [ "$h" = a ] && echo 7e0f4a1c-0000-4000-8000-00000000000a ||
            echo 7e0f4a1c-0000-4000-8000-00000000000b)
    cat >"$d/etc/libvirtd.conf" <<EOF
# ferry lab host $h
host_uuid = "$uuid"
listen_tls = 1
ca_file = "$LAB/pki/CA/cacert.pem"
cert_file = "$LAB/pki/libvirt/servercert.pem"
key_file = "$LAB/pki/libvirt/private/serverkey.pem"
listen_tcp = 1
auth_tcp = "none"
auth_unix_rw = "none"
listen_addr = "$(addr "$h")"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
EOF
    cat >"$d/etc/qemu.conf" <<EOF
# ferry lab host $h: no cgroups, namespaces, security drivers or virtlogd
user = "root"
group = "root"
dynamic_ownership = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
migrate_tls_x509_cert_dir = "$LAB/pki/qemu"
EOF
    cp /etc/libvirt/libvirt.conf "$d/etc/" 2>/dev/null || true
    make_pki "$h"
    printf '127.0.0.1 localhost\n10.77.0.1 lab-a\n10.77.0.2 lab-b\n' >"$d/hosts"
    # libvirt resolves its compiled-in QEMU user before reading qemu.conf;
    # without libvirt-daemon-system nobody creates it: give the host its
    # own passwd and group rather than touching this machine's.
    cp /etc/passwd "$d/passwd"; cp /etc/group "$d/group"
    grep -q '^libvirt-qemu:' "$d/passwd" ||
        echo 'libvirt-qemu:x:64055:64055::/var/lib/libvirt:/usr/sbin/nologin' >>"$d/passwd"
    grep -q '^libvirt-qemu:' "$d/group" || echo 'libvirt-qemu:x:64055:' >>"$d/group"
    grep -q '^kvm:' "$d/group" || echo 'kvm:x:64056:' >>"$d/group"
    [ -f "$d/ssh/ssh_host_ed25519_key" ] ||
        ssh-keygen -q -t ed25519 -N '' -f "$d/ssh/ssh_host_ed25519_key"
    # Keys the tests authorise go to the lab's own file, never /root; the
    # lab directory lives under /var/tmp (world-writable), hence StrictModes.
    touch "$LAB/authorized_keys"
    cat >"$d/ssh/sshd_config" <<EOF
ListenAddress $(maddr "$h")
ListenAddress $(addr "$h")
HostKey $d/ssh/ssh_host_ed25519_key
PidFile $d/sshd.pid
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $LAB/authorized_keys
StrictModes no
UsePAM no
EOF
}

start_host() {
    h=$1; d=$(hdir "$h")
    ip netns exec "ferrylab-$h" unshare --mount --uts --propagation private \
        sh -es <<EOF
hostname lab-$h
mkdir -p /run/libvirt /var/lib/libvirt /var/log/libvirt /var/cache/libvirt /run/sshd
mount --bind $d/etc /etc/libvirt
mount --bind $d/run /run/libvirt
mount --bind $d/lib /var/lib/libvirt
mount --bind $d/log /var/log/libvirt
mount --bind $d/cache /var/cache/libvirt
mount --bind $d/sshd-run /run/sshd
mount --bind $d/hosts /etc/hosts
mount --bind $d/passwd /etc/passwd
mount --bind $d/group /etc/group
mount --bind $d/pki $LAB/pki
mkdir -p /run/libvirt/ferry-lab
rm -f $d/libvirtd.pid
libvirtd --daemon --listen --config $d/etc/libvirtd.conf --pid-file $d/libvirtd.pid
/usr/sbin/sshd -f $d/ssh/sshd_config
EOF
    n=0
    until lvirsh "$h" version >/dev/null 2>&1; do
        [ -f "$d/libvirtd.pid" ] || [ $n -lt 20 ] ||
            die "libvirtd on lab-$h exited (see $d/log/libvirtd.log)"
        n=$((n + 1)); [ $n -lt 600 ] || die "libvirtd on lab-$h did not come up (see $d/log/libvirtd.log)"
        sleep 0.1
    done
}

define_pools() {
    h=$1; d=$(hdir "$h")
    for p in local:/var/lib/libvirt/images fast:/var/lib/libvirt/fast shared:$LAB/shared; do
        name=${p%%:*}; path=${p#*:}
        if ! lvirsh "$h" pool-info "$name" >/dev/null 2>&1; then
            lvirsh "$h" pool-define-as "$name" dir --target "$path" >/dev/null
            lvirsh "$h" pool-autostart "$name" >/dev/null
        fi
        lvirsh "$h" pool-start "$name" >/dev/null 2>&1 || true
        lvirsh "$h" pool-refresh "$name" >/dev/null
    done
}

# A clean start: no guests defined, no volumes left from an earlier run.
clean_host() {
    h=$1
    for dom in $(lvirsh "$h" list --all --name); do
        lvirsh "$h" destroy "$dom" >/dev/null 2>&1 || true
        lvirsh "$h" undefine "$dom" >/dev/null 2>&1 || true
    done
    for p in local fast shared; do
        for v in $(lvirsh "$h" vol-list "$p" | awk '{print $1}'); do
            lvirsh "$h" vol-delete --pool "$p" "$v" >/dev/null 2>&1 || true
        done
    done
}

up() {
    for t in virsh libvirtd qemu-system-x86_64 sshd ip unshare nsenter cpio busybox; do
        command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] ||
            die "$t is missing (.ci/setup installs the lab's packages)"
    done
    down quiet
    mkdir -p "$LAB"
    build_guest
    ip netns add ferrylab-a
    ip netns add ferrylab-b
    ip link add fla0 netns ferrylab-a type veth peer name flb0 netns ferrylab-b
    for h in a b; do
        ip link add "flm$h" type veth peer name mgmt0 netns "ferrylab-$h"
        ip addr add "$(mpeer "$h")/30" dev "flm$h"
        ip link set "flm$h" up
        ip -n "ferrylab-$h" addr add "$(maddr "$h")/30" dev mgmt0
        ip -n "ferrylab-$h" link set mgmt0 up
    done
    for h in a b; do
        dev=fl${h}0
        ip -n "ferrylab-$h" link set lo up
        ip -n "ferrylab-$h" addr add "$(addr "$h")/24" dev "$dev"
        ip -n "ferrylab-$h" link set "$dev" up
        ip netns exec "ferrylab-$h" tc qdisc add dev "$dev" root tbf \
            rate "$RATE" burst 64kb latency 100ms
        setup_host "$h"
    done
    for h in a b; do start_host "$h"; done
    for h in a b; do define_pools "$h"; clean_host "$h"; done
    cat >"$LAB/ferry.ini" <<EOF
# The lab's hosts, for ferry -c $LAB/ferry.ini
# ferry reaches each libvirtd over its local socket; the hosts reach each
# other's over plain TCP on the lab's own private link (transport = tcp),
# where cleartext is accepted (encryption = none).
[host lab-a]
uri = $(uri a)
migration_address = 10.77.0.1
transport = tcp
encryption = none
link_speed = $RATE

[host lab-b]
uri = $(uri b)
migration_address = 10.77.0.2
transport = tcp
encryption = none
link_speed = $RATE

[datastore shared]
shared = yes

[defaults]
log_dir = $LAB/logs
EOF
    echo "lab: up (lab-a $(addr a), lab-b $(addr b), link $RATE); config $LAB/ferry.ini"
}

# Kill a process named by a PID file if it is still the process we think.
killpid() {
    f=$1; name=$2
    [ -f "$f" ] || return 0
    p=$(cat "$f" 2>/dev/null || true)
    if [ -n "$p" ] && [ -r "/proc/$p/comm" ] &&
       grep -q "$name" "/proc/$p/comm" 2>/dev/null; then
        kill "$p" 2>/dev/null || true
        n=0
        while [ -d "/proc/$p" ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
        [ -d "/proc/$p" ] && kill -9 "$p" 2>/dev/null || true
    fi
    rm -f "$f"
}

down() {
    for h in a b; do
        d=$(hdir "$h")
        [ -d "$d" ] || continue
        # guests first (QEMU's own PID files), then the daemons
        for f in "$d"/run/qemu/*.pid; do
            [ -f "$f" ] && killpid "$f" qemu
        done
        killpid "$d/libvirtd.pid" libvirtd
        killpid "$d/sshd.pid" sshd
        rm -rf "$d/run"/* 2>/dev/null || true
    done
    for h in a b; do
        ip netns del "ferrylab-$h" 2>/dev/null || true
        ip link del "flm$h" 2>/dev/null || true
    done
    [ "${1:-}" = quiet ] || echo "lab: down"
}

vm() {
    name=$1; h=$2; pool=$3; shift 3
    wss=64 rate=4 disk=0 stopped= fmt=raw backing= n=0
    for a in "$@"; do
        case $a in
        --stopped) stopped=--stopped ;;
        --qcow2) fmt=qcow2 ;;
        --backing=*) backing=${a#--backing=}; fmt=qcow2 ;;
        --*) die "vm: unknown option $a" ;;
        *) n=$((n + 1))
           case $n in 1) wss=$a ;; 2) rate=$a ;; 3) disk=$a ;;
           *) die "vm: too many arguments ($a)" ;; esac ;;
        esac
    done
    ext=img; [ "$fmt" = qcow2 ] && ext=qcow2
    lvirsh "$h" vol-delete --pool "$pool" "$name.$ext" >/dev/null 2>&1 || true
    if [ -n "$backing" ]; then
        bfmt=raw; case $backing in *.qcow2) bfmt=qcow2 ;; esac
        lvirsh "$h" vol-create-as "$pool" "$name.$ext" 64M --format qcow2 \
            --backing-vol "$backing" --backing-vol-format "$bfmt" >/dev/null
    else
        lvirsh "$h" vol-create-as "$pool" "$name.$ext" 64M --format "$fmt" >/dev/null
    fi
    vol=$(lvirsh "$h" vol-path --pool "$pool" "$name.$ext")
    cat >"$LAB/$name.xml" <<EOF
<domain type='qemu'>
  <name>$name</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$LAB/guest/vmlinuz</kernel>
    <initrd>$LAB/guest/initrd.img</initrd>
    <cmdline>console=ttyS0 quiet ${FERRY_LAB_CMDLINE:-}ferry.wss=$wss ferry.rate=$rate ferry.disk=$disk</cmdline>
  </os>
  <on_poweroff>destroy</on_poweroff>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='$fmt' cache='none'/>
      <source file='$vol'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='file'>
      <source path='/var/log/libvirt/qemu/$name-console.log'/>
      <target port='0'/>
    </serial>
    <serial type='unix'>
      <source mode='bind' path='/run/libvirt/ferry-lab/$name.sock'/>
      <target port='1'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
EOF
    lvirsh "$h" define "$LAB/$name.xml" >/dev/null
    [ "$stopped" = --stopped ] && return 0
    lvirsh "$h" start "$name" >/dev/null
    # wait until the workload answers
    n=0
    until ctl "$h" "$name" ping >/dev/null 2>&1; do
        n=$((n + 1)); [ $n -lt 120 ] || die "guest $name on lab-$h does not answer"
        sleep 0.5
    done
}

ctl() {
    h=$1; name=$2; shift 2
    inhost "$h" python3 - "/run/libvirt/ferry-lab/$name.sock" "$*" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(256)
    if not d:
        break
    buf += d
line = buf.decode(errors="replace").strip().splitlines()
print(line[-1] if line else "")
sys.exit(0 if line and not line[-1].startswith(("bad", "unknown")) else 1)
EOF
}

checkdisk() {
    h=$1; name=$2
    path=$(lvirsh "$h" domblklist "$name" --details | awk '$3 == "vda" {print $4}')
    [ -n "$path" ] || die "$name on lab-$h has no vda"
    # what the guest sees: the image through its chain, as raw bytes (-U:
    # the running QEMU holds the image's lock)
    raw=$(mktemp /tmp/ferry-lab-disk.XXXXXX)
    inhost "$h" qemu-img convert -U -O raw "$path" "$raw" ||
        { rm -f "$raw"; die "qemu-img cannot read $path on lab-$h"; }
    rc=0
    inhost "$h" python3 - "$raw" "$path" <<'EOF' || rc=$?
import struct, sys
BLOCK = 65536
FILL = 0x5a5aa5a55a5aa5a5
data = open(sys.argv[1], "rb").read()
n = len(data) // BLOCK
seqs = []
for j in range(n):
    b = data[j * BLOCK:(j + 1) * BLOCK]
    magic, seq = struct.unpack_from("<QQ", b)
    if magic != 0x4b4c425952524546:
        print("block %d: no block header" % j); sys.exit(1)
    if seq % n != j:
        print("block %d: holds sequence %d" % (j, seq)); sys.exit(1)
    if b[16:] != struct.pack("<Q", seq ^ FILL) * ((BLOCK - 16) // 8):
        print("block %d: torn (sequence %d)" % (j, seq)); sys.exit(1)
    seqs.append(seq)
top = max(seqs)
stale = [j for j, s in enumerate(seqs) if s <= top - n]
if stale:
    print("stale blocks: %s (newest sequence %d)" % (stale[:8], top)); sys.exit(1)
print("ok %d blocks, newest sequence %d, %s" % (n, top, sys.argv[2]))
EOF
    rm -f "$raw"
    return $rc
}

imginfo() { inhost "$1" qemu-img info -U --output=json "$2"; }

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
up) up ;;
down) down ;;
vm) [ $# -ge 3 ] || die "usage: lab.sh vm NAME HOST POOL [wss] [rate] [disk] [--stopped] [--qcow2] [--backing=PATH]"; vm "$@" ;;
ctl) [ $# -ge 3 ] || die "usage: lab.sh ctl HOST NAME CMD"; ctl "$@" ;;
virsh) h=$1; shift; lvirsh "$h" "$@" ;;
uri) uri "$1" ;;
maddr) maddr "$1" ;;
hostkey) cat "$(hdir "$1")/ssh/ssh_host_ed25519_key.pub" ;;
checkdisk) checkdisk "$@" ;;
imginfo) imginfo "$@" ;;
stop-libvirtd)
    # keep the host's namespaces reachable through its sshd
    d=$(hdir "$1"); cp "$d/libvirtd.pid" "$d/ns.pid" 2>/dev/null || true
    cat "$d/sshd.pid" >"$d/ns.pid"
    killpid "$d/libvirtd.pid" libvirtd ;;
start-libvirtd)
    d=$(hdir "$1")
    nsenter -t "$(cat "$d/sshd.pid")" -m -n -u -- \
        libvirtd --daemon --listen --config "$d/etc/libvirtd.conf" --pid-file "$d/libvirtd.pid"
    n=0
    until lvirsh "$1" version >/dev/null 2>&1; do
        n=$((n + 1)); [ $n -lt 300 ] || die "libvirtd on lab-$1 did not come back"
        sleep 0.1
    done ;;
inhost) inhost "$@" ;;
tlsdir) echo "$(hdir "$1")/pki/qemu" ;;
*) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
