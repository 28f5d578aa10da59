#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seeds of fuzz_e810_rules (tests/fuzz/fuzz_e810_rules.c), for gen_seeds.py."""
import struct


# ---- fuzz_e810_rules: switch rule and recipe commands, the receive path's lookup -------
# Framing (tests/fuzz/fuzz_e810_rules.c): a configuration byte (queues 1 + b % 16, 0x10 a
# package, 0x20 a PF VSI), then chunks [u8 op][u8 arg][u16 len][bytes].
def r_chunk(op, arg=0, data=b''):
    return struct.pack('<BBH', op, arg, len(data)) + data


def r_rule(typ, recipe, act, da=b'\x02\0\0\0\0\x01', etype=0x8100, vid=None, index=0):
    hdr = bytearray(da + b'\x02\0\0\0\0\0' + struct.pack('>H', etype) + b'\0\0')
    if vid is not None:
        hdr[14:16] = struct.pack('>H', vid)
    return struct.pack('<HHHHIHH', typ, 0, recipe, 0, act, index, 16) + bytes(hdr)


def r_frames(*frames):
    out = b''
    for flags, f in frames:
        out += bytes([flags, len(f)]) + f
    return out


def r_eth(da, etype, payload=b'\0' * 46):
    return da + b'\x02\x5a\0\0\0\x99' + struct.pack('>H', etype) + payload


def seeds_e810_rules():
    vsi = 1
    fwd = 1 << 17 | vsi << 4
    own, bc = b'\x02\0\0\0\0\x01', b'\xff' * 6
    frames = r_frames((0x80, r_eth(own, 0x0800)), (0x00, r_eth(bc, 0x0806)),
                      (0x81 | 5 << 1, r_eth(own, 0x88f7)), (0x00, r_eth(b'\x33\x33\0\0\0\x01', 0x86dd)))
    ice = (r_chunk(0, 1, r_rule(1, 1, fwd | 8, own)) +
           r_chunk(0, 1, r_rule(1, 1, fwd | 8, bc)) +
           r_chunk(0, 1, r_rule(1, 0, 1 << 17 | 1 << 18, etype=0x88cc)) +
           r_chunk(0, 1, r_rule(1, 4, 2 | vsi << 4 | 3 << 15, vid=0)))
    steer = (r_chunk(0, 1, r_rule(0, 0, 1 | 2 << 4, etype=0x88f7)) +
             r_chunk(0, 1, r_rule(0, 8, 1 << 17 | 1 << 18, own, etype=0x9000)) +
             r_chunk(0, 1, r_rule(0, 3, fwd, b'\x03\0\0\0\0\0')) +
             r_chunk(0, 1, r_rule(0, 2, 1 | 3 << 4, own, vid=5)) +
             r_chunk(8, 0, b'\x05\x02\x00\x03\x88\xf7'))
    # a recipe: alloc_res of a recipe ID (10), add_recipe, map to profile 3, read back,
    # a rule on it
    rcp = bytearray(64)
    rcp[0] = 10
    rcp[4:12] = struct.pack('<Q', 1 << 10)
    rcp[16] = 10 | 0x80
    recipe = (r_chunk(3, 0, struct.pack('<HHH', 5, 1, 0)) +
              r_chunk(4, 0, struct.pack('<H', 1) + b'\0' * 14 + bytes(rcp)) +
              r_chunk(4, 1, struct.pack('<H', 3) + b'\0' * 6 + struct.pack('<Q', 1 << 10 | 2)) +
              r_chunk(4, 2, struct.pack('<HH', 0, 10) + b'\0' * 12) +
              r_chunk(4, 3, struct.pack('<H', 3) + b'\0' * 14) +
              r_chunk(0, 1, r_rule(0, 10, 1 | 1 << 4, own)))
    lists = (r_chunk(3, 0, struct.pack('<HHH', 3, 1, 0)) + r_chunk(9, 1 * 4, struct.pack('<H', vsi)) +
             r_chunk(0, 1, r_rule(0, 1, 1 << 17 | 1 << 14 | 1 << 4, own)))
    # advanced rules (the engine's switch tables, see the target): a recipe of IPv4 dst
    # (words 30, 31) and UDP dst port (25) on profile 2 (IPv4: a flow), a rule on it (ID 10) with an
    # IPv4/UDP dummy packet to 10.0.0.2:4789 -> queue 2 (action byte 20: TO_Q, queue 20 >> 3); a chain of two; frames
    def ip4(dst, dport, proto=17):
        ip = bytearray(20)
        ip[0], ip[9] = 0x45, proto
        ip[2:4] = struct.pack('>H', 28)
        ip[12:16], ip[16:20] = bytes([10, 0, 0, 1]), dst
        return bytes(ip) + struct.pack('>HHHH', 1234, dport, 8, 0) + b'\0' * 18
    words = bytes([25, 0xff, 0xff, 30, 0xff, 0xff, 31, 0xff, 0xff])
    adv = (r_chunk(4, 4, bytes([0, 0x04]) + words) +
           r_chunk(8, 0, bytes([8, 20, 0, 0, 0, 0]) + bytes([10, 0, 0, 1, 10, 0, 0, 2]) +
                   struct.pack('>HH', 1234, 4789)) +
           r_chunk(4, 5, bytes([1, 0x3f]) + words + bytes([13, 0xff, 0xff, 5, 0xff, 0xff])))
    adv_frames = r_frames((0x80, r_eth(own, 0x0800, ip4(bytes([10, 0, 0, 2]), 4789))),
                          (0x80, r_eth(own, 0x0800, ip4(bytes([10, 0, 0, 2]), 4790))),
                          (0x80, r_eth(own, 0x0800, ip4(bytes([10, 0, 0, 3]), 4789, 6))))
    return {
        'advanced': bytes([0x33]) + ice + adv + r_chunk(6, 0, adv_frames),
        'ice_open': bytes([0x23]) + ice + r_chunk(6, 0, frames),
        'steer': bytes([0x23]) + ice + steer + r_chunk(6, 0, frames) + r_chunk(2, 1,
                 struct.pack('<HHHHIHH', 0, 0, 0, 0, 0, 5, 0)) + r_chunk(6, 0, frames),
        'recipes': bytes([0x33]) + recipe + r_chunk(6, 0, frames),
        'lists_reset': bytes([0x27]) + lists + ice + r_chunk(7, 0) + r_chunk(6, 0, frames) +
                       r_chunk(7, 1) + r_chunk(6, 0, frames),
        'hostile': bytes([0x20]) + r_chunk(0, 200, r_rule(0, 1, fwd, own)[:20]) +
                   r_chunk(0, 1, r_rule(0, 7, fwd, own)) +
                   r_chunk(0, 1, r_rule(0, 1, 1 | 15 << 4 | 7 << 15, own)) +
                   r_chunk(2, 1, struct.pack('<HHHHIHH', 0, 0, 0, 0, 0, 77, 0)),
    }
