#!/usr/bin/env bash
# Installs with apt-get whatever building vmux, its man pages, its package,
# its tests and the e2e/demo guests need and is not installed yet (Debian 12
# or newer). Idempotent: prints "deps: all present" and changes nothing when
# all is there. Run as root. apt-get's and dpkg's output goes to a log file
# (VMUX_DEPS_LOG, default /var/log/vmux-deps.log); the terminal gets one line
# per step, and the log's end when a step fails. Services the packages bring
# (libvirtd, its default network) are installed but not started: the tests
# that need one run an instance of their own.
set -euo pipefail

PKGS=(
	# build, man pages (scdoc, man-db renders them)
	gcc meson ninja-build pkg-config libjson-c-dev libpcap-dev liburing-dev scdoc man-db
	bash-completion
	# the Debian package (tests/install/)
	build-essential dpkg-dev debhelper
	# vmux as a systemd service (sd_notify, socket activation) and its
	# metrics endpoint
	libsystemd-dev libmicrohttpd-dev
	# the DPDK uplink (--uplink dpdk:...): DPDK 22.11 and its PMDs
	libdpdk-dev dpdk
	# unit and integration tests
	libcmocka-dev
	# the service test: scraping /metrics and parsing it (curl, the
	# OpenMetrics parser); systemd-analyze for the unit file
	curl python3-prometheus-client systemd
	# e2e tests and demo: the QEMU/kernel chroot, namespaces and taps,
	# unpacking kernel modules
	debootstrap debian-archive-keyring iproute2 xz-utils zstd python3 ethtool
	# e2e: libvirt (tests/e2e/test_libvirt.sh runs a libvirtd of its own)
	libvirt-daemon-system libvirt-clients
	# fuzz targets: libFuzzer and the sanitizer runtimes
	clang libclang-rt-14-dev
	# the second guest kernel: Debian 12's own (6.1)
	linux-image-amd64
)
LOG=${VMUX_DEPS_LOG:-/var/log/vmux-deps.log}

missing=()
for p in "${PKGS[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -eq 0 ]; then
	echo "deps: all present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}; run this as root (or with sudo), or: apt-get install -y ${missing[*]}" >&2
	exit 1
fi

# run WHAT COMMAND...: one line, COMMAND's output into the log; on failure
# the log's last lines.
run() {
	local what=$1 t0=$SECONDS rc=0
	shift
	echo "deps: $what (log: $LOG)"
	echo "==> $(date -u +%FT%TZ) $*" >>"$LOG"
	"$@" >>"$LOG" 2>&1 || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "deps: $what failed (status $rc) after $((SECONDS - t0)) s; the end of $LOG:" >&2
		tail -n 25 "$LOG" >&2
		exit "$rc"
	fi
}

mkdir -p "$(dirname "$LOG")"
export DEBIAN_FRONTEND=noninteractive
T0=$SECONDS
echo "deps: missing ${#missing[@]} packages: ${missing[*]}"
run "apt-get update" apt-get update -qq
# No daemon starts during the install (invoke-rc.d and deb-systemd-invoke ask
# policy-rc.d); a policy the machine has already is left as it is.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\n# scripts/deps.sh: no service starts while it installs\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
run "apt-get install of ${#missing[@]} packages and what they need" \
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done in $((SECONDS - T0)) s"
