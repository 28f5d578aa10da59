#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/).

The seeds are committed; rerun this after changing the input framing:
    python3 tests/fuzz/gen_seeds.py
Framing: see tests/fuzz/fuzz_common.h (chunks of a 16-byte header + bytes).
"""
import os
import struct
import sys

from gen_seeds_e810_pkg import seeds_e810_pkg
from gen_seeds_e810_rules import seeds_e810_rules

HERE = os.path.dirname(os.path.abspath(__file__))

# vfio-user commands
VERSION, DMA_MAP, DMA_UNMAP, GET_INFO, GET_REGION_INFO = 1, 2, 3, 4, 5
GET_IRQ_INFO, SET_IRQS, REGION_READ, REGION_WRITE = 7, 8, 9, 10
DMA_READ, DMA_WRITE, RESET, WRITE_MULTI = 11, 12, 13, 15
F_REPLY, F_NO_REPLY = 0x1, 0x10

# chunk control byte
FD_NONE, FD_MEMFD, FD_EVENTFDS, FD_DEVNULL, FD_MEMFD_RO, FD_OVERFLOW, FD_MEMFD_EVT, FD_PIPE = range(8)
FIX_SIZE, SPLIT, HANGUP = 0x08, 0x40, 0x80
ACT_DMA_READ, ACT_DMA_WRITE, ACT_DEV = 1, 2, 3

QEMU_CAPS = (b'{"capabilities":{"max_msg_fds":16,"max_data_xfer_size":1048576,'
             b'"pgsizes":4096,"max_dma_maps":65535,"write_multiple":true,'
             b'"migration":{"pgsize":4096,"max_bitmap_size":268435456}}}')


class Stream:
    """Builds one fuzz input: vfio-user messages wrapped in chunks."""

    def __init__(self):
        self.out = bytearray()
        self.id = 0

    def chunk(self, data, fd=FD_NONE, fdarg=0, act=0, alen=0, aarg=0, aaddr=0, fix=True,
              split=False, hangup=False):
        ctl = fd | (act << 4) | (FIX_SIZE if fix else 0) | (SPLIT if split else 0) | \
            (HANGUP if hangup else 0)
        self.out += struct.pack('<BBHHHQ', ctl, fdarg, len(data), alen, aarg, aaddr)
        self.out += data

    def msg(self, cmd, payload=b'', flags=0, msg_id=None, **kw):
        if msg_id is None:
            self.id = (self.id + 1) & 0xffff
            msg_id = self.id
        hdr = struct.pack('<HHIII', msg_id, cmd, 16 + len(payload), flags, 0)
        self.chunk(hdr + payload, **kw)

    # --- commands ---
    def version(self, caps=QEMU_CAPS, **kw):
        self.msg(VERSION, struct.pack('<HH', 0, 0) + caps + b'\0', **kw)

    def dma_map(self, addr, size, offset=0, flags=3, pages=None, fd=FD_MEMFD):
        if pages is None:
            pages = (offset + size) // 4096
        p = struct.pack('<IIQQQ', 32, flags, offset, addr, size)
        if fd == FD_NONE:
            self.msg(DMA_MAP, p)
        else:
            self.msg(DMA_MAP, p, fd=fd, fdarg=min(pages, 255))

    def dma_unmap(self, addr, size, flags=0):
        self.msg(DMA_UNMAP, struct.pack('<IIQQ', 24, flags, addr, size))

    def get_info(self):
        self.msg(GET_INFO, struct.pack('<IIII', 16, 0, 0, 0))

    def region_info(self, idx, argsz=32):
        self.msg(GET_REGION_INFO, struct.pack('<IIIIQQ', argsz, 0, idx, 0, 0, 0))

    def irq_info(self, idx):
        self.msg(GET_IRQ_INFO, struct.pack('<IIII', 16, 0, idx, 0))

    def set_irqs(self, index, flags, start, count, data=b'', nfds=0):
        p = struct.pack('<IIIII', 20 + len(data), flags, index, start, count) + data
        if nfds:
            self.msg(SET_IRQS, p, fd=FD_EVENTFDS, fdarg=nfds - 1)
        else:
            self.msg(SET_IRQS, p)

    def read(self, region, off, count):
        self.msg(REGION_READ, struct.pack('<QII', off, region, count))

    def write(self, region, off, data, posted=False):
        self.msg(REGION_WRITE, struct.pack('<QII', off, region, len(data)) + data,
                 flags=F_NO_REPLY if posted else 0)

    def write32(self, region, off, v, posted=False):
        self.write(region, off, struct.pack('<I', v), posted)

    def write_multi(self, writes):
        p = struct.pack('<Q', len(writes))
        for region, off, data in writes:
            p += struct.pack('<QII', off, region, len(data)) + data.ljust(8, b'\0')
        self.msg(WRITE_MULTI, p, flags=F_NO_REPLY)

    def reset(self):
        self.msg(RESET)


# SET_IRQS flags
IRQ_NONE, IRQ_BOOL, IRQ_EVENTFD = 0x1, 0x2, 0x4
IRQ_MASK, IRQ_UNMASK, IRQ_TRIGGER = 0x8, 0x10, 0x20
INTX, MSI, MSIX, ERR, REQ = range(5)
CFG = 7


def qemu_probe(s, regions=9):
    """What QEMU 11 asks after VERSION and the DMA maps."""
    s.get_info()
    for i in range(regions):
        s.region_info(i)
    s.region_info(3, argsz=32 + 16 + 2 * 16)  # again with room for the sparse cap
    s.irq_info(ERR)
    s.read(CFG, 0, 4)
    s.read(CFG, 0x10, 4)
    s.read(CFG, 0, 64)
    s.irq_info(MSIX)
    s.irq_info(INTX)


def seeds_vfu_msgs():
    out = {}

    s = Stream()
    s.version()
    s.dma_map(0x0, 0x80000)
    s.dma_map(0x100000, 0x40000, offset=0x1000)
    s.dma_map(0x200000, 0x10000, fd=FD_NONE)
    qemu_probe(s)
    s.write32(CFG, 0x04, 0x0006)                       # memory + bus master
    s.set_irqs(MSIX, IRQ_EVENTFD | IRQ_TRIGGER, 0, 3, nfds=3)
    s.set_irqs(INTX, IRQ_EVENTFD | IRQ_TRIGGER, 0, 1, nfds=1)
    s.set_irqs(INTX, IRQ_EVENTFD | IRQ_UNMASK, 0, 1, nfds=1)
    s.write32(0, 0x3800, 0x1000, posted=True)          # descriptor address
    s.write32(0, 0x3808, 0x10040, posted=True)         # 64 bytes, write
    s.write32(0, 0x3818, 1)                            # doorbell
    s.write32(0, 0x00c8, (1 << 8) | MSIX)              # MSI-X vector 1
    s.write32(0, 0x00d0, 1)                            # INTx up
    s.set_irqs(INTX, IRQ_NONE | IRQ_UNMASK, 0, 1)
    s.write32(0, 0x00d0, 0)
    s.read(0, 0x3800, 8)
    s.write_multi([(0, 0x100, b'\x01\x02\x03\x04'), (0, 0x104, b'\x05'), (CFG, 0x3c, b'\x0b')])
    s.read(3, 0x1000, 16)                              # trapped part of the sparse BAR
    s.reset()
    s.dma_unmap(0x100000, 0x40000)
    s.dma_unmap(0, 0, flags=2)
    out['qemu_session'] = bytes(s.out)

    s = Stream()
    s.version()
    out['version_only'] = bytes(s.out)

    s = Stream()
    s.version(caps=b'{}')
    s.version()                                        # twice: refused
    s.get_info()
    out['version_twice'] = bytes(s.out)

    # Device-side DMA to memory mapped without an fd: the server asks the
    # client with DMA_READ/DMA_WRITE; the reply comes in the same chunk, after
    # a command that must be queued meanwhile.
    s = Stream()
    s.version()
    s.dma_map(0x200000, 0x10000, fd=FD_NONE)
    get = struct.pack('<HHIII', 0x7000, GET_INFO, 32, 0, 0) + struct.pack('<IIII', 16, 0, 0, 0)
    rep = struct.pack('<HHIII', 0x8000, DMA_READ, 16 + 16 + 64, F_REPLY, 0) + \
        struct.pack('<QI', 0x200000, 64) + bytes(range(64)) + b'\0' * 4
    s.chunk(get + rep, act=ACT_DMA_READ, alen=64, aaddr=0x200000, fix=False)
    rep = struct.pack('<HHIII', 0x8001, DMA_WRITE, 32, F_REPLY, 0) + struct.pack('<QII', 0x200000, 32, 0)
    s.chunk(rep, act=ACT_DMA_WRITE, alen=32, aaddr=0x200000, fix=False)
    s.chunk(b'', act=ACT_DMA_READ, alen=16, aaddr=0x200010)   # no reply: times out
    s.chunk(struct.pack('<HHIII', 0x8002, DMA_READ, 16, F_REPLY | 0x20, 5), fix=False)  # late
    s.get_info()
    out['dma_msgs'] = bytes(s.out)

    # Device DMA and interrupts against fd-backed memory.
    s = Stream()
    s.version()
    s.dma_map(0x0, 0x10000)
    s.dma_map(0x10000, 0x10000, flags=1)
    s.set_irqs(MSIX, IRQ_EVENTFD | IRQ_TRIGGER, 0, 16, nfds=16)
    s.chunk(b'', act=ACT_DMA_WRITE, alen=0x2000, aaddr=0xf000)
    s.chunk(b'', act=ACT_DMA_READ, alen=0x100, aaddr=0x1ff80)
    s.chunk(b'', act=ACT_DEV, aarg=(5 << 3) | MSIX)
    s.set_irqs(MSIX, IRQ_BOOL | IRQ_MASK, 0, 4, data=b'\x01\x00\x01\x01')
    s.chunk(b'', act=ACT_DEV, aarg=(2 << 3) | MSIX)
    s.set_irqs(MSIX, IRQ_NONE | IRQ_UNMASK, 2, 1)
    s.set_irqs(MSIX, IRQ_NONE | IRQ_TRIGGER, 0, 0)     # disable the index
    s.set_irqs(INTX, IRQ_EVENTFD | IRQ_TRIGGER, 0, 1, nfds=1)
    s.chunk(b'', act=ACT_DEV, aarg=0x8000 | 0x4000)    # INTx up
    s.set_irqs(INTX, IRQ_NONE | IRQ_UNMASK, 0, 1)
    s.chunk(b'', act=ACT_DEV, aarg=0x8000)             # INTx down
    s.dma_unmap(0x10000, 0x10000)
    out['dma_irqs'] = bytes(s.out)

    # Malformed messages after a good VERSION.
    s = Stream()
    s.version()
    s.msg(GET_INFO, b'\x10\x00')                       # short payload
    s.msg(GET_REGION_INFO, struct.pack('<IIIIQQ', 32, 0, 99, 0, 0, 0))
    s.read(0, 0x1fffc, 8)                              # past the end
    s.read(0, 0xffffffffffffff00, 0x200)               # offset overflow
    s.write(6, 0, b'\0\0\0\0')                         # read-only ROM
    s.write32(2, 0x3c, 2)                              # fault mode: bogus length
    s.read(2, 0, 4)
    s.write32(2, 0x3c, 4)
    s.read(2, 0, 4)
    s.write32(2, 0x3c, 0)
    s.dma_map(0x1000, 0x3000, offset=0x800)            # unaligned offset
    s.dma_map(0x0, 0x4000, pages=1)                    # fd smaller than the map
    s.dma_map(0x0, 0x4000, fd=FD_MEMFD_RO)
    s.dma_map(0x0, 0x4000, fd=FD_DEVNULL)
    s.dma_map(0x0, 0x4000, fd=FD_OVERFLOW)
    s.dma_map(0x0, 0x4000, fd=FD_PIPE)
    s.dma_map(0x0, 0x4000, fd=FD_MEMFD_EVT)
    s.set_irqs(MSIX, IRQ_EVENTFD | IRQ_TRIGGER, 14, 4, nfds=4)
    s.set_irqs(MSIX, IRQ_BOOL | IRQ_TRIGGER, 0, 8, data=b'\1')
    s.write_multi([(0, 0x100, b'\1' * 8)] * 3 + [(9, 0, b'\1')])
    s.msg(DMA_READ, b'\0' * 12)
    s.msg(0x7fff)
    s.msg(RESET, b'\0')
    s.chunk(struct.pack('<HHIII', 1, GET_INFO, 8, 0, 0), fix=False)   # size < header: dropped
    out['malformed'] = bytes(s.out)

    # Two clients one after the other, a partial message at hang-up, split chunks.
    s = Stream()
    s.version(split=True)
    s.dma_map(0x0, 0x4000)
    s.set_irqs(ERR, IRQ_EVENTFD | IRQ_TRIGGER, 0, 1, nfds=1)
    s.chunk(struct.pack('<HHIII', 9, REGION_WRITE, 4096, 0, 0) + b'\0' * 20, fix=False, hangup=True)
    s.version()
    s.dma_map(0x0, 0x4000)
    s.read(CFG, 0, 4, )
    s.chunk(struct.pack('<HHIII', 9, GET_INFO, 32, 0, 0), fix=False, split=True)
    s.chunk(struct.pack('<IIII', 16, 0, 0, 0), fix=False)
    out['two_clients'] = bytes(s.out)
    return out


# ---- fuzz_switch -------------------------------------------------------------

SW_UPLINK, SW_SPOOF, SW_PROMISC, SW_TRUNK, SW_ECHO = 1, 2, 4, 8, 16
OP_BURST, OP_CLOCK, OP_ATTACH, OP_STATIC, OP_LINK, OP_ACCEPT, OP_INSPECT = 0, 2, 3, 4, 5, 6, 7
# frame MAC modes: 0 from the input, 1 the sender's, 2 port `sel`'s, 3 broadcast/multicast
M_RAW, M_OWN, M_PORT, M_BCAST = 0, 1, 2, 3
F_TAG, F_META, F_QINQ, F_BOGUS = 0x10, 0x20, 0x40, 0x80


def vm_mac(i):
    return bytes([0x52, 0x54, 0, 0, 0, i + 1])


class Switch:
    def __init__(self, ports, entries=3, pool=3, ageing=False, promisc=True):
        """ports: list of (flags, vlan, mac, accept)"""
        g = (len(ports) - 2) | (entries << 3) | (pool << 5) | (0x80 if ageing else 0)
        self.out = bytearray([g, 1 if promisc else 0])
        for flags, vlan, mac, accept in ports:
            self.out += struct.pack('<BH', flags, vlan) + mac + bytes([accept])

    def frame(self, dst=M_BCAST, src=M_OWN, dst_port=0, src_port=0, tci=0, flags=0,
              payload=b'', raw_dst=b'', raw_src=b'', ethertype=0x0800):
        fl = dst | (src << 2) | flags
        sel = (dst_port & 0xf) | ((src_port & 0xf) << 4)
        body = struct.pack('>H', ethertype) + payload
        return struct.pack('<BBHH', fl, sel, tci, len(body)) + raw_dst + raw_src + body

    def burst(self, port, frames):
        self.out += bytes([OP_BURST | (port << 4), port, len(frames) - 1])
        for f in frames:
            self.out += f

    def op(self, op, port=0, data=b''):
        self.out += bytes([op | (port << 4)]) + data


def seeds_switch():
    out = {}
    ip = bytes(range(46))

    s = Switch([(0, 0, vm_mac(0), 0xff), (0, 0, vm_mac(1), 0xff),
                (SW_UPLINK | SW_TRUNK, 0, bytes(6), 0xff), (0, 5, vm_mac(3), 0xff)])
    s.burst(0, [s.frame(payload=ip, ethertype=0x0806)])                 # ARP-like broadcast
    s.burst(1, [s.frame(dst=M_PORT, dst_port=0, payload=ip)])           # unicast to p0
    s.burst(0, [s.frame(dst=M_PORT, dst_port=1, payload=ip)] * 3)
    s.burst(2, [s.frame(dst=M_PORT, dst_port=3, src=M_RAW, raw_src=bytes([2, 0, 0, 0, 0, 9]),
                        tci=5, flags=F_TAG, payload=ip)])               # tagged from the trunk
    s.burst(3, [s.frame(dst=M_RAW, raw_dst=bytes([2, 0, 0, 0, 0, 9]), payload=ip)])
    s.burst(3, [s.frame(dst=M_RAW, raw_dst=bytes([2, 0, 0, 0, 0, 7]), payload=ip)])  # unknown
    s.burst(0, [s.frame(src=M_PORT, src_port=1, payload=ip)])           # spoofed: dropped
    s.op(OP_INSPECT)
    s.op(OP_CLOCK, data=struct.pack('<H', 400))                         # learned entries age out
    s.burst(3, [s.frame(dst=M_RAW, raw_dst=bytes([2, 0, 0, 0, 0, 9]), payload=ip)])
    s.op(OP_ATTACH, 1)                                                  # detach p1
    s.burst(0, [s.frame(dst=M_PORT, dst_port=1, payload=ip)])
    s.op(OP_ATTACH, 1, struct.pack('<BH', SW_SPOOF, 0) + vm_mac(1) + b'\xff')
    s.burst(1, [s.frame(src=M_RAW, raw_src=bytes([2, 0, 0, 0, 0, 0x11]), payload=ip)])
    s.op(OP_STATIC, 0, bytes([M_RAW | (0 << 2) | (1 << 4)]) + struct.pack('<H', 0) + b'\0' +
         bytes([2, 0, 0, 0, 0, 0x22]))                                  # pin a MAC on p1
    s.burst(0, [s.frame(dst=M_RAW, raw_dst=bytes([2, 0, 0, 0, 0, 0x22]), payload=ip)])
    s.op(OP_STATIC, 0, bytes([M_RAW | (2 << 2)]) + struct.pack('<H', 0) + b'\0' +
         bytes([2, 0, 0, 0, 0, 0x22]))                                  # lookup
    s.op(OP_LINK, 2)                                                    # uplink down and up
    s.op(OP_LINK, 2)
    s.op(OP_ACCEPT, 0, b'\x03')                                         # p0 takes 1 of a burst, promisc
    s.burst(2, [s.frame(dst=M_BCAST, src=M_RAW, raw_src=bytes([2, 0, 0, 0, 0, 9]),
                        payload=ip)] * 70)
    s.op(OP_INSPECT)
    out['basic'] = bytes(s.out)

    s = Switch([(SW_UPLINK | SW_TRUNK, 0, bytes(6), 0xff), (0, 10, vm_mac(1), 0xff),
                (SW_TRUNK, 20, vm_mac(2), 0xff), (SW_UPLINK, 10, bytes(6), 0xff)])
    src9 = bytes([2, 0, 0, 0, 0, 9])
    s.burst(0, [s.frame(src=M_RAW, raw_src=src9, tci=10, flags=F_TAG, payload=ip),
                s.frame(src=M_RAW, raw_src=src9, tci=(5 << 13) | 20, flags=F_META, payload=ip),
                s.frame(src=M_RAW, raw_src=src9, tci=0, flags=F_TAG, payload=ip),   # priority tag
                s.frame(src=M_RAW, raw_src=src9, tci=10, flags=F_TAG | F_QINQ, payload=ip),
                s.frame(src=M_RAW, raw_src=src9, tci=4095, flags=F_TAG, payload=ip),
                s.frame(src=M_RAW, raw_src=src9, tci=30, flags=F_META | F_TAG, payload=ip),
                s.frame(src=M_RAW, raw_src=src9, dst_port=1, flags=F_BOGUS, payload=ip),
                s.frame(src=M_RAW, raw_src=src9, dst_port=0, flags=F_BOGUS, payload=ip)])
    s.burst(1, [s.frame(tci=20, flags=F_TAG, payload=ip)])              # tag on an access port
    s.burst(2, [s.frame(dst=M_PORT, dst_port=1, tci=10, flags=F_TAG, payload=ip),
                s.frame(dst=M_RAW, raw_dst=src9, payload=ip)])
    s.burst(3, [s.frame(src=M_RAW, raw_src=bytes(6), payload=ip),     # zero source
                s.frame(src=M_RAW, raw_src=b'\x01' + bytes(5), payload=ip)])
    s.op(OP_INSPECT)
    out['vlans'] = bytes(s.out)

    s = Switch([(SW_UPLINK | SW_ECHO, 0, bytes(6), 0xff), (SW_UPLINK | SW_ECHO, 0, bytes(6), 0xff),
                (0, 0, vm_mac(2), 0xff)], pool=1)
    s.burst(2, [s.frame(payload=ip)] * 4)
    s.burst(2, [s.frame(dst=M_RAW, raw_dst=bytes([2, 0, 0, 0, 0, 5]), payload=ip)])
    out['echo_loop'] = bytes(s.out)

    s = Switch([(SW_UPLINK, 0, bytes(6), 0xff), (SW_UPLINK, 0, bytes(6), 0xff),
                (0, 0, vm_mac(2), 0xff)], entries=0, ageing=True)
    frames = [s.frame(dst=M_PORT, dst_port=2, src=M_RAW, raw_src=bytes([2, 0, 0, 0, i, 1]),
                      payload=ip) for i in range(40)]
    s.burst(0, frames)
    s.burst(2, [s.frame(dst=M_RAW, raw_dst=bytes([2, 0, 0, 0, i, 1]), payload=ip)
                for i in range(40)])
    s.op(OP_CLOCK, data=struct.pack('<H', 3))
    s.burst(1, frames[:8])
    s.op(OP_INSPECT)
    out['table_pressure'] = bytes(s.out)
    return out


# ---- fuzz_e1000 -------------------------------------------------------------------

ACT_GUEST, ACT_RX, ACT_PEER = 1, 2, 3
NIC_MAC = bytes([0x52, 0x54, 0x00, 0x12, 0x34, 0x56])
E = dict(CTRL=0x0, STATUS=0x8, EECD=0x10, EERD=0x14, MDIC=0x20, ICR=0xc0, ITR=0xc4, ICS=0xc8,
         IMS=0xd0, IMC=0xd8, RCTL=0x100, TCTL=0x400, TIPG=0x410, RDBAL=0x2800, RDBAH=0x2804,
         RDLEN=0x2808, RDH=0x2810, RDT=0x2818, RDTR=0x2820, RADV=0x282c, TDBAL=0x3800,
         TDBAH=0x3804, TDLEN=0x3808, TDH=0x3810, TDT=0x3818, TIDV=0x3820, RXCSUM=0x5000,
         MTA=0x5200, RAL0=0x5400, RAH0=0x5404, VFTA=0x5600, GPRC=0x4074, GPTC=0x4080,
         TORL=0x40c0)
RX_RING, TX_RING, RX_BUFS, TX_BUFS = 0x10000, 0x8000, 0x20000, 0x30000


def csum16(b):
    if len(b) % 2:
        b += b'\0'
    t = sum(struct.unpack('>%dH' % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return (~t) & 0xffff


def ipv4_tcp(dst, src, payload, tag=None):
    tcp = struct.pack('>HHIIBBHHH', 40000, 80, 1, 0, 5 << 4, 0x18, 65535, 0, 0)
    ip = struct.pack('>BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp) + len(payload), 1, 0, 64, 6, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack('>H', csum16(ip)) + ip[12:]
    pseudo = ip[12:20] + struct.pack('>BBH', 0, 6, len(tcp) + len(payload))
    tcp = tcp[:16] + struct.pack('>H', csum16(pseudo + tcp + payload)) + tcp[18:]
    eth = dst + src + (struct.pack('>HH', 0x8100, tag) if tag is not None else b'') + b'\x08\x00'
    return eth + ip + tcp + payload


class Nic(Stream):
    def reg(self, off, v, posted=True):
        self.write32(0, off, v, posted=posted)

    def rreg(self, off):
        self.read(0, off, 4)

    def guest(self, addr, data, ram=0):
        self.chunk(data, act=ACT_GUEST, aaddr=addr, aarg=ram, fix=False)

    def rx(self, frames, vlan_meta=None):
        data = b''.join(struct.pack('<H', len(f)) + f for f in frames)
        if vlan_meta is None:
            self.chunk(data, act=ACT_RX, fix=False)
        else:
            self.chunk(data, act=ACT_RX, aarg=0x8000, alen=vlan_meta, fix=False)

    def peer(self, what, alen=0):
        self.chunk(b'', act=ACT_PEER, aarg=what, alen=alen, fix=False)


def nic_bringup(s, ram_pages=64):
    """VERSION, guest RAM, what QEMU asks, then what Linux's e1000 driver does at probe/open."""
    s.version()
    s.dma_map(0x0, ram_pages * 4096)
    qemu_probe(s)
    s.write(CFG, 0x04, struct.pack('<H', 0x0007))      # I/O, memory, bus master
    s.set_irqs(INTX, IRQ_EVENTFD | IRQ_TRIGGER, 0, 1, nfds=1)
    s.set_irqs(INTX, IRQ_EVENTFD | IRQ_UNMASK, 0, 1, nfds=1)
    s.reg(E['CTRL'], 1 << 26)                           # RST
    s.rreg(E['STATUS'])
    for w in (0, 1, 2, 0x3f):
        s.reg(E['EERD'], 1 | (w << 8))
        s.rreg(E['EERD'])
    s.reg(E['MDIC'], (2 << 26) | (1 << 21) | (2 << 16))  # PHY ID1
    s.rreg(E['MDIC'])
    s.reg(E['CTRL'], (1 << 6) | (1 << 5))               # SLU, ASDE
    s.reg(E['RAL0'], struct.unpack('<I', NIC_MAC[:4])[0])
    s.reg(E['RAH0'], struct.unpack('<H', NIC_MAC[4:])[0] | (1 << 31))
    # RX: 16 descriptors at RX_RING, 2 KiB buffers at RX_BUFS
    ring = b''.join(struct.pack('<QHHBBH', RX_BUFS + i * 0x800, 0, 0, 0, 0, 0) for i in range(16))
    s.guest(RX_RING, ring)
    s.reg(E['RDBAL'], RX_RING)
    s.reg(E['RDBAH'], 0)
    s.reg(E['RDLEN'], 16 * 16)
    s.reg(E['RDH'], 0)
    s.reg(E['RDT'], 15)
    s.reg(E['RXCSUM'], (1 << 8) | (1 << 9) | 14)
    s.reg(E['RCTL'], (1 << 1) | (1 << 15) | (1 << 26))  # EN, BAM, SECRC
    # TX: 16 descriptors at TX_RING
    s.reg(E['TDBAL'], TX_RING)
    s.reg(E['TDBAH'], 0)
    s.reg(E['TDLEN'], 16 * 16)
    s.reg(E['TDH'], 0)
    s.reg(E['TDT'], 0)
    s.reg(E['TIPG'], 10 | (10 << 10) | (10 << 20))
    s.reg(E['TCTL'], (1 << 1) | (1 << 3) | (0x10 << 4) | (0x40 << 12))
    s.reg(E['IMS'], 0x1f6df)
    s.rreg(E['ICR'])


def legacy_txd(addr, length, cmd, cso=0, css=0, special=0):
    return struct.pack('<QHBBBBH', addr, length, cso, cmd, 0, css, special)


def ctx_txd(ipcss, ipcso, ipcse, tucss, tucso, tucse, paylen, tucmd, hdrlen, mss):
    return struct.pack('<BBHBBHIBBH', ipcss, ipcso, ipcse, tucss, tucso, tucse,
                       paylen | (0 << 20) | ((tucmd | 0x20) << 24), 0, hdrlen, mss)


def data_txd(addr, length, dcmd, popts=0, special=0):
    return struct.pack('<QIBBH', addr, length | (1 << 20) | ((dcmd | 0x20) << 24), 0, popts, special)


EOP, IFCS, IC, RS, DEXT, VLE, IDE, TSE = 0x01, 0x02, 0x04, 0x08, 0x20, 0x40, 0x80, 0x04


def seeds_e1000():
    out = {}
    peer_mac = bytes([0x52, 0x54, 0, 0, 0, 0x99])

    s = Nic()
    nic_bringup(s)
    frame = ipv4_tcp(peer_mac, NIC_MAC, bytes(range(200)))
    s.guest(TX_BUFS, frame)
    s.guest(TX_RING, legacy_txd(TX_BUFS, len(frame), EOP | IFCS | RS))
    s.reg(E['TDT'], 1)                                      # one frame out
    s.rreg(E['TDH'])
    s.rreg(E['ICR'])
    s.rx([ipv4_tcp(NIC_MAC, peer_mac, b'hello' * 20),
          b'\xff' * 6 + peer_mac + b'\x08\x06' + bytes(46),
          ipv4_tcp(bytes([0x52, 0x54, 0, 0, 0, 0x77]), peer_mac, b'not for us')])
    s.rreg(E['RDH'])
    s.rreg(E['ICR'])
    s.set_irqs(INTX, IRQ_NONE | IRQ_UNMASK, 0, 1)
    s.rreg(E['GPRC'])
    s.rreg(E['GPTC'])
    s.rreg(E['TORL'])
    s.reg(E['RDT'], 3)
    out['bringup_tx_rx'] = bytes(s.out)

    # Offloads: a checksum context, TSO over three data descriptors, VLAN insertion.
    s = Nic()
    nic_bringup(s)
    big = ipv4_tcp(peer_mac, NIC_MAC, bytes(i & 0xff for i in range(3000)))
    s.guest(TX_BUFS, big)
    ring = ctx_txd(14, 24, 33, 34, 50, 0, len(big) - 54, 0x01 | 0x02 | 0x04, 54, 1000)
    ring += data_txd(TX_BUFS, 1000, IFCS | TSE | RS, popts=3)
    ring += data_txd(TX_BUFS + 1000, 1000, IFCS | TSE, popts=3)
    ring += data_txd(TX_BUFS + 2000, len(big) - 2000, EOP | IFCS | TSE | RS, popts=3)
    small = ipv4_tcp(peer_mac, NIC_MAC, b'x' * 64)
    s.guest(TX_BUFS + 0x2000, small)
    ring += ctx_txd(14, 24, 33, 34, 50, 0, 0, 0x01 | 0x02, 0, 0)
    ring += data_txd(TX_BUFS + 0x2000, len(small), EOP | IFCS | RS | VLE, popts=3, special=100)
    ring += legacy_txd(TX_BUFS + 0x2000, len(small), EOP | IFCS | IC | RS, cso=50, css=34)
    s.guest(TX_RING, ring)
    s.reg(E['TDT'], 7)
    s.rreg(E['TDH'])
    s.reg(E['CTRL'], (1 << 6) | (1 << 30))                  # VME
    s.reg(E['VFTA'] + 4 * (100 >> 5), 1 << (100 & 31))
    s.reg(E['RCTL'], (1 << 1) | (1 << 15) | (1 << 18) | (1 << 5))  # EN, BAM, VFE, LPE
    s.rx([ipv4_tcp(NIC_MAC, peer_mac, b'tagged', tag=100),
          ipv4_tcp(NIC_MAC, peer_mac, b'wrong vlan', tag=7),
          ipv4_tcp(NIC_MAC, peer_mac, bytes(9000))])      # jumbo over several buffers
    s.rx([ipv4_tcp(NIC_MAC, peer_mac, b'meta')], vlan_meta=100)
    s.rreg(E['ICR'])
    out['offloads_vlan'] = bytes(s.out)

    # Backpressure, link changes, interrupt moderation, a hostile ring.
    s = Nic()
    nic_bringup(s)
    s.reg(E['ITR'], 500)
    s.reg(E['RDTR'], 100)
    s.reg(E['TIDV'], 100)
    s.guest(TX_BUFS, frame)
    s.guest(TX_RING, b''.join(legacy_txd(TX_BUFS, len(frame), EOP | IFCS | RS | IDE)
                              for _ in range(16)))
    s.peer(1, 2)                                            # the peer takes two frames
    s.reg(E['TDT'], 10)
    s.rreg(E['TDH'])
    s.peer(2)                                               # wake: room again
    s.peer(5)                                               # timers
    s.rreg(E['ICR'])
    s.peer(0)                                               # link down
    s.rreg(E['STATUS'])
    s.rx([frame])
    s.peer(0)                                               # link up
    s.peer(4)                                               # disconnect
    s.reg(E['TDT'], 15)
    s.peer(4)                                               # reconnect
    s.guest(TX_RING, legacy_txd(0xfffffffffffff000, 0xffff, EOP | RS) +
            legacy_txd(0x3fff0, 0x100, EOP | RS) + data_txd(TX_BUFS, 0xfffff, EOP | TSE))
    s.reg(E['TDH'], 0)
    s.reg(E['TDT'], 3)
    s.reg(E['RDLEN'], 0x7fff80)                             # larger than guest RAM
    s.reg(E['RDT'], 0x7ff)
    s.rx([frame] * 4)
    s.reg(E['ICS'], 0x4)
    s.rreg(E['ICR'])
    s.reset()
    s.rreg(E['STATUS'])
    s.dma_unmap(0, 0, flags=2)
    s.reg(E['TDT'], 1)
    out['backpressure_hostile'] = bytes(s.out)

    # EEPROM over Microwire bit-banging (EECD), I/O BAR indirection, PHY writes.
    s = Nic()
    s.version()
    s.write(CFG, 0x04, struct.pack('<H', 0x0003))
    s.reg(E['EECD'], 1 << 6)                               # REQ
    s.rreg(E['EECD'])
    bits = [1, 1, 0] + [0] * 6                              # start, READ, address 0
    for b in bits:
        di = (1 << 2) if b else 0
        s.reg(E['EECD'], (1 << 6) | (1 << 1) | di)
        s.reg(E['EECD'], (1 << 6) | (1 << 1) | di | 1)
    for _ in range(16):
        s.reg(E['EECD'], (1 << 6) | (1 << 1))
        s.reg(E['EECD'], (1 << 6) | (1 << 1) | 1)
        s.rreg(E['EECD'])
    s.reg(E['EECD'], 0)
    s.write32(1, 0, E['STATUS'])                            # IOADDR
    s.read(1, 4, 4)                                         # IODATA
    s.write32(1, 0, E['CTRL'])
    s.write32(1, 4, 1 << 6)
    s.reg(E['MDIC'], (1 << 26) | (1 << 21) | (0 << 16) | 0x9140)  # PHY reset/AN restart
    s.reg(E['MDIC'], (2 << 26) | (1 << 21) | (1 << 16))
    s.rreg(E['MDIC'])
    s.write(0, E['CTRL'], b'\x40')                         # byte write
    s.read(0, E['STATUS'], 8)                               # 8-byte read
    s.read(0, 0x1ffff, 1)
    s.read(0, 0x4000, 4)
    out['eeprom_io_phy'] = bytes(s.out)
    return out


# ---- fuzz_config -------------------------------------------------------------------

MODE_JSON, MODE_ARGV, MODE_ARGV_FILE = 0, 1, 3
ROOT = os.path.dirname(os.path.dirname(HERE))


def argv(*args, file=None):
    """A command line (and the content of the file --config names)."""
    parts = [a.encode() for a in args]
    if file is None:
        return bytes([MODE_ARGV]) + b'\0'.join(parts)
    return bytes([MODE_ARGV_FILE]) + b'\0'.join(parts + [file])


def seeds_config():
    out = {}
    examples = os.path.join(ROOT, 'docs', 'examples')
    for name in sorted(os.listdir(examples)):
        if name.endswith('.json'):
            with open(os.path.join(examples, name), 'rb') as f:
                text = f.read()
            out['json_' + name[:-5]] = bytes([MODE_JSON]) + text
            out['argv_config_' + name[:-5]] = argv('--config', 'docs/examples/' + name,
                                                   '-q', file=text)
    full = (b'{"uplink":"tap:vmux0","base_mac":"02:00:00:00:10:00","control":"/run/v.ctl",'
            b'"log_level":"debug","cores":[0,1,3],'
            b'"pcap":[{"port":"dev1","file":"/tmp/a.pcap","count":100,"snaplen":128,'
            b'"size":65536},{"port":"vmux0","file":"/tmp/u.pcap"}],'
            b'"devices":[{"socket":"/run/a.sock","mode":"e1000-emu","worker":2,'
            b'"doorbell":"poll"},{"socket":"/run/b.sock","vlan":4094,"allow_promisc":true,'
            b'"allow_spoof":false,"mac":"02:00:00:00:00:09"},'
            b'{"socket":"/run/c.sock","tap":"tap7"}]}')
    out['json_full'] = bytes([MODE_JSON]) + full
    out['json_workers'] = bytes([MODE_JSON]) + (b'{"workers":4,"uplink":"tap:t0","devices":'
                                                b'[{"socket":"/s0","worker":3},{"socket":"/s1"}]}')
    out['json_bad_key'] = bytes([MODE_JSON]) + b'{"devices":[{"sockett":"/x"}],"uplink":7}'
    # The README's and docs' command lines.
    out['argv_readme_tap'] = argv('-s', '/run/vmux.sock', '-m', 'e1000-emu', '-t', 'tap0')
    out['argv_readme_switch'] = argv('--uplink', 'tap:tap0', '--workers', '2', '--control',
                                     '/run/vmux.ctl', '-s', '/run/vm1.sock', '-s',
                                     '/run/vm2.sock', '-s', '/run/vm3.sock')
    out['argv_bench'] = argv('--uplink', 'tap:vmb0', '--cores', '1', '--control', '/tmp/ctl',
                             '-q', '-s', '/tmp/vm0.sock', '-m', 'e1000-emu', '-s',
                             '/tmp/vm1.sock', '-m', 'e1000-emu')
    out['argv_all_options'] = argv(
        '-b', '52:54:00:fa:00:60', '--uplink=tap:up0', '--cores', '2-5,7', '-v', '-v',
        '--log-level', 'trace', '-d', 'none', '--pcap', 'dev0=/tmp/d0.pcap,count=10,snaplen=64',
        '--pcap', 'up0=/tmp/up.pcap,size=4096', '-s', '/run/a.sock', '--mac',
        '02:00:00:00:00:01', '--vlan', '10', '--allow-spoof', '--allow-promisc', '--worker',
        '3', '--doorbell', 'poll', '--socket=/run/b.sock', '--mode=e1000-emu', '-t', 'tap9',
        '--doorbell=trap')
    out['argv_dpdk'] = argv('--cores', '1', '--uplink', 'dpdk:net_memif0,role=client,socket=/run/m',
                            '-s', '/run/a.sock', '--pcap', 'net_memif0=/tmp/m.pcap', '--',
                            '-l', '3', '--no-huge', '--vdev', 'net_ring0')
    out['json_dpdk'] = bytes([MODE_JSON]) + (b'{"uplink":"dpdk:0000:08:00.0","eal":["-l","2",'
                                             b'"-a","0000:08:00.0"],"devices":[{"socket":"/s"}]}')
    out['argv_actions'] = argv('--help', '-V', '--list-modes')
    out['argv_errors'] = argv('--mac', '02:00:00:00:00:01', '-s', '', '--vlan', '0', '-x')
    out['argv_config_and_args'] = argv('-s', '/run/z.sock', '--config', '/etc/vmux.json',
                                       '--workers', '1', file=full)
    out['argv_config_missing'] = argv('--config', '/nonexistent.json')
    # As a service: inherited and passed sockets, the metrics endpoint.
    out['argv_service'] = argv('--uplink', 'tap:up0', '--fd', '3', '--fd', '4', '-m', 'e1000-emu',
                               '-s', 'fd:vm1', '--metrics', 'tcp:[::1]:9100')
    out['json_service'] = bytes([MODE_JSON]) + (b'{"uplink":"tap:t0","metrics":"unix:/run/m.sock",'
                                                b'"devices":[{"socket":"fd:vm1"},{"socket":"fd:"}]}')
    return out


def dict_config():
    """Dictionary entries: JSON keys and values, options, option values."""
    keys = ['uplink', 'base_mac', 'control', 'log_level', 'workers', 'cores', 'devices', 'pcap',
            'socket', 'mode', 'tap', 'mac', 'vlan', 'allow_spoof', 'allow_promisc', 'worker',
            'doorbell', 'port', 'file', 'count', 'snaplen', 'size', 'metrics', 'eal']
    opts = ['-s', '-m', '-t', '-b', '-d', '-q', '-v', '-h', '-V', '--socket', '--mode', '--tap',
            '--base-mac', '--mac', '--vlan', '--allow-spoof', '--allow-promisc', '--worker',
            '--doorbell', '--uplink', '--cores', '--workers', '--control', '--config', '--quiet',
            '--verbose', '--log-level', '--list-modes', '--pcap', '--help', '--version', '--fd',
            '--metrics']
    values = ['tap:', 'dpdk:', 'net_ring0', '--', 'e1000-emu', 'poll', 'trap', 'none', 'err', 'warn', 'info', 'debug',
              'trace', 'dev0', 'dev1', 'count=', 'snaplen=', 'size=', '52:54:00:fa:00:60',
              '02:00:00:00:00:01', '01:00:5e:00:00:01', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff',
              '4094', '4095', '65535', '18446744073709551616', '-1', '0x10', '1-3', '0,2', '=',
              'fd:', 'unix:', 'tcp:', 'tcp:127.0.0.1:9100', '[::1]']
    json = ['{', '}', '[', ']', ':', ',', 'true', 'false', 'null', '1e3', '"\\u0000"']
    lines = []
    for k in keys:
        lines.append('"\\"%s\\":"' % k)
    for w in opts + values + json:
        lines.append('"%s"' % w.replace('\\', '\\\\').replace('"', '\\"'))
    lines.append('"\\x00"')
    return '\n'.join(lines) + '\n'


# ---- fuzz_e810: the admin queue engine and the LAN queues, called directly --------------
# Framing (tests/fuzz/fuzz_e810.c): a configuration byte, then chunks of
# [u8 action][u8 arg][u16 len][len bytes].
(E_MEM, E_AQ_REG, E_AQ_SERVICE, E_AQ_EVENT, E_AQ_LINK, E_RX_CTX, E_RX_TAIL, E_RX_FRAMES,
 E_TX_CTX, E_TX_DB, E_TX_RUN, E_TX_STOP, E_SINK, E_HOLD, E_TX_BUDGET, E_RX_OPTS) = range(16)
E_MEM0, E_MEM1 = 0x00100000, 0x40000000
(R_ATQBAL, R_ATQBAH, R_ATQLEN, R_ATQH, R_ATQT,
 R_ARQBAL, R_ARQBAH, R_ARQLEN, R_ARQH, R_ARQT) = range(10)
AQ_BUF, AQ_RD, AQ_LB, AQ_SI = 0x1000, 0x0400, 0x0200, 0x2000


def e_chunk(action, arg=0, data=b''):
    return struct.pack('<BBH', action, arg, len(data)) + data


def e_mem(gpa, data):
    region = 1 if gpa >= E_MEM1 else 0
    return e_chunk(E_MEM, 0, struct.pack('<BI', region, gpa - (E_MEM1 if region else E_MEM0)) + data)


def e_regs(*pairs):
    return e_chunk(E_AQ_REG, 0, b''.join(struct.pack('<BI', r, v) for r, v in pairs))


def aq_desc(opcode, flags=AQ_SI, datalen=0, params=b'', addr=0):
    p = params.ljust(8, b'\0')[:8] + struct.pack('<II', addr >> 32, addr & 0xffffffff)
    return struct.pack('<HHHHII', flags, opcode, datalen, 0, 0, 0) + p


class AQ:
    """An ATQ of 16 descriptors at ring, buffers from buf on; commands one at a time."""

    def __init__(self, out, ring=E_MEM0 + 0x1000, buf=E_MEM0 + 0x2000):
        self.out, self.ring, self.buf, self.tail = out, ring, buf, 0
        out += e_regs((R_ATQH, 0), (R_ATQT, 0), (R_ATQLEN, 0x80000000 | 16),
                      (R_ATQBAL, ring & 0xffffffff), (R_ATQBAH, ring >> 32))

    def cmd(self, opcode, params=b'', data=None, rd=True, length=None):
        flags = AQ_SI
        addr = 0
        n = 0
        if data is not None:
            n = len(data) if length is None else length
            flags |= AQ_BUF | (AQ_RD if rd else 0) | (AQ_LB if n > 512 else 0)
            addr = self.buf
            self.out += e_mem(addr, data)
            self.buf += 0x1000
        self.out += e_mem(self.ring + 32 * self.tail, aq_desc(opcode, flags, n, params, addr))
        self.tail = (self.tail + 1) % 16
        self.out += e_regs((R_ATQT, self.tail))


def setbits(b, off, width, val):
    for i in range(width):
        if (val >> i) & 1:
            b[(off + i) // 8] |= 1 << ((off + i) % 8)


def e_txq_ctx(ring, qlen, vsi=1):
    c = bytearray(22)
    setbits(c, 0, 57, ring >> 7)
    setbits(c, 78, 2, 2)
    setbits(c, 80, 10, vsi)
    setbits(c, 135, 13, qlen)
    setbits(c, 164, 1, 1)
    return bytes(c)


def e_rxq_ctx(ring, qlen, dbuf=2048, rxmax=1522, crcstrip=1, l2tsel=1, head=0):
    c = bytearray(32)
    setbits(c, 0, 13, head)
    setbits(c, 32, 57, ring >> 7)
    setbits(c, 89, 13, qlen)
    setbits(c, 102, 7, dbuf >> 7)
    setbits(c, 116, 1, 1)
    setbits(c, 117, 1, crcstrip)
    setbits(c, 119, 1, l2tsel)
    setbits(c, 174, 14, rxmax)
    return bytes(c)


def txd(addr, size, cmd, offset=0, l2tag1=0):
    return struct.pack('<QQ', addr, (cmd << 4) | (offset << 16) | (size << 34) | (l2tag1 << 48))


def txc(tso_len, mss, cmd=1):
    return struct.pack('<QQ', 0, 1 | (cmd << 4) | (tso_len << 30) | (mss << 50))


TX_EOP, TX_RS, TX_IL2TAG1 = 0x1, 0x2, 0x8
TX_IPV4_CSUM, TX_IPV6, TX_TCP, TX_UDP = 0x60, 0x20, 0x100, 0x300


def tx_off(maclen, iplen, l4len=0):
    return (maclen // 2) | ((iplen // 4) << 7) | ((l4len // 4) << 14)


def tcp4_frame(payload, seed=0):
    return ipv4_tcp(b'\x02\x00\x00\x00\x00\x02', b'\x02\x00\x00\x00\x00\x01',
                    bytes((seed + i) & 0xff for i in range(payload)))


def seeds_e810():
    out = {}

    # The admin queue as ice's probe starts it, an ARQ with buffers, a VSI, a TX queue
    # through add_txqs and traffic on it; link changes as events.
    s = bytearray(b'\x0e')  # 4 queues, a budget of 64 descriptors
    aq = AQ(s)
    aq.cmd(0x0001)                                               # get_ver
    aq.cmd(0x0002, data=b'\x01\x02\x03\x04' + b'vmux-fuzz\0')    # driver_ver
    aq.cmd(0x0200, data=b'\0' * 64, rd=False)                    # get_sw_cfg
    aq.cmd(0x0600, params=struct.pack('<BxH', 0, 0x0004), data=b'\0' * 528, rd=False)  # get_phy_caps
    aq.cmd(0x0701, params=struct.pack('<HBBHH', 0, 0, 0, 0, 512), data=b'\0' * 512, rd=False)  # nvm_read
    arq = E_MEM0 + 0x4000
    for i in range(8):
        s += e_mem(arq + 32 * i, aq_desc(0, AQ_BUF | AQ_LB, 4096, b'', E_MEM0 + 0x8000 + 0x1000 * i))
    s += e_regs((R_ARQH, 0), (R_ARQT, 7), (R_ARQLEN, 0x80000000 | 8),
                (R_ARQBAL, arq), (R_ARQBAH, 0))
    aq.cmd(0x0607, params=struct.pack('<BxH', 0, 3), data=b'\0' * 32, rd=False)  # LSE on
    s += e_chunk(E_AQ_LINK, 0) + e_chunk(E_AQ_LINK, 1)
    props = bytearray(128)
    struct.pack_into('<H', props, 0, 0x00c7)
    props[4] = 0x10
    props[12] = 0x1b
    struct.pack_into('<HH', props, 30, 0, 4)
    aq.cmd(0x0210, params=struct.pack('<HHHH', 0, 0, 0, 2), data=bytes(props))  # add_vsi
    ring = E_MEM0 + 0x10000
    q = struct.pack('<HxxI', 0, 0) + e_txq_ctx(ring, 64) + b'\0\0' + b'\x01\x0d' + b'\0' * 14
    aq.cmd(0x0c30, params=b'\x01', data=struct.pack('<IB3x', 7, 1) + q)  # add_txqs
    frame = tcp4_frame(100)
    s += e_mem(E_MEM0 + 0x18000, frame)
    s += e_mem(ring, txd(E_MEM0 + 0x18000, len(frame), TX_EOP | TX_RS | TX_IPV4_CSUM | TX_TCP,
                         tx_off(14, 20)))
    s += e_chunk(E_TX_DB, 0, struct.pack('<I', 1))
    s += e_chunk(E_AQ_EVENT, 0, struct.pack('<H', 0x1001) + b'\0' * 8 + b'\xaa' * 16)
    out['aq_probe_txq'] = bytes(s)

    # TX through a context given directly: checksums, VLAN insertion, a TSO frame
    # in three pieces, a frame in two descriptors.
    s = bytearray(b'\x0e')
    ring = E_MEM0 + 0x1000
    s += e_chunk(E_TX_CTX, 1, e_txq_ctx(ring, 64))
    big = tcp4_frame(4000, 7)
    s += e_mem(E_MEM0 + 0x4000, big)
    descs = txd(E_MEM0 + 0x4000, 100, TX_EOP | TX_IL2TAG1 | TX_IPV4_CSUM | TX_TCP,
                tx_off(14, 20), 0x0123)
    descs += txc(len(big) - 54, 1448)
    descs += txd(E_MEM0 + 0x4000, 54, TX_IPV4_CSUM | TX_TCP, tx_off(14, 20, 20))
    descs += txd(E_MEM0 + 0x4000 + 54, 2000, 0)
    descs += txd(E_MEM0 + 0x4000 + 2054, len(big) - 2054, TX_EOP | TX_RS)
    descs += txd(E_MEM0 + 0x4000, 60, 0)
    descs += txd(E_MEM0 + 0x4000 + 60, 40, TX_EOP | TX_RS | TX_UDP, tx_off(14, 20))
    s += e_mem(ring, descs)
    s += e_chunk(E_TX_DB, 1, struct.pack('<I', 7))
    s += e_chunk(E_SINK, 1, struct.pack('<IH', 2, 1))
    s += e_mem(ring + 16 * 7, descs[:16])
    s += e_chunk(E_TX_DB, 1, struct.pack('<I', 8))
    s += e_chunk(E_TX_RUN, 1)
    s += e_chunk(E_TX_STOP, 1)
    out['tx_tso_csum'] = bytes(s)

    # RX: a ring of 64 with 32 buffers, frames plain, tagged in the data, with
    # the tag beside them, with an offload request, too long, runts.
    s = bytearray(b'\x00')
    ring = E_MEM0 + 0x1000
    s += e_chunk(E_RX_CTX, 2, e_rxq_ctx(ring, 64, dbuf=1024, rxmax=4096))
    s += e_mem(ring, b''.join(struct.pack('<QQQQ', E_MEM0 + 0x4000 + 1024 * i, 0, 0, 0)
                              for i in range(64)))
    s += e_chunk(E_RX_TAIL, 2, struct.pack('<I', 32))
    f = tcp4_frame(200)
    tagged = f[:12] + b'\x81\x00\x00\x05' + f[12:]
    frames = struct.pack('<BH', 0, len(f)) + f
    frames += struct.pack('<BH', 0, len(tagged)) + tagged
    frames += struct.pack('<BHH', 3, len(f), 0x0007) + f
    ol = struct.pack('<BBHHHHH', 0x03, 14, 20, 20, 0, 34, 16)
    frames += struct.pack('<BH', 4, len(f)) + ol + f
    frames += struct.pack('<BH', 0, 3000) + f
    frames += struct.pack('<BH', 0, 9000) + f
    frames += struct.pack('<BH', 0, 10) + f[:10]
    s += e_chunk(E_RX_FRAMES, 2, bytes(frames))
    s += e_chunk(E_RX_OPTS, 2, b'') + e_chunk(E_RX_FRAMES, 2, bytes(frames[:3 + len(f)]))
    out['rx_frames'] = bytes(s)

    # Hostile: rings and buffers outside memory or in the read-only region, tails
    # out of range, absurd TSO contexts, an ATQ whose descriptor lies past the end.
    s = bytearray(b'\x11')
    s += e_chunk(E_TX_CTX, 0, e_txq_ctx(0x7fff0000, 64))
    s += e_chunk(E_TX_DB, 0, struct.pack('<I', 5))
    s += e_chunk(E_TX_DB, 0, struct.pack('<I', 64))
    ring = E_MEM1
    s += e_mem(ring, txd(0xdead0000, 100, TX_EOP | TX_RS) + txc(0x3ffff, 1) +
               txd(E_MEM1 + 0x100, 0x3fff, TX_EOP | TX_RS, tx_off(14, 20, 20)) +
               txc(100, 0) + txd(E_MEM1, 154, TX_EOP | TX_TCP | TX_IPV4_CSUM, tx_off(14, 20, 60)))
    s += e_chunk(E_TX_CTX, 0, e_txq_ctx(ring, 8))
    s += e_chunk(E_TX_DB, 0, struct.pack('<I', 7))
    s += e_chunk(E_RX_CTX, 1, e_rxq_ctx(0xffffff00, 8192))
    s += e_chunk(E_RX_TAIL, 1, struct.pack('<I', 8192))
    s += e_chunk(E_RX_TAIL, 1, struct.pack('<I', 64))
    s += e_chunk(E_RX_FRAMES, 1, struct.pack('<BH', 0, 60) + b'\xff' * 60)
    s += e_chunk(E_RX_CTX, 1, e_rxq_ctx(E_MEM1, 64))
    s += e_chunk(E_RX_TAIL, 1, struct.pack('<I', 16))
    s += e_chunk(E_RX_FRAMES, 1, struct.pack('<BH', 0, 60) + b'\xff' * 60)
    atq = E_MEM0 + MEM0_SIZE_E810 - 64
    s += e_mem(atq, aq_desc(0x0001, AQ_SI | AQ_BUF | AQ_RD, 4097, b'', E_MEM0) +
               aq_desc(0x0002, AQ_SI | AQ_BUF | AQ_RD, 16, b'', 0xfffffffffffffff8))
    s += e_regs((R_ATQLEN, 0x80000000 | 4), (R_ATQBAL, atq), (R_ATQT, 3), (R_ATQT, 5),
                (R_ATQH, 1), (R_ATQLEN, 0x80000000 | 4), (R_ATQT, 0))
    s += e_chunk(E_HOLD, 127) + e_chunk(E_TX_CTX, 0, e_txq_ctx(E_MEM0, 8)) + \
        e_mem(E_MEM0, txd(E_MEM0, 100, TX_EOP)) + e_chunk(E_TX_DB, 0, struct.pack('<I', 1)) + \
        e_chunk(E_HOLD, 0)
    s += e_chunk(E_AQ_SERVICE, 7) + e_chunk(E_AQ_LINK, 2)
    out['hostile'] = bytes(s)
    return out


MEM0_SIZE_E810 = 128 << 10


def dict_e810():
    words = [struct.pack('<H', op) for op in (
        0x0001, 0x0002, 0x0003, 0x0005, 0x0008, 0x0009, 0x000a, 0x0107, 0x0108, 0x0200,
        0x0210, 0x0211, 0x0212, 0x0213, 0x02a0, 0x02a1, 0x02a2, 0x0400, 0x0401, 0x0402,
        0x0404, 0x0405, 0x0600, 0x0601, 0x0605, 0x0607, 0x0613, 0x0701, 0x0c30, 0x0c31,
        0x1001)]
    words += [struct.pack('<I', v) for v in (E_MEM0, E_MEM1, 0x80000000, 0x80000010)]
    words += [struct.pack('<H', f) for f in (AQ_SI | AQ_BUF | AQ_RD, AQ_SI | AQ_BUF,
                                             AQ_SI | AQ_BUF | AQ_RD | AQ_LB)]
    lines = ['# fuzz_e810: written by gen_seeds.py (opcodes, flags, addresses)']
    for w in words:
        lines.append('"' + ''.join('\\x%02x' % c for c in w) + '"')
    return '\n'.join(lines) + '\n'


TARGETS = {
    'config': seeds_config,
    'vfu_msgs': seeds_vfu_msgs,
    'switch': seeds_switch,
    'e1000': seeds_e1000,
    'e810': seeds_e810,
    'e810_pkg': seeds_e810_pkg,
    'e810_rules': seeds_e810_rules,
}


def main():
    only = sys.argv[1:]
    for name, fn in TARGETS.items():
        if only and name not in only:
            continue
        d = os.path.join(HERE, 'corpus', name)
        os.makedirs(d, exist_ok=True)
        for seed, data in fn().items():
            with open(os.path.join(d, seed), 'wb') as f:
                f.write(data)
            print(f'{d}/{seed}: {len(data)} bytes')
    if not only or 'config' in only:
        with open(os.path.join(HERE, 'config.dict'), 'w') as f:
            f.write('# fuzz_config: written by gen_seeds.py\n' + dict_config())
    if not only or 'e810' in only:
        with open(os.path.join(HERE, 'e810.dict'), 'w') as f:
            f.write(dict_e810())


if __name__ == '__main__':
    main()
