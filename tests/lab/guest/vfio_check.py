#!/usr/bin/env python3
"""vfio_check.py BDF...: what a VFIO user space driver does first, for each
PCI function BDF (already bound to vfio-pci): open its group under
/dev/vfio, check that the group is viable, attach it to a container with the
type-1 v2 IOMMU, map 1 MiB of this process's memory for DMA, take a device fd
and read the device's regions and interrupts (INTx, MSI, MSI-X counts).
Prints one "key=value" line per function; exits non-zero on the first error.
Only the ioctls of <linux/vfio.h> (type ';', base 100)."""
import ctypes
import fcntl
import mmap
import os
import struct
import sys

VFIO_BASE = (ord(';') << 8) | 100
GET_API_VERSION = VFIO_BASE + 0
CHECK_EXTENSION = VFIO_BASE + 1
SET_IOMMU = VFIO_BASE + 2
GROUP_GET_STATUS = VFIO_BASE + 3
GROUP_SET_CONTAINER = VFIO_BASE + 4
GROUP_GET_DEVICE_FD = VFIO_BASE + 6
DEVICE_GET_INFO = VFIO_BASE + 7
DEVICE_GET_IRQ_INFO = VFIO_BASE + 9
IOMMU_MAP_DMA = VFIO_BASE + 13
IOMMU_UNMAP_DMA = VFIO_BASE + 14
TYPE1V2_IOMMU = 3
GROUP_VIABLE = 1
DEVICE_FLAGS_PCI = 1 << 1
IRQ_NAMES = ("intx", "msi", "msix")


def check(bdf, container, iova):
    group = os.path.basename(os.readlink(f"/sys/bus/pci/devices/{bdf}/iommu_group"))
    gfd = os.open(f"/dev/vfio/{group}", os.O_RDWR)
    status = bytearray(struct.pack("II", 8, 0))
    fcntl.ioctl(gfd, GROUP_GET_STATUS, status)
    if not struct.unpack("II", status)[1] & GROUP_VIABLE:
        raise RuntimeError(f"group {group} not viable (another device in it is not on vfio-pci)")
    fcntl.ioctl(gfd, GROUP_SET_CONTAINER, struct.pack("i", container))
    if check.iommu_set is False:
        fcntl.ioctl(container, SET_IOMMU, TYPE1V2_IOMMU)
        check.iommu_set = True
    buf = mmap.mmap(-1, 1 << 20)
    vaddr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    fcntl.ioctl(container, IOMMU_MAP_DMA, struct.pack("IIQQQ", 32, 3, vaddr, iova, 1 << 20))
    # A mutable buffer: ioctl() then returns the call's result, the fd.
    dfd = fcntl.ioctl(gfd, GROUP_GET_DEVICE_FD, bytearray(bdf.encode() + b"\0"))
    info = bytearray(struct.pack("IIII", 16, 0, 0, 0))
    fcntl.ioctl(dfd, DEVICE_GET_INFO, info)
    _, flags, regions, irqs = struct.unpack("IIII", info)
    if not flags & DEVICE_FLAGS_PCI:
        raise RuntimeError(f"{bdf}: not a vfio-pci device (flags {flags:#x})")
    counts = []
    for index, name in enumerate(IRQ_NAMES):
        irq = bytearray(struct.pack("IIII", 16, 0, index, 0))
        fcntl.ioctl(dfd, DEVICE_GET_IRQ_INFO, irq)
        counts.append(f"{name}={struct.unpack('IIII', irq)[3]}")
    print(f"{bdf} group={group} regions={regions} irqs={irqs} {' '.join(counts)} dma_map=1MiB@{iova:#x}")
    # The fds stay open until exit: the group stays in the container.
    check.keep += [gfd, dfd, buf]


check.iommu_set = False
check.keep = []


def main():
    container = os.open("/dev/vfio/vfio", os.O_RDWR)
    if fcntl.ioctl(container, GET_API_VERSION) != 0:
        raise RuntimeError("unexpected VFIO API version")
    if not fcntl.ioctl(container, CHECK_EXTENSION, TYPE1V2_IOMMU):
        raise RuntimeError("no type-1 v2 IOMMU")
    for n, bdf in enumerate(sys.argv[1:]):
        check(bdf, container, 0x100000 * (n + 1))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, RuntimeError) as e:
        print(f"error: {e}")
        sys.exit(1)
