/* The concurrency queue: migrations beyond the limits of a host, a
 * datastore or a link wait their turn. Costs follow vSphere's model by
 * default (a host carries 8 cost units, a compute move costs it 1, a
 * storage move 4; a datastore carries 128, a compute move costs 1, a
 * storage move 16; a migration link carries 4 moves, 8 from 10 Gbit/s).
 * Pure data and decisions: the console starts what the queue admits. */
#ifndef FERRY_QUEUE_H
#define FERRY_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

#include "ferry/checks.h"
#include "ferry/ini.h"
#include "ferry/model.h"

enum res_kind {
    RES_HOST,      /* cost units of a host */
    RES_DATASTORE, /* cost units of a datastore */
    RES_LINK,      /* moves on the migration link between two hosts */
    RES_SLOTS,     /* [host NAME] max_migrations: moves touching a host */
};

/* A host's own limit on concurrent moves. */
struct queue_slot {
    char *name;
    unsigned max;
};

/* Copied with queue_cfg_copy and released with queue_cfg_fini (a cfg that
 * never had host slots owns nothing). */
struct queue_cfg {
    unsigned host_limit, datastore_limit, link_limit, link_limit_fast;
    unsigned compute_host_cost, storage_host_cost;
    unsigned compute_ds_cost, storage_ds_cost;
    unsigned link_cost;
    /* max_migrations per host, from [host NAME], as many as there are */
    struct queue_slot *slots;
    size_t n_slots, cap_slots;
};

/* vSphere's defaults, no host slots (c is overwritten: fini it first if
 * it had some). */
void queue_cfg_default(struct queue_cfg *c);
/* dst becomes a copy of src with its own slots (dst is overwritten). */
void queue_cfg_copy(struct queue_cfg *dst, const struct queue_cfg *src);
void queue_cfg_fini(struct queue_cfg *c);
/* Read the [queue] section of doc (other sections are ignored); errors
 * name file and line. */
int queue_cfg_load(struct queue_cfg *c, const struct ini_doc *doc,
                   struct ferry_err *err);
/* A host's own limit on concurrent moves (0: remove it). */
void queue_cfg_host_slots(struct queue_cfg *c, const char *host,
                          unsigned max);

struct queue_use {
    enum res_kind kind;
    char *name; /* "hv-01", "ds-shared", "hv-01<->hv-03" */
    unsigned cost, limit;
};

/* What a move would take from each resource (every one: hosts, the link,
 * each datastore of each disk); returns the count, *out the array.
 * Caller frees with queue_uses_free. */
size_t queue_uses(const struct model *m, const struct queue_cfg *c,
                  const struct mig_request *req, struct queue_use **out);
void queue_uses_free(struct queue_use *u, size_t n);
/* "host hv-01", "datastore ds-shared", "link hv-01<->hv-03", ... */
const char *res_kind_name(enum res_kind k);

enum queue_priority { PRIO_LOW, PRIO_NORMAL, PRIO_HIGH };
const char *queue_priority_name(enum queue_priority p);
int queue_priority_lookup(const char *s, enum queue_priority *out);

struct queue_job {
    int id;
    char *label; /* the VM, for "behind web-01" */
    enum queue_priority prio;
    bool running;
    struct queue_use *use; /* the queue's own copy */
    size_t n_use;
};

struct queue {
    struct queue_job *v; /* running first-come, waiting in queue order */
    size_t n, cap;
};

void queue_init(struct queue *q);
void queue_fini(struct queue *q);
/* Enqueue a waiting job behind every waiting job of its priority or
 * higher (label and use are copied). Returns its position among the
 * waiting (1 = next). */
int queue_add(struct queue *q, int id, const char *label,
              enum queue_priority prio, const struct queue_use *use,
              size_t n_use);
/* A running job ended or a waiting one was cancelled. */
void queue_remove(struct queue *q, int id);
/* The first waiting job that may start now (it is then running), or -1.
 * A job never overtakes an earlier one that waits for a resource it
 * needs too; jobs that share nothing with the waiting pass them. */
int queue_start_next(struct queue *q);
/* Start a job at once, whatever the limits (the operator insisted). */
bool queue_force(struct queue *q, int id);
/* 1-based position among the waiting; 0 when running or unknown. */
int queue_position(const struct queue *q, int id);
bool queue_contains(const struct queue *q, int id);
/* Move a waiting job up (delta < 0) or down among the waiting. */
bool queue_move(struct queue *q, int id, int delta);
/* Why a waiting job waits: "host hv-02 (8 of 8 units in use)" or "behind
 * web-01 for datastore ds-shared", whole. "" when it could start, is
 * running or unknown. Caller frees. */
char *queue_why(const struct queue *q, int id);
/* The same into buf (cut at n; queue_why has it whole). */
void queue_waits_for(const struct queue *q, int id, char *buf, size_t n);
/* Units of a resource taken by running jobs. */
unsigned queue_in_use(const struct queue *q, enum res_kind k,
                      const char *name);
size_t queue_waiting(const struct queue *q);

#endif
