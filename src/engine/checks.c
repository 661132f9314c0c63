/* Pre-flight checks on the inventory. */
#include "ferry/checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ferry/units.h"

void
checks_set(struct check_result *out, size_t max, size_t *n, const char *name,
           enum check_status st, const char *fmt, ...)
{
    struct check_result *r = NULL;
    va_list ap;

    for (size_t i = 0; i < *n; i++)
        if (strcmp(out[i].name, name) == 0)
            r = &out[i];
    if (r == NULL) {
        if (*n >= max)
            return;
        r = &out[(*n)++];
        r->name = name;
    }
    r->status = st;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
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

/* The guest's CPU flags the destination lacks, comma-separated. */
static size_t
missing_flags(const struct model_vm *vm, const struct model_host *h,
              char *buf, size_t n)
{
    size_t missing = 0, off = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < vm->n_cpu_flags; i++) {
        if (strv_contains(h->cpu_flags, h->n_cpu_flags, vm->cpu_flags[i]))
            continue;
        if (off < n)
            off += (size_t)snprintf(buf + off, n - off, "%s%s",
                                    missing ? ", " : "", vm->cpu_flags[i]);
        missing++;
    }
    return missing;
}

size_t
checks_run(const struct model *m, const struct mig_request *req,
           const char *const *migrating, size_t n_migrating,
           struct check_result *out, size_t max)
{
    const struct model_vm *vm = model_vm(m, req->vm);
    const struct model_host *src, *dst;
    const struct model_datastore *ds = NULL;
    bool compute = req->kind != KIND_STORAGE;
    bool storage = req->kind != KIND_COMPUTE;
    char a[32], b[32], flags[200];
    size_t n = 0;

    if (vm == NULL) {
        checks_set(out, max, &n, "vm", CHECK_ERROR, "no VM named %s", req->vm);
        return n;
    }
    src = model_host(m, vm->host);
    dst = req->dst_host ? model_host(m, req->dst_host) : src;
    if (req->dst_ds != NULL)
        ds = model_ds(m, req->dst_ds);

    /* State */
    if (vm->migrating || strv_contains((char *const *)migrating, n_migrating,
                                       vm->name))
        checks_set(out, max, &n, "not-migrating", CHECK_ERROR,
            "%s is already migrating: wait for that job or cancel it",
            vm->name);
    else
        checks_set(out, max, &n, "not-migrating", CHECK_OK,
            "no other migration of %s is running", vm->name);
    if (vm->state == VM_SHUTOFF)
        checks_set(out, max, &n, "vm-state", CHECK_WARN,
            "%s is shut off: this will be a cold move, not a live one",
            vm->name);
    else if (vm->state == VM_PAUSED)
        checks_set(out, max, &n, "vm-state", CHECK_WARN,
            "%s is paused: it will stay paused on the destination",
            vm->name);
    else
        checks_set(out, max, &n, "vm-state", CHECK_OK, "%s is %s", vm->name,
            vm_state_name(vm->state));
    if (!vm->live_migratable && vm->state != VM_SHUTOFF)
        checks_set(out, max, &n, "live-migratable", CHECK_ERROR,
            "%s cannot migrate live: %s", vm->name,
            vm->not_migratable_reason ? vm->not_migratable_reason
                                      : "it uses host-local devices");

    /* Destination host */
    if (compute) {
        if (req->dst_host == NULL) {
            checks_set(out, max, &n, "destination", CHECK_ERROR,
                "a compute migration needs a destination host (--to)");
            return n;
        }
        if (dst == NULL) {
            checks_set(out, max, &n, "destination", CHECK_ERROR,
                "no host named %s", req->dst_host);
            return n;
        }
        if (src != NULL && dst == src) {
            checks_set(out, max, &n, "destination", CHECK_ERROR,
                "%s already runs on %s; pick another host, or --kind "
                "storage to move only its disks",
                vm->name, dst->name);
            return n;
        }
        if (!dst->up)
            checks_set(out, max, &n, "destination", CHECK_ERROR,
                "%s is not reachable", dst->name);
        else
            checks_set(out, max, &n, "destination", CHECK_OK, "%s is up",
                dst->name);

        /* CPU */
        if (missing_flags(vm, dst, flags, sizeof flags) > 0)
            checks_set(out, max, &n, "cpu", CHECK_ERROR,
                "%s's CPU (%s) lacks flags the guest uses: %s", dst->name,
                dst->cpu_model, flags);
        else
            checks_set(out, max, &n, "cpu", CHECK_OK,
                "%s's CPU (%s) provides every flag the guest uses",
                dst->name, dst->cpu_model);

        /* Memory */
        {
            uint64_t used = model_host_mem_used(m, dst->name);
            uint64_t free_b = dst->memory_bytes > used
                                  ? dst->memory_bytes - used
                                  : 0;

            if (free_b < vm->memory_bytes)
                checks_set(out, max, &n, "memory", CHECK_ERROR,
                    "%s has %s free, the VM needs %s", dst->name,
                    units_fmt_bytes(a, sizeof a, free_b),
                    units_fmt_bytes(b, sizeof b, vm->memory_bytes));
            else if (free_b - vm->memory_bytes < dst->memory_bytes / 10)
                checks_set(out, max, &n, "memory", CHECK_WARN,
                    "%s would have less than 10%% memory left (%s free, "
                    "the VM needs %s)",
                    dst->name, units_fmt_bytes(a, sizeof a, free_b),
                    units_fmt_bytes(b, sizeof b, vm->memory_bytes));
            else
                checks_set(out, max, &n, "memory", CHECK_OK,
                    "%s has %s free for %s", dst->name,
                    units_fmt_bytes(a, sizeof a, free_b),
                    units_fmt_bytes(b, sizeof b, vm->memory_bytes));
        }

        /* Networks */
        {
            size_t off = 0, miss = 0;

            flags[0] = '\0';
            for (size_t i = 0; i < vm->n_networks; i++) {
                if (strv_contains(dst->networks, dst->n_networks,
                                  vm->networks[i]))
                    continue;
                off += (size_t)snprintf(flags + off, sizeof flags - off,
                                        "%s%s", miss ? ", " : "",
                                        vm->networks[i]);
                miss++;
                if (off >= sizeof flags)
                    break;
            }
            if (miss)
                checks_set(out, max, &n, "networks", CHECK_ERROR,
                    "%s does not have network%s %s", dst->name,
                    miss > 1 ? "s" : "", flags);
            else
                checks_set(out, max, &n, "networks", CHECK_OK,
                    "%s has every network the VM uses", dst->name);
        }
    }

    /* Storage */
    if (storage) {
        uint64_t need = model_vm_disk_bytes(vm);
        const char *host = dst ? dst->name : vm->host;

        if (req->dst_ds == NULL) {
            checks_set(out, max, &n, "datastore", CHECK_ERROR,
                "a storage migration needs a destination datastore "
                "(--datastore)");
        } else if (ds == NULL) {
            checks_set(out, max, &n, "datastore", CHECK_ERROR,
                "no datastore named %s", req->dst_ds);
        } else {
            bool same = true;

            for (size_t i = 0; i < vm->n_disks; i++)
                if (strcmp(vm->disks[i].datastore, ds->name) != 0)
                    same = false;
            if (same && vm->n_disks > 0)
                checks_set(out, max, &n, "datastore", CHECK_ERROR,
                    "every disk of %s is already on %s", vm->name,
                    ds->name);
            else if (!model_ds_seen_by(ds, host))
                checks_set(out, max, &n, "datastore", CHECK_ERROR,
                    "%s cannot see datastore %s", host, ds->name);
            else
                checks_set(out, max, &n, "datastore", CHECK_OK,
                    "%s sees datastore %s", host, ds->name);
            {
                uint64_t free_b = ds->capacity_bytes > ds->used_bytes
                                      ? ds->capacity_bytes - ds->used_bytes
                                      : 0;

                if (free_b < need)
                    checks_set(out, max, &n, "datastore-space", CHECK_ERROR,
                        "%s: datastore %s has %s free, the disks need %s",
                        host, ds->name, units_fmt_bytes(a, sizeof a, free_b),
                        units_fmt_bytes(b, sizeof b, need));
                else if (free_b - need < ds->capacity_bytes / 10)
                    checks_set(out, max, &n, "datastore-space", CHECK_WARN,
                        "datastore %s would be over 90%% full after the "
                        "move (%s free, the disks need %s)",
                        ds->name, units_fmt_bytes(a, sizeof a, free_b),
                        units_fmt_bytes(b, sizeof b, need));
                else
                    checks_set(out, max, &n, "datastore-space", CHECK_OK,
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
                checks_set(out, max, &n, "shared-storage", CHECK_ERROR,
                    "disk %s is on %s, which %s cannot see: use --kind "
                    "both with --datastore to move it too",
                    vm->disks[i].target, vm->disks[i].datastore, dst->name);
                ok = false;
                break;
            }
        }
        if (ok)
            checks_set(out, max, &n, "shared-storage", CHECK_OK,
                "every disk is on storage %s shares", dst->name);
    }
    return n;
}
