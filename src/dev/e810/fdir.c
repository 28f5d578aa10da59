// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The E810's flow director (dev/e810/steer.h).
 * STUB: no filters yet; every frame goes on to RSS.
 */
#include "dev/e810/model_priv.h"
#include "dev/e810/steer.h"

bool e810_fdir_active(const struct e810 *e)
{
	(void)e;
	return false;
}

int e810_fdir_steer(struct e810 *e, struct pkt *p)
{
	(void)e;
	(void)p;
	return E810_STEER_NEXT;
}
