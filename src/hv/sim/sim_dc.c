/* The simulated datacenter: loading and validating its INI description. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ferry/ini.h"
#include "ferry/sim.h"
#include "ferry/units.h"
#include "sim_internal.h"

struct profile {
    const char *name;
    double wss_frac;        /* of memory */
    uint64_t wss_min;
    double hot_fraction, hot_share;
    uint64_t dirty_bps;
    uint64_t burst_bps, burst_period_ms, burst_ms;
    double jitter, zero_fraction;
    uint64_t disk_write_bps, disk_hot_bytes;
    double xbzrle_delta; /* encoded share of a page rewritten since sent */
};

/* Workload presets; every value can be overridden per VM. */
static const struct profile profiles[] = {
    {.name = "idle", .wss_frac = 0.01, .wss_min = 16 * MiB,
     .hot_fraction = 0.5, .hot_share = 0.5, .dirty_bps = 1 * MiB,
     .jitter = 0.05, .zero_fraction = 0.7,
     .xbzrle_delta = 0.1},
    {.name = "web", .wss_frac = 0.05, .wss_min = 128 * MiB,
     .hot_fraction = 0.2, .hot_share = 0.8, .dirty_bps = 40 * MiB,
     .jitter = 0.2, .zero_fraction = 0.4, .disk_write_bps = 2 * MiB,
     .disk_hot_bytes = 512 * MiB,
     .xbzrle_delta = 0.2},
    {.name = "database", .wss_frac = 0.40, .wss_min = 512 * MiB,
     .hot_fraction = 0.25, .hot_share = 0.75, .dirty_bps = 350 * MiB,
     .jitter = 0.1, .zero_fraction = 0.1, .disk_write_bps = 40 * MiB,
     .disk_hot_bytes = 8 * GiB,
     .xbzrle_delta = 0.3},
    {.name = "cache", .wss_frac = 0.60, .wss_min = 1 * GiB,
     .hot_fraction = 0.5, .hot_share = 0.6, .dirty_bps = 1800 * MiB,
     .jitter = 0.05, .zero_fraction = 0.05,
     .xbzrle_delta = 0.15},
    {.name = "batch", .wss_frac = 0.20, .wss_min = 256 * MiB,
     .hot_fraction = 0.3, .hot_share = 0.7, .dirty_bps = 30 * MiB,
     .burst_bps = 900 * MiB, .burst_period_ms = 20000, .burst_ms = 5000,
     .jitter = 0.1, .zero_fraction = 0.3, .disk_write_bps = 10 * MiB,
     .disk_hot_bytes = 2 * GiB,
     .xbzrle_delta = 0.6},
    {.name = "disk", .wss_frac = 0.05, .wss_min = 64 * MiB,
     .hot_fraction = 0.3, .hot_share = 0.7, .dirty_bps = 20 * MiB,
     .jitter = 0.1, .zero_fraction = 0.3, .disk_write_bps = 120 * MiB,
     .disk_hot_bytes = 4 * GiB,
     .xbzrle_delta = 0.3},
};

static const struct profile *
profile_find(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(profiles); i++)
        if (strcasecmp(profiles[i].name, name) == 0)
            return &profiles[i];
    return NULL;
}

/* Per-VM values read from the file; -1/NaN means "from the profile". */
struct vm_over {
    const struct profile *prof;
    double wss_frac;
    int64_t wss, dirty, burst, burst_period, burst_len, disk_write, disk_hot;
    int64_t stream;
    double hot_fraction, hot_share, jitter, zero_fraction, xbzrle_delta;
};

struct ref {
    const struct ini_entry *e;
    char *what;   /* "host" or "datastore" */
    char *name;
};

struct loader {
    struct sim_dc *dc;
    const struct ini_doc *doc;
    struct vm_over *over;
    size_t n_over, cap_over;
    struct ref *refs;
    size_t n_refs, cap_refs;
    size_t *every; /* datastores with hosts = *: every host sees them */
    size_t n_every, cap_every;
};

static void
ref_add(struct loader *l, const struct ini_entry *e, const char *what,
        const char *name)
{
    struct ref *r;

    l->refs = xgrow(l->refs, &l->cap_refs, l->n_refs + 1, sizeof *l->refs);
    r = &l->refs[l->n_refs++];
    r->e = e;
    r->what = xstrdup(what);
    r->name = xstrdup(name);
}

/* A rate that must not be zero (a ceiling of nothing moves nothing). */
static int
positive_rate(struct loader *l, const struct ini_entry *e, uint64_t *out,
              struct ferry_err *err)
{
    uint64_t u;

    if (ini_get_rate(l->doc, e, &u, err) < 0)
        return -1;
    if (u == 0)
        return ini_error(l->doc, e, err, "a rate of 0 would move nothing");
    *out = u;
    return 0;
}

static int
sim_key(struct loader *l, const struct ini_entry *e, struct ferry_err *err)
{
    struct sim_dc *dc = l->dc;
    uint64_t u;

    if (strcmp(e->key, "seed") == 0)
        return ini_get_uint(l->doc, e, 0, UINT64_MAX, &dc->seed, err);
    if (strcmp(e->key, "tick") == 0) {
        if (ini_get_ms(l->doc, e, &u, err) < 0)
            return -1;
        if (u < 1 || u > 1000)
            return ini_error(l->doc, e, err, "tick must be 1 ms to 1 s");
        dc->tick_ms = u;
        return 0;
    }
    if (strcmp(e->key, "link_bandwidth") == 0)
        return ini_get_rate(l->doc, e, &dc->model.default_link_bps, err);
    if (strcmp(e->key, "link_latency_us") == 0) {
        if (ini_get_uint(l->doc, e, 0, 10000000, &u, err) < 0)
            return -1;
        dc->model.default_link_latency_us = (uint32_t)u;
        return 0;
    }
    if (strcmp(e->key, "switchover_overhead") == 0)
        return ini_get_ms(l->doc, e, &dc->switch_overhead_ms, err);
    if (strcmp(e->key, "pivot_overhead") == 0)
        return ini_get_ms(l->doc, e, &dc->pivot_overhead_ms, err);
    if (strcmp(e->key, "device_state") == 0)
        return ini_get_bytes(l->doc, e, &dc->device_state_bytes, err);
    if (strcmp(e->key, "stream_speed") == 0)
        return positive_rate(l, e, &dc->stream_bps, err);
    if (strcmp(e->key, "tls_stream_speed") == 0)
        return positive_rate(l, e, &dc->tls_stream_bps, err);
    if (strcmp(e->key, "xbzrle_speed") == 0)
        return positive_rate(l, e, &dc->xbzrle_bps, err);
    return ini_error(l->doc, e, err, "unknown key");
}

static int
host_key(struct loader *l, struct model_host *h, const struct ini_entry *e,
         struct ferry_err *err)
{
    struct sim_host_net *hn = &l->dc->hnet[h - l->dc->model.hosts];
    uint64_t u;

    if (strcmp(e->key, "tls") == 0) {
        return ini_get_bool(l->doc, e, &hn->tls, err);
    } else if (strcmp(e->key, "encryption") == 0) {
        if (strcasecmp(e->value, "none") == 0)
            hn->cleartext_ok = true;
        else if (strcasecmp(e->value, "required") == 0)
            hn->cleartext_ok = false;
        else
            return ini_error(l->doc, e, err,
                             "'%s' is not none (cleartext accepted) or "
                             "required", e->value);
    } else if (strcmp(e->key, "parallel_connections") == 0) {
        if (ini_get_uint(l->doc, e, 1, 256, &u, err) < 0)
            return -1;
        hn->parallel = (unsigned)u;
    } else if (strcmp(e->key, "cpu_model") == 0) {
        free(h->cpu_model);
        h->cpu_model = xstrdup(e->value);
    } else if (strcmp(e->key, "cpu_flags") == 0) {
        strv_free(h->cpu_flags, h->n_cpu_flags);
        h->cpu_flags = strv_split(e->value, &h->n_cpu_flags);
    } else if (strcmp(e->key, "cores") == 0) {
        if (ini_get_uint(l->doc, e, 1, 100000, &u, err) < 0)
            return -1;
        h->cores = (unsigned)u;
    } else if (strcmp(e->key, "memory") == 0) {
        return ini_get_bytes(l->doc, e, &h->memory_bytes, err);
    } else if (strcmp(e->key, "networks") == 0) {
        strv_free(h->networks, h->n_networks);
        h->networks = strv_split(e->value, &h->n_networks);
    } else if (strcmp(e->key, "up") == 0) {
        return ini_get_bool(l->doc, e, &h->up, err);
    } else {
        return ini_error(l->doc, e, err, "unknown key");
    }
    return 0;
}

static int
link_key(struct loader *l, struct model_link *k, const struct ini_entry *e,
         struct ferry_err *err)
{
    struct sim_link_net *ln = &l->dc->lnet[k - l->dc->model.links];
    uint64_t u;

    if (strcmp(e->key, "stream_speed") == 0)
        return positive_rate(l, e, &ln->stream_bps, err);
    if (strcmp(e->key, "tls_stream_speed") == 0)
        return positive_rate(l, e, &ln->tls_stream_bps, err);

    if (strcmp(e->key, "bandwidth") == 0)
        return ini_get_rate(l->doc, e, &k->bandwidth_bps, err);
    if (strcmp(e->key, "latency_us") == 0) {
        if (ini_get_uint(l->doc, e, 0, 10000000, &u, err) < 0)
            return -1;
        k->latency_us = (uint32_t)u;
        return 0;
    }
    return ini_error(l->doc, e, err, "unknown key");
}

static int
ds_key(struct loader *l, struct model_datastore *d, const struct ini_entry *e,
       struct ferry_err *err)
{
    if (strcmp(e->key, "type") == 0) {
        free(d->type);
        d->type = xstrdup(e->value);
    } else if (strcmp(e->key, "capacity") == 0) {
        return ini_get_bytes(l->doc, e, &d->capacity_bytes, err);
    } else if (strcmp(e->key, "used") == 0) {
        return ini_get_bytes(l->doc, e, &d->used_bytes, err);
    } else if (strcmp(e->key, "throughput") == 0) {
        return ini_get_rate(l->doc, e, &d->throughput_bps, err);
    } else if (strcmp(e->key, "bandwidth") == 0) {
        if (ini_get_rate(l->doc, e, &d->bandwidth_bps, err) < 0)
            return -1;
        if (d->bandwidth_bps == 0)
            return ini_error(l->doc, e, err, "'%s' is no bandwidth: a "
                             "storage move needs some (leave the key out "
                             "for no cap)", e->value);
    } else if (strcmp(e->key, "hosts") == 0) {
        strv_free(d->hosts, d->n_hosts);
        d->hosts = NULL;
        d->n_hosts = 0;
        if (strcmp(e->value, "*") == 0) { /* filled in once all are read */
            l->every = xgrow(l->every, &l->cap_every, l->n_every + 1,
                             sizeof *l->every);
            l->every[l->n_every++] = (size_t)(d - l->dc->model.datastores);
            return 0;
        }
        d->hosts = strv_split(e->value, &d->n_hosts);
        for (size_t i = 0; i < d->n_hosts; i++)
            ref_add(l, e, "host", d->hosts[i]);
    } else if (strcmp(e->key, "shared") == 0) {
        return ini_get_bool(l->doc, e, &d->shared, err);
    } else {
        return ini_error(l->doc, e, err, "unknown key");
    }
    return 0;
}

/* "vda:ds-shared:40GiB[:12GiB]" */
static int
parse_disks(struct loader *l, struct model_vm *vm, const struct ini_entry *e,
            struct ferry_err *err)
{
    size_t n;
    char **v = strv_split(e->value, &n);
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i++) {
        char *parts[4] = {0}, *save = NULL, *tok;
        size_t np = 0;
        struct model_disk *d;
        struct ferry_err in;

        for (tok = strtok_r(v[i], ":", &save); tok && np < 4;
             tok = strtok_r(NULL, ":", &save))
            parts[np++] = str_trim(tok);
        if (np < 3 || tok != NULL) {
            rc = ini_error(l->doc, e, err,
                           "disk '%s' is not TARGET:DATASTORE:SIZE[:USED]",
                           v[i]);
            break;
        }
        d = model_vm_disk_add(vm, parts[0], parts[1]);
        ref_add(l, e, "datastore", parts[1]);
        if (units_parse_bytes(parts[2], &d->size_bytes, &in) < 0) {
            rc = ini_error(l->doc, e, err, "disk %s: %s", parts[0], in.msg);
            break;
        }
        d->allocated_bytes = d->size_bytes;
        if (np == 4 &&
            units_parse_bytes(parts[3], &d->allocated_bytes, &in) < 0) {
            rc = ini_error(l->doc, e, err, "disk %s: %s", parts[0], in.msg);
            break;
        }
        if (d->allocated_bytes > d->size_bytes) {
            rc = ini_error(l->doc, e, err,
                           "disk %s: %s used is more than its size",
                           parts[0], parts[3]);
            break;
        }
    }
    strv_free(v, n);
    return rc;
}

/* A size that may be given as a percentage of memory. */
static int
size_or_pct(struct loader *l, const struct ini_entry *e, int64_t *abs,
            double *frac, struct ferry_err *err)
{
    if (strchr(e->value, '%') != NULL) {
        double pct;

        if (ini_get_percent(l->doc, e, &pct, err) < 0)
            return -1;
        *frac = pct / 100.0;
        *abs = -1;
        return 0;
    }
    {
        uint64_t u;

        if (ini_get_bytes(l->doc, e, &u, err) < 0)
            return -1;
        *abs = (int64_t)u;
        return 0;
    }
}

static int
rate_key(struct loader *l, const struct ini_entry *e, int64_t *out,
         struct ferry_err *err)
{
    uint64_t u;

    if (ini_get_rate(l->doc, e, &u, err) < 0)
        return -1;
    *out = (int64_t)u;
    return 0;
}

static int
vm_key(struct loader *l, struct model_vm *vm, struct vm_over *o,
       const struct ini_entry *e, struct ferry_err *err)
{
    const char *k = e->key;
    uint64_t u;

    if (strcmp(k, "host") == 0) {
        free(vm->host);
        vm->host = xstrdup(e->value);
        ref_add(l, e, "host", e->value);
    } else if (strcmp(k, "memory") == 0) {
        if (ini_get_bytes(l->doc, e, &vm->memory_bytes, err) < 0)
            return -1;
        if (vm->memory_bytes < 16 * MiB || vm->memory_bytes > 4 * TiB)
            return ini_error(l->doc, e, err,
                             "memory must be between 16 MiB and 4 TiB");
    } else if (strcmp(k, "vcpus") == 0) {
        if (ini_get_uint(l->doc, e, 1, 1024, &u, err) < 0)
            return -1;
        vm->vcpus = (unsigned)u;
    } else if (strcmp(k, "cpu_model") == 0) {
        free(vm->cpu_model);
        vm->cpu_model = xstrdup(e->value);
    } else if (strcmp(k, "cpu_flags") == 0) {
        strv_free(vm->cpu_flags, vm->n_cpu_flags);
        vm->cpu_flags = strv_split(e->value, &vm->n_cpu_flags);
    } else if (strcmp(k, "disks") == 0) {
        return parse_disks(l, vm, e, err);
    } else if (strcmp(k, "networks") == 0) {
        strv_free(vm->networks, vm->n_networks);
        vm->networks = strv_split(e->value, &vm->n_networks);
    } else if (strcmp(k, "state") == 0) {
        if (strcasecmp(e->value, "running") == 0)
            vm->state = VM_RUNNING;
        else if (strcasecmp(e->value, "paused") == 0)
            vm->state = VM_PAUSED;
        else if (strcasecmp(e->value, "shutoff") == 0 ||
                 strcasecmp(e->value, "shut off") == 0)
            vm->state = VM_SHUTOFF;
        else
            return ini_error(l->doc, e, err,
                             "'%s' is not a state (running, paused, shutoff)",
                             e->value);
    } else if (strcmp(k, "not_migratable") == 0) {
        vm->live_migratable = false;
        free(vm->not_migratable_reason);
        vm->not_migratable_reason = xstrdup(e->value);
    } else if (strcmp(k, "workload") == 0) {
        o->prof = profile_find(e->value);
        if (o->prof == NULL)
            return ini_error(l->doc, e, err,
                             "unknown workload '%s' (idle, web, database, "
                             "cache, batch, disk)",
                             e->value);
    } else if (strcmp(k, "wss") == 0) {
        return size_or_pct(l, e, &o->wss, &o->wss_frac, err);
    } else if (strcmp(k, "dirty_rate") == 0) {
        return rate_key(l, e, &o->dirty, err);
    } else if (strcmp(k, "burst_rate") == 0) {
        return rate_key(l, e, &o->burst, err);
    } else if (strcmp(k, "burst_period") == 0) {
        if (ini_get_ms(l->doc, e, &u, err) < 0)
            return -1;
        o->burst_period = (int64_t)u;
    } else if (strcmp(k, "burst_length") == 0) {
        if (ini_get_ms(l->doc, e, &u, err) < 0)
            return -1;
        o->burst_len = (int64_t)u;
    } else if (strcmp(k, "hot_fraction") == 0) {
        return ini_get_double(l->doc, e, 0.001, 1, &o->hot_fraction, err);
    } else if (strcmp(k, "hot_share") == 0) {
        return ini_get_double(l->doc, e, 0, 1, &o->hot_share, err);
    } else if (strcmp(k, "jitter") == 0) {
        return ini_get_double(l->doc, e, 0, 0.9, &o->jitter, err);
    } else if (strcmp(k, "zero_fraction") == 0) {
        return ini_get_double(l->doc, e, 0, 1, &o->zero_fraction, err);
    } else if (strcmp(k, "xbzrle_delta") == 0) {
        return ini_get_double(l->doc, e, 0, 1, &o->xbzrle_delta, err);
    } else if (strcmp(k, "disk_write_rate") == 0) {
        return rate_key(l, e, &o->disk_write, err);
    } else if (strcmp(k, "disk_hot") == 0) {
        if (ini_get_bytes(l->doc, e, &u, err) < 0)
            return -1;
        o->disk_hot = (int64_t)u;
    } else if (strcmp(k, "stream") == 0) {
        if (ini_get_uint(l->doc, e, 0, UINT32_MAX, &u, err) < 0)
            return -1;
        o->stream = (int64_t)u;
    } else {
        return ini_error(l->doc, e, err, "unknown key");
    }
    return 0;
}

static void
over_init(struct vm_over *o)
{
    o->prof = &profiles[0];
    o->wss_frac = NAN;
    o->wss = o->dirty = o->burst = o->burst_period = o->burst_len = -1;
    o->disk_write = o->disk_hot = o->stream = -1;
    o->hot_fraction = o->hot_share = o->jitter = o->zero_fraction = NAN;
    o->xbzrle_delta = NAN;
}

#define PICK(ov, pv) ((ov) >= 0 ? (uint64_t)(ov) : (pv))
#define PICKD(ov, pv) (isnan(ov) ? (pv) : (ov))

/* Resolve a VM's workload from its profile and overrides. */
static void
workload_resolve(struct sim_workload *w, const struct vm_over *o,
                 const struct model_vm *vm)
{
    const struct profile *p = o->prof;
    double frac = PICKD(o->wss_frac, p->wss_frac);
    uint64_t mem = vm->memory_bytes, disk = 0;

    for (size_t i = 0; i < vm->n_disks; i++)
        disk = MAX(disk, vm->disks[i].size_bytes);
    w->profile = xstrdup(p->name);
    w->wss_bytes = o->wss >= 0 ? (uint64_t)o->wss
                               : MAX((uint64_t)(frac * (double)mem),
                                     p->wss_min);
    w->wss_bytes = MIN(w->wss_bytes, mem);
    w->hot_fraction = PICKD(o->hot_fraction, p->hot_fraction);
    w->hot_share = PICKD(o->hot_share, p->hot_share);
    w->dirty_bps = PICK(o->dirty, p->dirty_bps);
    w->burst_bps = PICK(o->burst, p->burst_bps);
    w->burst_period_ms = PICK(o->burst_period, p->burst_period_ms);
    w->burst_ms = PICK(o->burst_len, p->burst_ms);
    w->jitter = PICKD(o->jitter, p->jitter);
    w->zero_fraction = PICKD(o->zero_fraction, p->zero_fraction);
    w->xbzrle_delta = PICKD(o->xbzrle_delta, p->xbzrle_delta);
    w->disk_write_bps = PICK(o->disk_write, p->disk_write_bps);
    w->disk_hot_bytes = PICK(o->disk_hot, p->disk_hot_bytes);
    if (disk > 0)
        w->disk_hot_bytes = MIN(w->disk_hot_bytes, disk);
    else
        w->disk_write_bps = 0;
}

/* Check references and required keys once everything is read. */
static int
validate(struct loader *l, struct ferry_err *err)
{
    struct model *m = &l->dc->model;
    unsigned char **seen;
    int rc = 0;

    for (size_t i = 0; i < l->n_every; i++) {
        struct model_datastore *d = &m->datastores[l->every[i]];

        strv_free(d->hosts, d->n_hosts);
        d->hosts = xcalloc(m->n_hosts + 1, sizeof *d->hosts);
        for (size_t h = 0; h < m->n_hosts; h++)
            d->hosts[h] = xstrdup(m->hosts[h].name);
        d->n_hosts = m->n_hosts;
    }
    for (size_t i = 0; i < l->n_refs; i++) {
        const struct ref *r = &l->refs[i];
        bool ok = strcmp(r->what, "host") == 0 ? model_host(m, r->name) != NULL
                                              : model_ds(m, r->name) != NULL;

        if (!ok)
            return ini_error(l->doc, r->e, err, "no %s named '%s'", r->what,
                             r->name);
    }
    if (m->n_hosts == 0) {
        err_set(err, "%s: no [host NAME] section: a datacenter needs hosts",
                l->doc->name);
        return -1;
    }
    /* which hosts see a datastore that many do, by host position: a
     * look-up in its host list per disk would be hosts x VMs */
    seen = xcalloc(m->n_datastores + 1, sizeof *seen);
    for (size_t i = 0; i < m->n_vms && rc == 0; i++) {
        struct model_vm *vm = &m->vms[i];
        long hp = vm->host ? model_host_pos(m, vm->host) : -1;

        if (vm->host == NULL) {
            err_set(err, "%s: [vm %s] has no host = key", l->doc->name,
                    vm->name);
            rc = -1;
            break;
        }
        if (vm->memory_bytes == 0) {
            err_set(err, "%s: [vm %s] has no memory = key", l->doc->name,
                    vm->name);
            rc = -1;
            break;
        }
        for (size_t d = 0; d < vm->n_disks; d++) {
            struct model_datastore *ds = model_ds(m, vm->disks[d].datastore);
            size_t dp = (size_t)(ds - m->datastores);
            bool ok;

            if (ds->n_hosts > 8) {
                if (seen[dp] == NULL) {
                    seen[dp] = xcalloc(m->n_hosts + 1, 1);
                    for (size_t k = 0; k < ds->n_hosts; k++) {
                        long h = model_host_pos(m, ds->hosts[k]);

                        if (h >= 0)
                            seen[dp][h] = 1;
                    }
                }
                ok = hp >= 0 && seen[dp][hp];
            } else {
                ok = model_ds_seen_by(ds, vm->host);
            }
            if (!ok) {
                err_set(err,
                        "%s: [vm %s] disk %s is on datastore %s, which its "
                        "host %s cannot see",
                        l->doc->name, vm->name, vm->disks[d].target, ds->name,
                        vm->host);
                rc = -1;
                break;
            }
        }
    }
    for (size_t i = 0; i < m->n_datastores; i++)
        free(seen[i]);
    free(seen);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < m->n_hosts; i++) {
        if (m->hosts[i].memory_bytes == 0) {
            err_set(err, "%s: [host %s] has no memory = key", l->doc->name,
                    m->hosts[i].name);
            return -1;
        }
    }
    return 0;
}

/* Find or create the section's object; "vm" sections get an override. */
static int
load_doc(struct loader *l, struct ferry_err *err)
{
    struct model *m = &l->dc->model;
    const char *prev = NULL;
    void *obj = NULL;
    struct vm_over *over = NULL;
    enum { S_NONE, S_SIM, S_HOST, S_LINK, S_DS, S_VM } kind = S_NONE;

    for (size_t i = 0; i < l->doc->n; i++) {
        const struct ini_entry *e = &l->doc->v[i];
        const char *name;

        if (prev == NULL || strcmp(prev, e->section) != 0) {
            prev = e->section;
            if (strcmp(e->section, "sim") == 0) {
                kind = S_SIM;
            } else if ((name = ini_section_name(e->section, "host"))) {
                if (model_host(m, name))
                    return ini_error(l->doc, e, err,
                                     "host %s is defined twice", name);
                obj = model_host_add(m, name);
                l->dc->hnet = xgrow(l->dc->hnet, &l->dc->cap_hnet, m->n_hosts,
                                    sizeof *l->dc->hnet);
                memset(&l->dc->hnet[m->n_hosts - 1], 0,
                       sizeof *l->dc->hnet);
                kind = S_HOST;
            } else if ((name = ini_section_name(e->section, "link"))) {
                size_t nw;
                char **ab = str_words(name, &nw);

                if (nw != 2) {
                    strv_free(ab, nw);
                    return ini_error(l->doc, e, err,
                                     "a link section is [link HOST HOST]");
                }
                obj = model_link_add(m, ab[0], ab[1]);
                l->dc->lnet = xgrow(l->dc->lnet, &l->dc->cap_lnet, m->n_links,
                                    sizeof *l->dc->lnet);
                memset(&l->dc->lnet[m->n_links - 1], 0,
                       sizeof *l->dc->lnet);
                ref_add(l, e, "host", ab[0]);
                ref_add(l, e, "host", ab[1]);
                strv_free(ab, nw);
                kind = S_LINK;
            } else if ((name = ini_section_name(e->section, "datastore"))) {
                if (model_ds(m, name))
                    return ini_error(l->doc, e, err,
                                     "datastore %s is defined twice", name);
                obj = model_ds_add(m, name);
                kind = S_DS;
            } else if ((name = ini_section_name(e->section, "vm"))) {
                if (model_vm(m, name))
                    return ini_error(l->doc, e, err,
                                     "vm %s is defined twice", name);
                obj = model_vm_add(m, name);
                l->over = xgrow(l->over, &l->cap_over, l->n_over + 1,
                                sizeof *l->over);
                over = &l->over[l->n_over++];
                over_init(over);
                kind = S_VM;
            } else {
                return ini_error(
                    l->doc, e, err,
                    "unknown section (sim, host NAME, link A B, datastore "
                    "NAME, vm NAME)");
            }
        }
        switch (kind) {
        case S_SIM:
            if (sim_key(l, e, err) < 0)
                return -1;
            break;
        case S_HOST:
            if (host_key(l, obj, e, err) < 0)
                return -1;
            break;
        case S_LINK:
            if (link_key(l, obj, e, err) < 0)
                return -1;
            break;
        case S_DS:
            if (ds_key(l, obj, e, err) < 0)
                return -1;
            break;
        case S_VM:
            if (vm_key(l, obj, over, e, err) < 0)
                return -1;
            break;
        case S_NONE:
            return ini_error(l->doc, e, err, "key outside of any section");
        }
    }
    return 0;
}

static struct sim_dc *
dc_from_doc(const struct ini_doc *doc, struct ferry_err *err)
{
    struct sim_dc *dc = xcalloc(1, sizeof *dc);
    struct loader l = {.dc = dc, .doc = doc};
    int rc;

    model_init(&dc->model);
    dc->seed = 1;
    dc->tick_ms = 10;
    dc->switch_overhead_ms = 25;
    dc->pivot_overhead_ms = 40;
    dc->device_state_bytes = 2 * MiB;
    dc->model.default_link_bps = 10000000000ULL / 8;
    dc->stream_bps = SIM_STREAM_BPS;
    dc->tls_stream_bps = SIM_TLS_STREAM_BPS;
    dc->xbzrle_bps = SIM_XBZRLE_BPS;
    rc = load_doc(&l, err);
    if (rc == 0)
        rc = validate(&l, err);
    if (rc == 0) {
        struct model *m = &dc->model;

        dc->wl = xcalloc(m->n_vms, sizeof *dc->wl);
        for (size_t i = 0; i < m->n_vms; i++) {
            workload_resolve(&dc->wl[i], &l.over[i], &m->vms[i]);
            dc->wl[i].stream = PICK(l.over[i].stream, i);
        }
        /* Datastores count the disks on them as used. */
        for (size_t i = 0; i < m->n_vms; i++)
            for (size_t d = 0; d < m->vms[i].n_disks; d++) {
                struct model_datastore *ds =
                    model_ds(m, m->vms[i].disks[d].datastore);

                ds->used_bytes += m->vms[i].disks[d].allocated_bytes;
            }
        for (size_t i = 0; i < m->n_datastores; i++) {
            struct model_datastore *ds = &m->datastores[i];

            if (ds->n_hosts > 1)
                ds->shared = true;
            if (ds->used_bytes > ds->capacity_bytes) {
                err_set(err, "%s: [datastore %s] holds more than its "
                        "capacity", doc->name, ds->name);
                rc = -1;
            }
        }
    }
    for (size_t i = 0; i < l.n_refs; i++) {
        free(l.refs[i].what);
        free(l.refs[i].name);
    }
    free(l.refs);
    free(l.every);
    free(l.over);
    if (rc < 0) {
        sim_dc_free(dc);
        return NULL;
    }
    return dc;
}

struct sim_dc *
sim_dc_load_string(const char *name, const char *text, struct ferry_err *err)
{
    struct ini_doc *doc = ini_load_string(name, text, err);
    struct sim_dc *dc;

    if (doc == NULL)
        return NULL;
    dc = dc_from_doc(doc, err);
    ini_free(doc);
    return dc;
}

struct sim_dc *
sim_dc_load_file(const char *path, struct ferry_err *err)
{
    struct ini_doc *doc = ini_load_file(path, err);
    struct sim_dc *dc;

    if (doc == NULL)
        return NULL;
    dc = dc_from_doc(doc, err);
    ini_free(doc);
    return dc;
}

struct sim_dc *
sim_dc_demo(struct ferry_err *err)
{
    return sim_dc_load_string("<demo datacenter>", demo_ini, err);
}

void
sim_dc_free(struct sim_dc *dc)
{
    if (dc == NULL)
        return;
    if (dc->wl != NULL)
        for (size_t i = 0; i < dc->model.n_vms; i++) {
            free(dc->wl[i].profile);
            free(dc->wl[i].sched_t);
            free(dc->wl[i].sched_dirty);
            free(dc->wl[i].sched_bw);
        }
    free(dc->wl);
    free(dc->hnet);
    free(dc->lnet);
    model_fini(&dc->model);
    free(dc);
}

struct model *
sim_dc_model(struct sim_dc *dc)
{
    return &dc->model;
}

const struct sim_workload *
sim_dc_workload(const struct sim_dc *dc, const char *vm)
{
    const struct model_vm *v = model_vm(&dc->model, vm);

    return v ? &dc->wl[v - dc->model.vms] : NULL;
}

uint64_t
sim_dc_seed(const struct sim_dc *dc)
{
    return dc->seed;
}

void
sim_dc_set_seed(struct sim_dc *dc, uint64_t seed)
{
    dc->seed = seed;
}

double
sim_dc_fixed_switch_ms(const struct sim_dc *dc, enum job_kind k,
                       const char *src, const char *dst)
{
    uint64_t link = model_link_bps(&dc->model, src, dst);
    uint64_t rtt_ms =
        (2 * (uint64_t)model_link_latency_us(&dc->model, src, dst) + 999) /
        1000;

    if (k == KIND_STORAGE)
        return (double)dc->pivot_overhead_ms;
    return (double)dc->device_state_bytes / (double)link * 1000.0 +
           (double)(dc->switch_overhead_ms + rtt_ms);
}

uint64_t
sim_dc_copy_bps(const struct sim_dc *dc, const struct model_vm *vm,
                const char *dst_ds, enum job_kind k, uint64_t round_bps,
                uint64_t cap_bps)
{
    const struct model_datastore *dds = model_ds(&dc->model, dst_ds);
    uint64_t bps = dds ? MIN(dds->throughput_bps, 10ULL * GiB) : 0;

    if (dds != NULL && dds->bandwidth_bps)
        bps = MIN(bps, dds->bandwidth_bps); /* the operator's cap */
    for (size_t i = 0; i < vm->n_disks; i++) {
        const struct model_datastore *s =
            model_ds(&dc->model, vm->disks[i].datastore);

        if (s != NULL && s != dds) {
            bps = MIN(bps, s->throughput_bps);
            if (s->bandwidth_bps)
                bps = MIN(bps, s->bandwidth_bps);
        }
    }
    if (k == KIND_BOTH)
        bps = MIN(bps, round_bps);
    else if (cap_bps)
        bps = MIN(bps, cap_bps);
    return bps;
}

static const struct sim_host_net *
host_net(const struct sim_dc *dc, const char *name)
{
    long i = name ? model_host_pos(&dc->model, name) : -1;

    return i >= 0 ? &dc->hnet[i] : NULL;
}

void
sim_dc_net(const struct sim_dc *dc, const char *src, const char *dst,
           const struct hv_mig_params *p, struct sim_net *out)
{
    const struct sim_host_net *hs = host_net(dc, src);
    const struct sim_host_net *hd = host_net(dc, dst);
    const struct model_link *l = model_link(&dc->model, src, dst);
    const struct sim_link_net *ln =
        l ? &dc->lnet[l - dc->model.links] : NULL;
    uint64_t link = model_link_bps(&dc->model, src, dst);
    uint64_t streams;

    memset(out, 0, sizeof *out);
    /* either end that asks for TLS refuses cleartext */
    out->tls = (hs && hs->tls) || (hd && hd->tls);
    if (p != NULL && p->tls != 0)
        out->tls = p->tls > 0;
    out->cleartext_ok = (hs == NULL || hs->cleartext_ok) &&
                        (hd == NULL || hd->cleartext_ok);
    /* the source opens the connections; else the destination's entry */
    out->parallel = hs && hs->parallel ? hs->parallel
                    : hd && hd->parallel ? hd->parallel
                                         : 1;
    if (p != NULL && p->parallel > 0)
        out->parallel = p->parallel;
    out->stream_bps = out->tls ? (ln && ln->tls_stream_bps ? ln->tls_stream_bps
                                                           : dc->tls_stream_bps)
                               : (ln && ln->stream_bps ? ln->stream_bps
                                                       : dc->stream_bps);
    /* the same host: memory to memory, no connection to fill */
    out->encrypted = out->tls || (src && dst && strcmp(src, dst) == 0);
    streams = out->stream_bps > UINT64_MAX / out->parallel
                  ? UINT64_MAX
                  : out->stream_bps * out->parallel;
    out->link_bps = src && dst && strcmp(src, dst) == 0 ? link
                                                        : MIN(link, streams);
    out->xbzrle_ok = out->parallel <= 1;
    out->xbzrle_bps = dc->xbzrle_bps;
}

json_object *
sim_dc_transport(const struct sim_dc *dc, const char *src,
                 const struct hv_mig_params *p)
{
    const char *dst = p->dst_host ? p->dst_host : src;
    struct sim_net n;
    json_object *o = json_object_new_object();
    char *data = xasprintf("sim link %s<->%s", src, dst);

    sim_dc_net(dc, src, dst, p, &n);
    json_object_object_add(o, "control", json_object_new_string("sim"));
    json_object_object_add(o, "data", json_object_new_string(data));
    json_object_object_add(o, "tls", json_object_new_boolean(n.tls));
    json_object_object_add(o, "encrypted",
                           json_object_new_boolean(n.encrypted));
    json_object_object_add(o, "parallel",
                           json_object_new_int((int)n.parallel));
    json_object_object_add(o, "xbzrle",
                           json_object_new_boolean(p->xbzrle && n.xbzrle_ok));
    json_object_object_add(
        o, "xbzrle_cache",
        json_object_new_int64(p->xbzrle && n.xbzrle_ok
                                  ? (int64_t)p->xbzrle_cache_bytes
                                  : 0));
    json_object_object_add(o, "stream_bps",
                           json_object_new_int64((int64_t)n.stream_bps));
    json_object_object_add(o, "link_bps",
                           json_object_new_int64((int64_t)n.link_bps));
    free(data);
    return o;
}

uint64_t
sim_workload_avg_bps(const struct sim_workload *w)
{
    double on;

    if (w->burst_bps == 0 || w->burst_period_ms == 0)
        return w->dirty_bps;
    on = (double)MIN(w->burst_ms, w->burst_period_ms) /
         (double)w->burst_period_ms;
    return (uint64_t)(on * (double)w->burst_bps +
                      (1 - on) * (double)w->dirty_bps);
}

int
sim_dc_set_schedule(struct sim_dc *dc, const char *vm, const uint64_t *t,
                    const double *dirty_bps, const double *bw_bps, size_t n,
                    struct ferry_err *err)
{
    struct sim_workload *w = (struct sim_workload *)sim_dc_workload(dc, vm);

    if (w == NULL) {
        err_set(err, "no VM named %s in the simulated datacenter", vm);
        return -1;
    }
    for (size_t i = 1; i < n; i++)
        if (t[i] < t[i - 1]) {
            err_set(err, "%s: the recorded steps go back in time", vm);
            return -1;
        }
    free(w->sched_t);
    free(w->sched_dirty);
    free(w->sched_bw);
    w->n_sched = n;
    w->sched_t = xmalloc(MAX(n, 1) * sizeof *t);
    w->sched_dirty = xmalloc(MAX(n, 1) * sizeof *dirty_bps);
    w->sched_bw = xmalloc(MAX(n, 1) * sizeof *bw_bps);
    if (n > 0) {
        memcpy(w->sched_t, t, n * sizeof *t);
        memcpy(w->sched_dirty, dirty_bps, n * sizeof *dirty_bps);
        memcpy(w->sched_bw, bw_bps, n * sizeof *bw_bps);
    }
    return 0;
}

static void
put_list(FILE *f, const char *key, char *const *v, size_t n)
{
    fprintf(f, "%s = ", key);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%s", i ? ", " : "", v[i]);
    fputc('\n', f);
}

char *
sim_dc_describe(const struct sim_dc *dc, const char *vm_name)
{
    const struct model *m = &dc->model;
    const struct model_vm *vm = model_vm(m, vm_name);
    const struct sim_workload *w = sim_dc_workload(dc, vm_name);
    char *out;
    size_t len;
    FILE *f = open_memstream(&out, &len);

    if (f == NULL)
        fatal("out of memory");
    fprintf(f, "[sim]\nseed = %llu\ntick = %llums\nlink_bandwidth = %lluB/s\n"
            "link_latency_us = %u\nswitchover_overhead = %llums\n"
            "pivot_overhead = %llums\ndevice_state = %llu\n",
            (unsigned long long)dc->seed, (unsigned long long)dc->tick_ms,
            (unsigned long long)m->default_link_bps,
            m->default_link_latency_us,
            (unsigned long long)dc->switch_overhead_ms,
            (unsigned long long)dc->pivot_overhead_ms,
            (unsigned long long)dc->device_state_bytes);
    fprintf(f, "stream_speed = %lluB/s\ntls_stream_speed = %lluB/s\n"
            "xbzrle_speed = %lluB/s\n",
            (unsigned long long)dc->stream_bps,
            (unsigned long long)dc->tls_stream_bps,
            (unsigned long long)dc->xbzrle_bps);
    for (size_t i = 0; i < m->n_hosts; i++) {
        const struct model_host *h = &m->hosts[i];

        fprintf(f, "[host %s]\ncpu_model = %s\n", h->name,
                h->cpu_model ? h->cpu_model : "");
        put_list(f, "cpu_flags", h->cpu_flags, h->n_cpu_flags);
        fprintf(f, "cores = %u\nmemory = %llu\nup = %s\n", h->cores,
                (unsigned long long)h->memory_bytes, h->up ? "yes" : "no");
        put_list(f, "networks", h->networks, h->n_networks);
        fprintf(f, "tls = %s\nencryption = %s\n",
                dc->hnet[i].tls ? "yes" : "no",
                dc->hnet[i].cleartext_ok ? "none" : "required");
        if (dc->hnet[i].parallel > 0)
            fprintf(f, "parallel_connections = %u\n", dc->hnet[i].parallel);
    }
    for (size_t i = 0; i < m->n_links; i++) {
        fprintf(f, "[link %s %s]\nbandwidth = %lluB/s\nlatency_us = %u\n",
                m->links[i].a, m->links[i].b,
                (unsigned long long)m->links[i].bandwidth_bps,
                m->links[i].latency_us);
        if (dc->lnet[i].stream_bps > 0)
            fprintf(f, "stream_speed = %lluB/s\n",
                    (unsigned long long)dc->lnet[i].stream_bps);
        if (dc->lnet[i].tls_stream_bps > 0)
            fprintf(f, "tls_stream_speed = %lluB/s\n",
                    (unsigned long long)dc->lnet[i].tls_stream_bps);
    }
    for (size_t i = 0; i < m->n_datastores; i++) {
        const struct model_datastore *ds = &m->datastores[i];
        uint64_t used = ds->used_bytes;

        /* the file counts its VMs' disks in; this one keeps only vm */
        for (size_t v = 0; v < m->n_vms; v++)
            for (size_t d = 0; d < m->vms[v].n_disks; d++)
                if (strcmp(m->vms[v].disks[d].datastore, ds->name) == 0)
                    used -= MIN(used, m->vms[v].disks[d].allocated_bytes);
        fprintf(f, "[datastore %s]\ntype = %s\ncapacity = %llu\nused = %llu\n"
                "throughput = %lluB/s\nshared = %s\n", ds->name,
                ds->type ? ds->type : "local",
                (unsigned long long)ds->capacity_bytes,
                (unsigned long long)used,
                (unsigned long long)ds->throughput_bps,
                ds->shared ? "yes" : "no");
        if (ds->bandwidth_bps)
            fprintf(f, "bandwidth = %lluB/s\n",
                    (unsigned long long)ds->bandwidth_bps);
        put_list(f, "hosts", ds->hosts, ds->n_hosts);
    }
    if (vm != NULL && w != NULL) {
        fprintf(f, "[vm %s]\nhost = %s\nmemory = %llu\nvcpus = %u\n",
                vm->name, vm->host, (unsigned long long)vm->memory_bytes,
                vm->vcpus);
        if (vm->cpu_model)
            fprintf(f, "cpu_model = %s\n", vm->cpu_model);
        put_list(f, "cpu_flags", vm->cpu_flags, vm->n_cpu_flags);
        fprintf(f, "disks = ");
        for (size_t d = 0; d < vm->n_disks; d++)
            fprintf(f, "%s%s:%s:%llu:%llu", d ? ", " : "",
                    vm->disks[d].target, vm->disks[d].datastore,
                    (unsigned long long)vm->disks[d].size_bytes,
                    (unsigned long long)vm->disks[d].allocated_bytes);
        fputc('\n', f);
        put_list(f, "networks", vm->networks, vm->n_networks);
        fprintf(f, "state = %s\n", vm->state == VM_SHUTOFF  ? "shutoff"
                                   : vm->state == VM_PAUSED ? "paused"
                                                            : "running");
        if (!vm->live_migratable)
            fprintf(f, "not_migratable = %s\n",
                    vm->not_migratable_reason ? vm->not_migratable_reason
                                              : "yes");
        fprintf(f, "workload = %s\nwss = %llu\ndirty_rate = %lluB/s\n"
                "burst_rate = %lluB/s\nburst_period = %llums\n"
                "burst_length = %llums\nhot_fraction = %.17g\n"
                "hot_share = %.17g\njitter = %.17g\nzero_fraction = %.17g\n"
                "xbzrle_delta = %.17g\n"
                "disk_write_rate = %lluB/s\ndisk_hot = %llu\nstream = %llu\n",
                w->profile, (unsigned long long)w->wss_bytes,
                (unsigned long long)w->dirty_bps,
                (unsigned long long)w->burst_bps,
                (unsigned long long)w->burst_period_ms,
                (unsigned long long)w->burst_ms, w->hot_fraction,
                w->hot_share, w->jitter, w->zero_fraction, w->xbzrle_delta,
                (unsigned long long)w->disk_write_bps,
                (unsigned long long)w->disk_hot_bytes,
                (unsigned long long)w->stream);
    }
    fclose(f);
    return out;
}
