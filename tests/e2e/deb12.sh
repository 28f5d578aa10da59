#!/usr/bin/env bash
# deb12.sh TEST [ARGS...]: runs the e2e test script TEST (a file name in this
# folder, e.g. test_e810_net.sh) with Debian 12's own kernel (6.1) as the
# guest: the newest /boot/vmlinuz-6.1.* of this host (scripts/deps.sh
# installs linux-image-amd64). Skips (77) when the host has no 6.1 kernel.
set -u
t=${1:?usage: deb12.sh TEST [ARGS...]}
shift
kver=$(cd /boot 2>/dev/null && ls -1 vmlinuz-6.1.* 2>/dev/null | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
if [ -z "$kver" ] || [ ! -r "/lib/modules/$kver/modules.dep" ]; then
	echo "[${t%.sh}_deb12] SKIP: no Debian 12 (6.1) kernel with modules on this host"
	exit 77
fi
VMUX_E2E_KVER=$kver exec bash "$(dirname "$0")/$t" "$@"
