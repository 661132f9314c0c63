/* JSON forms of the inventory, checks, plans and questions (wire.h). */
#include "ferry/wire.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/jsonf.h"

/* ---- small pieces -----------------------------------------------------------
 */

static json_object *
strv_json(char *const *v, size_t n)
{
    json_object *a = json_object_new_array();

    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(v[i]));
    return a;
}

/* An array of strings into *v (appended). */
static int
strv_read(json_object *o, const char *key, char ***v, size_t *n,
          struct ferry_err *err)
{
    json_object *a;
    int r = jf_array(o, key, false, &a, err);

    if (r <= 0)
        return r;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *s = json_object_array_get_idx(a, i);

        if (!json_object_is_type(s, json_type_string)) {
            err_set(err, "\"%s\" must be an array of strings", key);
            return -1;
        }
        *v = xrealloc(*v, (*n + 1) * sizeof **v);
        (*v)[(*n)++] = xstrdup(json_object_get_string(s));
    }
    return 0;
}

static void
add_i(json_object *o, const char *key, uint64_t v)
{
    json_object_object_add(o, key, json_object_new_uint64(v));
}

/* ---- the inventory ------------------------------------------------------- */

json_object *
wire_model(const struct hv *hv)
{
    const struct model *m = hv->model;
    json_object *o = json_object_new_object(), *a;

    add_i(o, "default_link_bps", m->default_link_bps);
    add_i(o, "default_link_latency_us", m->default_link_latency_us);
    a = json_object_new_array();
    for (size_t i = 0; i < m->n_hosts; i++) {
        const struct model_host *h = &m->hosts[i];
        json_object *x = json_object_new_object();

        jf_add_str(x, "name", h->name);
        jf_add_str(x, "cpu_model", h->cpu_model);
        json_object_object_add(x, "cpu_flags",
                               strv_json(h->cpu_flags, h->n_cpu_flags));
        add_i(x, "cores", h->cores);
        add_i(x, "memory_bytes", h->memory_bytes);
        json_object_object_add(x, "networks",
                               strv_json(h->networks, h->n_networks));
        json_object_object_add(x, "up", json_object_new_boolean(h->up));
        jf_add_str(x, "uri", h->uri);
        jf_add_str(x, "versions", h->versions);
        jf_add_str(x, "state_note", h->state_note);
        jf_add_str(x, "ssh", h->ssh);
        jf_add_str(x, "probe", h->probe);
        json_object_array_add(a, x);
    }
    json_object_object_add(o, "hosts", a);
    a = json_object_new_array();
    for (size_t i = 0; i < m->n_links; i++) {
        const struct model_link *l = &m->links[i];
        json_object *x = json_object_new_object();

        jf_add_str(x, "a", l->a);
        jf_add_str(x, "b", l->b);
        add_i(x, "bandwidth_bps", l->bandwidth_bps);
        add_i(x, "latency_us", l->latency_us);
        json_object_array_add(a, x);
    }
    json_object_object_add(o, "links", a);
    a = json_object_new_array();
    for (size_t i = 0; i < m->n_datastores; i++) {
        const struct model_datastore *d = &m->datastores[i];
        json_object *x = json_object_new_object();

        jf_add_str(x, "name", d->name);
        jf_add_str(x, "type", d->type);
        add_i(x, "capacity_bytes", d->capacity_bytes);
        add_i(x, "used_bytes", d->used_bytes);
        add_i(x, "throughput_bps", d->throughput_bps);
        json_object_object_add(x, "hosts", strv_json(d->hosts, d->n_hosts));
        json_object_object_add(x, "shared", json_object_new_boolean(d->shared));
        json_object_array_add(a, x);
    }
    json_object_object_add(o, "datastores", a);
    a = json_object_new_array();
    for (size_t i = 0; i < m->n_vms; i++) {
        const struct model_vm *v = &m->vms[i];
        json_object *x = json_object_new_object(), *disks;
        uint64_t dirty = 0;
        const char *wl = hv->ops->workload ? hv->ops->workload((struct hv *)hv,
                                                               v->name, &dirty)
                                           : NULL;

        jf_add_str(x, "name", v->name);
        jf_add_str(x, "host", v->host);
        jf_add_str(x, "state", vm_state_name(v->state));
        add_i(x, "vcpus", v->vcpus);
        add_i(x, "memory_bytes", v->memory_bytes);
        if (v->memory_max_bytes)
            add_i(x, "memory_max_bytes", v->memory_max_bytes);
        jf_add_str(x, "cpu_model", v->cpu_model);
        json_object_object_add(x, "cpu_flags",
                               strv_json(v->cpu_flags, v->n_cpu_flags));
        disks = json_object_new_array();
        for (size_t k = 0; k < v->n_disks; k++) {
            json_object *d = json_object_new_object();

            jf_add_str(d, "target", v->disks[k].target);
            jf_add_str(d, "datastore", v->disks[k].datastore);
            add_i(d, "size_bytes", v->disks[k].size_bytes);
            add_i(d, "allocated_bytes", v->disks[k].allocated_bytes);
            json_object_array_add(disks, d);
        }
        json_object_object_add(x, "disks", disks);
        json_object_object_add(x, "networks",
                               strv_json(v->networks, v->n_networks));
        json_object_object_add(x, "migrating",
                               json_object_new_boolean(v->migrating));
        json_object_object_add(x, "live_migratable",
                               json_object_new_boolean(v->live_migratable));
        jf_add_str(x, "not_migratable_reason", v->not_migratable_reason);
        if (wl != NULL) {
            jf_add_str(x, "workload", wl);
            add_i(x, "dirty_bps", dirty);
        }
        json_object_array_add(a, x);
    }
    json_object_object_add(o, "vms", a);
    return o;
}

/* An optional string into a field the model owns. */
static int
opt_str(json_object *o, const char *key, char **field, struct ferry_err *err)
{
    return jf_strdup(o, key, false, field, err) < 0 ? -1 : 0;
}

static int
u32_field(json_object *o, const char *key, uint32_t *out, bool required,
          struct ferry_err *err)
{
    uint64_t v = *out;
    int r = jf_u64(o, key, required, &v, err);

    if (r == 1 && v > UINT32_MAX) {
        err_set(err, "\"%s\" is too large", key);
        return -1;
    }
    *out = (uint32_t)v;
    return r < 0 ? -1 : 0;
}

static int
vm_state_lookup(const char *s, enum vm_state *out)
{
    for (int k = VM_RUNNING; k <= VM_MIGRATING; k++)
        if (strcmp(vm_state_name((enum vm_state)k), s) == 0) {
            *out = (enum vm_state)k;
            return 0;
        }
    return -1;
}

/* The array member key of o, each element an object, to fn. */
static int
each(json_object *o, const char *key, struct model *m,
     int (*fn)(json_object *x, struct model *m, struct ferry_err *err),
     struct ferry_err *err)
{
    json_object *a;

    if (jf_array(o, key, true, &a, err) < 0)
        return -1;
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *x = json_object_array_get_idx(a, i);
        struct ferry_err why;

        if (!json_object_is_type(x, json_type_object)) {
            err_set(err, "%s[%zu] is not an object", key, i);
            return -1;
        }
        if (fn(x, m, &why) < 0) {
            err_set(err, "%s[%zu]: %s", key, i, why.msg);
            return -1;
        }
    }
    return 0;
}

static int
read_host(json_object *x, struct model *m, struct ferry_err *err)
{
    const char *name;
    struct model_host *h;
    uint32_t cores = 0;

    if (jf_str(x, "name", true, &name, err) < 0)
        return -1;
    h = model_host_add(m, name);
    if (opt_str(x, "cpu_model", &h->cpu_model, err) < 0 ||
        strv_read(x, "cpu_flags", &h->cpu_flags, &h->n_cpu_flags, err) < 0 ||
        u32_field(x, "cores", &cores, false, err) < 0 ||
        jf_u64(x, "memory_bytes", false, &h->memory_bytes, err) < 0 ||
        strv_read(x, "networks", &h->networks, &h->n_networks, err) < 0 ||
        jf_bool(x, "up", false, &h->up, err) < 0 ||
        opt_str(x, "uri", &h->uri, err) < 0 ||
        opt_str(x, "versions", &h->versions, err) < 0 ||
        opt_str(x, "state_note", &h->state_note, err) < 0 ||
        opt_str(x, "ssh", &h->ssh, err) < 0 ||
        opt_str(x, "probe", &h->probe, err) < 0)
        return -1;
    h->cores = cores;
    return 0;
}

static int
read_link(json_object *x, struct model *m, struct ferry_err *err)
{
    const char *a, *b;
    struct model_link *l;

    if (jf_str(x, "a", true, &a, err) < 0 || jf_str(x, "b", true, &b, err) < 0)
        return -1;
    l = model_link_add(m, a, b);
    if (jf_u64(x, "bandwidth_bps", false, &l->bandwidth_bps, err) < 0 ||
        u32_field(x, "latency_us", &l->latency_us, false, err) < 0)
        return -1;
    return 0;
}

static int
read_ds(json_object *x, struct model *m, struct ferry_err *err)
{
    const char *name;
    struct model_datastore *d;

    if (jf_str(x, "name", true, &name, err) < 0)
        return -1;
    d = model_ds_add(m, name);
    if (opt_str(x, "type", &d->type, err) < 0 ||
        jf_u64(x, "capacity_bytes", false, &d->capacity_bytes, err) < 0 ||
        jf_u64(x, "used_bytes", false, &d->used_bytes, err) < 0 ||
        jf_u64(x, "throughput_bps", false, &d->throughput_bps, err) < 0 ||
        strv_read(x, "hosts", &d->hosts, &d->n_hosts, err) < 0 ||
        jf_bool(x, "shared", false, &d->shared, err) < 0)
        return -1;
    return 0;
}

static int
read_vm(json_object *x, struct model *m, struct ferry_err *err)
{
    const char *name, *state = NULL;
    struct model_vm *v;
    json_object *disks;
    uint32_t vcpus = 1;

    if (jf_str(x, "name", true, &name, err) < 0)
        return -1;
    v = model_vm_add(m, name);
    if (opt_str(x, "host", &v->host, err) < 0 ||
        jf_str(x, "state", false, &state, err) < 0 ||
        u32_field(x, "vcpus", &vcpus, false, err) < 0 ||
        jf_u64(x, "memory_bytes", false, &v->memory_bytes, err) < 0 ||
        jf_u64(x, "memory_max_bytes", false, &v->memory_max_bytes, err) < 0 ||
        opt_str(x, "cpu_model", &v->cpu_model, err) < 0 ||
        strv_read(x, "cpu_flags", &v->cpu_flags, &v->n_cpu_flags, err) < 0 ||
        strv_read(x, "networks", &v->networks, &v->n_networks, err) < 0 ||
        jf_bool(x, "migrating", false, &v->migrating, err) < 0 ||
        jf_bool(x, "live_migratable", false, &v->live_migratable, err) < 0 ||
        opt_str(x, "not_migratable_reason", &v->not_migratable_reason, err) <
            0 ||
        jf_array(x, "disks", false, &disks, err) < 0)
        return -1;
    v->vcpus = vcpus;
    if (v->host == NULL)
        v->host = xstrdup("");
    if (state != NULL && vm_state_lookup(state, &v->state) < 0) {
        err_set(err, "\"state\": '%s' is not a VM state", state);
        return -1;
    }
    for (size_t i = 0; disks && i < json_object_array_length(disks); i++) {
        json_object *d = json_object_array_get_idx(disks, i);
        const char *target, *ds;
        struct model_disk *k;

        if (jf_str(d, "target", true, &target, err) < 0 ||
            jf_str(d, "datastore", true, &ds, err) < 0)
            return -1;
        k = model_vm_disk_add(v, target, ds);
        if (jf_u64(d, "size_bytes", false, &k->size_bytes, err) < 0 ||
            jf_u64(d, "allocated_bytes", false, &k->allocated_bytes, err) < 0)
            return -1;
    }
    return 0;
}

int
wire_model_read(json_object *o, struct model *m, struct ferry_err *err)
{
    model_init(m);
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        err_set(err, "the inventory is not an object");
        return -1;
    }
    if (jf_u64(o, "default_link_bps", false, &m->default_link_bps, err) < 0 ||
        u32_field(o, "default_link_latency_us", &m->default_link_latency_us,
                  false, err) < 0 ||
        each(o, "hosts", m, read_host, err) < 0 ||
        each(o, "links", m, read_link, err) < 0 ||
        each(o, "datastores", m, read_ds, err) < 0 ||
        each(o, "vms", m, read_vm, err) < 0) {
        model_fini(m);
        model_init(m);
        return -1;
    }
    return 0;
}

static const char *
vm_workload(json_object *x, const char *vm, uint64_t *dirty_bps)
{
    json_object *w, *d;

    if (!json_object_object_get_ex(x, "name", &w) ||
        strcmp(json_object_get_string(w), vm) != 0)
        return NULL;
    if (!json_object_object_get_ex(x, "workload", &w))
        return "";
    if (dirty_bps != NULL)
        *dirty_bps = json_object_object_get_ex(x, "dirty_bps", &d)
                         ? json_object_get_uint64(d)
                         : 0;
    return json_object_get_string(w);
}

const char *
wire_model_workload(json_object *model, long hint, const char *vm,
                    uint64_t *dirty_bps)
{
    json_object *vms;
    const char *w;
    size_t n;

    if (!json_object_object_get_ex(model, "vms", &vms) ||
        !json_object_is_type(vms, json_type_array))
        return NULL;
    n = json_object_array_length(vms);
    /* the model read from this inventory keeps its order: try there first */
    if (hint >= 0 && (size_t)hint < n &&
        (w = vm_workload(json_object_array_get_idx(vms, (size_t)hint), vm,
                         dirty_bps)) != NULL)
        return w[0] ? w : NULL;
    for (size_t i = 0; i < n; i++)
        if ((w = vm_workload(json_object_array_get_idx(vms, i), vm,
                             dirty_bps)) != NULL)
            return w[0] ? w : NULL;
    return NULL;
}

/* ---- checks ------------------------------------------------------------ */

json_object *
wire_checks(const struct check_result *r, size_t n)
{
    json_object *a = json_object_new_array();

    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_new_object();

        jf_add_str(c, "name", r[i].name);
        jf_add_str(c, "status", check_status_name(r[i].status));
        jf_add_str(c, "message", r[i].message);
        json_object_array_add(a, c);
    }
    return a;
}

/* Check names are few and fixed by the code; a client keeps each it was
 * sent for its whole life, as the backend's are static. */
static const char *
intern(const char *s)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char **v;
    static size_t n;
    const char *found = NULL;

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n && found == NULL; i++)
        if (strcmp(v[i], s) == 0)
            found = v[i];
    if (found == NULL) {
        v = xrealloc(v, (n + 1) * sizeof *v);
        found = v[n++] = xstrdup(s);
    }
    pthread_mutex_unlock(&lock);
    return found;
}

int
wire_checks_read(json_object *a, struct check_result *out, size_t max,
                 struct ferry_err *err)
{
    size_t n = 0;

    if (a == NULL || !json_object_is_type(a, json_type_array)) {
        err_set(err, "checks must be an array");
        return -1;
    }
    for (size_t i = 0; i < json_object_array_length(a) && n < max; i++) {
        json_object *c = json_object_array_get_idx(a, i);
        const char *name, *status, *msg = "";
        struct ferry_err why;

        if (jf_str(c, "name", true, &name, &why) < 0 ||
            jf_str(c, "status", true, &status, &why) < 0 ||
            jf_str(c, "message", false, &msg, &why) < 0) {
            err_set(err, "checks[%zu]: %s", i, why.msg);
            return -1;
        }
        out[n].name = intern(name);
        if (strcmp(status, "ok") == 0)
            out[n].status = CHECK_OK;
        else if (strcmp(status, "warning") == 0)
            out[n].status = CHECK_WARN;
        else if (strcmp(status, "error") == 0)
            out[n].status = CHECK_ERROR;
        else {
            err_set(err,
                    "checks[%zu]: status '%s' is not ok, warning or "
                    "error",
                    i, status);
            return -1;
        }
        snprintf(out[n].message, sizeof out[n].message, "%s", msg);
        n++;
    }
    return (int)n;
}

/* ---- plans --------------------------------------------------------------- */

json_object *
wire_mig_params(const struct hv_mig_params *p)
{
    json_object *o = json_object_new_object();

    jf_add_str(o, "vm", p->vm);
    jf_add_str(o, "host", p->dst_host);
    jf_add_str(o, "datastore", p->dst_ds);
    jf_add_str(o, "kind", job_kind_name(p->kind));
    add_i(o, "bandwidth_cap_bps", p->bandwidth_cap_bps);
    json_object_object_add(o, "auto_converge",
                           json_object_new_boolean(p->auto_converge));
    json_object_object_add(o, "ac_initial",
                           json_object_new_double(p->ac_initial));
    json_object_object_add(o, "ac_increment",
                           json_object_new_double(p->ac_increment));
    json_object_object_add(o, "postcopy", json_object_new_boolean(p->postcopy));
    add_i(o, "downtime_limit_ms", p->downtime_limit_ms);
    add_i(o, "seed", p->seed);
    json_object_object_add(o, "keep_source",
                           json_object_new_boolean(p->keep_source));
    return o;
}

int
wire_mig_params_read(json_object *o, struct hv_mig_params *p,
                     struct ferry_err *err)
{
    const char *kind = "compute";

    memset(p, 0, sizeof *p);
    if (jf_str(o, "vm", true, &p->vm, err) < 0 ||
        jf_str(o, "host", false, &p->dst_host, err) < 0 ||
        jf_str(o, "datastore", false, &p->dst_ds, err) < 0 ||
        jf_str(o, "kind", false, &kind, err) < 0 ||
        jf_u64(o, "bandwidth_cap_bps", false, &p->bandwidth_cap_bps, err) < 0 ||
        jf_bool(o, "auto_converge", false, &p->auto_converge, err) < 0 ||
        jf_double(o, "ac_initial", false, &p->ac_initial, err) < 0 ||
        jf_double(o, "ac_increment", false, &p->ac_increment, err) < 0 ||
        jf_bool(o, "postcopy", false, &p->postcopy, err) < 0 ||
        jf_u64(o, "downtime_limit_ms", false, &p->downtime_limit_ms, err) < 0 ||
        jf_u64(o, "seed", false, &p->seed, err) < 0 ||
        jf_bool(o, "keep_source", false, &p->keep_source, err) < 0)
        return -1;
    if (job_kind_lookup(kind, &p->kind) < 0) {
        err_set(err, "\"kind\": '%s' is not compute, storage or both", kind);
        return -1;
    }
    return 0;
}

json_object *
wire_plan(const struct hv_plan *p)
{
    json_object *o = json_object_new_object();

    add_i(o, "link_bps", p->link_bps);
    add_i(o, "final_bps", p->final_bps);
    add_i(o, "disk_bw_bps", p->disk_bw_bps);
    add_i(o, "overhead_ms", p->overhead_ms);
    add_i(o, "setup_ms", p->setup_ms);
    json_object_object_add(o, "cold", json_object_new_boolean(p->cold));
    add_i(o, "memory_wire_bytes", p->memory_wire_bytes);
    add_i(o, "hint_dirty_bps", p->hint_dirty_bps);
    add_i(o, "hint_wss_bytes", p->hint_wss_bytes);
    json_object_object_add(o, "hint_hot_fraction",
                           json_object_new_double(p->hint_hot_fraction));
    json_object_object_add(o, "hint_hot_share",
                           json_object_new_double(p->hint_hot_share));
    add_i(o, "hint_disk_dirty_bps", p->hint_disk_dirty_bps);
    add_i(o, "hint_disk_wss_bytes", p->hint_disk_wss_bytes);
    json_object_object_add(o, "hint_measured",
                           json_object_new_boolean(p->hint_measured));
    return o;
}

int
wire_plan_read(json_object *o, struct hv_plan *p, struct ferry_err *err)
{
    memset(p, 0, sizeof *p);
    if (jf_u64(o, "link_bps", false, &p->link_bps, err) < 0 ||
        jf_u64(o, "final_bps", false, &p->final_bps, err) < 0 ||
        jf_u64(o, "disk_bw_bps", false, &p->disk_bw_bps, err) < 0 ||
        jf_u64(o, "overhead_ms", false, &p->overhead_ms, err) < 0 ||
        jf_u64(o, "setup_ms", false, &p->setup_ms, err) < 0 ||
        jf_bool(o, "cold", false, &p->cold, err) < 0 ||
        jf_u64(o, "memory_wire_bytes", false, &p->memory_wire_bytes, err) < 0 ||
        jf_u64(o, "hint_dirty_bps", false, &p->hint_dirty_bps, err) < 0 ||
        jf_u64(o, "hint_wss_bytes", false, &p->hint_wss_bytes, err) < 0 ||
        jf_double(o, "hint_hot_fraction", false, &p->hint_hot_fraction, err) <
            0 ||
        jf_double(o, "hint_hot_share", false, &p->hint_hot_share, err) < 0 ||
        jf_u64(o, "hint_disk_dirty_bps", false, &p->hint_disk_dirty_bps, err) <
            0 ||
        jf_u64(o, "hint_disk_wss_bytes", false, &p->hint_disk_wss_bytes, err) <
            0 ||
        jf_bool(o, "hint_measured", false, &p->hint_measured, err) < 0)
        return -1;
    return 0;
}

/* ---- questions ------------------------------------------------------------
 */

const char *
wire_prompt_kind_name(enum hv_prompt_kind k)
{
    return k == HV_ASK_YESNO ? "yesno" : k == HV_ASK_TEXT ? "text" : "secret";
}

json_object *
wire_prompt(const struct hv_prompt *p)
{
    json_object *o = json_object_new_object();

    add_i(o, "id", p->id);
    jf_add_str(o, "kind", wire_prompt_kind_name(p->kind));
    jf_add_str(o, "host", p->host);
    jf_add_str(o, "title", p->title);
    jf_add_str(o, "text", p->text);
    return o;
}
