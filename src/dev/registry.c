/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "dev/dev.h"

#include <string.h>

extern const struct dev_model e1000_model;
extern const struct dev_model e810_model;
extern const struct dev_model passthrough_model;

static const struct dev_model *const models[] = {
	&e1000_model,
	&e810_model,
	&passthrough_model,
	NULL,
};

const struct dev_model *const *dev_models(void)
{
	return models;
}

const struct dev_model *dev_model_find(const char *name)
{
	for (unsigned i = 0; models[i]; i++)
		if (strcmp(models[i]->name, name) == 0)
			return models[i];
	return NULL;
}
