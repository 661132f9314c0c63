/* Inventory storage and look-ups. */
#include "ferry/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
model_init(struct model *m)
{
    memset(m, 0, sizeof *m);
    m->default_link_bps = 1000000000ULL / 8;
    m->default_link_latency_us = 200;
}

void
model_fini(struct model *m)
{
    for (size_t i = 0; i < m->n_hosts; i++) {
        struct model_host *h = &m->hosts[i];

        free(h->name);
        free(h->cpu_model);
        free(h->uri);
        free(h->versions);
        free(h->state_note);
        free(h->ssh);
        free(h->probe);
        strv_free(h->cpu_flags, h->n_cpu_flags);
        strv_free(h->networks, h->n_networks);
    }
    for (size_t i = 0; i < m->n_links; i++) {
        free(m->links[i].a);
        free(m->links[i].b);
    }
    for (size_t i = 0; i < m->n_datastores; i++) {
        struct model_datastore *d = &m->datastores[i];

        free(d->name);
        free(d->type);
        strv_free(d->hosts, d->n_hosts);
    }
    for (size_t i = 0; i < m->n_vms; i++) {
        struct model_vm *v = &m->vms[i];

        free(v->name);
        free(v->host);
        free(v->cpu_model);
        free(v->not_migratable_reason);
        strv_free(v->cpu_flags, v->n_cpu_flags);
        strv_free(v->networks, v->n_networks);
        for (size_t j = 0; j < v->n_disks; j++) {
            free(v->disks[j].target);
            free(v->disks[j].datastore);
        }
        free(v->disks);
    }
    free(m->hosts);
    free(m->links);
    free(m->datastores);
    free(m->vms);
    free(m->host_names.slot);
    free(m->ds_names.slot);
    free(m->vm_names.slot);
    memset(m, 0, sizeof *m);
}

/* ---- the name index ---------------------------------------------------- */

static size_t
name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 29));
}

/* The name of item i: items are laid out size bytes apart, name first. */
static const char *
item_name(const void *items, size_t size, size_t i)
{
    return *(char *const *)((const char *)items + i * size);
}

static long
names_find(const struct model_names *x, const void *items, size_t size,
           const char *name)
{
    if (x->cap == 0)
        return -1;
    for (size_t k = name_hash(name) & (x->cap - 1);; k = (k + 1) & (x->cap - 1)) {
        size_t s = x->slot[k];

        if (s == 0)
            return -1;
        if (strcmp(item_name(items, size, s - 1), name) == 0)
            return (long)(s - 1);
    }
}

static void
names_put(struct model_names *x, const void *items, size_t size, size_t pos)
{
    const char *name = item_name(items, size, pos);
    size_t k;

    for (k = name_hash(name) & (x->cap - 1); x->slot[k] != 0;
         k = (k + 1) & (x->cap - 1))
        if (strcmp(item_name(items, size, x->slot[k] - 1), name) == 0)
            return; /* the first of equal names wins */
    x->slot[k] = pos + 1;
    x->n++;
}

/* Index item pos (all of 0..pos-1 are indexed already). */
static void
names_add(struct model_names *x, const void *items, size_t size, size_t pos)
{
    if ((x->n + 1) * 2 > x->cap) {
        free(x->slot);
        x->cap = x->cap ? x->cap * 2 : 64;
        x->slot = xcalloc(x->cap, sizeof *x->slot);
        x->n = 0;
        for (size_t i = 0; i < pos; i++)
            names_put(x, items, size, i);
    }
    names_put(x, items, size, pos);
}

struct model_host *
model_host_add(struct model *m, const char *name)
{
    struct model_host *h;

    m->hosts = xgrow(m->hosts, &m->cap_hosts, m->n_hosts + 1, sizeof *h);
    h = &m->hosts[m->n_hosts++];
    memset(h, 0, sizeof *h);
    h->name = xstrdup(name);
    h->cpu_model = xstrdup("unknown");
    h->up = true;
    names_add(&m->host_names, m->hosts, sizeof *h, m->n_hosts - 1);
    return h;
}

struct model_link *
model_link_add(struct model *m, const char *a, const char *b)
{
    struct model_link *l;

    m->links = xgrow(m->links, &m->cap_links, m->n_links + 1, sizeof *l);
    l = &m->links[m->n_links++];
    memset(l, 0, sizeof *l);
    l->a = xstrdup(a);
    l->b = xstrdup(b);
    l->bandwidth_bps = m->default_link_bps;
    l->latency_us = m->default_link_latency_us;
    return l;
}

struct model_datastore *
model_ds_add(struct model *m, const char *name)
{
    struct model_datastore *d;

    m->datastores =
        xgrow(m->datastores, &m->cap_datastores, m->n_datastores + 1,
              sizeof *d);
    d = &m->datastores[m->n_datastores++];
    memset(d, 0, sizeof *d);
    d->name = xstrdup(name);
    d->type = xstrdup("local");
    d->throughput_bps = 500 * 1048576ULL;
    names_add(&m->ds_names, m->datastores, sizeof *d, m->n_datastores - 1);
    return d;
}

struct model_vm *
model_vm_add(struct model *m, const char *name)
{
    struct model_vm *v;

    m->vms = xgrow(m->vms, &m->cap_vms, m->n_vms + 1, sizeof *v);
    v = &m->vms[m->n_vms++];
    memset(v, 0, sizeof *v);
    v->name = xstrdup(name);
    v->vcpus = 1;
    v->state = VM_RUNNING;
    v->live_migratable = true;
    names_add(&m->vm_names, m->vms, sizeof *v, m->n_vms - 1);
    return v;
}

struct model_disk *
model_vm_disk_add(struct model_vm *vm, const char *target,
                  const char *datastore)
{
    struct model_disk *d;

    vm->disks = xrealloc(vm->disks, (vm->n_disks + 1) * sizeof *d);
    d = &vm->disks[vm->n_disks++];
    memset(d, 0, sizeof *d);
    d->target = xstrdup(target);
    d->datastore = xstrdup(datastore);
    return d;
}

long
model_host_pos(const struct model *m, const char *name)
{
    return name ? names_find(&m->host_names, m->hosts, sizeof *m->hosts, name)
                : -1;
}

struct model_host *
model_host(const struct model *m, const char *name)
{
    long i = model_host_pos(m, name);

    return i < 0 ? NULL : &m->hosts[i];
}

struct model_datastore *
model_ds(const struct model *m, const char *name)
{
    long i = name ? names_find(&m->ds_names, m->datastores,
                               sizeof *m->datastores, name)
                  : -1;

    return i < 0 ? NULL : &m->datastores[i];
}

struct model_vm *
model_vm(const struct model *m, const char *name)
{
    long i = name ? names_find(&m->vm_names, m->vms, sizeof *m->vms, name)
                  : -1;

    return i < 0 ? NULL : &m->vms[i];
}

const struct model_link *
model_link(const struct model *m, const char *a, const char *b)
{
    for (size_t i = 0; i < m->n_links; i++) {
        const struct model_link *l = &m->links[i];

        if ((strcmp(l->a, a) == 0 && strcmp(l->b, b) == 0) ||
            (strcmp(l->a, b) == 0 && strcmp(l->b, a) == 0))
            return l;
    }
    return NULL;
}

uint64_t
model_link_bps(const struct model *m, const char *a, const char *b)
{
    const struct model_link *l = model_link(m, a, b);

    if (strcmp(a, b) == 0)
        return MODEL_LOCAL_BPS;
    return l ? l->bandwidth_bps : m->default_link_bps;
}

uint32_t
model_link_latency_us(const struct model *m, const char *a, const char *b)
{
    const struct model_link *l = model_link(m, a, b);

    if (strcmp(a, b) == 0)
        return 0;
    return l ? l->latency_us : m->default_link_latency_us;
}

bool
model_ds_seen_by(const struct model_datastore *ds, const char *host)
{
    return strv_contains(ds->hosts, ds->n_hosts, host);
}

uint64_t
model_host_mem_used(const struct model *m, const char *host)
{
    uint64_t used = 0;

    for (size_t i = 0; i < m->n_vms; i++)
        if (strcmp(m->vms[i].host, host) == 0 &&
            m->vms[i].state != VM_SHUTOFF)
            used += m->vms[i].memory_bytes;
    return used;
}

void
model_host_totals(const struct model *m, uint64_t *used, unsigned *count)
{
    if (used)
        memset(used, 0, m->n_hosts * sizeof *used);
    if (count)
        memset(count, 0, m->n_hosts * sizeof *count);
    for (size_t i = 0; i < m->n_vms; i++) {
        const struct model_vm *v = &m->vms[i];
        long h = model_host_pos(m, v->host);

        if (h < 0)
            continue;
        if (count)
            count[h]++;
        if (used && v->state != VM_SHUTOFF)
            used[h] += v->memory_bytes;
    }
}

unsigned
model_host_vm_count(const struct model *m, const char *host)
{
    unsigned n = 0;

    for (size_t i = 0; i < m->n_vms; i++)
        if (strcmp(m->vms[i].host, host) == 0)
            n++;
    return n;
}

uint64_t
model_vm_disk_bytes(const struct model_vm *vm)
{
    uint64_t n = 0;

    for (size_t i = 0; i < vm->n_disks; i++)
        n += vm->disks[i].allocated_bytes;
    return n;
}

size_t
model_vm_datastores(const struct model_vm *vm, const char **out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < vm->n_disks && n < max; i++) {
        bool seen = false;

        for (size_t k = 0; k < n; k++)
            seen |= strcmp(out[k], vm->disks[i].datastore) == 0;
        if (!seen)
            out[n++] = vm->disks[i].datastore;
    }
    return n;
}

char *
model_vm_datastores_str(const struct model_vm *vm)
{
    const char **ds = xcalloc(vm->n_disks + 1, sizeof *ds);
    size_t k = model_vm_datastores(vm, ds, vm->n_disks), len = 1;
    char *buf;

    for (size_t i = 0; i < k; i++)
        len += strlen(ds[i]) + 1;
    buf = xmalloc(len);
    buf[0] = '\0';
    for (size_t i = 0; i < k; i++) {
        if (i)
            strcat(buf, ",");
        strcat(buf, ds[i]);
    }
    free(ds);
    return buf;
}

const char *
vm_state_name(enum vm_state s)
{
    switch (s) {
    case VM_RUNNING:
        return "running";
    case VM_PAUSED:
        return "paused";
    case VM_SHUTOFF:
        return "shut off";
    case VM_MIGRATING:
        return "migrating";
    }
    return "unknown";
}
