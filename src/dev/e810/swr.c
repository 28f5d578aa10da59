// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's switch rules in the data path (dev/e810/steer.h).
 * STUB: no rules honoured yet; every frame goes on.
 */
#include "dev/e810/model_priv.h"
#include "dev/e810/steer.h"

bool e810_swr_active(const struct e810 *e)
{
	(void)e;
	return false;
}

int e810_swr_steer(struct e810 *e, struct pkt *p)
{
	(void)e;
	(void)p;
	return E810_STEER_NEXT;
}
