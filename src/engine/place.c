/* Placement: every VM to the destination that passes every check and
 * leaves the hosts most balanced, the plan's earlier moves counted. */
#include "ferry/place.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/units.h"

#define HEADROOM 0.10 /* a destination keeps this much memory free */
#define W_MEM 0.60    /* the score: memory in use after, */
#define W_CPU 0.25    /* vCPUs per core after (2 per core counts as full), */
#define W_TIME 0.15   /* and the move's time against the slowest choice */

/* What the plan has put where so far. */
struct load {
    uint64_t *mem;   /* bytes in use per host */
    unsigned *vcpus; /* vCPUs of running VMs per host */
};

/* Why one host cannot take the VM: its first failing check. */
struct refusal {
    const char *host;
    const char *check; /* the check's name */
    char *why;
};

static bool
in(const char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

/* The first error of a check run, memory aside (the plan counts memory
 * itself); NULL when none. */
static const struct check_result *
first_error(const struct checks *c)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->v[i].status == CHECK_ERROR &&
            strcmp(c->v[i].name, "memory") != 0)
            return &c->v[i];
    return NULL;
}

/* A datastore h sees with room for the VM's disks: shared ones first,
 * then the most free. NULL when none. */
static const struct model_datastore *
ds_for(const struct model *m, const struct model_vm *vm, const char *h)
{
    const struct model_datastore *best = NULL;
    uint64_t need = model_vm_disk_bytes(vm);

    for (size_t i = 0; i < m->n_datastores; i++) {
        const struct model_datastore *d = &m->datastores[i];
        uint64_t free_b = d->capacity_bytes > d->used_bytes
                              ? d->capacity_bytes - d->used_bytes
                              : 0;

        if (!model_ds_seen_by(d, h) || free_b < need + d->capacity_bytes / 10)
            continue;
        if (best == NULL || (d->shared && !best->shared) ||
            (d->shared == best->shared &&
             free_b > best->capacity_bytes - best->used_bytes))
            best = d;
    }
    return best;
}

/* The move's time from the link when no predictor says: the memory once
 * and a fifth more for what the guest dirties, the disks at the slower of
 * link and datastore. */
static double
link_ms(const struct model *m, const struct model_vm *vm, const char *h,
        const struct model_datastore *ds)
{
    double bps = (double)model_link_bps(m, vm->host, h);
    double ms;

    if (bps <= 0)
        bps = 125e6; /* 1 Gbit when the inventory does not say */
    ms = vm->state == VM_SHUTOFF ? 0 : (double)vm->memory_bytes * 1.2 / bps * 1e3;
    if (ds != NULL) {
        double dbps = ds->throughput_bps ? MIN(bps, (double)ds->throughput_bps)
                                         : bps;

        if (ds->bandwidth_bps) /* the operator's cap */
            dbps = MIN(dbps, (double)ds->bandwidth_bps);

        ms += (double)model_vm_disk_bytes(vm) / dbps * 1e3;
    }
    return ms;
}

static int
by_memory(const void *a, const void *b, void *ctx)
{
    const struct model_vm *const *v = ctx;
    const struct model_vm *x = v[*(const size_t *)a], *y = v[*(const size_t *)b];

    if (x == NULL || y == NULL)
        return (x == NULL) - (y == NULL);
    if (x->memory_bytes != y->memory_bytes)
        return x->memory_bytes > y->memory_bytes ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* What would let a VM go that no host takes, by the check most hosts
 * refused it for. */
static const char *
remedy(const struct refusal *r, size_t n, bool allow_storage)
{
    size_t best = 0, count = 0;

    for (size_t i = 0; i < n; i++) {
        size_t c = 0;

        for (size_t k = 0; k < n; k++)
            c += strcmp(r[k].check, r[i].check) == 0;
        if (c > count)
            count = c, best = i;
    }
    if (n == 0)
        return "another host that is up";
    if (strcmp(r[best].check, "memory") == 0)
        return "more free memory on one of them (or fewer VMs moved at once)";
    if (strcmp(r[best].check, "cpu") == 0)
        return "a host whose CPU has every flag the guest uses, or a guest "
               "CPU model that leaves them out";
    if (strcmp(r[best].check, "networks") == 0)
        return "a host with the VM's networks";
    if (strcmp(r[best].check, "shared-storage") == 0)
        return allow_storage ? "a datastore the destination sees with room "
                               "for its disks"
                             : "allowing storage moves, so that its disks "
                               "move with it";
    if (strcmp(r[best].check, "live-migratable") == 0)
        return "shutting it down: it can then move cold";
    return "the check above passing";
}

static void
place_one(const struct model *m, const struct model_vm *vm,
          const struct place_opts *o, struct load *ld, struct checks *ck,
          struct placement *out)
{
    size_t nh = m->n_hosts, n_ok = 0, n_ref = 0;
    double *t = xcalloc(nh + 1, sizeof *t), t_max = 0;
    const struct model_datastore **ds = xcalloc(nh + 1, sizeof *ds);
    bool *ok = xcalloc(nh + 1, sizeof *ok);
    struct refusal *ref = xcalloc(nh + 1, sizeof *ref);
    double headroom = o->headroom > 0 ? o->headroom : HEADROOM;
    long best = -1;
    double best_score = INFINITY;
    char a[32], b[32], c[32];

    for (size_t i = 0; i < nh; i++) {
        const struct model_host *h = &m->hosts[i];
        struct mig_request req = {.vm = vm->name, .dst_host = h->name,
                                  .kind = KIND_COMPUTE,
                                  .dst_mem_used = &ld->mem[i]};
        const struct check_result *e;
        uint64_t need = vm->state == VM_SHUTOFF ? 0 : vm->memory_bytes;

        if (strcmp(h->name, vm->host) == 0 ||
            (o->to != NULL && !in(o->to, o->n_to, h->name)))
            continue;
        {
            size_t k;

            for (k = 0; k < o->n_avoid; k++)
                if (strcmp(o->avoid[k], h->name) == 0)
                    break;
            if (k < o->n_avoid) {
                ref[n_ref++] = (struct refusal){h->name, "destination",
                                                xstrdup(o->avoid_why[k])};
                continue;
            }
        }
        if (in(o->exclude, o->n_exclude, h->name)) {
            ref[n_ref++] = (struct refusal){h->name, "destination",
                                            xasprintf("%s is in maintenance",
                                                 h->name)};
            continue;
        }
        checks_run(m, &req, o->busy, o->n_busy, ck);
        e = first_error(ck);
        if (e != NULL && strcmp(e->name, "shared-storage") == 0 &&
            o->allow_storage && (ds[i] = ds_for(m, vm, h->name)) != NULL) {
            req.kind = KIND_BOTH;
            req.dst_ds = ds[i]->name;
            checks_run(m, &req, o->busy, o->n_busy, ck);
            e = first_error(ck);
        }
        if (e != NULL) {
            ref[n_ref++] = (struct refusal){h->name, e->name,
                                            xstrdup(e->message)};
            ds[i] = NULL;
            continue;
        }
        if ((double)h->memory_bytes - (double)ld->mem[i] - (double)need <
            headroom * (double)h->memory_bytes) {
            uint64_t free_b = h->memory_bytes > ld->mem[i]
                                  ? h->memory_bytes - ld->mem[i]
                                  : 0;

            ref[n_ref++] = (struct refusal){
                h->name, "memory",
                xasprintf("%s has %s free once the plan's earlier moves are in, "
                     "the VM needs %s and %.0f%% stays free",
                     h->name, units_fmt_bytes(a, sizeof a, free_b),
                     units_fmt_bytes(b, sizeof b, need), headroom * 100)};
            continue;
        }
        ok[i] = true;
        n_ok++;
        t[i] = o->predict_ms ? o->predict_ms(o->ctx, vm, h->name,
                                             ds[i] ? ds[i]->name : NULL)
                             : NAN;
        if (!isfinite(t[i]))
            t[i] = link_ms(m, vm, h->name, ds[i]);
        t_max = MAX(t_max, t[i]);
    }
    for (size_t i = 0; i < nh; i++) {
        const struct model_host *h = &m->hosts[i];
        double mem, cpu, score;
        unsigned add = vm->state == VM_SHUTOFF ? 0 : vm->vcpus;

        if (!ok[i])
            continue;
        mem = ((double)ld->mem[i] +
               (vm->state == VM_SHUTOFF ? 0 : (double)vm->memory_bytes)) /
              (double)MAX(h->memory_bytes, 1);
        cpu = (double)(ld->vcpus[i] + add) / (double)MAX(h->cores, 1);
        score = W_MEM * mem + W_CPU * MIN(cpu / 2, 1) +
                W_TIME * (t_max > 0 ? t[i] / t_max : 0);
        if (score < best_score) {
            best_score = score;
            best = (long)i;
            out->mem_after = mem;
            out->cpu_after = cpu;
        }
    }
    out->vm = vm->name;
    if (best >= 0) {
        const struct model_host *h = &m->hosts[best];
        uint64_t link = model_link_bps(m, vm->host, h->name);

        out->host = h->name;
        out->ds = ds[best] ? ds[best]->name : NULL;
        out->kind = ds[best] ? KIND_BOTH : KIND_COMPUTE;
        out->predicted_ms = t[best];
        char *of = n_ok > 1 ? xasprintf("the least loaded of the %zu hosts that "
                                   "pass every check", n_ok)
                            : xstrdup("the only host that passes every check");

        out->reason = xasprintf(
            "%s: %.0f%% of its memory and %.1f vCPUs per core in use after "
            "the move, %s%s%s; %s link, about %s%s",
            h->name, out->mem_after * 100, out->cpu_after, of,
            out->ds ? "; disks to " : "", out->ds ? out->ds : "",
            link ? units_fmt_rate(c, sizeof c, (double)link) : "an unknown",
            units_fmt_ms(a, sizeof a, t[best]),
            vm->state == VM_SHUTOFF ? " (cold: the VM is shut off)" : "");
        free(of);
        if (vm->state != VM_SHUTOFF) {
            ld->mem[best] += vm->memory_bytes;
            ld->vcpus[best] += vm->vcpus;
        }
    } else {
        char *why = xstrdup("");
        char *more;

        size_t shown = 0, distinct = 0;

        /* each reason once (a VM's own problem reads the same from
         * every host), the first three of them */
        for (size_t k = 0; k < n_ref; k++) {
            bool seen = false;
            char *w;

            for (size_t q = 0; q < k && !seen; q++)
                seen = strcmp(ref[q].why, ref[k].why) == 0;
            if (seen)
                continue;
            distinct++;
            if (shown == 3)
                continue;
            w = xasprintf("%s%s%s", why, shown ? "; " : "", ref[k].why);
            free(why);
            why = w;
            shown++;
        }
        out->host = NULL;
        out->ds = NULL;
        out->kind = KIND_COMPUTE;
        out->predicted_ms = NAN;
        more = distinct > shown ? xasprintf("; and %zu more", distinct - shown)
                                : xstrdup("");

        out->reason = xasprintf("stays on %s: %s%s%s; what would let it go: %s",
                           vm->host,
                           n_ref ? "no host passes every check: "
                                 : "there is no other host to go to",
                           why, more, remedy(ref, n_ref, o->allow_storage));
        free(more);
        free(why);
    }
    for (size_t k = 0; k < n_ref; k++)
        free(ref[k].why);
    free(ref);
    free(ok);
    free(ds);
    free(t);
}

size_t
place_vms(const struct model *m, const char *const *vms, size_t n,
          const struct place_opts *o, struct placement *out)
{
    const struct model_vm **v = xcalloc(n + 1, sizeof *v);
    size_t *order = xcalloc(n + 1, sizeof *order), placed = 0;
    struct load ld = {xcalloc(m->n_hosts + 1, sizeof *ld.mem),
                      xcalloc(m->n_hosts + 1, sizeof *ld.vcpus)};
    struct checks ck;

    checks_init(&ck);
    model_host_totals(m, ld.mem, NULL);
    for (size_t i = 0; i < m->n_vms; i++) {
        long h = model_host_pos(m, m->vms[i].host);

        if (h >= 0 && m->vms[i].state != VM_SHUTOFF)
            ld.vcpus[h] += m->vms[i].vcpus;
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = model_vm(m, vms[i]);
        order[i] = i;
    }
    qsort_r(order, n, sizeof *order, by_memory, v);
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];

        memset(&out[i], 0, sizeof out[i]);
        if (v[i] == NULL) {
            out[i].vm = vms[i];
            out[i].predicted_ms = NAN;
            out[i].reason = xasprintf("no VM named %s", vms[i]);
            continue;
        }
        place_one(m, v[i], o, &ld, &ck, &out[i]);
        placed += out[i].host != NULL;
    }
    checks_fini(&ck);
    free(ld.mem);
    free(ld.vcpus);
    free(order);
    free(v);
    return placed;
}

void
placement_fini(struct placement *p)
{
    free(p->reason);
    p->reason = NULL;
}
