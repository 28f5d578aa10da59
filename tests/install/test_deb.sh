#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: dpkg-buildpackage -us -uc -b in a copy of the source tree
# (in a temp dir, where the .deb lands beside it), its contents checked, then
# installed with dpkg -i and apt-get -f install into a clean Debian 12 chroot
# (debootstrap --variant=minbase bookworm, built once into the cache and
# reused; each run gets a throwaway overlay of it), where vmux --help and
# vmuxctl --help must run, the vfio-user descriptor's binary must be the
# installed vmux and run, and the systemd unit, if the package has one, must
# be neither enabled nor started.
# Usage: test_deb.sh SOURCEDIR   (meson test --suite install; root)
# Environment: VMUX_CACHE (default /var/cache/vmux-e2e; the chroot is
# $VMUX_CACHE/bookworm), VMUX_KEEP=1 keeps the temp dir.
# Exit 0 pass, 1 fail, 77 skip (not root, or no dpkg-buildpackage/debootstrap).
set -uo pipefail
SRC=$(cd "$1" && pwd) || exit 1
CACHE=${VMUX_CACHE:-/var/cache/vmux-e2e}
CHROOT=$CACHE/bookworm
T0=$(date +%s)
TMP=
ROOT=
MOUNTED=()

log() { echo "[deb $(($(date +%s) - T0))s] $*"; }
die() {
	echo "[deb] FAIL: $*" >&2
	exit 1
}
skip() {
	echo "[deb] SKIP: $*"
	exit 77
}
cleanup() {
	local i
	for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
		umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}"
	done
	if [ -n "$TMP" ] && [ "${VMUX_KEEP:-0}" != 1 ]; then
		rm -rf -- "$TMP"
	elif [ -n "$TMP" ]; then
		echo "[deb] kept $TMP"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot)"
for c in dpkg-buildpackage dh debootstrap; do
	command -v "$c" >/dev/null || skip "no $c (scripts/deps.sh installs it)"
done
case "$(mkdir -p "$CACHE" && cd "$CACHE" && pwd -P)/" in
"$(cd "$SRC" && pwd -P)"/*) die "VMUX_CACHE ($CACHE) must be outside the source tree" ;;
esac
TMP=$(mktemp -d /tmp/vmux-deb.XXXXXX) || exit 1

# 1. The package, built from a copy of the tree without its build
# directories (and without what a build in the tree itself left in debian/).
version=$(dpkg-parsechangelog -l "$SRC/debian/changelog" -S Version) || die "debian/changelog"
copy=$TMP/vmux-$version
mkdir -p "$copy"
tar -C "$SRC" --exclude=./.git --exclude='./build*' --exclude='./obj-*' \
	--exclude=./tests/e2e/.out --exclude=./debian/vmux --exclude=./debian/.debhelper \
	--exclude=./debian/files --exclude='./debian/*.substvars' \
	--exclude=./debian/debhelper-build-stamp --exclude='./debian/*.log' \
	-cf - . | tar -C "$copy" -xf - || die "cannot copy the source tree"
[ -d "$copy/debian" ] || die "no debian/ in $SRC"
log "dpkg-buildpackage -us -uc -b (log: $TMP/build.log)"
if ! (cd "$copy" && DEB_BUILD_OPTIONS="parallel=2 ${DEB_BUILD_OPTIONS:-}" \
	nice -n 10 dpkg-buildpackage -us -uc -b) >"$TMP/build.log" 2>&1; then
	tail -n 40 "$TMP/build.log" >&2
	die "dpkg-buildpackage failed"
fi
deb=$(find "$TMP" -maxdepth 1 -name "vmux_${version}_*.deb" | head -n 1)
[ -f "$deb" ] || die "no vmux_${version}_*.deb beside the tree"
log "built ${deb##*/} ($(stat -c %s "$deb") bytes)"

# 2. Its files: the binaries, man pages, example configuration, completions,
# the vfio-user backend descriptor and the unit when the tree has one.
want=(/usr/bin/vmux /usr/bin/vmuxctl /usr/share/man/man8/vmux.8.gz
	/usr/share/man/man8/vmuxctl.8.gz /usr/share/man/man5/vmux.json.5.gz
	/etc/vmux/vmux.json.example /usr/share/bash-completion/completions/vmux
	/usr/share/bash-completion/completions/vmuxctl /usr/share/doc/vmux/copyright
	/usr/share/vfio-user/50-vmux.json)
units=()
for u in vmux.service vmux.socket vmux@.socket; do
	[ -f "$SRC/dist/systemd/$u" ] || [ -f "$SRC/dist/systemd/$u.in" ] || continue
	units+=("$u")
	want+=("/lib/systemd/system/$u")
done
dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's/^\.//' >"$TMP/contents"
for f in "${want[@]}"; do
	grep -qxF "$f" "$TMP/contents" || die "${deb##*/} lacks $f"
done
if [ "${#units[@]}" -gt 0 ]; then
	# installed but not started: no start in the maintainer scripts
	dpkg-deb -e "$deb" "$TMP/control" || die "cannot unpack the control files"
	if grep -sE 'deb-systemd-invoke .*(start|restart)|systemctl .*start' \
		"$TMP/control/postinst" >&2; then
		die "the postinst starts a unit"
	fi
fi
log "contents: the ${#want[@]} expected files (Depends: $(dpkg-deb -f "$deb" Depends))"

# 3. The clean Debian 12 chroot: built once into the cache (DIR.tmp renamed
# when complete, under the e2e kit's lock), reused afterwards.
exec {lockfd}>"$CACHE/.lock"
flock "$lockfd"
if [ ! -f "$CHROOT/.vmux-complete" ]; then
	log "debootstrap --variant=minbase bookworm $CHROOT (once; log: $CACHE/bookworm.log)"
	rm -rf -- "$CHROOT.tmp" "$CHROOT"
	ok=0
	for try in 1 2; do
		if debootstrap --variant=minbase bookworm "$CHROOT.tmp" >"$CACHE/bookworm.log" 2>&1; then
			ok=1
			break
		fi
		rm -rf -- "$CHROOT.tmp"
		[ "$try" = 2 ] || { log "debootstrap failed; once more"; sleep 10; }
	done
	if [ "$ok" != 1 ]; then
		tail -n 30 "$CACHE/bookworm.log" >&2
		die "debootstrap of bookworm failed twice (log: $CACHE/bookworm.log)"
	fi
	date -u +%FT%TZ >"$CHROOT.tmp/.vmux-complete"
	mv -- "$CHROOT.tmp" "$CHROOT"
	log "chroot built"
fi
exec {lockfd}>&-

# A throwaway copy of it: an overlay (the cache stays clean), else cp -a.
ROOT=$TMP/root
mkdir -p "$ROOT" "$TMP/upper" "$TMP/work"
if mount -t overlay overlay -o "lowerdir=$CHROOT,upperdir=$TMP/upper,workdir=$TMP/work" \
	"$ROOT" 2>/dev/null; then
	MOUNTED+=("$ROOT")
else
	log "no overlayfs here: copying the chroot"
	cp -a "$CHROOT/." "$ROOT/" || die "cannot copy $CHROOT"
fi
mount -t proc proc "$ROOT/proc" || die "cannot mount /proc in the chroot"
MOUNTED+=("$ROOT/proc")
cp "$deb" "$ROOT/tmp/" || die "cannot copy the package into the chroot"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null

# 4. dpkg -i, then apt-get -f install of its dependencies: offline from the
# packages an earlier run fetched (kept in the cache, below), else from the
# mirror debootstrap wrote into the chroot's sources.list.
in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
log "dpkg -i ${deb##*/} and apt-get -f install in the chroot (log: $TMP/apt.log)"
in_root dpkg -i "/tmp/${deb##*/}" >"$TMP/apt.log" 2>&1
how=offline
if ! in_root apt-get -y -q -f --no-download install >>"$TMP/apt.log" 2>&1; then
	how=online
	in_root apt-get -q update >>"$TMP/apt.log" 2>&1
	in_root apt-get -y -q -f install >>"$TMP/apt.log" 2>&1 || {
		tail -n 30 "$TMP/apt.log" >&2
		die "apt-get -f install failed in the chroot"
	}
fi
# shellcheck disable=SC2016 # dpkg-query's format
in_root dpkg-query -W -f='${Status}\n' vmux 2>/dev/null | grep -q '^install ok installed$' || {
	tail -n 30 "$TMP/apt.log" >&2
	die "vmux is not installed in the chroot"
}
log "installed ($how: $(grep -c '^Setting up' "$TMP/apt.log") packages set up)"

# 5. The binaries run there, with only what the package pulled in.
in_root vmux --help >"$TMP/vmux.help" 2>&1 || { cat "$TMP/vmux.help" >&2; die "vmux --help failed in the chroot"; }
grep -q '^Usage: vmux ' "$TMP/vmux.help" || die "vmux --help printed no usage"
in_root vmuxctl --help >"$TMP/vmuxctl.help" 2>&1 || { cat "$TMP/vmuxctl.help" >&2; die "vmuxctl --help failed in the chroot"; }
grep -q '^Usage: vmuxctl ' "$TMP/vmuxctl.help" || die "vmuxctl --help printed no usage"
in_root vmux --config /etc/vmux/vmux.json.example --help >/dev/null 2>&1 ||
	die "vmux rejects /etc/vmux/vmux.json.example in the chroot"
log "vmux --help, vmuxctl --help run in the chroot ($(in_root vmux --version))"
# The vfio-user backend descriptor names the installed binary.
desc=/usr/share/vfio-user/50-vmux.json
bin=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["binary"])' "$ROOT$desc") ||
	die "$desc is not JSON with a binary"
[ "$bin" = /usr/bin/vmux ] || die "$desc: binary $bin, not /usr/bin/vmux"
in_root "$bin" --help >/dev/null 2>&1 || die "$desc: $bin --help failed in the chroot"
log "$desc: binary $bin runs in the chroot"
for u in "${units[@]}"; do
	[ -f "$ROOT/lib/systemd/system/$u" ] || die "$u not installed"
	if find "$ROOT/etc/systemd/system" -name "$u" 2>/dev/null | grep -q .; then
		die "$u is enabled after installation"
	fi
	log "$u installed, not enabled"
done

# Keep the fetched packages for the next run's offline install.
if [ "$how" = online ] && [ -d "$TMP/upper/var/cache/apt/archives" ]; then
	exec {lockfd}>"$CACHE/.lock"
	flock "$lockfd"
	find "$TMP/upper/var/cache/apt/archives" -maxdepth 1 -name '*.deb' \
		-exec cp -n -t "$CHROOT/var/cache/apt/archives/" {} + 2>/dev/null
	exec {lockfd}>&-
fi
echo "[deb] PASS in $(($(date +%s) - T0)) s"
