#!/usr/bin/env bash
# Installs with apt-get whatever building vmux, its tests and the e2e/demo
# guests need and is not installed yet (Debian 12 or newer). Idempotent:
# prints "deps: all present" and changes nothing when all is there.
set -euo pipefail

PKGS=(
	# build
	gcc meson ninja-build pkg-config libjson-c-dev libpcap-dev liburing-dev
	# the DPDK uplink (--uplink dpdk:...): DPDK 22.11 and its PMDs
	libdpdk-dev dpdk
	# unit and integration tests
	libcmocka-dev
	# e2e tests and demo: the QEMU/kernel chroot, namespaces and taps,
	# unpacking kernel modules
	debootstrap debian-archive-keyring iproute2 xz-utils zstd python3 ethtool
	# fuzz targets: libFuzzer and the sanitizer runtimes
	clang libclang-rt-14-dev
	# the second guest kernel: Debian 12's own (6.1)
	linux-image-amd64
)

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
	echo "deps: missing ${missing[*]}; run as root (sudo $0) or: sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "deps: done"
