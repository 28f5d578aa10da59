# shellcheck shell=bash
# Multi-guest helpers on top of lib.sh: guests that run an agent
# (guest/agent.sh) taking commands from the host.
#
#   . lib.sh; . multi.sh
#   e2e_multi_init NETNS HOST_IP [MODULE...]  # command server inside NETNS; the
#                                         # agent's initramfs loads MODULEs
#                                         # (default e1000)
#   e2e_agent_boot NAME IP SOCKET         # boots a guest with the agent
#   e2e_agent_wait_up NAME
#   e2e_agent_cmd NAME 'ping -c 3 10.0.0.1'   # queues; sets E2E_SEQ (no $(...): it
#                                         # must update this shell's counters)
#   e2e_agent_wait NAME SEQ [TIMEOUT]     # waits; returns the command's rc
#   e2e_agent_run NAME 'script' [TIMEOUT] # cmd + wait
#   e2e_agent_output NAME SEQ             # the command's output

E2E_MULTI_NS=
E2E_MULTI_HOST=
declare -A E2E_AGENT_IP=()
declare -A E2E_AGENT_SEQ=()

e2e_multi_init() {
	E2E_MULTI_NS=$1
	E2E_MULTI_HOST=$2
	shift 2
	[ $# -gt 0 ] || set -- e1000
	mkdir -p "$E2E_TMP/cmds"
	ip netns exec "$E2E_MULTI_NS" python3 "$E2E_DIR/cmd_server.py" "$E2E_TMP/cmds" 6000 \
		>"$E2E_TMP/cmd-server.log" 2>&1 &
	e2e_track cmd-server $!
	E2E_AGENT_INITRD=$E2E_TMP/agent-initrd.cpio.gz
	e2e_initramfs "$E2E_AGENT_INITRD" "$E2E_DIR/guest/agent.sh" "$@"
}

# e2e_agent_boot NAME IP SOCKET [QEMU ARGS...]
e2e_agent_boot() {
	local name=$1 ip=$2 sock=$3
	shift 3
	E2E_AGENT_IP[$name]=$ip
	E2E_AGENT_SEQ[$ip]=${E2E_AGENT_SEQ[$ip]:-0}
	e2e_guest_start "$name" "$E2E_AGENT_INITRD" "e2e.ip=$ip e2e.host=$E2E_MULTI_HOST" \
		-device "$(e2e_vfio_user_dev "$sock")" "$@"
}

# e2e_agent_wait_up NAME [TIMEOUT]
e2e_agent_wait_up() {
	local name=$1 deadline=$(($(date +%s) + ${2:-120}))
	until tr -d '\r' <"$E2E_TMP/$name.serial" | grep -qa '^E2E-DATA: agent_up=1'; do
		e2e_alive "$name" || return 1
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# e2e_agent_cmd NAME SCRIPT: queues SCRIPT; sets E2E_SEQ to its sequence number.
e2e_agent_cmd() {
	local ip=${E2E_AGENT_IP[$1]} seq
	seq=$((E2E_AGENT_SEQ[$ip] + 1))
	E2E_AGENT_SEQ[$ip]=$seq
	printf '%s\n' "$2" >"$E2E_TMP/cmds/$ip.$seq.tmp"
	mv "$E2E_TMP/cmds/$ip.$seq.tmp" "$E2E_TMP/cmds/$ip.$seq"
	E2E_SEQ=$seq
}

# e2e_agent_wait NAME SEQ [TIMEOUT]: returns the command's exit status, 124 on
# timeout, 125 if the guest died.
e2e_agent_wait() {
	local name=$1 seq=$2 deadline=$(($(date +%s) + ${3:-300})) line
	while :; do
		# The serial file grows byte by byte: only a complete line (up to
		# the " ." the agent ends it with) counts.
		line=$(tr -d '\r' <"$E2E_TMP/$name.serial" |
			grep -aoE "^E2E-CMD-DONE: $seq rc=[0-9]+ \.$" | tail -n 1)
		if [ -n "$line" ]; then
			line=${line##*rc=}
			return "${line% .}"
		fi
		e2e_alive "$name" || return 125
		[ "$(date +%s)" -lt "$deadline" ] || return 124
		sleep 0.2
	done
}

e2e_agent_run() {
	e2e_agent_cmd "$1" "$2"
	e2e_agent_wait "$1" "$E2E_SEQ" "${3:-300}"
}

# The lines a command printed.
e2e_agent_output() {
	tr -d '\r' <"$E2E_TMP/$1.serial" |
		sed -n "/^E2E-CMD-START: $2\$/,/^E2E-CMD-DONE: $2 /p" | sed '1d;$d'
}

# e2e_agent_forget NAME: the guest is gone; a new one with the same IP starts
# its command numbering again.
e2e_agent_forget() {
	local ip=${E2E_AGENT_IP[$1]}
	rm -f "$E2E_TMP/cmds/$ip".*
	E2E_AGENT_SEQ[$ip]=0
}
