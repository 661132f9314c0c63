/* Pre-flight checks on the inventory. */
#include "ferry/checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/units.h"

void
checks_init(struct checks *c)
{
    memset(c, 0, sizeof *c);
}

void
checks_clear(struct checks *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->v[i].message);
    c->n = 0;
}

void
checks_fini(struct checks *c)
{
    checks_clear(c);
    free(c->v);
    checks_init(c);
}

void
checks_copy(struct checks *dst, const struct check_result *r, size_t n)
{
    checks_clear(dst);
    for (size_t i = 0; i < n; i++)
        checks_set(dst, r[i].name, r[i].status, "%s", r[i].message);
}

void
checks_set(struct checks *out, const char *name, enum check_status st,
           const char *fmt, ...)
{
    struct check_result *r = NULL;
    va_list ap;
    char *msg;

    for (size_t i = 0; i < out->n; i++)
        if (strcmp(out->v[i].name, name) == 0)
            r = &out->v[i];
    if (r == NULL) {
        out->v = xgrow(out->v, &out->cap, out->n + 1, sizeof *out->v);
        r = &out->v[out->n++];
        r->name = name;
        r->message = NULL;
    }
    r->status = st;
    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    free(r->message);
    r->message = msg;
}

const char *
check_status_name(enum check_status s)
{
    switch (s) {
    case CHECK_OK:
        return "ok";
    case CHECK_WARN:
        return "warning";
    case CHECK_ERROR:
        return "error";
    }
    return "?";
}

enum check_status
checks_worst(const struct check_result *r, size_t n)
{
    enum check_status w = CHECK_OK;

    for (size_t i = 0; i < n; i++)
        if (r[i].status > w)
            w = r[i].status;
    return w;
}

/* Those of names (n) that are not in have, comma-separated (caller
 * frees); *count how many. */
static char *
missing_of(char *const *names, size_t n, char *const *have, size_t n_have,
           size_t *count)
{
    const char **miss = xcalloc(n + 1, sizeof *miss);
    char *s;

    *count = 0;
    for (size_t i = 0; i < n; i++)
        if (!strv_contains(have, n_have, names[i]))
            miss[(*count)++] = names[i];
    s = strv_join((char *const *)miss, *count, ", ");
    free(miss);
    return s;
}

size_t
checks_run(const struct model *m, const struct mig_request *req,
           const char *const *migrating, size_t n_migrating,
           struct checks *out)
{
    const struct model_vm *vm = model_vm(m, req->vm);
    const struct model_host *src, *dst;
    const struct model_datastore *ds = NULL;
    bool compute = req->kind != KIND_STORAGE;
    bool storage = req->kind != KIND_COMPUTE;
    char a[32], b[32];

    checks_clear(out);
    if (vm == NULL) {
        checks_set(out, "vm", CHECK_ERROR, "no VM named %s", req->vm);
        return out->n;
    }
    src = model_host(m, vm->host);
    dst = req->dst_host ? model_host(m, req->dst_host) : src;
    if (req->dst_ds != NULL)
        ds = model_ds(m, req->dst_ds);

    /* State */
    if (vm->migrating || strv_contains((char *const *)migrating, n_migrating,
                                       vm->name))
        checks_set(out, "not-migrating", CHECK_ERROR,
            "%s is already migrating: wait for that job or cancel it",
            vm->name);
    else
        checks_set(out, "not-migrating", CHECK_OK,
            "no other migration of %s is running", vm->name);
    if (vm->state == VM_SHUTOFF)
        checks_set(out, "vm-state", CHECK_WARN,
            "%s is shut off: this will be a cold move, not a live one",
            vm->name);
    else if (vm->state == VM_PAUSED)
        checks_set(out, "vm-state", CHECK_WARN,
            "%s is paused: it will stay paused on the destination",
            vm->name);
    else
        checks_set(out, "vm-state", CHECK_OK, "%s is %s", vm->name,
            vm_state_name(vm->state));
    if (!vm->live_migratable && vm->state != VM_SHUTOFF)
        checks_set(out, "live-migratable", CHECK_ERROR,
            "%s cannot migrate live: %s", vm->name,
            vm->not_migratable_reason ? vm->not_migratable_reason
                                      : "it uses host-local devices");

    /* Destination host */
    if (compute) {
        if (req->dst_host == NULL) {
            checks_set(out, "destination", CHECK_ERROR,
                "a compute migration needs a destination host (--to)");
            return out->n;
        }
        if (dst == NULL) {
            checks_set(out, "destination", CHECK_ERROR,
                "no host named %s", req->dst_host);
            return out->n;
        }
        if (src != NULL && dst == src) {
            checks_set(out, "destination", CHECK_ERROR,
                "%s already runs on %s; pick another host, or --kind "
                "storage to move only its disks",
                vm->name, dst->name);
            return out->n;
        }
        if (!dst->up)
            checks_set(out, "destination", CHECK_ERROR,
                "%s is not reachable", dst->name);
        else
            checks_set(out, "destination", CHECK_OK, "%s is up",
                dst->name);
        if (dst->maintenance)
            checks_set(out, "maintenance", CHECK_ERROR,
                "%s is in maintenance: it takes no new VMs (`ferry "
                "maintenance %s off` ends it)",
                dst->name, dst->name);

        /* CPU */
        {
            size_t miss;
            char *flags = missing_of(vm->cpu_flags, vm->n_cpu_flags,
                                     dst->cpu_flags, dst->n_cpu_flags, &miss);

            if (miss > 0)
                checks_set(out, "cpu", CHECK_ERROR,
                    "%s's CPU (%s) lacks flags the guest uses: %s",
                    dst->name, dst->cpu_model, flags);
            else
                checks_set(out, "cpu", CHECK_OK,
                    "%s's CPU (%s) provides every flag the guest uses",
                    dst->name, dst->cpu_model);
            free(flags);
        }

        /* Memory */
        {
            uint64_t used = req->dst_mem_used ? *req->dst_mem_used
                                              : model_host_mem_used(m, dst->name);
            uint64_t free_b = dst->memory_bytes > used
                                  ? dst->memory_bytes - used
                                  : 0;

            if (free_b < vm->memory_bytes)
                checks_set(out, "memory", CHECK_ERROR,
                    "%s has %s free, the VM needs %s", dst->name,
                    units_fmt_bytes(a, sizeof a, free_b),
                    units_fmt_bytes(b, sizeof b, vm->memory_bytes));
            else if (free_b - vm->memory_bytes < dst->memory_bytes / 10)
                checks_set(out, "memory", CHECK_WARN,
                    "%s would have less than 10%% memory left (%s free, "
                    "the VM needs %s)",
                    dst->name, units_fmt_bytes(a, sizeof a, free_b),
                    units_fmt_bytes(b, sizeof b, vm->memory_bytes));
            else
                checks_set(out, "memory", CHECK_OK,
                    "%s has %s free for %s", dst->name,
                    units_fmt_bytes(a, sizeof a, free_b),
                    units_fmt_bytes(b, sizeof b, vm->memory_bytes));
        }

        /* Networks */
        {
            size_t miss;
            char *nets = missing_of(vm->networks, vm->n_networks,
                                    dst->networks, dst->n_networks, &miss);

            if (miss)
                checks_set(out, "networks", CHECK_ERROR,
                    "%s does not have network%s %s", dst->name,
                    miss > 1 ? "s" : "", nets);
            else
                checks_set(out, "networks", CHECK_OK,
                    "%s has every network the VM uses", dst->name);
            free(nets);
        }
    }

    /* Storage */
    if (storage) {
        uint64_t need = model_vm_disk_bytes(vm);
        const char *host = dst ? dst->name : vm->host;

        if (req->dst_ds == NULL) {
            checks_set(out, "datastore", CHECK_ERROR,
                "a storage migration needs a destination datastore "
                "(--datastore)");
        } else if (ds == NULL) {
            checks_set(out, "datastore", CHECK_ERROR,
                "no datastore named %s", req->dst_ds);
        } else {
            bool same = true;

            for (size_t i = 0; i < vm->n_disks; i++)
                if (strcmp(vm->disks[i].datastore, ds->name) != 0)
                    same = false;
            if (same && vm->n_disks > 0)
                checks_set(out, "datastore", CHECK_ERROR,
                    "every disk of %s is already on %s", vm->name,
                    ds->name);
            else if (!model_ds_seen_by(ds, host))
                checks_set(out, "datastore", CHECK_ERROR,
                    "%s cannot see datastore %s", host, ds->name);
            else
                checks_set(out, "datastore", CHECK_OK,
                    "%s sees datastore %s", host, ds->name);
            {
                uint64_t free_b = ds->capacity_bytes > ds->used_bytes
                                      ? ds->capacity_bytes - ds->used_bytes
                                      : 0;

                if (free_b < need)
                    checks_set(out, "datastore-space", CHECK_ERROR,
                        "%s: datastore %s has %s free, the disks need %s",
                        host, ds->name, units_fmt_bytes(a, sizeof a, free_b),
                        units_fmt_bytes(b, sizeof b, need));
                else if (free_b - need < ds->capacity_bytes / 10)
                    checks_set(out, "datastore-space", CHECK_WARN,
                        "datastore %s would be over 90%% full after the "
                        "move (%s free, the disks need %s)",
                        ds->name, units_fmt_bytes(a, sizeof a, free_b),
                        units_fmt_bytes(b, sizeof b, need));
                else
                    checks_set(out, "datastore-space", CHECK_OK,
                        "datastore %s has %s free for %s", ds->name,
                        units_fmt_bytes(a, sizeof a, free_b),
                        units_fmt_bytes(b, sizeof b, need));
            }
        }
    } else if (dst != NULL) {
        /* Compute only: every disk must be on a datastore the destination
         * sees too. */
        bool ok = true;

        for (size_t i = 0; i < vm->n_disks; i++) {
            const struct model_datastore *d =
                model_ds(m, vm->disks[i].datastore);

            if (d == NULL || !d->shared || !model_ds_seen_by(d, dst->name)) {
                checks_set(out, "shared-storage", CHECK_ERROR,
                    "disk %s is on %s, which %s cannot see: use --kind "
                    "both with --datastore to move it too",
                    vm->disks[i].target, vm->disks[i].datastore, dst->name);
                ok = false;
                break;
            }
        }
        if (ok)
            checks_set(out, "shared-storage", CHECK_OK,
                "every disk is on storage %s shares", dst->name);
    }
    return out->n;
}
