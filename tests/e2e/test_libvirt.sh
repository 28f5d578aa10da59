#!/usr/bin/env bash
# e2e: vmux under libvirt. Debian's libvirtd (9.0 on Debian 12) runs the
# domain of docs/examples/libvirt-domain.xml, that very file with its paths
# replaced, the chroot's QEMU 11 as its <emulator> (a wrapper script) and
# type='qemu' (TCG): guest RAM a shared memfd (<memoryBacking>), the NIC
# vmux's e1000 through <qemu:commandline>. QEMU runs as libvirt-qemu, Debian's
# default, and reaches vmux's socket through the group and umask that
# docs/LIBVIRT.md gives. Checked:
#   1. virsh define + virsh start; the guest pings a tap in a network
#      namespace of this test through vmux, and that tap's side pings back;
#      libvirt's QEMU ran as libvirt-qemu with a shared memfd backend;
#   2. virsh destroy while the guest uses the device: vmux keeps serving;
#   3. virsh define (the guest now ends by itself) + virsh start on the same
#      socket: pings both ways again, the guest powers off, the domain is
#      shut off; vmux is still up and stops cleanly on SIGTERM.
#
# The machine's own libvirt is not touched: this libvirtd is the test's, in a
# private mount namespace where /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt and /var/log/libvirt are directories of the test's temp
# dir (and /run a tmpfs), and in a network namespace of its own (libvirt's
# QEMU inherits both). virsh reaches it at qemu:///system?socket=...
#
#   tests/e2e/test_libvirt.sh
# Exit 0 pass, 1 fail, 77 skip: only where libvirtd cannot run at all (no
# private mount namespace can be made here). A missing libvirt is a failure
# (scripts/deps.sh installs libvirt-daemon-system and libvirt-clients).
# Environment: see tests/e2e/lib.sh.
set -u
. "$(dirname "$0")/lib.sh"

HOST_IP=10.83.0.1
GUEST_IP=10.83.0.2
MAC=52:54:00:e2:e0:40
QEMU_USER=libvirt-qemu
DOMAIN=vmux-vm1
EXAMPLE=$E2E_SRCROOT/docs/examples/libvirt-domain.xml
T0=$(date +%s%N)

e2e_guest_test_init
for b in libvirtd virsh; do
	command -v "$b" >/dev/null ||
		e2e_fail "$b is missing (run scripts/deps.sh: libvirt-daemon-system, libvirt-clients)"
done
id "$QEMU_USER" >/dev/null 2>&1 || e2e_fail "no user $QEMU_USER (libvirt-daemon-system makes it)"
out=$(unshare --mount --propagation private true 2>&1) ||
	e2e_skip "libvirtd cannot run here: no private mount namespace for it (unshare: $out)"
LV_VERSION=$(libvirtd --version | awk '{print $NF}')

# QEMU, as libvirt-qemu, must reach the wrapper, kernel, initrd, serial file
# and socket directory below the temp dir: search permission only.
chmod 0711 "$E2E_TMP"
LV=$E2E_TMP/lv
mkdir -p "$LV"/{etc,run,lib,cache,log} "$E2E_TMP/boot"

initrd=$E2E_TMP/boot/initrd.img
e2e_initramfs "$initrd" "$E2E_DIR/guest/libvirt.sh" e1000
# A copy: libvirt gives the kernel to the QEMU user while the domain runs.
cp "$E2E_KERNEL" "$E2E_TMP/boot/vmlinuz"
chmod 0644 "$initrd" "$E2E_TMP/boot/vmlinuz"
e2e_log "guest kernel: $(basename "$E2E_KERNEL"); libvirt $LV_VERSION"

# The emulator: the chroot's QEMU through its own loader (as the kit runs it).
QEMU_WRAPPER=$E2E_TMP/qemu-system-x86_64
e2e_qemu_argv
{
	echo '#!/bin/sh'
	echo "# The chroot's QEMU for libvirt (tests/e2e/test_libvirt.sh)."
	printf 'exec %s "$@"\n' "$(printf '%q ' "${E2E_QEMU_ARGV[@]}")"
} >"$QEMU_WRAPPER"
chmod 0755 "$QEMU_WRAPPER"

# --- the network: a tap in a namespace of its own, vmux on it

e2e_netns_add net || e2e_fail "cannot create a network namespace"
ns=$E2E_NS
ip -n "$ns" tuntap add dev tap0 mode tap || e2e_fail "cannot create tap0 in $ns"
ip -n "$ns" addr add "$HOST_IP/24" dev tap0
ip -n "$ns" link set tap0 up

# The socket as docs/LIBVIRT.md has it: a directory of group libvirt-qemu
# (setgid, so the socket gets that group) and vmux started with umask 007.
sockdir=$E2E_TMP/vmux
install -d -o root -g "$QEMU_USER" -m 2750 "$sockdir" || e2e_fail "cannot make $sockdir"
sock=$sockdir/vm1.sock
old_umask=$(umask)
umask 007
e2e_vmux_start -n "$ns" vmux -s "$sock" -m e1000-emu -t tap0 -b "$MAC"
umask "$old_umask"
perm=$(stat -c '%U:%G %a' "$sock")
[ "$perm" = "root:$QEMU_USER 770" ] || e2e_fail "vmux's socket is $perm, not root:$QEMU_USER 770"

# --- the test's libvirtd

cat >"$LV/etc/libvirtd.conf" <<EOF
# libvirtd of tests/e2e/test_libvirt.sh: root only, its sockets in its own
# /run/libvirt (a directory of the test's), log to stderr.
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:stderr"
EOF
# Debian's defaults for the QEMU user and DAC labelling (dynamic_ownership);
# no security driver (AppArmor: see docs/LIBVIRT.md), no cgroups of the
# machine, QEMU's output straight to a file (no virtlogd).
cat >"$LV/etc/qemu.conf" <<EOF
user = "$QEMU_USER"
group = "$QEMU_USER"
dynamic_ownership = 1
security_driver = "none"
cgroup_controllers = [ ]
stdio_handler = "file"
EOF

e2e_netns_add lv || e2e_fail "cannot create a network namespace"
lvns=$E2E_NS
# ip netns exec, unshare and sh each exec the next: the PID is libvirtd's.
# shellcheck disable=SC2016 # expanded by that sh
ip netns exec "$lvns" unshare --mount --propagation private sh -c '
	lv=$1
	mount -t tmpfs -o mode=0755 vmux-e2e-run /run || exit 1
	mkdir -p /run/libvirt || exit 1
	for m in etc:/etc/libvirt run:/run/libvirt lib:/var/lib/libvirt \
		cache:/var/cache/libvirt log:/var/log/libvirt; do
		mkdir -p "${m#*:}" && mount --bind "$lv/${m%%:*}" "${m#*:}" || exit 1
	done
	exec libvirtd -f /etc/libvirt/libvirtd.conf' sh "$LV" \
	</dev/null >"$E2E_TMP/libvirtd.log" 2>&1 &
e2e_track libvirtd $!
LV_URI="qemu:///system?socket=$LV/run/libvirt-sock"
echo "virsh -c '$LV_URI'" >"$E2E_TMP/libvirtd.cmdline"
V() { virsh -q -c "$LV_URI" "$@"; }
t0=$(date +%s%N)
for ((i = 0; i < 200; i++)); do
	[ -S "$LV/run/libvirt-sock" ] && V list --all >/dev/null 2>&1 && break
	e2e_alive libvirtd || e2e_fail "libvirtd exited before listening"
	sleep 0.1
done
V list --all >/dev/null 2>&1 || e2e_fail "libvirtd does not answer on $LV/run/libvirt-sock within 20 s"
e2e_log "libvirtd up in $(e2e_since "$t0") s"

# --- the domain

# domain_xml BOOT HOLD: the example with this test's paths, TCG, and the
# guest's parameters on the kernel command line. Fails if one of the
# example's strings it replaces is gone (the example must stay runnable).
domain_xml() {
	local boot=$1 hold=$2 s
	for s in "type='kvm'" /var/lib/libvirt/boot/vmlinuz /var/lib/libvirt/boot/initrd.img \
		'console=ttyS0 panic=-1 quiet</cmdline>' /usr/bin/qemu-system-x86_64 \
		/var/log/libvirt/qemu/vmux-vm1.serial '"path":"/run/vmux/vm1.sock"' \
		"<name>$DOMAIN</name>"; do
		grep -qF -- "$s" "$EXAMPLE" || e2e_fail "$EXAMPLE no longer has $s"
	done
	sed -e "s|type='kvm'|type='qemu'|" \
		-e "s|/var/lib/libvirt/boot/vmlinuz|$E2E_TMP/boot/vmlinuz|" \
		-e "s|/var/lib/libvirt/boot/initrd.img|$initrd|" \
		-e "s|console=ttyS0 panic=-1 quiet</cmdline>|console=ttyS0 panic=-1 quiet e2e.ip=$GUEST_IP e2e.host=$HOST_IP e2e.hold=$hold</cmdline>|" \
		-e "s|/usr/bin/qemu-system-x86_64|$QEMU_WRAPPER|" \
		-e "s|/var/log/libvirt/qemu/vmux-vm1.serial|$E2E_TMP/$boot.serial|" \
		-e "s|\"path\":\"/run/vmux/vm1.sock\"|\"path\":\"$sock\"|" \
		"$EXAMPLE" >"$E2E_TMP/$boot.xml"
}

# Copies libvirt's log of the domain (QEMU's command line and stderr) where
# a failure prints it, then fails.
lv_fail() {
	cp "$LV/log/qemu/$DOMAIN.log" "$E2E_TMP/$DOMAIN.qemu.log" 2>/dev/null
	e2e_fail "$@"
}

# domain_state: virsh domstate, one line.
domain_state() {
	V domstate "$DOMAIN" 2>&1 | head -n 1
}

# boot BOOT HOLD: define and start the domain; wait until the guest is
# ready (it pinged the tap's side); ping it from there.
boot() {
	local b=$1 serial=$E2E_TMP/$1.serial deadline
	domain_xml "$b" "$2"
	V define --validate "$E2E_TMP/$b.xml" >"$E2E_TMP/$b.virsh.log" 2>&1 ||
		lv_fail "virsh define: $(tail -n 3 "$E2E_TMP/$b.virsh.log")"
	t0=$(date +%s%N)
	V start "$DOMAIN" >>"$E2E_TMP/$b.virsh.log" 2>&1 ||
		lv_fail "virsh start: $(tail -n 3 "$E2E_TMP/$b.virsh.log")"
	deadline=$(($(date +%s) + E2E_TIMEOUT))
	until grep -qa 'E2E-DATA: ready=1' "$serial" 2>/dev/null; do
		grep -qa 'E2E-RESULT: ' "$serial" 2>/dev/null &&
			lv_fail "$b: guest: $(grep -a 'E2E-RESULT: ' "$serial" | tr -d '\r')"
		[ "$(domain_state)" = running ] || lv_fail "$b: the domain is $(domain_state) before the guest was ready"
		[ "$(date +%s)" -lt "$deadline" ] || lv_fail "$b: the guest was not ready within $E2E_TIMEOUT s"
		sleep 0.2
	done
	e2e_log "$b: guest ready $(e2e_since "$t0") s after virsh start; $(tr -d '\r' <"$serial" | grep -a -m 1 'ok: guest pings host' | sed 's/^E2E-INFO: ok: //')"
	ip netns exec "$ns" "$BB" ping -c 3 -W 2 "$GUEST_IP" >"$E2E_TMP/$b.ping.log" 2>&1 ||
		lv_fail "$b: the tap's side could not ping the guest: $(tail -n 2 "$E2E_TMP/$b.ping.log" | tr '\n' ' ')"
	e2e_log "$b: tap pings guest: $(tail -n 1 "$E2E_TMP/$b.ping.log")"
}

# 1. define, start, ping both ways; what libvirt made of the domain
boot boot1 1
qpid=$(cat "$LV/run/qemu/$DOMAIN.pid" 2>/dev/null)
quser=$(ps -o user= -p "${qpid:-0}" 2>/dev/null)
[ "$quser" = "$QEMU_USER" ] || lv_fail "libvirt's QEMU (PID ${qpid:-none}) runs as '${quser:-?}', not $QEMU_USER"
args=$(tr '\0' ' ' <"/proc/$qpid/cmdline")
# A memfd backend that is not private (QEMU's memfd default is shared; the
# example says so anyway), and vmux mapped it: all of the guest's RAM.
if ! grep -q 'memory-backend-memfd' <<<"$args" || grep -qE '"share":false|share=off' <<<"$args"; then
	lv_fail "libvirt's QEMU has no shared memfd guest RAM: $args"
fi
mapped=$(awk '/^[0-9a-f]+-[0-9a-f]+ / { on = ($0 ~ /memfd:memory-backend-memfd/) }
	on && /^Size:/ { kb += $2 } END { print kb / 1024 }' "/proc/${E2E_PIDS[vmux]}/smaps")
[ "${mapped%.*}" -ge 512 ] || lv_fail "vmux mapped ${mapped} MiB of the guest's memfd, not 512"
grep -qF "\"path\":\"$sock\"" <<<"$args" || lv_fail "libvirt's QEMU has no vfio-user-pci on $sock: $args"
grep -q 'client attached' "$E2E_TMP/vmux.log" || lv_fail "vmux logged no client attached"
e2e_log "boot1: QEMU (PID $qpid) runs as $quser; vmux mapped $mapped MiB of its guest RAM: $(grep -oE '"qom-type":"memory-backend-memfd"[^}]*|memory-backend-memfd[^ ]*' <<<"$args" | head -n 1)"

# 2. virsh destroy while the guest uses the device
V destroy "$DOMAIN" >>"$E2E_TMP/boot1.virsh.log" 2>&1 ||
	lv_fail "virsh destroy: $(tail -n 3 "$E2E_TMP/boot1.virsh.log")"
[ "$(domain_state)" = "shut off" ] || lv_fail "after virsh destroy the domain is $(domain_state)"
for ((i = 0; i < 50; i++)); do
	grep -q 'client detached' "$E2E_TMP/vmux.log" && break
	sleep 0.1
done
grep -q 'client detached' "$E2E_TMP/vmux.log" || lv_fail "vmux did not see the client go after virsh destroy"
e2e_alive vmux || lv_fail "vmux died after virsh destroy"
e2e_log "boot1: virsh destroy; vmux: $(grep -m 1 -o 'client detached.*' "$E2E_TMP/vmux.log")"

# 3. the next start on the same socket; this time the guest ends by itself
# (a new definition: the old one goes first, the new one has another UUID)
V undefine "$DOMAIN" >>"$E2E_TMP/boot1.virsh.log" 2>&1 ||
	lv_fail "virsh undefine: $(tail -n 3 "$E2E_TMP/boot1.virsh.log")"
boot boot2 0
deadline=$(($(date +%s) + E2E_TIMEOUT))
while [ "$(domain_state)" = running ] && [ "$(date +%s)" -lt "$deadline" ]; do
	sleep 0.2
done
state=$(domain_state)
result=$(tr -d '\r' <"$E2E_TMP/boot2.serial" | grep -a '^E2E-RESULT: ' | tail -n 1)
e2e_guest_lines boot2 | grep -v '^  dmesg' | sed 's/^/    /'
[ "$result" = "E2E-RESULT: PASS" ] || lv_fail "boot2: guest: ${result:-no result} (domain $state)"
[ "$state" = "shut off" ] || lv_fail "boot2: the domain is $state after the guest powered off"
[ "$(grep -c 'client attached' "$E2E_TMP/vmux.log")" -ge 2 ] || lv_fail "vmux did not log the second attach"
V undefine "$DOMAIN" >/dev/null 2>&1 || lv_fail "virsh undefine failed"
e2e_alive vmux || lv_fail "vmux died"
e2e_stop vmux 5
rc=$?
[ "$rc" = 0 ] || e2e_fail "vmux exited with status $rc on SIGTERM"
e2e_stop libvirtd 10
e2e_pass "libvirt $LV_VERSION: define, start, ping both ways through vmux, destroy, start again on the same socket, shut off (QEMU as $QEMU_USER; $(e2e_since "$T0") s)"
