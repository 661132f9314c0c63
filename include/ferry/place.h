/* Placement: where each VM of a host can go, for an evacuation and for
 * `migrate --to auto`. Pure C over the inventory: every destination must
 * pass every pre-flight check (the memory check against what the plan has
 * already put there, with headroom); among those the one that leaves the
 * hosts' memory and CPU most balanced and the move short. Each placement
 * says why in a sentence; a VM that cannot go anywhere says why not and
 * what would let it go. */
#ifndef FERRY_PLACE_H
#define FERRY_PLACE_H

#include <stdbool.h>
#include <stddef.h>

#include "ferry/checks.h"
#include "ferry/model.h"

struct place_opts {
    /* the destinations allowed (NULL: every other host that is up) */
    const char *const *to;
    size_t n_to;
    /* hosts that take no new VMs (in maintenance) */
    const char *const *exclude;
    size_t n_exclude;
    /* hosts left out for a reason of the caller's (tried already and
     * failed, refused by the backend's own checks): avoid_why[i] says
     * why, in a sentence */
    const char *const *avoid;
    const char *const *avoid_why;
    size_t n_avoid;
    /* VMs that jobs hold (the checks' busy list) */
    const char *const *busy;
    size_t n_busy;
    /* a compute move whose disks the destination cannot see may become a
     * compute+storage move to a datastore it sees */
    bool allow_storage;
    /* memory a destination keeps free, a fraction of its own (0: 0.10) */
    double headroom;
    /* the move's predicted time in ms (NULL or NAN: from the link) */
    double (*predict_ms)(void *ctx, const struct model_vm *vm,
                         const char *host, const char *ds);
    void *ctx;
};

struct placement {
    const char *vm;   /* borrowed from the model, as host and ds */
    const char *host; /* NULL: it stays (reason says why) */
    const char *ds;   /* a compute+storage move's datastore, else NULL */
    enum job_kind kind;
    double predicted_ms;
    double mem_after, cpu_after; /* the destination's load after, 0..1 */
    char *reason;     /* one sentence, never NULL */
};

/* Place each of vms (names; shut-off VMs are placed as cold moves) in
 * order of memory, largest first, each placement counting for the next.
 * out has n entries, in the order of vms. Returns how many found a host. */
size_t place_vms(const struct model *m, const char *const *vms, size_t n,
                 const struct place_opts *o, struct placement *out);
void placement_fini(struct placement *p);

#endif
