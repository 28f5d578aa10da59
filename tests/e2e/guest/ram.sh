# Guest side of test_guest_ram.sh (busybox sh): eth0 on vmux's e1000, whose
# DMA lands in guest RAM from the backend under test. Reports the RAM the
# kernel sees, pings the host, then moves E2E_BYTES over TCP each way
# (sha256 checked on both ends).
. /e2e/functions.sh

HOST=${E2E_HOST:-10.81.0.1}
ME=${E2E_IP:-10.81.0.2}
BYTES=${E2E_BYTES:-4194304}

e2e_data mem_kb "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)"
e2e_data numa_nodes "$(ls -d /sys/devices/system/node/node* 2>/dev/null | wc -l)"
e2e_net_up "$ME" || exit 1
e2e_expect "driver" "$(basename "$(readlink /sys/class/net/eth0/device/driver)")" e1000
e2e_ping_host "$HOST"
e2e_data ready 1

e2e_tcp_both_ways "$HOST" "$BYTES"
e2e_data rx_errors "$(cat /sys/class/net/eth0/statistics/rx_errors)"
e2e_status
