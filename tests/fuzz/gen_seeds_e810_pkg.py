#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seeds of fuzz_e810_pkg (tests/fuzz/fuzz_e810_pkg.c), for gen_seeds.py."""
import struct

# Input framing: [u8 op][u8 arg][u16 len][bytes] (see fuzz_e810_pkg.c).
P_DL, P_UPD, P_UPLOAD, P_INFO, P_LOCK, P_RESET, P_REGS, P_FRAME = range(8)


def p_chunk(op, arg=0, data=b''):
    return struct.pack('<BBH', op, arg, len(data)) + data


def pkg_buf(sections, size=None):
    """A package buffer: header, section table, the sections back to back (download_pkg
    takes 4096 bytes, update_pkg its data end)."""
    n = len(sections)
    off = 4 + 8 * n
    table, body = b'', b''
    for typ, data in sections:
        table += struct.pack('<IHH', typ, off + len(body), len(data))
        body += data
    b = struct.pack('<HH', n, off + len(body)) + table + body
    return b + bytes((size or len(b)) - len(b))


def fd_es(prof, words):
    """One FD field vector (24 words, filled from the top as ice does)."""
    ws = [(255, 0x1ff)] * 24
    for i, w in enumerate(words):
        ws[23 - i] = w
    return struct.pack('<HH', 1, prof) + b''.join(struct.pack('<BHB', p, o, 0) for p, o in ws)


def fd_tcam(addr, ptg, vsig, prof):
    val = bytes([0, 0, ptg, vsig & 0xff, vsig >> 8])
    key = bytes(0xff if i < 2 else (~v) & 0xff for i, v in enumerate(val))
    inv = bytes(0xff if i < 2 else v for i, v in enumerate(val))
    return struct.pack('<HH', 1, addr) + key + inv + bytes([prof])


def udp4_frame(sport, dport):
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 28, 0, 0, 64, 17, 0, bytes([10, 0, 0, 1]),
                     bytes([10, 0, 0, 2]))
    return (b'\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00' + ip +
            struct.pack('!HHHH', sport, dport, 8, 0))


def seeds_e810_pkg():
    meta = bytes([1, 3, 43, 0]) + b'ICE OS Default Package'.ljust(28, b'\0') + \
        struct.pack('<I', 0xc0000001)
    rxp = struct.pack('<HH', 1, 0) + bytes(24)
    xlt1 = struct.pack('<HH', 8, 22) + bytes([4, 5, 2, 3, 1, 3, 5, 0])
    xlt2 = struct.pack('<HH', 4, 0) + bytes(8)
    regs = b''
    for j in range(6):
        regs += struct.pack('<HI', (0x412000 - 0x410400 + 10 * 4 + j * 512) // 4,
                            0x9f9f9f9f)
    regs += struct.pack('<HI', (0x410400 - 0x410400 + 10 * 4) // 4, 1)
    regs += struct.pack('<HI', (0x410800 - 0x410400) // 4, 23 | 0xff00 << 16)
    update = pkg_buf([(36, fd_es(10, [(53, 2), (53, 0)])), (34, fd_tcam(4, 2, 0x2001, 10)),
                      (33, struct.pack('<HHH', 1, 3, 0x2001))])
    as_ice = (p_chunk(P_INFO, 0, bytes(64)) + p_chunk(P_LOCK, 1) +
              p_chunk(P_DL, 0, pkg_buf([(0x11, bytes(64)), (1, meta), (58, rxp)], 4096)) +
              p_chunk(P_DL, 1, pkg_buf([(32, xlt1), (33, xlt2), (35, bytes(132))], 4096)) +
              p_chunk(P_LOCK, 2) + p_chunk(P_UPLOAD, 0, pkg_buf([(58, rxp)], 64)) +
              p_chunk(P_LOCK, 4) + p_chunk(P_UPD, 1, update) + p_chunk(P_REGS, 0, regs) +
              p_chunk(P_FRAME, 1, udp4_frame(40000, 5555)) +
              p_chunk(P_FRAME, 10, udp4_frame(5555, 0)) +
              p_chunk(P_RESET, 0) + p_chunk(P_LOCK, 4) + p_chunk(P_UPD, 1, update) +
              p_chunk(P_FRAME, 1, udp4_frame(1, 5555)) + p_chunk(P_RESET, 1))
    bad_es = fd_es(10, [(53, 2)])
    bad_es = bad_es[:4 + 23 * 4] + bytes([2]) + bad_es[4 + 23 * 4 + 1:]
    hostile = (p_chunk(P_LOCK, 1) +
               p_chunk(P_DL, 0, pkg_buf([(1, meta), (32, struct.pack('<HH', 0xffff, 0xffff))], 4096)) +
               p_chunk(P_DL, 1, pkg_buf([(1, meta)], 4096)[:100]) +
               p_chunk(P_DL, 1, pkg_buf([(1, meta), (32, xlt1)], 4096)) + p_chunk(P_LOCK, 6) +
               p_chunk(P_UPD, 1, pkg_buf([(36, fd_es(127, [(53, 2)])), (36, bad_es)])) +
               p_chunk(P_UPD, 1, pkg_buf([(34, struct.pack('<H', 600) + bytes(13))])) +
               p_chunk(P_UPD, 1, pkg_buf([(33, struct.pack('<HHH', 2, 1023, 1))])) +
               p_chunk(P_UPD, 1, struct.pack('<HH', 0xffff, 0xffff) + bytes(60)))
    return {'as_ice': as_ice, 'hostile': hostile}

