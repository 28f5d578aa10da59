// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * e810-emu through vfio-user (the harness e810_srv.h: an in-process device,
 * its port wired to a test peer, and the in-tree client playing QEMU and
 * the guest). Config space identity, BARs and capabilities as a guest
 * enumerates them; registers before the admin queue; the ice 6.1 safe-mode
 * probe's admin queue sequence (the unit tests' driver, tests/unit/dev/e810,
 * with its registers on BAR0 and its memory a memfd the device maps) with a
 * PF reset in the middle; admin queue DMA only with bus mastering; a link
 * change of the peer arriving as an ARQ event that fires the FW cause's
 * MSI-X vector, and the FW cause's routing; the queues option. The LAN
 * queues are test_e810_lan.c's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/pci_regs.h>
#include <string.h>

#include "core/loop.h"
#include "dev/e810/aq_defs.h"
#include "dev/e810/e810_model.h"
#include "dev/e810/e810_regs.h"
#include "e810_drv.h"
#include "e810_probe.h"
#include "e810_srv.h"

/* ---- tests ------------------------------------------------------------------- */

static void test_identity(void **state)
{
	struct ctx *x = *state;
	struct vfu_region_info ri;
	unsigned pos;
	uint32_t v;

	assert_int_equal(vfuc_cfg_read16(x->c, PCI_VENDOR_ID), 0x8086);
	assert_int_equal(vfuc_cfg_read16(x->c, PCI_DEVICE_ID), 0x1592);
	assert_int_equal(vfuc_cfg_read32(x->c, PCI_CLASS_REVISION), 0x02000002u);
	assert_int_equal(vfuc_cfg_read16(x->c, PCI_SUBSYSTEM_VENDOR_ID), 0x8086);
	assert_int_equal(vfuc_cfg_read16(x->c, PCI_SUBSYSTEM_ID), E810_MODEL_SUBSYS);
	assert_int_equal(vfuc_cfg_read16(x->c, PCI_INTERRUPT_PIN) & 0xff, 0);

	/* BAR0: 128 MiB, 64-bit prefetchable memory; BAR3: 64 KiB, the same. */
	assert_int_equal(vfuc_region_info(x->c, VFU_PCI_BAR0, &ri, NULL, 0, NULL), 0);
	assert_int_equal(ri.size, 128ull << 20);
	assert_int_equal(vfuc_region_info(x->c, 3, &ri, NULL, 0, NULL), 0);
	assert_int_equal(ri.size, 64u << 10);
	for (unsigned bar = 0; bar < 6; bar += 3) {
		unsigned off = PCI_BASE_ADDRESS_0 + 4 * bar;
		uint64_t size = bar ? 64u << 10 : 128ull << 20;

		v = vfuc_cfg_read32(x->c, off);
		assert_int_equal(v & 0xf, PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH);
		assert_int_equal(vfuc_cfg_write32(x->c, off, 0xffffffffu), 0);
		assert_int_equal(vfuc_cfg_write32(x->c, off + 4, 0xffffffffu), 0);
		v = vfuc_cfg_read32(x->c, off);
		assert_int_equal(v & ~0xfu, (uint32_t)~(size - 1));
		assert_int_equal(vfuc_cfg_read32(x->c, off + 4), 0xffffffffu);
	}
	assert_int_equal(vfuc_region_info(x->c, 1, &ri, NULL, 0, NULL), 0);
	assert_int_equal(ri.size, 0);

	/* MSI-X: queues + 4 vectors, table at BAR3 0, PBA at BAR3 32 KiB. */
	pos = vfuc_find_cap(x->c, PCI_CAP_ID_MSIX);
	assert_true(pos);
	assert_int_equal(vfuc_cfg_read16(x->c, pos + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE, NVEC - 1);
	assert_int_equal(vfuc_cfg_read32(x->c, pos + PCI_MSIX_TABLE), 0x0000u | 3);
	assert_int_equal(vfuc_cfg_read32(x->c, pos + PCI_MSIX_PBA), 0x8000u | 3);
	assert_true(vfuc_find_cap(x->c, PCI_CAP_ID_PM));
	pos = vfuc_find_cap(x->c, PCI_CAP_ID_EXP);
	assert_true(pos);
	assert_int_equal((vfuc_cfg_read16(x->c, pos + PCI_EXP_FLAGS) >> 4) & 0xf, PCI_EXP_TYPE_ENDPOINT);
	assert_null(vfuc_find_cap(x->c, PCI_CAP_ID_MSI) ? "MSI" : NULL);

	/* Extended space: the DSN, EUI-64 from the MAC. */
	v = vfuc_cfg_read32(x->c, 0x100);
	assert_int_equal(v & 0xffff, PCI_EXT_CAP_ID_DSN);
	assert_int_equal((v >> 16) & 0xf, 1);
	assert_int_equal(vfuc_cfg_read32(x->c, 0x104), 0xfee81042u);
	assert_int_equal(vfuc_cfg_read32(x->c, 0x108), 0x525400ffu);
}

static void test_registers_before_the_aq(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;

	guest_enable(x);
	assert_int_equal(drv_rd(d, E810_PF_FUNC_RID) & E810_PF_FUNC_RID_FUNC_NUM_M, 0);
	assert_int_equal(drv_rd(d, E810_GLGEN_RSTAT) & E810_GLGEN_RSTAT_DEVSTATE_M, 0);
	assert_int_equal(drv_rd(d, E810_GLNVM_ULD) & E810_GLNVM_ULD_ALL_DONE, E810_GLNVM_ULD_ALL_DONE);
	assert_true(drv_rd(d, E810_GLGEN_RSTCTL) & E810_GLGEN_RSTCTL_GRSTDEL_M);
	assert_int_equal((drv_rd(d, E810_GLNVM_GENS) & E810_GLNVM_GENS_SR_SIZE_M) >>
			 E810_GLNVM_GENS_SR_SIZE_S, 5);
	assert_true(drv_rd(d, E810_GLNVM_FLA) & E810_GLNVM_FLA_LOCKED);
	assert_int_equal(drv_rd(d, E810_GL_MNG_FWSM), 0);
	assert_int_equal(drv_rd(d, E810_GLPCI_CNF2) & E810_GLPCI_CNF2_CACHELINE_SIZE, 0);
	/* The flow director's table sizes: 512 guaranteed (14:0), 512 best effort (30:16). */
	assert_int_equal(drv_rd(d, E810_GLQF_FD_SIZE), 512u | 512u << 16);
	/* Plain storage elsewhere; never-written registers read 0. */
	assert_int_equal(drv_rd(d, 0x00380000u), 0);
	drv_wr(d, E810_PFPM_WUS, 0xffffffffu);
	drv_wr(d, E810_GLINT_ITR(0, 0), 0x1e);
	assert_int_equal(drv_rd(d, E810_GLINT_ITR(0, 0)), 0x1e);
	/* An RX queue without a context does not start: QENA_STAT stays clear. */
	drv_wr(d, E810_QRX_CTRL(3), E810_QRX_CTRL_QENA_REQ);
	assert_false(drv_rd(d, E810_QRX_CTRL(3)) & E810_QRX_CTRL_QENA_STAT);
	assert_int_equal(srv_counter(x->s, "rxq_enable_bad"), 1);
	/* The flow director's profile registers: stored, and taken by its tables (flex.c). */
	assert_int_equal(srv_counter(x->s, "flex_regs"), 0);
	drv_wr(d, E810_GLQF_FDINSET(10, 5), 0x9f000000u);
	drv_wr(d, E810_GLQF_FDSWAP(127, 7), 0x97000000u);
	drv_wr(d, E810_GLQF_FDMASK_SEL(10), 1u << 3);
	drv_wr(d, E810_GLQF_FDMASK(31), 21u | 0xff00u << 16);
	assert_int_equal(drv_rd(d, E810_GLQF_FDINSET(10, 5)), 0x9f000000u);
	assert_int_equal(drv_rd(d, E810_GLQF_FDMASK(31)), 21u | 0xff00u << 16);
	assert_int_equal(srv_counter(x->s, "flex_regs"), 4);
	drv_wr(d, E810_GLQF_FDMASK(31) + 4, 1); /* past the last FDMASK */
	assert_int_equal(srv_counter(x->s, "flex_regs"), 4);
	/* PF reset: self-clearing, and it takes the stored registers with it. */
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_int_equal(drv_rd(d, E810_PFGEN_CTRL) & E810_PFGEN_CTRL_PFSWR, 0);
	assert_int_equal(drv_rd(d, E810_GLINT_ITR(0, 0)), 0);
	assert_int_equal(srv_counter(x->s, "pf_resets"), 1);
	/* BAR0's last dword is reachable; 8-byte reads are two dwords. */
	assert_int_equal(drv_rd(d, (128u << 20) - 4), 0);
	{
		uint64_t q = ~0ull;

		assert_int_equal(vfuc_region_read(x->c, VFU_PCI_BAR0, 0x00380000u, &q, 8), 0);
		assert_int_equal(q, 0);
	}
}

static void test_probe_61(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	struct probe pr;

	guest_enable(x);
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_int_equal(drv_rd(d, E810_PFGEN_CTRL), 0);
	probe_61(d, &pr, &x->acfg);
	assert_int_equal(srv_counter(x->s, "aq_unknown"), 0);
	assert_int_equal(srv_counter(x->s, "aq_desc_dma"), 0);
	assert_true(srv_counter(x->s, "aq_cmds") > 100);

	/*
	 * PF reset in the middle (ice_reset(PFR) as in the driver's rebuild):
	 * the queues are gone, registers zero; a new probe works from scratch.
	 */
	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	assert_int_equal(drv_rd(d, E810_PFGEN_CTRL), 0);
	assert_int_equal(drv_rd(d, E810_PF_FW_ATQLEN), 0);
	assert_int_equal(drv_rd(d, E810_PF_FW_ARQBAL), 0);
	assert_int_equal(drv_rd(d, E810_PF_FW_ATQH), 0);
	probe_61(d, &pr, &x->acfg);
	assert_int_equal(srv_counter(x->s, "pf_resets"), 2);
	assert_int_equal(srv_counter(x->s, "aq_unknown"), 0);
}

static void test_dma_needs_bus_master(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	uint8_t desc[32] = { 0 };

	guest_enable(x);
	drv_queues_up(d, 8);
	assert_int_equal(vfuc_cfg_write16(x->c, PCI_COMMAND, PCI_COMMAND_MEMORY), 0);
	p16(desc + AQD_OPCODE, AQC_GET_VER);
	p16(desc + AQD_FLAGS, AQ_FLAG_SI);
	drv_post_raw(d, desc);
	/* The descriptor could not be read: the queue stops as a dead firmware's would. */
	assert_true(drv_rd(d, E810_PF_FW_ATQLEN) & E810_AQLEN_CRIT);
	assert_int_equal(drv_rd(d, E810_PF_FW_ATQH), 0);
	assert_int_equal(g16(drv_atq_desc(d, 0) + AQD_FLAGS) & AQ_FLAG_DD, 0);
	assert_true(srv_counter(x->s, "aq_desc_dma") >= 1);
}

static void arm_fw_irq(struct ctx *x, unsigned vec)
{
	/* ice_ena_ctrlq_interrupts, then ice_irq_dynamic_ena on the misc vector. */
	drv_wr(&x->d, E810_PFINT_FW_CTL, vec | E810_INT_CTL_CAUSE_ENA);
	drv_wr(&x->d, E810_PFINT_OICR_CTL, vec | E810_INT_CTL_CAUSE_ENA);
	drv_wr(&x->d, E810_GLINT_DYN_CTL(vec),
	       E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_CLEARPBA |
	       3u << E810_GLINT_DYN_CTL_ITR_INDX_S);
}


static void test_link_event_irq(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	uint8_t data[DRV_BUF];
	uint16_t opc = 0, len = 0;
	const unsigned vec = 0;

	guest_enable(x);
	drv_queues_up(d, 16);
	arm_fw_irq(x, vec);
	drv_enable_lse(d);
	drain(x, vec);

	/* The peer's carrier goes: an ARQ event, the FW vector fires. */
	srv_peer_link(x->s, false);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, TMO) > 0);
	assert_int_equal(drv_event(d, &opc, data, &len, NULL), 0);
	assert_int_equal(opc, E810_AQ_EV_LINK_STATUS);
	assert_true(len >= 1);
	assert_int_equal(data[LSD_LINK_INFO] & LI_LINK_UP, 0);
	assert_int_equal(drv_event(d, NULL, NULL, NULL, NULL), -1);

	/* The vector auto-masked: the next event waits for INTENA. */
	srv_peer_link(x->s, true);
	assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, 200), 0);
	assert_true(srv_counter(x->s, "irq_deferred") >= 1);
	drv_wr(d, E810_GLINT_DYN_CTL(vec), E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_CLEARPBA);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, TMO) > 0);
	assert_int_equal(drv_event(d, &opc, data, &len, NULL), 0);
	assert_int_equal(opc, E810_AQ_EV_LINK_STATUS);
	assert_true(data[LSD_LINK_INFO] & LI_LINK_UP);

	/* SWINT_TRIG fires the vector now; no other vector ever fired. */
	drv_wr(d, E810_GLINT_DYN_CTL(vec), E810_GLINT_DYN_CTL_INTENA | E810_GLINT_DYN_CTL_SWINT_TRIG);
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, TMO) > 0);
	for (unsigned v = 1; v < NVEC; v++)
		assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, v, 0), 0);
	assert_int_equal(srv_counter(x->s, "arq_no_desc"), 0);
}

static void test_fw_cause_routing(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	const unsigned vec = 2;

	guest_enable(x);
	drv_queues_up(d, 16);
	/* The FW cause disabled: the event is posted, no interrupt. */
	drv_enable_lse(d);
	drain(x, 0);
	srv_peer_link(x->s, false);
	assert_int_equal(drv_event(d, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, 0, 100), 0);
	assert_true(srv_counter(x->s, "fw_cause_off") >= 1);

	/* Routed to vector 2 while MSI-X is off: held until it is enabled. */
	drv_wr(d, E810_PFINT_FW_CTL, vec | E810_INT_CTL_CAUSE_ENA);
	drv_wr(d, E810_GLINT_DYN_CTL(vec), E810_GLINT_DYN_CTL_INTENA);
	{
		unsigned msix = vfuc_find_cap(x->c, PCI_CAP_ID_MSIX);

		assert_int_equal(vfuc_cfg_write16(x->c, msix + PCI_MSIX_FLAGS, NVEC - 1), 0);
		srv_peer_link(x->s, true);
		assert_int_equal(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, 100), 0);
		assert_int_equal(vfuc_cfg_write16(x->c, msix + PCI_MSIX_FLAGS,
						  (uint16_t)(PCI_MSIX_FLAGS_ENABLE | (NVEC - 1))), 0);
	}
	assert_true(vfuc_irq_wait(x->c, VFU_IRQ_MSIX, vec, TMO) > 0);
	assert_int_equal(drv_event(d, NULL, NULL, NULL, NULL), 0);
}

/* The global config lock's answer (req_res res_id 4, write): RES_GLBL_*. */
static uint16_t glbl_lock(struct drv *d)
{
	memset(prm, 0, sizeof(prm));
	p16(prm + RR_RES_ID, RES_ID_GLBL_LOCK);
	p16(prm + RR_ACCESS, RES_ACCESS_WRITE);
	assert_int_equal(drv_cmd(d, AQC_REQ_RES, prm, NULL, 0, false, NULL), 0);
	return g16(prm + RR_STATUS);
}

/*
 * A DDP package (one buffer: its metadata section) downloaded over the admin
 * queue stays across a PF reset (the lock says "already loaded"); a core
 * reset through GLGEN_RTRIG drops it.
 */
static void test_ddp_core_reset(void **state)
{
	struct ctx *x = *state;
	struct drv *d = &x->d;
	static uint8_t b[PKG_BUF_SIZE];

	guest_enable(x);
	drv_queues_up(d, 16);
	p16(b + PKG_BUF_SECT_COUNT, 1);
	p16(b + PKG_BUF_DATA_END, 12 + PKG_META_SIZE);
	p32(b + PKG_BUF_ENTRIES, PKG_SID_METADATA);
	p16(b + PKG_BUF_ENTRIES + 4, 12);
	p16(b + PKG_BUF_ENTRIES + 6, PKG_META_SIZE);
	b[12] = 1;
	b[13] = 3;
	memcpy(b + 16, "test package", 12);
	assert_int_equal(glbl_lock(d), RES_GLBL_SUCCESS);
	memset(prm, 0, sizeof(prm));
	prm[DLP_FLAGS] = DLP_LAST_BUF;
	assert_int_equal(drv_cmd(d, AQC_DOWNLOAD_PKG, prm, b, sizeof(b), true, NULL), 0);
	memset(prm, 0, sizeof(prm));
	p16(prm + RR_RES_ID, RES_ID_GLBL_LOCK);
	assert_int_equal(drv_cmd(d, AQC_RELEASE_RES, prm, NULL, 0, false, NULL), 0);
	assert_int_equal(srv_counter(x->s, "pkg_bufs"), 1);
	assert_int_equal(glbl_lock(d), RES_GLBL_DONE);

	drv_wr(d, E810_PFGEN_CTRL, E810_PFGEN_CTRL_PFSWR);
	drv_queues_up(d, 16);
	assert_int_equal(glbl_lock(d), RES_GLBL_DONE);

	drv_wr(d, E810_GLGEN_RTRIG, E810_GLGEN_RTRIG_CORER);
	assert_int_equal(srv_counter(x->s, "core_resets"), 1);
	drv_queues_up(d, 16);
	assert_int_equal(glbl_lock(d), RES_GLBL_SUCCESS);
}

static void test_queues_option(void **state)
{
	struct srv *s = srv_start(1, DEV_DOORBELL_TRAP);
	struct vfuc *c = vfuc_connect(s->sock, TMO);
	unsigned pos;

	(void)state;
	assert_non_null(c);
	assert_int_equal(vfuc_negotiate(c, NULL), 0);
	pos = vfuc_find_cap(c, PCI_CAP_ID_MSIX);
	assert_int_equal(vfuc_cfg_read16(c, pos + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_QSIZE, 4);
	vfuc_close(c);
	srv_stop(s);

	{
		const struct dev_model *m = dev_model_find("e810-emu");
		struct dev_config cfg = { .name = "x", .socket_path = "/nonexistent/x", .queues = 17 };
		struct loop *l = loop_create();
		char err[128] = "";

		cfg.loop = l;
		memcpy(cfg.mac, srv_mac, 6);
		assert_null(m->create(&cfg, err, sizeof(err)));
		assert_non_null(strstr(err, "1..16"));
		assert_int_equal(m->max_queues, 16);
		loop_destroy(l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_registers_before_the_aq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_probe_61, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_needs_bus_master, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_event_irq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fw_cause_routing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ddp_core_reset, setup, teardown),
		cmocka_unit_test(test_queues_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
