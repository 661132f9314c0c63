/* Evacuations (evac.h). */
#include "ferry/evac.h"

#include <stdlib.h>
#include <string.h>

#include "ferry/jsonf.h"

void
evac_args_init(struct evac_args *a)
{
    memset(a, 0, sizeof *a);
}

void
evac_args_fini(struct evac_args *a)
{
    free(a->host);
    for (size_t i = 0; i < a->n_to; i++)
        free(a->to[i]);
    free(a->to);
    free(a->policy);
    free(a->owner);
    evac_args_init(a);
}
