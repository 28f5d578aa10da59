#!/usr/bin/env bash
# dist/systemd's units pass `systemd-analyze verify`: vmux.service (from
# vmux.service.in, with @bindir@ pointed at the vmux under test, since the
# installed unit names the installed one) and vmux@.socket as an instance. Man pages are checked only
# where they are installed (--man=no otherwise). Skipped (77) without
# systemd-analyze. Usage: test_unit.sh SRCDIR VMUX
set -u
src=$1 vmux=$2
command -v systemd-analyze >/dev/null || { echo "SKIP: systemd-analyze is missing"; exit 77; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmux-unit.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
sed "s|^ExecStart=@bindir@/vmux |ExecStart=$(realpath "$vmux") |" "$src/dist/systemd/vmux.service.in" >"$tmp/vmux.service"
grep -q "^ExecStart=$(realpath "$vmux") --config /etc/vmux/vmux.json$" "$tmp/vmux.service" ||
	{ echo "FAIL: vmux.service has no ExecStart=@bindir@/vmux --config /etc/vmux/vmux.json"; exit 1; }
grep -qx 'Type=notify' "$tmp/vmux.service" || { echo "FAIL: vmux.service is not Type=notify"; exit 1; }
cp "$src/dist/systemd/vmux@.socket" "$tmp/vmux@vm1.socket"
man=no
man -w vmux >/dev/null 2>&1 && man=yes
cd "$tmp" || exit 1
if ! out=$(systemd-analyze verify --man=$man ./vmux.service ./vmux@vm1.socket 2>&1) || [ -n "$out" ]; then
	echo "FAIL: systemd-analyze verify:"
	echo "$out"
	exit 1
fi
echo "PASS: systemd-analyze verify (man pages checked: $man)"
