# Guest side of test_e1000_doorbell.sh (busybox sh): eth0 on vmux's e1000 in
# doorbell poll mode; pings the host, then moves E2E_BYTES over TCP each way.
. /e2e/functions.sh

HOST=10.79.0.1
ME=10.79.0.2
BYTES=${E2E_BYTES:-4194304}

e2e_net_up "$ME" || exit 1
e2e_expect "driver" "$(basename "$(readlink /sys/class/net/eth0/device/driver)")" e1000
e2e_ping_host "$HOST"
e2e_data ready 1

e2e_tcp_both_ways "$HOST" "$BYTES"
e2e_data rx_errors "$(cat /sys/class/net/eth0/statistics/rx_errors)"
e2e_status
