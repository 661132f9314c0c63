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
    const char *name;
    enum check_status status;
    char message[320];
};

struct mig_request {
    const char *vm;
    const char *dst_host;  /* NULL: stay (storage-only) */
    const char *dst_ds;    /* NULL: keep the datastores */
    enum job_kind kind;
};

#define CHECKS_MAX 24

/* Run every check; returns how many results were written. */
size_t checks_run(const struct model *m, const struct mig_request *req,
                  const char *const *migrating, size_t n_migrating,
                  struct check_result *out, size_t max);
/* Set the result called name, or add it when there is room (backends
 * replace the inventory's results with first-hand ones). */
void checks_set(struct check_result *out, size_t max, size_t *n,
                const char *name, enum check_status st, const char *fmt, ...)
    FERRY_PRINTF(6, 7);
enum check_status checks_worst(const struct check_result *r, size_t n);
const char *check_status_name(enum check_status s);

#endif
