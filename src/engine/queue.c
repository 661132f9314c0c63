/* The concurrency queue and its cost model. */
#include "ferry/queue.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ferry/units.h"

/* At or above this a migration link carries link_limit_fast moves. */
#define FAST_LINK_BPS (10ULL * 1000 * 1000 * 1000 / 8)

void
queue_cfg_default(struct queue_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->host_limit = 8;
    c->datastore_limit = 128;
    c->link_limit = 4;
    c->link_limit_fast = 8;
    c->compute_host_cost = 1;
    c->storage_host_cost = 4;
    c->compute_ds_cost = 1;
    c->storage_ds_cost = 16;
    c->link_cost = 1;
}

void
queue_cfg_copy(struct queue_cfg *dst, const struct queue_cfg *src)
{
    *dst = *src;
    dst->slots = NULL;
    dst->cap_slots = 0;
    if (src->n_slots > 0) {
        dst->slots = xcalloc(src->n_slots, sizeof *dst->slots);
        dst->cap_slots = src->n_slots;
        for (size_t i = 0; i < src->n_slots; i++) {
            dst->slots[i].name = xstrdup(src->slots[i].name);
            dst->slots[i].max = src->slots[i].max;
        }
    }
}

void
queue_cfg_fini(struct queue_cfg *c)
{
    for (size_t i = 0; i < c->n_slots; i++)
        free(c->slots[i].name);
    free(c->slots);
    c->slots = NULL;
    c->n_slots = c->cap_slots = 0;
}

static const struct {
    const char *key;
    size_t off;
} cfg_keys[] = {
    {"host_limit", offsetof(struct queue_cfg, host_limit)},
    {"datastore_limit", offsetof(struct queue_cfg, datastore_limit)},
    {"link_limit", offsetof(struct queue_cfg, link_limit)},
    {"link_limit_10g", offsetof(struct queue_cfg, link_limit_fast)},
    {"compute_host_cost", offsetof(struct queue_cfg, compute_host_cost)},
    {"storage_host_cost", offsetof(struct queue_cfg, storage_host_cost)},
    {"compute_datastore_cost", offsetof(struct queue_cfg, compute_ds_cost)},
    {"storage_datastore_cost", offsetof(struct queue_cfg, storage_ds_cost)},
    {"link_cost", offsetof(struct queue_cfg, link_cost)},
};

int
queue_cfg_load(struct queue_cfg *c, const struct ini_doc *doc,
               struct ferry_err *err)
{
    for (size_t i = 0; i < doc->n; i++) {
        const struct ini_entry *e = &doc->v[i];
        bool found = false;

        if (strcmp(e->section, "queue") != 0)
            continue;
        for (size_t k = 0; k < ARRAY_SIZE(cfg_keys); k++) {
            uint64_t v;

            if (strcmp(e->key, cfg_keys[k].key) != 0)
                continue;
            /* A limit of 0 would stop every move; a cost of 0 makes a
             * resource free. */
            if (ini_get_uint(doc, e, strstr(e->key, "_limit") ? 1 : 0,
                             100000, &v, err) < 0)
                return -1;
            *(unsigned *)((char *)c + cfg_keys[k].off) = (unsigned)v;
            found = true;
        }
        if (!found)
            return ini_error(doc, e, err,
                             "unknown key (host_limit, datastore_limit, "
                             "link_limit, link_limit_10g, compute_host_cost, "
                             "storage_host_cost, compute_datastore_cost, "
                             "storage_datastore_cost, link_cost)");
    }
    return 0;
}

void
queue_cfg_host_slots(struct queue_cfg *c, const char *host, unsigned max)
{
    for (size_t i = 0; i < c->n_slots; i++)
        if (strcmp(c->slots[i].name, host) == 0) {
            if (max == 0) {
                free(c->slots[i].name);
                c->slots[i] = c->slots[--c->n_slots];
            } else {
                c->slots[i].max = max;
            }
            return;
        }
    if (max == 0)
        return;
    c->slots = xgrow(c->slots, &c->cap_slots, c->n_slots + 1,
                     sizeof *c->slots);
    c->slots[c->n_slots].name = xstrdup(host);
    c->slots[c->n_slots++].max = max;
}

const char *
res_kind_name(enum res_kind k)
{
    switch (k) {
    case RES_HOST:
        return "host";
    case RES_DATASTORE:
        return "datastore";
    case RES_LINK:
        return "link";
    case RES_SLOTS:
        return "host";
    }
    return "?";
}

/* A growing list of uses. */
struct uses {
    struct queue_use *v;
    size_t n, cap;
};

/* Add cost to a resource, merging repeats (a move within one datastore). */
static void
use_add(struct uses *u, enum res_kind k, const char *name, unsigned cost,
        unsigned limit)
{
    if (cost == 0)
        return;
    for (size_t i = 0; i < u->n; i++)
        if (u->v[i].kind == k && strcmp(u->v[i].name, name) == 0) {
            if (cost > u->v[i].cost)
                u->v[i].cost = cost;
            return;
        }
    u->v = xgrow(u->v, &u->cap, u->n + 1, sizeof *u->v);
    u->v[u->n++] = (struct queue_use){
        .kind = k, .name = xstrdup(name), .cost = cost, .limit = limit};
}

static void
host_uses(const struct queue_cfg *c, const char *host, unsigned cost,
          struct uses *u)
{
    use_add(u, RES_HOST, host, cost, c->host_limit);
    for (size_t i = 0; i < c->n_slots; i++)
        if (strcmp(c->slots[i].name, host) == 0)
            use_add(u, RES_SLOTS, host, 1, c->slots[i].max);
}

size_t
queue_uses(const struct model *m, const struct queue_cfg *c,
           const struct mig_request *req, struct queue_use **out)
{
    const struct model_vm *vm = model_vm(m, req->vm);
    const char *src, *dst, **dss;
    bool compute = req->kind != KIND_STORAGE;
    bool storage = req->kind != KIND_COMPUTE;
    unsigned hcost = storage ? c->storage_host_cost : c->compute_host_cost;
    unsigned dcost = storage ? c->storage_ds_cost : c->compute_ds_cost;
    struct uses u = {0};
    size_t nds;

    *out = NULL;
    if (vm == NULL)
        return 0;
    src = vm->host;
    dst = compute && req->dst_host ? req->dst_host : src;
    host_uses(c, src, hcost, &u);
    if (strcmp(dst, src) != 0) {
        uint64_t bps = model_link_bps(m, src, dst);
        const char *a = strcmp(src, dst) < 0 ? src : dst;
        const char *b = a == src ? dst : src;
        char *name = xasprintf("%s<->%s", a, b);

        host_uses(c, dst, hcost, &u);
        use_add(&u, RES_LINK, name, c->link_cost,
                bps >= FAST_LINK_BPS ? c->link_limit_fast : c->link_limit);
        free(name);
    }
    /* A compute move touches the datastores its disks are on lightly; a
     * storage move reads them and writes the destination heavily. Every
     * disk may be on a datastore of its own. */
    dss = xcalloc(vm->n_disks + 1, sizeof *dss);
    nds = model_vm_datastores(vm, dss, vm->n_disks);
    for (size_t i = 0; i < nds; i++)
        use_add(&u, RES_DATASTORE, dss[i], dcost, c->datastore_limit);
    free(dss);
    if (storage && req->dst_ds != NULL)
        use_add(&u, RES_DATASTORE, req->dst_ds, c->storage_ds_cost,
                c->datastore_limit);
    *out = u.v;
    return u.n;
}

void
queue_uses_free(struct queue_use *u, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(u[i].name);
    free(u);
}

/* A use list of the queue's own. */
static struct queue_use *
uses_dup(const struct queue_use *use, size_t n)
{
    struct queue_use *v = n ? xcalloc(n, sizeof *v) : NULL;

    for (size_t i = 0; i < n; i++) {
        v[i] = use[i];
        v[i].name = xstrdup(use[i].name);
    }
    return v;
}

static void
job_fini(struct queue_job *j)
{
    free(j->label);
    queue_uses_free(j->use, j->n_use);
}

const char *
queue_priority_name(enum queue_priority p)
{
    switch (p) {
    case PRIO_LOW:
        return "low";
    case PRIO_NORMAL:
        return "normal";
    case PRIO_HIGH:
        return "high";
    }
    return "?";
}

int
queue_priority_lookup(const char *s, enum queue_priority *out)
{
    for (int p = PRIO_LOW; p <= PRIO_HIGH; p++)
        if (strcasecmp(s, queue_priority_name((enum queue_priority)p)) == 0) {
            *out = (enum queue_priority)p;
            return 0;
        }
    return -1;
}

void
queue_init(struct queue *q)
{
    memset(q, 0, sizeof *q);
}

void
queue_fini(struct queue *q)
{
    for (size_t i = 0; i < q->n; i++)
        job_fini(&q->v[i]);
    free(q->v);
    memset(q, 0, sizeof *q);
}

static ptrdiff_t
find(const struct queue *q, int id)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->v[i].id == id)
            return (ptrdiff_t)i;
    return -1;
}

int
queue_add(struct queue *q, int id, const char *label,
          enum queue_priority prio, const struct queue_use *use, size_t n_use)
{
    struct queue_job j = {.id = id, .prio = prio};
    size_t at = q->n;

    if (find(q, id) >= 0)
        fatal("queue: job %d added twice", id);
    j.label = xstrdup(label ? label : "");
    j.use = uses_dup(use, n_use);
    j.n_use = n_use;
    /* before the first waiting job of a lower priority */
    for (size_t i = 0; i < q->n; i++)
        if (!q->v[i].running && q->v[i].prio < prio) {
            at = i;
            break;
        }
    q->v = xgrow(q->v, &q->cap, q->n + 1, sizeof *q->v);
    memmove(&q->v[at + 1], &q->v[at], (q->n - at) * sizeof *q->v);
    q->v[at] = j;
    q->n++;
    return queue_position(q, id);
}

void
queue_remove(struct queue *q, int id)
{
    ptrdiff_t i = find(q, id);

    if (i < 0)
        return;
    job_fini(&q->v[i]);
    memmove(&q->v[i], &q->v[i + 1], (q->n - (size_t)i - 1) * sizeof *q->v);
    q->n--;
}

unsigned
queue_in_use(const struct queue *q, enum res_kind k, const char *name)
{
    unsigned sum = 0;

    for (size_t i = 0; i < q->n; i++) {
        if (!q->v[i].running)
            continue;
        for (size_t u = 0; u < q->v[i].n_use; u++)
            if (q->v[i].use[u].kind == k &&
                strcmp(q->v[i].use[u].name, name) == 0)
                sum += q->v[i].use[u].cost;
    }
    return sum;
}

/* The first use of j that does not fit now, or NULL. A cost above the
 * limit fits an idle resource (the move runs alone rather than never). */
static const struct queue_use *
blocking_use(const struct queue *q, const struct queue_job *j)
{
    for (size_t u = 0; u < j->n_use; u++) {
        const struct queue_use *x = &j->use[u];
        unsigned busy = queue_in_use(q, x->kind, x->name);

        if (busy > 0 && busy + x->cost > x->limit)
            return x;
    }
    return NULL;
}

/* Units earlier waiting jobs (before index i) hold in reserve on a
 * resource, and the first of them. */
static unsigned
reserved(const struct queue *q, size_t i, const struct queue_use *x,
         const struct queue_job **first)
{
    unsigned sum = 0;

    *first = NULL;
    for (size_t e = 0; e < i; e++) {
        if (q->v[e].running)
            continue;
        for (size_t u = 0; u < q->v[e].n_use; u++)
            if (q->v[e].use[u].kind == x->kind &&
                strcmp(q->v[e].use[u].name, x->name) == 0) {
                sum += q->v[e].use[u].cost;
                if (*first == NULL)
                    *first = &q->v[e];
            }
    }
    return sum;
}

/* Whether job i cannot start now, and why into *why when not NULL
 * (caller frees). */
static bool
why_waits(const struct queue *q, size_t i, char **why)
{
    const struct queue_job *j = &q->v[i];
    const struct queue_use *x = blocking_use(q, j);

    if (x != NULL) {
        if (why != NULL)
            *why = xasprintf(
                "%s %s (%u of %u %s in use, needs %u)",
                res_kind_name(x->kind), x->name,
                queue_in_use(q, x->kind, x->name), x->limit,
                x->kind == RES_SLOTS || x->kind == RES_LINK ? "moves"
                                                            : "units",
                x->cost);
        return true;
    }
    /* No overtaking: earlier waiting jobs keep what they will need. */
    for (size_t u = 0; u < j->n_use; u++) {
        const struct queue_use *y = &j->use[u];
        const struct queue_job *first;
        unsigned busy = queue_in_use(q, y->kind, y->name);
        unsigned held = reserved(q, i, y, &first);

        if (held > 0 && busy + held + y->cost > y->limit) {
            if (why != NULL)
                *why = xasprintf("behind %s for %s %s", first->label,
                                 res_kind_name(y->kind), y->name);
            return true;
        }
    }
    return false;
}

int
queue_start_next(struct queue *q)
{
    for (size_t i = 0; i < q->n; i++) {
        if (q->v[i].running)
            continue;
        if (!why_waits(q, i, NULL)) {
            q->v[i].running = true;
            return q->v[i].id;
        }
    }
    return -1;
}

bool
queue_force(struct queue *q, int id)
{
    ptrdiff_t i = find(q, id);

    if (i < 0 || q->v[i].running)
        return false;
    q->v[i].running = true;
    return true;
}

int
queue_position(const struct queue *q, int id)
{
    int pos = 0;

    for (size_t i = 0; i < q->n; i++) {
        if (q->v[i].running)
            continue;
        pos++;
        if (q->v[i].id == id)
            return pos;
    }
    return 0;
}

bool
queue_contains(const struct queue *q, int id)
{
    return find(q, id) >= 0;
}

size_t
queue_waiting(const struct queue *q)
{
    size_t n = 0;

    for (size_t i = 0; i < q->n; i++)
        n += !q->v[i].running;
    return n;
}

bool
queue_move(struct queue *q, int id, int delta)
{
    ptrdiff_t i = find(q, id), k;

    if (i < 0 || q->v[i].running || delta == 0)
        return false;
    /* the next waiting job in that direction */
    k = i;
    do
        k += delta < 0 ? -1 : 1;
    while (k >= 0 && (size_t)k < q->n && q->v[k].running);
    if (k < 0 || (size_t)k >= q->n)
        return false;
    {
        struct queue_job t = q->v[i];

        q->v[i] = q->v[k];
        q->v[k] = t;
    }
    return true;
}

char *
queue_why(const struct queue *q, int id)
{
    ptrdiff_t i = find(q, id);
    char *why = NULL;

    if (i < 0 || q->v[i].running || !why_waits(q, (size_t)i, &why))
        return xstrdup("");
    return why;
}

void
queue_waits_for(const struct queue *q, int id, char *buf, size_t n)
{
    char *why = queue_why(q, id);

    if (n > 0)
        snprintf(buf, n, "%s", why);
    free(why);
}
