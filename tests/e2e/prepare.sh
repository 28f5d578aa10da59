#!/usr/bin/env bash
# Makes the e2e tests ready to run: builds (once) or reuses the Debian
# unstable chroot that provides QEMU 11 and the guest kernel, and checks that
# QEMU runs here. Exit 0 ready, 1 failure, 77 QEMU cannot run on this machine.
set -u
. "$(dirname "$0")/lib.sh"
E2E_NAME=e2e-prepare
e2e_init
e2e_chroot_ensure
e2e_qemu_usable || e2e_skip "QEMU from $E2E_CHROOT cannot run on this machine"
e2e_kernel_resolve
e2e_log "$(e2e_qemu -version | head -n 1)"
e2e_log "guest kernel $E2E_KERNEL, modules $E2E_MODULES"
e2e_pass "chroot ready in $E2E_CHROOT"
