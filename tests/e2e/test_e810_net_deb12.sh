#!/usr/bin/env bash
# test_e810_net.sh with Debian 12's own kernel (6.1) as the guest: the
# newest /boot/vmlinuz-6.1.* of this host. Skips (77) when the host has no
# 6.1 kernel.
set -u
kver=$(cd /boot 2>/dev/null && ls -1 vmlinuz-6.1.* 2>/dev/null | sed 's/^vmlinuz-//' | sort -V | tail -n 1)
if [ -z "$kver" ] || [ ! -r "/lib/modules/$kver/modules.dep" ]; then
	echo "[test_e810_net_deb12] SKIP: no Debian 12 (6.1) kernel with modules on this host"
	exit 77
fi
VMUX_E2E_KVER=$kver exec bash "$(dirname "$0")/test_e810_net.sh" "$@"
