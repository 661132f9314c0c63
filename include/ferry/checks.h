/* Pre-flight checks on the inventory: each gives ok, warning or error
 * with a sentence a person can act on. */
#ifndef FERRY_CHECKS_H
#define FERRY_CHECKS_H

#include <stddef.h>

#include "ferry/engine.h"
#include "ferry/model.h"

enum check_status {
    CHECK_OK,
    CHECK_WARN,
    CHECK_ERROR,
};

struct check_result {
    const char *name; /* static (or interned): the check's */
    enum check_status status;
    char *message;    /* whole, however long the names in it */
};

/* Results, as many as the checks give. */
struct checks {
    struct check_result *v;
    size_t n, cap;
};

struct mig_request {
    const char *vm;
    const char *dst_host;  /* NULL: stay (storage-only) */
    const char *dst_ds;    /* NULL: keep the datastores */
    enum job_kind kind;
    /* memory in use on the destination when the caller has it counted
     * already (placement, for every host at once); NULL: counted here,
     * a pass over every VM */
    const uint64_t *dst_mem_used;
};

void checks_init(struct checks *c);
/* Forget the results (keeping the memory for the next run). */
void checks_clear(struct checks *c);
void checks_fini(struct checks *c);
/* dst (cleared first) the same results as r. */
void checks_copy(struct checks *dst, const struct check_result *r, size_t n);

/* Run every check into out (cleared first); returns how many results. */
size_t checks_run(const struct model *m, const struct mig_request *req,
                  const char *const *migrating, size_t n_migrating,
                  struct checks *out);
/* Set the result called name, or add it (backends replace the
 * inventory's results with first-hand ones). */
void checks_set(struct checks *out, const char *name, enum check_status st,
                const char *fmt, ...) FERRY_PRINTF(4, 5);
enum check_status checks_worst(const struct check_result *r, size_t n);
const char *check_status_name(enum check_status s);

#endif
