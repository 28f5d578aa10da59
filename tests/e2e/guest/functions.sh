# Helpers for guest test scripts (busybox sh); sourced as ". /e2e/functions.sh".
# Output conventions, read by the host side (tests/e2e/lib.sh):
#   E2E-FAIL: <reason>     a failed check (the first one becomes the result)
#   E2E-DATA: key=value    a measured value the host may check or print
#   E2E-INFO: <text>       anything worth showing to a person

e2e_fail() {
	echo "E2E-FAIL: $*"
	echo "$*" >>/tmp/e2e-fail
}

e2e_data() {
	echo "E2E-DATA: $1=$2"
}

e2e_info() {
	echo "E2E-INFO: $*"
}

# e2e_expect WHAT GOT WANT
e2e_expect() {
	if [ "$2" = "$3" ]; then
		e2e_info "ok: $1 = $2"
	else
		e2e_fail "$1 is '$2', expected '$3'"
	fi
}

# e2e_net_up IP: waits for eth0, gives it IP/24, brings it (and lo) up and
# waits for the link. Reports and returns 1 when something is missing.
# (eth0 may come late: ice registers its netdev at the end of a long probe.)
e2e_net_up() {
	e2e_wait_for 20 test -e /sys/class/net/eth0 || { e2e_fail "no eth0"; return 1; }
	ip link set lo up
	ip addr add "$1/24" dev eth0
	ip link set eth0 up
	e2e_wait_for 20 grep -qx 1 /sys/class/net/eth0/carrier || { e2e_fail "link did not come up"; return 1; }
}

# e2e_ping_host HOST: the host answers (after a moment for ARP) three pings.
e2e_ping_host() {
	if e2e_wait_for 20 ping -c 1 -W 1 "$1" >/dev/null 2>&1 && ping -c 3 -W 2 "$1" >/tmp/ping.out 2>&1; then
		e2e_info "ok: guest pings host: $(tail -n 1 /tmp/ping.out)"
	else
		cat /tmp/ping.out
		e2e_fail "guest cannot ping the host"
	fi
}

# e2e_tcp_both_ways HOST BYTES: BYTES from the host's peer on port 5001 (its
# sha256 must be E2E_RXSHA), then BYTES of random data to port 5002 (their
# sha256 reported as tx_sha for the host to check); rx_secs/tx_secs timed.
e2e_tcp_both_ways() {
	t0=$(date +%s)
	if nc "$1" 5001 >/tmp/rx; then
		e2e_data rx_secs $(($(date +%s) - t0))
		e2e_expect "bytes received from host" "$(wc -c </tmp/rx)" "$2"
		e2e_expect "sha256 of data received from host" "$(sha256sum /tmp/rx | cut -d' ' -f1)" "$E2E_RXSHA"
	else
		e2e_fail "nc from host failed"
	fi
	rm -f /tmp/rx
	dd if=/dev/urandom of=/tmp/tx bs=65536 count=$(($2 / 65536)) 2>/dev/null
	e2e_data tx_sha "$(sha256sum /tmp/tx | cut -d' ' -f1)"
	t0=$(date +%s)
	nc "$1" 5002 </tmp/tx || e2e_fail "nc to host failed"
	e2e_data tx_secs $(($(date +%s) - t0))
	rm -f /tmp/tx
}

# Exit status for the end of a test script: 0 if no check failed.
e2e_status() {
	[ ! -s /tmp/e2e-fail ]
}

# e2e_pci_find VENDOR DEVICE: prints the sysfs directories of matching PCI
# functions (IDs as "0x8086").
e2e_pci_find() {
	for d in /sys/bus/pci/devices/*; do
		[ -r "$d/vendor" ] || continue
		if [ "$(cat "$d/vendor")" = "$1" ] && [ "$(cat "$d/device")" = "$2" ]; then
			echo "$d"
		fi
	done
}

# e2e_config_byte DEV OFFSET: one byte of config space, decimal.
e2e_config_byte() {
	od -An -tu1 -j "$2" -N 1 "$1/config" | tr -d ' '
}

# e2e_bar DEV INDEX: prints "size flags" of a BAR from the sysfs resource file
# (sizes and flags in hex), or "0 0" for an unused BAR.
e2e_bar() {
	sed -n "$(($2 + 1))p" "$1/resource" | {
		read -r start end flags
		if [ -z "$start" ] || [ $((end)) -eq 0 ]; then
			echo "0 0"
		else
			printf '0x%x 0x%x\n' $((end - start + 1)) $((flags))
		fi
	}
}

# e2e_wait_for SECONDS COMMAND...: retries COMMAND every 0.2 s until it
# succeeds or SECONDS pass.
e2e_wait_for() {
	n=$(($1 * 5))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		usleep 200000
		n=$((n - 1))
	done
	return 1
}
