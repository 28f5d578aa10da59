// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The flow director block's pipeline tables (dev/e810/flex.h).
 * STUB: the contract's functions with no tables kept yet.
 */
#include <string.h>

#include "dev/e810/flex.h"
#include "dev/e810/lan_desc.h"

void e810_flex_reset(struct e810_flex *fx)
{
	memset(fx, 0, sizeof(*fx));
}

int e810_flex_section(struct e810_flex *fx, uint32_t type, const uint8_t *data, unsigned size)
{
	(void)type;
	(void)data;
	(void)size;
	fx->st.ignored++;
	return 0;
}

bool e810_flex_reg_write(struct e810_flex *fx, uint32_t off, uint32_t val)
{
	(void)fx;
	(void)off;
	(void)val;
	return false;
}

int e810_flex_fd_prof(const struct e810_flex *fx, unsigned ptype, unsigned vsi)
{
	(void)fx;
	(void)ptype;
	(void)vsi;
	return E810_FLEX_NONE;
}

bool e810_flex_fd_key(const struct e810_flex *fx, unsigned prof, const uint8_t *f, unsigned len,
		      struct e810_fd_key *key)
{
	(void)fx;
	(void)prof;
	(void)f;
	(void)len;
	(void)key;
	return false;
}

unsigned e810_frame_ptype(const uint8_t *f, unsigned len)
{
	(void)f;
	(void)len;
	return E810_PTYPE_L2;
}
