/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Byte and bit-field helpers shared by the E810 LAN queue files (rxq.c, txq.c). */
#ifndef VMUX_DEV_E810_LAN_PRIV_H
#define VMUX_DEV_E810_LAN_PRIV_H

#include <stdint.h>

#include "core/log.h"

/* The LAN queues' log component; what the guest gets wrong is logged rate-limited (LOG_RL). */
#define LAN_COMP "e810-lan"

static inline uint16_t lan_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint64_t lan_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static inline void lan_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void lan_put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t lan_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void lan_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Bits [lsb, lsb + width) of a little-endian bit string of 32-bit words (width <= 64). */
static inline uint64_t lan_bits(const uint32_t *w, unsigned lsb, unsigned width)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < width; i++) {
		unsigned b = lsb + i;

		v |= (uint64_t)((w[b / 32] >> (b % 32)) & 1u) << i;
	}
	return v;
}

#define LAN_ETH_HLEN 14u
#define LAN_ETH_ZLEN 60u
#define LAN_VLAN_HLEN 4u
#define LAN_ETH_P_8021Q 0x8100u
#define LAN_ETH_P_8021AD 0x88a8u
#define LAN_ETH_P_IPV4 0x0800u
#define LAN_ETH_P_IPV6 0x86ddu
#define LAN_ETH_P_ARP 0x0806u
#define LAN_IPPROTO_ICMP 1u
#define LAN_IPPROTO_TCP 6u
#define LAN_IPPROTO_UDP 17u
#define LAN_IPPROTO_ICMPV6 58u

#endif
