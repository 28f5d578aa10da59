#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `meson install` of a build: exactly the expected files under DESTDIR (all
# tags, then --tags runtime and --tags man alone), nothing written into the
# source tree, every man page rendered by man(1) without a warning and naming
# every option of the binaries' --help, and the bash completions answering.
# Usage: test_install.sh BUILDDIR SOURCEDIR   (meson test --suite install)
# Exit 0 pass, 1 fail, 77 skip (no man(1)).
set -uo pipefail
BUILD=$(cd "$1" && pwd) || exit 1
SRC=$(cd "$2" && pwd) || exit 1
TMP=$(mktemp -d /tmp/vmux-install.XXXXXX) || exit 1
trap 'rm -rf -- "$TMP"' EXIT
FAILS=0

log() { echo "[install] $*"; }
fail() {
	echo "[install] FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

# The build's directories, as meson resolves them.
dirs=$(meson introspect "$BUILD" --buildoptions >"$TMP/options.json" && python3 - "$TMP/options.json" <<'PY'
import json, os, sys
o = {x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}
p = o["prefix"]
def d(n):
    return os.path.normpath(os.path.join(p, o[n]))
# meson puts a relative sysconfdir of prefix /usr in /etc
etc = "/etc" if p == "/usr" and o["sysconfdir"] == "etc" else d("sysconfdir")
unit = o["systemdunitdir"] or os.path.join(p, "lib/systemd/system")
print("BINDIR=%s MANDIR=%s DATADIR=%s ETC=%s UNITDIR=%s MAN=%s"
      % (d("bindir"), d("mandir"), d("datadir"), etc, unit, o["man"]))
PY
) || { echo "cannot read the build options of $BUILD" >&2; exit 1; }
eval "$dirs"

RUNTIME=(
	"$BINDIR/vmux"
	"$BINDIR/vmuxctl"
	"$ETC/vmux/vmux.json.example"
	"$DATADIR/bash-completion/completions/vmux"
	"$DATADIR/bash-completion/completions/vmuxctl"
)
for u in vmux.service vmux.socket vmux@.socket; do
	if [ -f "$SRC/dist/systemd/$u" ] || [ -f "$SRC/dist/systemd/$u.in" ]; then
		RUNTIME+=("$UNITDIR/$u")
	fi
done
MANPAGES=("$MANDIR/man8/vmux.8" "$MANDIR/man8/vmuxctl.8" "$MANDIR/man5/vmux.json.5")
[ "$MAN" != disabled ] ||
	fail "the build was configured with -Dman=disabled: no man pages to check"
[ "$MAN" = disabled ] || [ -f "$BUILD/docs/man/vmux.8" ] ||
	fail "no man pages in $BUILD (configured before scdoc was installed? meson setup --reconfigure $BUILD)"

# install_check NAME MESON-INSTALL-ARGS -- EXPECTED...: installs into a fresh
# DESTDIR and compares the files there with EXPECTED.
install_check() {
	local name=$1 dest=$TMP/$1 args=()
	shift
	while [ "$1" != -- ]; do
		args+=("$1")
		shift
	done
	shift
	mkdir -p "$dest"
	if ! meson install -C "$BUILD" --no-rebuild --quiet --destdir "$dest" "${args[@]}" \
		>"$TMP/$name.log" 2>&1; then
		cat "$TMP/$name.log" >&2
		fail "$name: meson install failed"
		return
	fi
	printf '%s\n' "$@" | sort >"$TMP/$name.want"
	(cd "$dest" && find . -type f -o -type l) | sed 's/^\.//' | sort >"$TMP/$name.got"
	if diff -u "$TMP/$name.want" "$TMP/$name.got" >"$TMP/$name.diff"; then
		log "$name: the $# expected files"
	else
		cat "$TMP/$name.diff" >&2
		fail "$name: installed files differ from the expected (- missing, + unexpected)"
	fi
}

touch "$TMP/stamp"
sleep 1 # mtimes of the same second as the stamp would not count as newer
install_check all -- "${RUNTIME[@]}" "${MANPAGES[@]}"
install_check runtime --tags runtime -- "${RUNTIME[@]}"
install_check man --tags man -- "${MANPAGES[@]}"

# Nothing written into the source tree (build directories inside it aside).
changed=$(find "$SRC" \( -name .git -o -exec test -d '{}/meson-private' ';' \) -prune -o \
	-newer "$TMP/stamp" -print)
if [ -n "$changed" ]; then
	echo "$changed" >&2
	fail "meson install wrote into the source tree"
else
	log "source tree untouched"
fi

D=$TMP/all

# Each page renders without a warning and names every option and command.
# opts_of TEXT: the long options and commands it lists.
check_page() {
	local page=$1 title=$2 words=$3 w missing=()
	if ! MANWIDTH=80 man --warnings -l "$D$page" >"$TMP/page.txt" 2>"$TMP/page.err"; then
		fail "man -l $page failed: $(cat "$TMP/page.err")"
		return
	fi
	if [ -s "$TMP/page.err" ]; then
		cat "$TMP/page.err" >&2
		fail "man -l $page warned"
	fi
	grep -q "^       $title\$" "$TMP/page.txt" || fail "$page: no line '$title'"
	# the roff source without font escapes: hyphenation cannot split words there
	sed 's/\\f[BIR]//g; s/\\-/-/g; s/\\&//g; s/\\//g' "$D$page" >"$TMP/page.roff"
	for w in $words; do
		grep -qe "$w" "$TMP/page.roff" || missing+=("$w")
	done
	if [ "${#missing[@]}" -gt 0 ]; then
		fail "$page does not name ${missing[*]}"
	else
		log "$page: renders ($(wc -l <"$TMP/page.txt") lines), names $(echo "$words" | wc -w) options and commands"
	fi
}
if ! command -v man >/dev/null; then
	echo "[install] SKIP: no man(1) (apt-get install man-db)"
	[ "$FAILS" -eq 0 ] || exit 1
	exit 77
fi
VMUX=$BUILD/vmux
VMUXCTL=$BUILD/vmuxctl
vmux_words=$("$VMUX" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
vmux_words="$vmux_words $("$VMUX" --list-modes | awk '{ print $1 }') SIGTERM SIGINT"
ctl_words=$("$VMUXCTL" --help | sed -n 's/^  \([a-z]\+\) .*/\1/p')
for c in probe ports capture; do
	ctl_words="$ctl_words $("$VMUXCTL" "$c" --help | grep -oE -- '--[a-z][a-z-]+')"
done
ctl_words="$ctl_words $("$VMUXCTL" --help | grep -oE -- '--[a-z][a-z-]+') VMUX_CONTROL"
ctl_words=$(echo "$ctl_words" | tr ' ' '\n' | sort -u)
json_words=$(grep -oE '"[a-z_]+":' "$SRC/docs/examples/three-vms.json" | tr -d '":' | sort -u)
json_words="$json_words socket mode tap mac vlan allow_spoof allow_promisc worker doorbell
	queues cores workers max_guest_ram pcap port file count snaplen size"
check_page "$MANDIR/man8/vmux.8" "vmux - emulated network cards for QEMU virtual machines over vfio-user" "$vmux_words"
check_page "$MANDIR/man8/vmuxctl.8" "vmuxctl - inspect vmux and its vfio-user devices" "$ctl_words"
check_page "$MANDIR/man5/vmux.json.5" "vmux.json - the configuration file of vmux" "$json_words"

# The example configuration is one vmux accepts.
if ! out=$("$VMUX" --config "$D$ETC/vmux/vmux.json.example" --help 2>&1 >/dev/null); then
	fail "vmux rejects the installed example configuration: $out"
fi

# The completions, as bash runs them: COMP_WORDS in, COMPREPLY out.
# shellcheck disable=SC2016 # expanded by the inner bash
comp=$(PATH=$BUILD:$PATH bash --norc -c '
	. "$1"; . "$2"
	t() {
		COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		local f; f=$(complete -p "$1" | sed "s/.*-F \([^ ]*\).*/\1/")
		"$f"; echo "$*|${COMPREPLY[*]}"
	}
	t vmux --mo; t vmux -m ""; t vmux --doorbell p
	t vmuxctl ca; t vmuxctl capture st; t vmuxctl capture start --c; t vmuxctl probe --j
' bash "$D$DATADIR/bash-completion/completions/vmux" \
	"$D$DATADIR/bash-completion/completions/vmuxctl" 2>&1)
want='vmux --mo|--mode
vmux -m |e1000-emu e810-emu passthrough
vmux --doorbell p|poll
vmuxctl ca|capture
vmuxctl capture st|start stop
vmuxctl capture start --c|--control --count
vmuxctl probe --j|--json'
if [ "$comp" = "$want" ]; then
	log "bash completion: $(echo "$want" | wc -l) cases"
else
	diff -u <(echo "$want") <(echo "$comp") >&2
	fail "bash completion answers differ"
fi

[ "$FAILS" -eq 0 ] || { echo "[install] $FAILS failure(s)"; exit 1; }
echo "[install] PASS"
