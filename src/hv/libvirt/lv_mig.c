/* Migrations on libvirt hosts: QEMU moves the bytes, the engine steers.
 *
 * Compute (and compute+storage) moves are peer-to-peer migrations started
 * on a worker thread, because virDomainMigrateToURI3 blocks until the end;
 * the loop thread samples the job and applies the engine's actions through
 * the same connection. Live storage moves are block-copy jobs that the
 * engine pivots. Cold moves copy volumes with sparse streams on the worker
 * and define the domain where it now lives. */
#include "lv_internal.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ferry/jsonf.h"


enum mode { MODE_LIVE, MODE_BLOCKCOPY, MODE_COLD };

struct mdisk {
    char *target;
    char *old_path, *new_path;
    uint64_t capacity;
    bool moving;
    /* how it is copied (diskcopy's plan): the new volume's format and
     * allocation, and for a shallow copy the backing file it keeps */
    char *format;
    uint64_t allocation;
    bool shallow, flatten;
    char *backing_path, *backing_format;
    bool ready, failed, done; /* block job events */
    uint64_t cur, end;
};

struct lv_mig {
    struct lv *lv;
    struct lv_host *src, *dst;
    char *vm;
    struct hv_mig_params p;
    enum mode mode;
    virDomainPtr dom;
    bool persistent;
    struct mdisk *disks;
    size_t n_disks;
    char *dst_pool;
    uint64_t t0_ms;
    /* steering */
    uint64_t limit_ms;
    bool limit_pending, switch_requested, aborted, postcopy_started;
    bool paused;
    /* worker */
    pthread_t th;
    bool th_started;
    /* the worker's and the sampler's state; its own lock, so that a
     * worker still blocked in libvirt when the migration is let go
     * touches nothing but its own migration */
    pthread_mutex_t lock;
    bool w_done;           /* under lock */
    int w_rc;
    char *w_err; /* NULL: none */
    uint64_t w_done_ms;
    uint64_t cold_done, cold_total; /* under lock */
    bool cold_cancel;
    uint64_t ds_cap_bps;   /* the datastores' [datastore] bandwidth (0: none) */
    uint64_t cold_cap_bps; /* that or the operator's, the lower (0: none) */
    /* from events and the last sample */
    bool have_final;
    uint64_t final_downtime, final_elapsed, final_bytes, final_iter;
    uint64_t iteration_event;
    uint64_t last_iter, last_processed;
    uint64_t last_disk_processed, last_disk_ms;
    struct job_sample last_live;
    /* the sampler thread: job stats block while QEMU switches over, and
     * the loop must keep answering every host's keepalive meanwhile */
    pthread_t sth;
    bool sth_started, s_stop, have_latest; /* under lock */
    struct job_sample latest;              /* under lock */
    double disk_bps;
    char *lost; /* "host ... was lost (why)", or NULL */
    /* the destination's connection, referenced for a client-managed
     * migration: the loop may close the host's (lost) meanwhile */
    virConnectPtr dconn;
    /* the fail-safe */
    char *guard_id, *log_path;
    bool armed, released;
    bool watch; /* another's: hands off until taken */
    bool copying; /* block copy: every mirror was started */
    /* outcome */
    bool finished;
    struct hv_result res;
};

/* ---- events ------------------------------------------------------------ */

static struct lv_mig *
find_mig(struct lv_host *h, const char *vm)
{
    struct lv *lv = h->lv;

    for (size_t i = 0; i < lv->n_migs; i++) {
        struct lv_mig *m = lv->migs[i];

        if (strcmp(m->vm, vm) == 0 && (m->src == h || m->dst == h))
            return m;
    }
    return NULL;
}

static uint64_t
tp_u64(virTypedParameterPtr p, int n, const char *name, uint64_t dflt)
{
    unsigned long long v;

    return virTypedParamsGetULLong(p, n, name, &v) == 1 ? v : dflt;
}

static void
on_job_completed(virConnectPtr c, virDomainPtr d, virTypedParameterPtr p,
                 int n, void *opaque)
{
    struct lv_mig *m = find_mig(opaque, virDomainGetName(d));

    (void)c;
    if (m == NULL || m->have_final)
        return;
    m->have_final = true;
    m->final_downtime = tp_u64(p, n, VIR_DOMAIN_JOB_DOWNTIME, 0);
    m->final_elapsed = tp_u64(p, n, VIR_DOMAIN_JOB_TIME_ELAPSED, 0);
    m->final_bytes = tp_u64(p, n, VIR_DOMAIN_JOB_DATA_PROCESSED, 0);
    m->final_iter = tp_u64(p, n, VIR_DOMAIN_JOB_MEMORY_ITERATION, 0);
}

static void
on_iteration(virConnectPtr c, virDomainPtr d, int iteration, void *opaque)
{
    struct lv_mig *m = find_mig(opaque, virDomainGetName(d));
    struct lv_dom *dm = lv_dom_by_name(opaque, virDomainGetName(d));

    (void)c;
    if (m != NULL && iteration > 0)
        m->iteration_event = (uint64_t)iteration;
    /* a migration the inventory does not show yet (ferry's or someone
     * else's): its job is asked of the domain at the next refresh */
    if (dm == NULL || !dm->migrating)
        lv_mark_stale(opaque, d);
}

bool
lv_external(struct hv *hv, const char *vm, char *dst, size_t n)
{
    struct lv *lv = (struct lv *)hv;
    const struct model_vm *v = model_vm(hv->model, vm);
    struct lv_host *src = v != NULL ? lv_host_by_name(lv, v->host) : NULL;
    struct lv_dom *d = src != NULL ? lv_dom_by_name(src, vm) : NULL;

    if (d == NULL || !d->migrating || find_mig(src, vm) != NULL)
        return false;
    dst[0] = '\0';
    for (size_t i = 0; i < lv->n_hosts; i++) {
        struct lv_host *h = &lv->hosts[i];

        if (h == src)
            continue;
        for (size_t k = 0; k < h->n_doms; k++)
            if (h->doms[k].incoming && strcmp(h->doms[k].name, vm) == 0)
                snprintf(dst, n, "%s", h->name);
    }
    return true;
}

static void
on_block_job(virConnectPtr c, virDomainPtr d, const char *disk, int type,
             int status, void *opaque)
{
    struct lv_mig *m = find_mig(opaque, virDomainGetName(d));

    (void)c;
    (void)type;
    /* a pivot changes where a disk is: anyone's, read the XML again */
    if (status == VIR_DOMAIN_BLOCK_JOB_COMPLETED)
        lv_mark_stale(opaque, d);
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n_disks; i++) {
        struct mdisk *k = &m->disks[i];

        if (strcmp(k->target, disk) != 0 &&
            (k->old_path == NULL || strcmp(k->old_path, disk) != 0))
            continue;
        if (status == VIR_DOMAIN_BLOCK_JOB_READY)
            k->ready = true;
        else if (status == VIR_DOMAIN_BLOCK_JOB_FAILED)
            k->failed = true;
        else if (status == VIR_DOMAIN_BLOCK_JOB_COMPLETED ||
                 status == VIR_DOMAIN_BLOCK_JOB_CANCELED)
            k->done = true;
    }
}

void
lv_mig_register_events(struct lv_host *h)
{
    h->dom_cb[h->n_dom_cb++] = virConnectDomainEventRegisterAny(
        h->conn, NULL, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
        VIR_DOMAIN_EVENT_CALLBACK(on_job_completed), h, NULL);
    h->dom_cb[h->n_dom_cb++] = virConnectDomainEventRegisterAny(
        h->conn, NULL, VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION,
        VIR_DOMAIN_EVENT_CALLBACK(on_iteration), h, NULL);
    h->dom_cb[h->n_dom_cb++] = virConnectDomainEventRegisterAny(
        h->conn, NULL, VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2,
        VIR_DOMAIN_EVENT_CALLBACK(on_block_job), h, NULL);
}

void
lv_mig_host_lost(struct lv *lv, struct lv_host *h)
{
    for (size_t i = 0; i < lv->n_migs; i++) {
        struct lv_mig *m = lv->migs[i];

        if (m->src == h || m->dst == h) {
            free(m->lost);
            m->lost = xasprintf("host %s was lost (%s)", h->name,
                                h->err ? h->err : "no reason given");
        }
        /* a client-managed migration has no daemon of its own watching
         * the destination (peer-to-peer's gives up when it goes): the
         * move cannot be finished there, so it ends now */
        if (m->dst == h && m->src != h && m->mode == MODE_LIVE &&
            m->dconn != NULL && !m->finished && !m->aborted &&
            !m->postcopy_started)
            virDomainAbortJob(m->dom);
    }
}

/* ---- the route ------------------------------------------------------------ */

void
lv_route(const struct lv_host *src, const struct lv_host *dst,
         const struct hv_mig_params *p, struct lv_route *r)
{
    int steer = p->on_steering_lost != STEER_LOST_UNSET
                    ? (int)p->on_steering_lost
                    : src->cfg.on_steering_lost;

    memset(r, 0, sizeof *r);
    r->parallel = 1;
    if (src == dst) {
        r->encrypted = true; /* nothing leaves the host */
        r->tls_why = "the move stays on the host";
        return;
    }
    r->p2p = steer == STEER_LOST_BUDGET;
    if (r->p2p) {
        r->control = dst->p2p.uri;
        r->control_how = dst->p2p.how;
        r->transport = dst->p2p.transport;
    } else {
        /* client-managed, over ferry's own connection to dst */
        r->control = dst->base_uri ? dst->base_uri : dst->uri;
        r->control_how = "ferry's own connection (client-managed)";
        r->transport = lv_uri_transport(r->control);
    }
    if (dst->cfg.migration_address != NULL)
        r->data = xasprintf("tcp://%s%s%s",
                            strchr(dst->cfg.migration_address, ':') ? "["
                                                                    : "",
                            dst->cfg.migration_address,
                            strchr(dst->cfg.migration_address, ':') ? "]"
                                                                    : "");
    if (p->tls != 0) {
        r->tls = p->tls > 0;
        r->tls_why = r->tls ? "the policy's tls = yes" : "the policy's tls = no";
    } else if (dst->cfg.tls > 0 || src->cfg.tls > 0) {
        r->tls = true;
        r->tls_why = dst->cfg.tls > 0 ? "tls = yes on the destination"
                                      : "tls = yes on the source";
    } else {
        r->tls_why = "no host entry says tls = yes";
    }
    r->encrypted = r->tls;
    r->cleartext_ok = dst->cfg.cleartext_ok;
    r->parallel = p->parallel ? p->parallel
                  : dst->cfg.parallel ? dst->cfg.parallel
                  : src->cfg.parallel ? src->cfg.parallel
                                      : 1;
    r->stream_bps = src->cfg.stream_bps ? src->cfg.stream_bps
                                        : dst->cfg.stream_bps;
}

void
lv_route_fini(struct lv_route *r)
{
    free(r->data);
    r->data = NULL;
}

json_object *
lv_transport(struct hv *hv, const struct hv_mig_params *p)
{
    struct lv *lv = (struct lv *)hv;
    const struct model_vm *vm = model_vm(hv->model, p->vm);
    struct lv_host *src = vm ? lv_host_by_name(lv, vm->host) : NULL;
    struct lv_host *dst =
        p->dst_host ? lv_host_by_name(lv, p->dst_host) : src;
    struct lv_route r;
    json_object *o;
    char *d;

    if (src == NULL || dst == NULL)
        return NULL;
    lv_route(src, dst, p, &r);
    o = json_object_new_object();
    json_object_object_add(o, "mode",
                           json_object_new_string(src == dst ? "local"
                                                  : r.p2p ? "peer-to-peer"
                                                          : "client-managed"));
    if (r.control != NULL)
        json_object_object_add(o, "control",
                               json_object_new_string(r.control));
    if (r.transport != LVT_UNSET)
        json_object_object_add(
            o, "control_transport",
            json_object_new_string(lv_transport_name(r.transport)));
    d = src == dst ? xstrdup("local")
        : r.data   ? xasprintf("%s%s", r.tls ? "tls+" : "", r.data)
                   : xasprintf("%stcp://%s (libvirt's choice)",
                               r.tls ? "tls+" : "",
                               dst->hostname ? dst->hostname : dst->name);
    json_object_object_add(o, "data", json_object_new_string(d));
    free(d);
    json_object_object_add(o, "tls", json_object_new_boolean(r.tls));
    json_object_object_add(o, "encrypted",
                           json_object_new_boolean(r.encrypted));
    if (!r.encrypted && r.cleartext_ok)
        json_object_object_add(o, "cleartext_ok",
                               json_object_new_boolean(true));
    json_object_object_add(o, "parallel",
                           json_object_new_int((int)r.parallel));
    lv_route_fini(&r);
    return o;
}

/* ---- planning ------------------------------------------------------------ */

int
lv_plan(struct hv *hv, const struct model_vm *vm,
        const struct hv_mig_params *p, struct hv_plan *out,
        struct ferry_err *err)
{
    struct lv *lv = (struct lv *)hv;
    struct lv_host *src = lv_host_by_name(lv, vm->host);
    struct lv_host *dst = lv_host_by_name(lv, p->dst_host ? p->dst_host
                                                          : vm->host);
    uint64_t link, cap = p->bandwidth_cap_bps;

    if (src == NULL || dst == NULL) {
        err_set(err, "no host named %s", src ? p->dst_host : vm->host);
        return -1;
    }
    memset(out, 0, sizeof *out);
    link = src == dst ? MODEL_LOCAL_BPS
                      : model_link_bps(hv->model, src->name, dst->name);
    if (src->cfg.max_bw_bps && (cap == 0 || src->cfg.max_bw_bps < cap))
        cap = src->cfg.max_bw_bps;
    {
        struct lv_route r;

        lv_route(src, dst, p, &r);
        out->tls = r.tls;
        out->encrypted = r.encrypted;
        out->parallel = r.parallel;
        out->stream_bps = r.stream_bps;
        /* QEMU does not combine XBZRLE with multifd */
        out->xbzrle_ok = src != dst && r.parallel <= 1;
        /* what the connections can carry, if the hosts say */
        if (r.stream_bps > 0 && (double)r.stream_bps * r.parallel <
                                    (double)link)
            link = r.stream_bps * r.parallel;
        lv_route_fini(&r);
    }
    if (p->kind != KIND_COMPUTE) {
        /* [datastore] bandwidth: a block copy's and a cold copy's rate;
         * libvirt mirrors a migration's disks at its own bandwidth */
        uint64_t ds = lv_disk_cap_bps(lv, vm, p->dst_ds, NULL);

        if (ds && (cap == 0 || ds < cap))
            cap = ds;
    }
    out->link_bps = cap && cap < link ? cap : link;
    /* QEMU's last stage is not rate limited, but the wire still is. */
    out->final_bps = link;
    if (p->kind == KIND_STORAGE)
        out->disk_bw_bps = MIN(cap ? cap : 200ull << 20, 200ull << 20);
    else if (p->kind == KIND_BOTH)
        out->disk_bw_bps = out->link_bps;
    out->overhead_ms = p->kind == KIND_STORAGE ? 150 : src->cfg.overhead_ms;
    out->cold = vm->state == VM_SHUTOFF;
    if (out->cold && p->kind != KIND_COMPUTE) /* volume streams */
        out->disk_bw_bps = MIN(cap ? cap : 200ull << 20, 200ull << 20);
    out->memory_wire_bytes = vm->memory_bytes;
    /* libvirt connects to the destination and starts QEMU there first */
    out->setup_ms = src == dst || vm->state == VM_SHUTOFF ? 0 : 1000;
    /* what earlier moves of this VM measured refines this (the job
     * layer reads their flight logs); a measurement just made beats it */
    out->learn_from_logs = true;
    out->on_steering_lost = (enum steer_lost)src->cfg.on_steering_lost;
    {
        uint64_t bps;

        double zero;

        if (lv_measured_bps(lv, vm->name, &bps)) {
            out->hint_dirty_bps = bps ? bps : 1;
            out->hint_measured = true;
        }
        /* zero pages cost QEMU a flag each: round one moves the rest */
        if (lv_measured_zero(lv, vm->name, &zero))
            out->memory_wire_bytes =
                (uint64_t)((double)vm->memory_bytes * (1.0 - zero)) +
                (uint64_t)((double)vm->memory_bytes * zero / 4096.0 * 8.0);
    }
    return 0;
}

void
lv_header(struct hv *hv, const char *vm, json_object *h)
{
    struct lv *lv = (struct lv *)hv;
    const struct model_vm *v = model_vm(hv->model, vm);
    json_object *uris = json_object_new_object();

    for (size_t i = 0; i < lv->n_hosts; i++)
        json_object_object_add(uris, lv->hosts[i].name,
                               json_object_new_string(lv->hosts[i].uri));
    json_object_object_add(h, "uris", uris);
    if (v != NULL)
        json_object_object_add(h, "vm_state",
                               json_object_new_string(vm_state_name(v->state)));
}

/* ---- helpers --------------------------------------------------------------- */

static void
fail(struct lv_mig *m, enum hv_status st, const char *fmt, ...)
    FERRY_PRINTF(3, 4);

static void
fail(struct lv_mig *m, enum hv_status st, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(m->res.reason, sizeof m->res.reason, fmt, ap);
    va_end(ap);
    m->res.status = st;
    m->finished = true;
}

static char *
replace_all(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0;
    const char *p;
    char *r, *o;

    for (p = s; (p = strstr(p, from)) != NULL; p += fl)
        n++;
    r = o = xmalloc(strlen(s) + n * (tl + 1) + 1);
    for (p = s;;) {
        const char *q = strstr(p, from);

        if (q == NULL) {
            strcpy(o, p);
            break;
        }
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, tl);
        o += tl;
        p = q + fl;
    }
    return r;
}

/* Domain XML with every moving disk's path replaced. */
static char *
xml_with_new_paths(struct lv_mig *m, const char *xml)
{
    char *cur = xstrdup(xml);

    for (size_t i = 0; i < m->n_disks; i++) {
        const struct mdisk *k = &m->disks[i];
        char *from, *to, *next;

        if (!k->moving)
            continue;
        from = xasprintf("'%s'", k->old_path);
        to = xasprintf("'%s'", k->new_path);
        next = replace_all(cur, from, to);
        free(cur);
        free(from);
        free(to);
        from = xasprintf("\"%s\"", k->old_path);
        to = xasprintf("\"%s\"", k->new_path);
        cur = replace_all(next, from, to);
        free(next);
        free(from);
        free(to);
    }
    return cur;
}

/* The domain XML the destination gets: every moving disk a file on its
 * new volume in the format the copy keeps, on no backing file when the
 * copy flattens its chain. */
static char *
dest_xml(struct lv_mig *m, const char *xml)
{
    struct lv_disk_edit *e = xcalloc(m->n_disks + 1, sizeof *e);
    size_t n = 0;
    char *r;

    for (size_t i = 0; i < m->n_disks; i++) {
        const struct mdisk *k = &m->disks[i];

        if (!k->moving || k->new_path == NULL || k->format == NULL)
            continue;
        e[n].target = k->target;
        e[n].new_path = k->new_path;
        e[n].format = k->format;
        e[n++].flatten = k->flatten;
    }
    r = lv_disk_dest_xml(xml, e, n);
    free(e);
    return r ? r : xml_with_new_paths(m, xml);
}

/* The pool name behind a datastore name on a host. */
static char *
pool_for_ds(struct lv *lv, struct lv_host *h, const char *ds)
{
    for (size_t i = 0; i < h->n_pools; i++) {
        char *n = lv_ds_name(lv, h, &h->pools[i]);
        bool same = strcmp(n, ds) == 0;

        free(n);
        if (same)
            return xstrdup(h->pools[i].name);
    }
    return NULL;
}

/* Create the volumes the moving disks go to, on host h's pool. */
static int
create_volumes(struct lv_mig *m, struct lv_host *h, struct ferry_err *err)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(h->conn, m->dst_pool);

    if (pool == NULL) {
        err_set(err, "%s: no storage pool %s: %s", h->name, m->dst_pool,
                lv_errmsg());
        return -1;
    }
    for (size_t i = 0; i < m->n_disks; i++) {
        struct mdisk *k = &m->disks[i];
        char *name = NULL, *xml, *bs, *en;
        virStorageVolPtr v = NULL;

        if (!k->moving)
            continue;
        /* a shallow copy's image names the same backing file */
        if (k->shallow && k->backing_path) {
            char *bp = lv_xml_escape(k->backing_path);

            bs = xasprintf("<backingStore><path>%s</path><format "
                           "type='%s'/></backingStore>",
                           bp, k->backing_format);
            free(bp);
        } else {
            bs = xstrdup("");
        }
        for (unsigned n = 0; n < 100 && v == NULL; n++) {
            virStorageVolPtr old;

            free(name);
            name = diskcopy_name(k->old_path, k->format, n);
            old = virStorageVolLookupByName(pool, name);
            if (old != NULL) {
                virStorageVolFree(old);
                continue;
            }
            en = lv_xml_escape(name);
            xml = xasprintf("<volume><name>%s</name><capacity>%llu</capacity>"
                            "<allocation>%llu</allocation><target><format "
                            "type='%s'/></target>%s</volume>",
                            en, (unsigned long long)k->capacity,
                            (unsigned long long)k->allocation, k->format, bs);
            free(en);
            v = virStorageVolCreateXML(pool, xml, 0);
            free(xml);
            if (v == NULL) {
                err_set(err, "%s: cannot create %s volume %s in pool %s: %s",
                        h->name, k->format, name, m->dst_pool, lv_errmsg());
                free(name);
                free(bs);
                virStoragePoolFree(pool);
                return -1;
            }
        }
        free(bs);
        free(name);
        if (v == NULL) {
            err_set(err, "%s: no free volume name in pool %s", h->name,
                    m->dst_pool);
            virStoragePoolFree(pool);
            return -1;
        }
        k->new_path = virStorageVolGetPath(v);
        virStorageVolFree(v);
    }
    virStoragePoolFree(pool);
    return 0;
}

static void
delete_path(struct lv_host *h, const char *path)
{
    virStorageVolPtr v;

    if (h == NULL || h->conn == NULL || path == NULL)
        return;
    v = virStorageVolLookupByPath(h->conn, path);
    if (v != NULL) {
        virStorageVolDelete(v, 0);
        virStorageVolFree(v);
    }
}

static void
delete_new_volumes(struct lv_mig *m, struct lv_host *h)
{
    for (size_t i = 0; i < m->n_disks; i++)
        if (m->disks[i].moving && m->disks[i].new_path)
            delete_path(h, m->disks[i].new_path);
}

static void
delete_old_volumes(struct lv_mig *m)
{
    if (m->p.keep_source)
        return;
    for (size_t i = 0; i < m->n_disks; i++)
        if (m->disks[i].moving)
            delete_path(m->src, m->disks[i].old_path);
}

/* Do the domain's disks (live or inactive XML) use the new paths? */
static bool
uses_new_paths(struct lv_mig *m, virDomainPtr d, unsigned flags)
{
    char *xml = virDomainGetXMLDesc(d, flags);
    bool ok = xml != NULL;

    for (size_t i = 0; ok && i < m->n_disks; i++)
        if (m->disks[i].moving) {
            char *q1 = xasprintf("'%s'", m->disks[i].new_path);
            char *q2 = xasprintf("\"%s\"", m->disks[i].new_path);

            ok = strstr(xml, q1) != NULL || strstr(xml, q2) != NULL;
            free(q1);
            free(q2);
        }
    free(xml);
    return ok;
}

static void
nap_ms(unsigned ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static uint64_t
now_rel(const struct lv_mig *m)
{
    return loop_now_ms() - m->t0_ms;
}

/* ---- the worker thread --------------------------------------------------- */

static void
worker_done(struct lv_mig *m, int rc, const char *msg)
{
    pthread_mutex_lock(&m->lock);
    m->w_done = true;
    m->w_rc = rc;
    free(m->w_err);
    m->w_err = xstrdup(msg ? msg : "");
    m->w_done_ms = loop_now_ms();
    pthread_mutex_unlock(&m->lock);
}

static void *
live_worker(void *arg)
{
    struct lv_mig *m = arg;
    struct lv_host *dst = m->dst;
    virTypedParameterPtr par = NULL;
    int np = 0, maxp = 0, rc;
    unsigned flags = VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER |
                     VIR_MIGRATE_ABORT_ON_ERROR;
    char *dconn, *dxml = NULL;
    uint64_t cap = m->p.bandwidth_cap_bps;
    struct lv_route route;
    bool unsafe = false;

    if (m->src->cfg.max_bw_bps && (cap == 0 || m->src->cfg.max_bw_bps < cap))
        cap = m->src->cfg.max_bw_bps;
    /* libvirt mirrors the disks at the migration's own bandwidth */
    if (m->ds_cap_bps && (cap == 0 || m->ds_cap_bps < cap))
        cap = m->ds_cap_bps;
    if (m->p.downtime_limit_ms <= 1 && m->src->cfg.link_bps &&
        dst->cfg.link_bps) {
        uint64_t link = MIN(m->src->cfg.link_bps, dst->cfg.link_bps);

        if (cap == 0 || link < cap)
            cap = link;
    }
    lv_route(m->src, dst, &m->p, &route);
    dconn = route.control ? xstrdup(route.control) : NULL;
    if (route.data != NULL) {
        virTypedParamsAddString(&par, &np, &maxp, VIR_MIGRATE_PARAM_URI,
                                route.data);
        if (m->p.kind == KIND_BOTH)
            virTypedParamsAddString(&par, &np, &maxp,
                                    VIR_MIGRATE_PARAM_DISKS_URI, route.data);
    }
    if (route.tls)
        flags |= VIR_MIGRATE_TLS; /* memory and the disks' NBD stream */
    if (route.parallel > 1) {
        flags |= VIR_MIGRATE_PARALLEL;
        virTypedParamsAddInt(&par, &np, &maxp,
                             VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS,
                             (int)route.parallel);
    }
    if (m->p.xbzrle) {
        flags |= VIR_MIGRATE_COMPRESSED;
        virTypedParamsAddString(&par, &np, &maxp,
                                VIR_MIGRATE_PARAM_COMPRESSION, "xbzrle");
        if (m->p.xbzrle_cache_bytes > 0)
            virTypedParamsAddULLong(&par, &np, &maxp,
                                    VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE,
                                    m->p.xbzrle_cache_bytes);
    }
    lv_route_fini(&route);
    if (cap > 0)
        virTypedParamsAddULLong(&par, &np, &maxp, VIR_MIGRATE_PARAM_BANDWIDTH,
                                MAX(cap >> 20, 1));
    if (m->persistent)
        flags |= VIR_MIGRATE_PERSIST_DEST | VIR_MIGRATE_UNDEFINE_SOURCE;
    if (m->p.auto_converge) {
        flags |= VIR_MIGRATE_AUTO_CONVERGE;
        if (m->p.ac_initial > 0)
            virTypedParamsAddInt(&par, &np, &maxp,
                                 VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL,
                                 (int)m->p.ac_initial);
        if (m->p.ac_increment > 0)
            virTypedParamsAddInt(&par, &np, &maxp,
                                 VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT,
                                 (int)m->p.ac_increment);
    }
    if (m->p.postcopy)
        flags |= VIR_MIGRATE_POSTCOPY;
    for (size_t i = 0; i < m->n_disks; i++)
        if (!m->disks[i].moving)
            unsafe = true; /* stays put: the same path on the destination */
    if (m->p.kind == KIND_BOTH) {
        char *xml = virDomainGetXMLDesc(m->dom, VIR_DOMAIN_XML_MIGRATABLE);

        bool shallow = true, any = false;

        for (size_t i = 0; i < m->n_disks; i++)
            if (m->disks[i].moving) {
                any = true;
                virTypedParamsAddString(&par, &np, &maxp,
                                        VIR_MIGRATE_PARAM_MIGRATE_DISKS,
                                        m->disks[i].target);
                shallow &= m->disks[i].shallow; /* plan_disks: all or none */
            }
        /* incremental: only the top images, on backing files both see */
        flags |= shallow && any ? VIR_MIGRATE_NON_SHARED_INC
                                : VIR_MIGRATE_NON_SHARED_DISK;
        if (xml != NULL) {
            dxml = dest_xml(m, xml);
            virTypedParamsAddString(&par, &np, &maxp,
                                    VIR_MIGRATE_PARAM_DEST_XML, dxml);
            if (m->persistent) {
                char *ixml = virDomainGetXMLDesc(
                    m->dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_MIGRATABLE);

                if (ixml != NULL) {
                    char *px = dest_xml(m, ixml);

                    virTypedParamsAddString(&par, &np, &maxp,
                                            VIR_MIGRATE_PARAM_PERSIST_XML, px);
                    free(px);
                }
                free(ixml);
            }
            free(xml);
        }
    }
    /* Disks on a directory both hosts see are not "shared" to libvirt. */
    if (unsafe)
        flags |= VIR_MIGRATE_UNSAFE;
    if (m->dconn == NULL && dconn == NULL) {
        rc = -1;
        worker_done(m, rc, dst->p2p_err ? dst->p2p_err
                                        : "no peer-to-peer URI for the "
                                          "destination");
        virTypedParamsFree(par, np);
        free(dxml);
        return NULL;
    } else if (m->dconn == NULL) {
        /* peer-to-peer: it lives on in the source daemon if ferry's server
         * dies, for the fail-safe to hand to QEMU with the budget */
        rc = virDomainMigrateToURI3(m->dom, dconn, par, (unsigned)np, flags);
    } else {
        /* client-managed, over ferry's own connections to both hosts:
         * libvirt cancels it when its client goes away, so a server that
         * dies leaves the VM on its source whatever else happens */
        virDomainPtr nd = virDomainMigrate3(m->dom, m->dconn, par,
                                            (unsigned)np,
                                            flags & ~VIR_MIGRATE_PEER2PEER);

        rc = nd != NULL ? 0 : -1;
        if (nd != NULL)
            virDomainFree(nd);
    }
    worker_done(m, rc, rc < 0 ? lv_errmsg() : NULL);
    virTypedParamsFree(par, np);
    free(dconn);
    free(dxml);
    return NULL;
}

struct sparse_ctx {
    struct lv_mig *m;
    virStreamPtr out;
    uint64_t pos;
};

/* A migration that runs already (adopted): nothing to start, only its end
 * to wait for. It ended well when the VM runs on the destination. */
static void *
adopt_worker(void *arg)
{
    struct lv_mig *m = arg;
    int st = 0, rs = 0;
    bool stopped = false;

    for (unsigned tick = 0;; tick++) {
        virDomainJobInfo ji;

        pthread_mutex_lock(&m->lock);
        stopped = m->cold_cancel; /* let go */
        pthread_mutex_unlock(&m->lock);
        if (stopped)
            break;
        if (tick % 5 == 0 && (virDomainGetJobInfo(m->dom, &ji) < 0 ||
                              ji.type == VIR_DOMAIN_JOB_NONE))
            break;
        nap_ms(50);
    }
    if (stopped) {
        worker_done(m, -1, "let go");
        return NULL;
    }
    /* only the source's domain here (its own reference): the loop checks
     * the destination in finish_live. A source still running did not
     * switch; one shut off or gone did. */
    if (virDomainGetState(m->dom, &st, &rs, 0) == 0 &&
        (st == VIR_DOMAIN_RUNNING || st == VIR_DOMAIN_PAUSED))
        worker_done(m, -1, "the migration ended without switching over");
    else
        worker_done(m, 0, NULL);
    return NULL;
}

static void
cold_progress(struct lv_mig *m, uint64_t add)
{
    pthread_mutex_lock(&m->lock);
    m->cold_done += add;
    pthread_mutex_unlock(&m->lock);
}

static bool
cold_cancelled(struct lv_mig *m)
{
    bool c;

    pthread_mutex_lock(&m->lock);
    c = m->cold_cancel;
    pthread_mutex_unlock(&m->lock);
    return c;
}

/* Copy one volume with sparse streams: data as data, holes as holes. */
static int
copy_volume(struct lv_mig *m, const struct mdisk *k, char **msg)
{
    virStorageVolPtr sv = virStorageVolLookupByPath(m->src->conn, k->old_path);
    virStorageVolPtr dv = virStorageVolLookupByPath(m->dst->conn, k->new_path);
    virStreamPtr in = NULL, out = NULL;
    char *buf = xmalloc(1 << 20);
    int rc = -1;
    uint64_t t0 = loop_now_ms(), sent = 0;

    if (sv == NULL || dv == NULL) {
        *msg = xasprintf("volume lookup failed: %s", lv_errmsg());
        goto done;
    }
    in = virStreamNew(m->src->conn, 0);
    out = virStreamNew(m->dst->conn, 0);
    if (virStorageVolDownload(sv, in, 0, 0,
                              VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM) < 0 ||
        virStorageVolUpload(dv, out, 0, 0,
                            VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM) < 0) {
        *msg = xasprintf("cannot open the volume streams: %s", lv_errmsg());
        goto done;
    }
    for (;;) {
        int got;

        if (cold_cancelled(m)) {
            *msg = xasprintf("cancelled by the operator");
            virStreamAbort(in);
            virStreamAbort(out);
            in = out = NULL;
            goto done;
        }
        got = virStreamRecvFlags(in, buf, 1 << 20,
                                 VIR_STREAM_RECV_STOP_AT_HOLE);
        if (got == -3) {
            long long hole = 0;

            if (virStreamRecvHole(in, &hole, 0) < 0 ||
                virStreamSendHole(out, hole, 0) < 0) {
                *msg = xasprintf("hole transfer failed: %s", lv_errmsg());
                goto done;
            }
            cold_progress(m, (uint64_t)hole);
            continue;
        }
        if (got < 0) {
            *msg = xasprintf("read from %s failed: %s", m->src->name,
                     lv_errmsg());
            goto done;
        }
        if (got == 0)
            break;
        for (int off = 0; off < got;) {
            int w = virStreamSend(out, buf + off, (size_t)(got - off));

            if (w < 0) {
                *msg = xasprintf("write to %s failed: %s", m->dst->name,
                         lv_errmsg());
                goto done;
            }
            off += w;
        }
        cold_progress(m, (uint64_t)got);
        sent += (uint64_t)got;
        /* data at most at the cap (holes cost nothing) */
        while (m->cold_cap_bps && !cold_cancelled(m)) {
            uint64_t due = sent * 1000 / m->cold_cap_bps;
            uint64_t el = loop_now_ms() - t0;

            if (el >= due)
                break;
            nap_ms((unsigned)MIN(due - el, 100));
        }
    }
    if (virStreamFinish(in) < 0 || virStreamFinish(out) < 0) {
        *msg = xasprintf("finishing the copy failed: %s", lv_errmsg());
        goto done;
    }
    rc = 0;
done:
    if (rc < 0) {
        if (in != NULL)
            virStreamAbort(in);
        if (out != NULL)
            virStreamAbort(out);
    }
    if (in != NULL)
        virStreamFree(in);
    if (out != NULL)
        virStreamFree(out);
    if (sv != NULL)
        virStorageVolFree(sv);
    if (dv != NULL)
        virStorageVolFree(dv);
    free(buf);
    return rc;
}

static void *
cold_worker(void *arg)
{
    struct lv_mig *m = arg;
    char *msg = NULL;
    char *xml, *nxml;
    virDomainPtr nd;

    for (size_t i = 0; i < m->n_disks; i++)
        if (m->disks[i].moving && copy_volume(m, &m->disks[i], &msg) < 0) {
            worker_done(m, -1, msg);
            free(msg);
            return NULL;
        }
    xml = virDomainGetXMLDesc(m->dom, VIR_DOMAIN_XML_INACTIVE |
                                          VIR_DOMAIN_XML_SECURE);
    if (xml == NULL) {
        worker_done(m, -1, lv_errmsg());
        return NULL;
    }
    nxml = dest_xml(m, xml);
    free(xml);
    nd = virDomainDefineXML(m->dst->conn, nxml);
    free(nxml);
    if (nd == NULL) {
        msg = xasprintf("cannot define %s on %s: %s", m->vm, m->dst->name,
                        lv_errmsg());
        worker_done(m, -1, msg);
        free(msg);
        return NULL;
    }
    virDomainFree(nd);
    if (m->dst != m->src && virDomainUndefine(m->dom) < 0) {
        msg = xasprintf("defined on %s, but %s could not be undefined on "
                        "%s: %s", m->dst->name, m->vm, m->src->name,
                        lv_errmsg());
        worker_done(m, -1, msg);
        free(msg);
        return NULL;
    }
    worker_done(m, 0, NULL);
    return NULL;
}

/* ---- the job ------------------------------------------------------------- */

/* ---- the fail-safe ------------------------------------------------------- */

static json_object *
arm_msg(const struct lv_mig *m)
{
    json_object *o = json_object_new_object(), *a = json_object_new_object();
    json_object *disks = json_object_new_array();
    json_object *vols = json_object_new_array();
    enum steer_lost mode = m->p.on_steering_lost == STEER_LOST_BUDGET
                               ? STEER_LOST_BUDGET
                               : STEER_LOST_ABORT;
    struct timespec ts;
    int64_t now_unix;

    clock_gettime(CLOCK_REALTIME, &ts);
    now_unix = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    jf_add_str(a, "id", m->guard_id);
    jf_add_str(a, "kind", m->mode == MODE_LIVE        ? "live"
                          : m->mode == MODE_BLOCKCOPY ? "blockcopy"
                                                      : "cold");
    jf_add_str(a, "mode", steer_lost_name(mode));
    jf_add_u64(a, "budget_ms", m->p.budget_ms);
    jf_add_str(a, "vm", m->vm);
    jf_add_str(a, "src", m->src->name);
    jf_add_str(a, "dst", m->dst->name);
    jf_add_str(a, "src_uri", lv_guard_uri(m->src));
    jf_add_str(a, "dst_uri", lv_guard_uri(m->dst));
    jf_add_str(a, "log", m->log_path);
    json_object_object_add(
        a, "t0_unix_ms",
        json_object_new_int64(now_unix - (int64_t)now_rel(m)));
    for (size_t i = 0; i < m->n_disks; i++)
        if (m->disks[i].moving) {
            json_object_array_add(disks,
                                  json_object_new_string(m->disks[i].target));
            if (m->disks[i].new_path != NULL)
                json_object_array_add(
                    vols, json_object_new_string(m->disks[i].new_path));
        }
    json_object_object_add(a, "disks", disks);
    json_object_object_add(a, "new_volumes", vols);
    json_object_object_add(o, "arm", a);
    return o;
}

static void
arm(struct lv_mig *m)
{
    if (m->lv->guard_fd < 0)
        return;
    if (m->guard_id == NULL)
        m->guard_id = xasprintf("%ld-%u", (long)getpid(), ++m->lv->guard_seq);
    lv_guard_send(m->lv, arm_msg(m));
    m->armed = true;
}

static void
disarm(struct lv_mig *m)
{
    json_object *o;

    if (!m->armed)
        return;
    m->armed = false;
    o = json_object_new_object();
    jf_add_str(o, "disarm", m->guard_id);
    lv_guard_send(m->lv, o);
}

void
lv_mig_arm_all(struct lv *lv)
{
    for (size_t i = 0; i < lv->n_migs; i++)
        if (!lv->migs[i]->watch &&
            (lv->migs[i]->armed || !lv->migs[i]->finished))
            arm(lv->migs[i]);
}

static void *sampler(void *arg);
static bool stop_sampler(struct lv_mig *m);
static void finish_cold(struct lv_mig *m, int rc, const char *msg);
static bool join_within(pthread_t th, unsigned ms);

/* Any disk of the domain on a new volume already (a pivot half done):
 * its <source>, not a mirror's. */
static bool
uses_any_new_path(struct lv_mig *m)
{
    char *xml = virDomainGetXMLDesc(m->dom, 0);
    struct lv_xml_h x;
    void **nodes = NULL;
    size_t n;
    bool yes = false;

    if (xml == NULL || lv_xml_open(&x, xml) < 0) {
        free(xml);
        return true; /* cannot tell: keep them */
    }
    n = lv_xml_nodes(&x, "/domain/devices/disk/source", &nodes);
    for (size_t i = 0; i < n && !yes; i++) {
        char *f = lv_xml_str(&x, nodes[i], "string(@file)");

        for (size_t k = 0; f != NULL && k < m->n_disks && !yes; k++)
            yes = m->disks[k].moving && m->disks[k].new_path != NULL &&
                  strcmp(f, m->disks[k].new_path) == 0;
        free(f);
    }
    free(nodes);
    lv_xml_close(&x);
    free(xml);
    return yes;
}

static void
register_mig(struct lv_mig *m)
{
    struct lv *lv = m->lv;

    if (lv->n_migs == lv->cap_migs) {
        lv->cap_migs = lv->cap_migs ? 2 * lv->cap_migs : 16;
        lv->migs = xrealloc(lv->migs, lv->cap_migs * sizeof *lv->migs);
    }
    lv->migs[lv->n_migs++] = m;
}

static void
unregister_mig(struct lv_mig *m)
{
    struct lv *lv = m->lv;

    for (size_t i = 0; i < lv->n_migs; i++)
        if (lv->migs[i] == m) {
            lv->migs[i] = lv->migs[--lv->n_migs];
            break;
        }
}

/* How each moving disk is copied (diskcopy decides, as pre-flight did):
 * its format, allocation and backing file; a disk the copy would spoil is
 * refused here too, whoever skipped pre-flight. A migration copies every
 * disk the same way (NON_SHARED_INC or _DISK): shallow only if all are. */
static int
plan_disks(struct lv_mig *m, const struct lv_dom *d, struct ferry_err *err)
{
    size_t n_moving = 0, n_shallow = 0;

    for (size_t i = 0; i < m->n_disks; i++) {
        struct mdisk *k = &m->disks[i];
        char *ds;
        struct lv_diskfacts f;
        struct diskcopy_plan pl;
        struct diskcopy_dest to = {
            .host = m->dst->name, .datastore = m->p.dst_ds,
            .same_host = m->src == m->dst, .cold = m->mode == MODE_COLD,
            .with_vm = m->p.kind == KIND_BOTH};

        if (!k->moving)
            continue;
        ds = lv_disk_ds(m->lv, m->src, &d->disks[i]);
        lv_disk_facts(m->lv, m->src, m->dom, m->vm, &d->disks[i], ds, m->dst,
                      &f);
        diskcopy_decide(&f.disk, &to, &pl);
        if (pl.mode == DISKCOPY_REFUSE) {
            err_set(err, "%s", pl.message);
            diskcopy_plan_fini(&pl);
            lv_diskfacts_fini(&f);
            free(ds);
            return -1;
        }
        k->format = xstrdup(pl.format);
        k->capacity = pl.capacity_bytes;
        k->allocation = pl.allocation_bytes;
        k->shallow = pl.mode == DISKCOPY_SHALLOW;
        k->flatten = pl.mode == DISKCOPY_FULL && f.disk.n_backing > 0;
        if (k->shallow) {
            k->backing_path = xstrdup(pl.backing_path);
            k->backing_format = xstrdup(pl.backing_format);
        }
        n_moving++;
        n_shallow += k->shallow;
        diskcopy_plan_fini(&pl);
        lv_diskfacts_fini(&f);
        free(ds);
    }
    if (m->mode == MODE_LIVE && n_shallow > 0 && n_shallow < n_moving)
        for (size_t i = 0; i < m->n_disks; i++)
            if (m->disks[i].shallow) {
                struct mdisk *k = &m->disks[i];

                k->shallow = false;
                k->flatten = true;
                free(k->backing_path);
                free(k->backing_format);
                k->backing_path = k->backing_format = NULL;
            }
    return 0;
}

void *
lv_mig_new(struct hv *hv, const struct hv_mig_params *p,
           struct ferry_err *err)
{
    struct lv *lv = (struct lv *)hv;
    const struct model_vm *v = model_vm(hv->model, p->vm);
    struct lv_mig *m;
    struct lv_dom *d;
    int state = 0, reason = 0;

    if (v == NULL) {
        err_set(err, "no VM named %s", p->vm);
        return NULL;
    }
    m = xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->lock, NULL);
    m->lv = lv;
    m->p = *p;
    m->p.vm = m->vm = xstrdup(p->vm);
    m->p.dst_host = m->p.dst_ds = NULL;
    m->log_path = p->log_path != NULL ? xstrdup(p->log_path) : NULL;
    m->p.log_path = NULL;
    m->src = lv_host_by_name(lv, v->host);
    m->dst = lv_host_by_name(lv, p->dst_host ? p->dst_host : v->host);
    m->t0_ms = loop_now_ms();
    if (p->adopt && p->t0_unix_ms > 0) {
        struct timespec ts;
        int64_t now_unix, ago;

        clock_gettime(CLOCK_REALTIME, &ts);
        now_unix = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        ago = now_unix - p->t0_unix_ms;
        if (ago > 0 && (uint64_t)ago < m->t0_ms)
            m->t0_ms -= (uint64_t)ago; /* job time goes on from the log's */
    }
    m->limit_ms = p->downtime_limit_ms;
    if (m->src == NULL || m->src->conn == NULL || m->dst == NULL ||
        m->dst->conn == NULL) {
        err_set(err, "host %s is not connected",
                m->src && m->src->conn ? p->dst_host : v->host);
        goto bad;
    }
    m->dom = virDomainLookupByName(m->src->conn, p->vm);
    d = lv_dom_by_name(m->src, p->vm);
    if (m->dom == NULL || d == NULL) {
        err_set(err, "%s: no domain %s: %s", m->src->name, p->vm,
                lv_errmsg());
        goto bad;
    }
    m->persistent = d->persistent;
    if (virDomainGetState(m->dom, &state, &reason, 0) < 0) {
        err_set(err, "%s: %s", p->vm, lv_errmsg());
        goto bad;
    }
    if (p->dst_ds != NULL) {
        m->dst_pool = pool_for_ds(lv, m->dst, p->dst_ds);
        if (m->dst_pool == NULL) {
            err_set(err, "datastore %s is not a pool of %s", p->dst_ds,
                    m->dst->name);
            goto bad;
        }
    }
    m->disks = xcalloc(d->n_disks + 1, sizeof *m->disks);
    for (size_t i = 0; i < d->n_disks; i++) {
        struct mdisk *k = &m->disks[m->n_disks++];

        k->target = xstrdup(d->disks[i].target);
        k->old_path = d->disks[i].path ? xstrdup(d->disks[i].path) : NULL;
        k->capacity = d->disks[i].capacity;
        k->moving = p->kind != KIND_COMPUTE && k->old_path != NULL &&
                    (d->disks[i].pool == NULL ||
                     strcmp(d->disks[i].pool, m->dst_pool) != 0 ||
                     m->src != m->dst);
        if (k->moving && d->disks[i].pool != NULL &&
            strcmp(d->disks[i].pool, m->dst_pool) == 0 && m->src != m->dst) {
            /* the same shared pool on both sides: nothing to copy */
            const struct lv_pool *sp = NULL;

            for (size_t q = 0; q < m->src->n_pools; q++)
                if (strcmp(m->src->pools[q].name, m->dst_pool) == 0)
                    sp = &m->src->pools[q];
            if (sp != NULL && lv_pool_shared(lv, sp))
                k->moving = false;
        }
    }
    if (p->kind != KIND_COMPUTE)
        m->ds_cap_bps = lv_disk_cap_bps(lv, v, p->dst_ds, NULL);
    if (state == VIR_DOMAIN_SHUTOFF) {
        m->mode = MODE_COLD;
        for (size_t i = 0; i < m->n_disks; i++)
            if (m->disks[i].moving)
                m->cold_total += m->disks[i].capacity;
        m->cold_cap_bps = m->ds_cap_bps;
        if (p->bandwidth_cap_bps &&
            (m->cold_cap_bps == 0 || p->bandwidth_cap_bps < m->cold_cap_bps))
            m->cold_cap_bps = p->bandwidth_cap_bps;
    } else if (p->kind == KIND_STORAGE) {
        m->mode = MODE_BLOCKCOPY;
        if (m->src != m->dst) {
            err_set(err, "a storage migration stays on %s; use --kind both "
                         "to change hosts too", m->src->name);
            goto bad;
        }
    } else {
        m->mode = MODE_LIVE;
    }
    if (plan_disks(m, d, err) < 0)
        goto bad;
    if (p->adopt) {
        virDomainJobInfo ji;

        if (m->mode != MODE_LIVE || p->kind != KIND_COMPUTE) {
            err_set(err, "%s: only a live compute migration can be adopted",
                    p->vm);
            goto bad;
        }
        if (virDomainGetJobInfo(m->dom, &ji) < 0 ||
            ji.type == VIR_DOMAIN_JOB_NONE) {
            err_set(err, "no migration of %s runs on %s to adopt", p->vm,
                    m->src->name);
            goto bad;
        }
        m->persistent = d->persistent;
        m->watch = p->watch;
        {
            /* its limit is whoever started it's: the samples say so */
            unsigned long long ms = 0;

            if (virDomainMigrateGetMaxDowntime(m->dom, &ms, 0) == 0)
                m->limit_ms = ms;
        }
        register_mig(m);
        if (!m->watch)
            arm(m); /* this server's guard has it now */
        if (pthread_create(&m->th, NULL, adopt_worker, m) != 0) {
            err_set(err, "cannot start a worker thread");
            disarm(m);
            unregister_mig(m);
            goto bad;
        }
        m->th_started = true;
        if (pthread_create(&m->sth, NULL, sampler, m) == 0)
            m->sth_started = true;
        return m;
    }
    {
        bool any = false;

        for (size_t i = 0; i < m->n_disks; i++)
            any |= m->disks[i].moving;
        if (p->kind != KIND_COMPUTE && !any && m->mode != MODE_COLD) {
            err_set(err, "%s: every disk is already on %s", p->vm,
                    p->dst_ds);
            goto bad;
        }
        if (any && create_volumes(m, m->dst, err) < 0) {
            delete_new_volumes(m, m->dst);
            goto bad;
        }
    }
    register_mig(m);
    if (m->mode == MODE_BLOCKCOPY) {
        /* the lower of the operator's cap and the datastores' */
        uint64_t bw = p->bandwidth_cap_bps;

        if (m->ds_cap_bps && (bw == 0 || m->ds_cap_bps < bw))
            bw = m->ds_cap_bps;
        for (size_t i = 0; i < m->n_disks; i++) {
            struct mdisk *k = &m->disks[i];
            virTypedParameterPtr par = NULL;
            int np = 0, maxp = 0;
            char *dx;
            int rc;

            if (!k->moving)
                continue;
            if (bw)
                virTypedParamsAddULLong(&par, &np, &maxp,
                                        VIR_DOMAIN_BLOCK_COPY_BANDWIDTH, bw);
            /* the same format as the source's, in the volume made for it */
            {
                char *ep = lv_xml_escape(k->new_path);

                dx = xasprintf("<disk type='file'><source file='%s'/><driver "
                               "type='%s'/></disk>",
                               ep, k->format);
                free(ep);
            }
            rc = virDomainBlockCopy(
                m->dom, k->target, dx, par, np,
                VIR_DOMAIN_BLOCK_COPY_REUSE_EXT |
                    (k->shallow ? VIR_DOMAIN_BLOCK_COPY_SHALLOW : 0) |
                    (m->persistent ? VIR_DOMAIN_BLOCK_COPY_TRANSIENT_JOB : 0));
            free(dx);
            virTypedParamsFree(par, np);
            if (rc < 0) {
                err_set(err, "%s: block copy of %s failed: %s", p->vm,
                        k->target, lv_errmsg());
                for (size_t j = 0; j < i; j++)
                    if (m->disks[j].moving)
                        virDomainBlockJobAbort(m->dom, m->disks[j].target, 0);
                delete_new_volumes(m, m->dst);
                unregister_mig(m);
                goto bad;
            }
        }
        m->copying = true;
        arm(m);
        return m;
    }
    if (m->mode == MODE_LIVE && p->on_steering_lost != STEER_LOST_BUDGET &&
        virConnectRef(m->dst->conn) == 0)
        m->dconn = m->dst->conn; /* client-managed: see live_worker */
    arm(m); /* before anything can run unsteered */
    if (pthread_create(&m->th, NULL,
                       m->mode == MODE_COLD ? cold_worker : live_worker,
                       m) != 0) {
        err_set(err, "cannot start a worker thread");
        disarm(m);
        delete_new_volumes(m, m->dst);
        unregister_mig(m);
        goto bad;
    }
    m->th_started = true;
    if (m->mode == MODE_LIVE &&
        pthread_create(&m->sth, NULL, sampler, m) == 0)
        m->sth_started = true;
    return m;
bad:
    lv_mig_free(m);
    return NULL;
}

void
lv_mig_free(void *mig)
{
    struct lv_mig *m = mig;

    if (m == NULL)
        return;
    if (m->th_started) {
        bool done;

        pthread_mutex_lock(&m->lock);
        m->cold_cancel = true; /* a cold copy stops at its next block */
        done = m->w_done;
        pthread_mutex_unlock(&m->lock);
        /* A migration let go before it ended (the server stops): never
         * leave it running unsteered at a 1 ms limit, and never wait on
         * it for long. virDomainMigrateToURI3 returns once the abort
         * takes; a worker that still blocks after that is let go with
         * its migration, which it alone touches (the process exits). */
        if (!done && !m->finished && m->mode == MODE_LIVE && !m->aborted &&
            !m->released && !m->watch)
            virDomainAbortJob(m->dom);
        if (!join_within(m->th, m->released ? 50 : 300)) {
            /* still running: armed, it is the fail-safe's */
            pthread_detach(m->th);
            m->lv->orphans++;
            stop_sampler(m);
            unregister_mig(m);
            return;
        }
    } else if (m->mode == MODE_BLOCKCOPY && !m->finished && m->copying) {
        /* a copy let go unfinished: cancelled, never half-pivoted; a
         * volume the domain already uses (a pivot that went half way) is
         * kept */
        for (size_t i = 0; i < m->n_disks; i++)
            if (m->disks[i].moving)
                virDomainBlockJobAbort(m->dom, m->disks[i].target, 0);
        if (!uses_any_new_path(m))
            delete_new_volumes(m, m->src);
        m->finished = true;
    }
    if (m->th_started && m->mode == MODE_COLD && !m->finished) {
        bool done;
        int rc;

        pthread_mutex_lock(&m->lock);
        done = m->w_done;
        rc = m->w_rc;
        pthread_mutex_unlock(&m->lock);
        if (done && rc == 0)
            finish_cold(m, 0, NULL); /* it had finished: verify, clean up */
        else
            delete_new_volumes(m, m->dst); /* the source was never touched */
        m->finished = true;
    }
    if (m->finished || (m->th_started && !m->released))
        disarm(m); /* it ended (the worker returned): nothing to guard */
    if (!stop_sampler(m)) {
        unregister_mig(m);
        m->lv->orphans++;
        return; /* its sampler still holds it: let it go */
    }
    unregister_mig(m);
    if (m->dconn != NULL)
        virConnectClose(m->dconn);
    if (m->dom != NULL)
        virDomainFree(m->dom);
    for (size_t i = 0; i < m->n_disks; i++) {
        free(m->disks[i].target);
        free(m->disks[i].old_path);
        free(m->disks[i].new_path);
        free(m->disks[i].format);
        free(m->disks[i].backing_path);
        free(m->disks[i].backing_format);
    }
    free(m->disks);
    free(m->w_err);
    free(m->lost);
    free(m->dst_pool);
    free(m->vm);
    free(m->guard_id);
    free(m->log_path);
    pthread_mutex_destroy(&m->lock);
    free(m);
}

uint64_t
lv_mig_advance(void *mig, uint64_t t_ms)
{
    (void)t_ms;
    return now_rel(mig);
}

/* QEMU switches over by itself once remaining <= bandwidth x limit. Its
 * bandwidth is bytes written to the socket over 100 ms, which bursts far
 * above a shaped link; that is why a migration an engine steers is capped
 * at the host's configured link speed (see live_worker). A limit of 0 is
 * worse than 1 ms: QEMU then never re-syncs the dirty bitmap and switches
 * at the end of round one with everything dirtied since (4.3 s measured). */
static void
apply_limit(struct lv_mig *m)
{
    if (m->limit_pending &&
        virDomainMigrateSetMaxDowntime(m->dom, m->limit_ms, 0) == 0)
        m->limit_pending = false;
}

/* Finish a live compute move once the worker returned. */
static void
finish_live(struct lv_mig *m, int rc, const char *msg)
{
    virDomainPtr dd;
    int st = 0, rs = 0;

    m->res.total_ms = now_rel(m);
    m->res.rounds = MAX(m->last_iter, m->final_iter);
    m->res.bytes_sent = m->final_bytes ? m->final_bytes : m->last_processed;
    if (rc < 0) {
        bool running = virDomainGetState(m->dom, &st, &rs, 0) == 0 &&
                       st == VIR_DOMAIN_RUNNING;

        if (m->paused && running == false && st == VIR_DOMAIN_PAUSED) {
            virDomainResume(m->dom);
            running = virDomainGetState(m->dom, &st, &rs, 0) == 0 &&
                      st == VIR_DOMAIN_RUNNING;
        }
        if (m->p.kind == KIND_BOTH)
            delete_new_volumes(m, m->dst);
        /* a lost host first: it is why, and what a narrow status line
         * keeps */
        fail(m, m->aborted ? HV_CANCELLED : HV_FAILED, "%s%s%s; %s %s on %s",
             m->lost ? m->lost : "", m->lost ? ": " : "", msg, m->vm,
             running ? "is still running" : "is NOT running", m->src->name);
        lv_mark_dirty(m->src);
        lv_mark_dirty(m->dst);
        return;
    }
    if (!m->have_final) {
        /* the destination keeps the completed job's statistics */
        virDomainPtr d2 = virDomainLookupByName(m->dst->conn, m->vm);
        virTypedParameterPtr par = NULL;
        int np = 0, type = 0;

        if (d2 != NULL &&
            virDomainGetJobStats(d2, &type, &par, &np,
                                 VIR_DOMAIN_JOB_STATS_COMPLETED) == 0) {
            m->final_downtime = tp_u64(par, np, VIR_DOMAIN_JOB_DOWNTIME, 0);
            if (m->res.bytes_sent == 0)
                m->res.bytes_sent =
                    tp_u64(par, np, VIR_DOMAIN_JOB_DATA_PROCESSED, 0);
            virTypedParamsFree(par, np);
        }
        if (d2 != NULL)
            virDomainFree(d2);
    }
    m->res.downtime_ms = m->final_downtime;
    m->res.status = HV_COMPLETED;
    dd = m->dst->conn ? virDomainLookupByName(m->dst->conn, m->vm) : NULL;
    m->res.verified = dd != NULL && virDomainGetState(dd, &st, &rs, 0) == 0 &&
                      (st == VIR_DOMAIN_RUNNING ||
                       (m->paused && st == VIR_DOMAIN_PAUSED));
    if (dd != NULL && m->p.kind == KIND_BOTH) {
        m->res.verified = m->res.verified && uses_new_paths(m, dd, 0);
        if (m->res.verified)
            delete_old_volumes(m);
    }
    if (dd != NULL)
        virDomainFree(dd);
    if (!m->res.verified)
        snprintf(m->res.reason, sizeof m->res.reason,
                 "libvirt reported success but %s is not running on %s",
                 m->vm, m->dst->name);
    m->finished = true;
    lv_mark_dirty(m->src);
    lv_mark_dirty(m->dst);
}

static void
finish_cold(struct lv_mig *m, int rc, const char *msg)
{
    m->res.total_ms = now_rel(m);
    m->res.bytes_sent = m->cold_done;
    m->res.rounds = 1;
    if (rc < 0) {
        delete_new_volumes(m, m->dst);
        fail(m, m->aborted ? HV_CANCELLED : HV_FAILED,
             "%s; %s stays defined on %s with its disks", msg, m->vm,
             m->src->name);
    } else {
        virDomainPtr dd = virDomainLookupByName(m->dst->conn, m->vm);

        m->res.verified = dd != NULL &&
                          uses_new_paths(m, dd, VIR_DOMAIN_XML_INACTIVE);
        if (dd != NULL)
            virDomainFree(dd);
        if (m->res.verified)
            delete_old_volumes(m);
        m->res.status = HV_COMPLETED;
        m->finished = true;
    }
    lv_mark_dirty(m->src);
    lv_mark_dirty(m->dst);
}

static void
sample_live(struct lv_mig *m, struct job_sample *s)
{
    virTypedParameterPtr par = NULL;
    int np = 0, type = VIR_DOMAIN_JOB_NONE;
    uint64_t page = 4096;

    if (virDomainGetJobStats(m->dom, &type, &par, &np, 0) < 0 ||
        type == VIR_DOMAIN_JOB_NONE) {
        s->status = HV_SETUP;
        virTypedParamsFree(par, np);
        return;
    }
    s->status = HV_ACTIVE;
    for (int i = 0; i < np; i++) {
        int f = sample_field_lookup(par[i].field);
        uint64_t v;

        if (f < 0)
            continue;
        switch (par[i].type) {
        case VIR_TYPED_PARAM_ULLONG: v = par[i].value.ul; break;
        case VIR_TYPED_PARAM_LLONG: v = (uint64_t)MAX(par[i].value.l, 0); break;
        case VIR_TYPED_PARAM_UINT: v = par[i].value.ui; break;
        case VIR_TYPED_PARAM_INT: v = (uint64_t)MAX(par[i].value.i, 0); break;
        default: continue;
        }
        sample_set(s, (enum sample_field)f, v);
    }
    page = tp_u64(par, np, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, 4096);
    virTypedParamsFree(par, np);
    /* libvirt's dirty rate is in pages per second, and 0 in round one */
    if (sample_has(s, SF_MEMORY_DIRTY_RATE))
        s->v[SF_MEMORY_DIRTY_RATE] *= page;
    if (!sample_has(s, SF_MEMORY_ITERATION) && m->iteration_event)
        sample_set(s, SF_MEMORY_ITERATION, m->iteration_event);
    if (sample_get(s, SF_MEMORY_ITERATION, 0) <= 1)
        s->present &= ~(1u << SF_MEMORY_DIRTY_RATE);
    m->last_iter = MAX(m->last_iter, sample_get(s, SF_MEMORY_ITERATION, 0));
    m->last_processed = sample_get(s, SF_DATA_PROCESSED,
                                   sample_get(s, SF_MEMORY_PROCESSED, 0));
    s->stage = STAGE_MEMORY;
    if (m->p.kind == KIND_BOTH && sample_get(s, SF_DISK_TOTAL, 0) > 0) {
        uint64_t drem = sample_get(s, SF_DISK_REMAINING, 1);

        s->disk_ready = drem == 0;
        if (sample_get(s, SF_MEMORY_PROCESSED, 0) == 0 && drem > 0)
            s->stage = STAGE_DISK;
        if (!sample_has(s, SF_DISK_ITERATION))
            sample_set(s, SF_DISK_ITERATION, drem == 0 ? 2 : 1);
    }
    if (m->postcopy_started)
        s->status = HV_POSTCOPY;
    s->guest_paused = m->paused;
}

static void *
sampler(void *arg)
{
    struct lv_mig *m = arg;

    for (;;) {
        struct job_sample s;
        bool stop;

        memset(&s, 0, sizeof s);
        sample_live(m, &s);
        pthread_mutex_lock(&m->lock);
        m->latest = s;
        m->have_latest = true;
        stop = m->s_stop || m->w_done;
        pthread_mutex_unlock(&m->lock);
        if (stop)
            return NULL;
        for (int i = 0; i < 2; i++) {
            struct timespec ts = {0, 50 * 1000 * 1000};

            nanosleep(&ts, NULL);
            pthread_mutex_lock(&m->lock);
            stop = m->s_stop || m->w_done;
            pthread_mutex_unlock(&m->lock);
            if (stop)
                return NULL;
        }
    }
}

/* Join a thread, waiting at most ms: true when it ended. */
static bool
join_within(pthread_t th, unsigned ms)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_timedjoin_np(th, NULL, &ts) == 0;
}

/* The sampler's job stats may block while QEMU switches over; one that
 * still blocks after a moment is let go (it holds only its migration). */
static bool
stop_sampler(struct lv_mig *m)
{
    if (!m->sth_started)
        return true;
    pthread_mutex_lock(&m->lock);
    m->s_stop = true;
    pthread_mutex_unlock(&m->lock);
    if (!join_within(m->sth, 200)) {
        pthread_detach(m->sth);
        m->sth_started = false;
        return false;
    }
    m->sth_started = false;
    return true;
}

static void
sample_blockcopy(struct lv_mig *m, struct job_sample *s)
{
    uint64_t total = 0, done = 0, t = now_rel(m);
    bool ready = true;

    for (size_t i = 0; i < m->n_disks; i++) {
        struct mdisk *k = &m->disks[i];
        virDomainBlockJobInfo info;

        if (!k->moving)
            continue;
        if (virDomainGetBlockJobInfo(m->dom, k->target, &info, 0) == 1) {
            k->cur = info.cur;
            k->end = info.end;
        }
        total += k->end;
        done += k->cur;
        ready = ready && k->ready;
        if (k->failed) {
            fail(m, HV_FAILED, "the block copy of %s failed; %s stays on its "
                 "original disks", k->target, m->vm);
            delete_new_volumes(m, m->src);
        }
    }
    if (t > m->last_disk_ms && done >= m->last_disk_processed) {
        double inst = (double)(done - m->last_disk_processed) * 1000.0 /
                      (double)(t - m->last_disk_ms);

        m->disk_bps = m->disk_bps > 0 ? 0.7 * m->disk_bps + 0.3 * inst : inst;
    }
    m->last_disk_processed = done;
    m->last_disk_ms = t;
    s->status = HV_ACTIVE;
    s->stage = STAGE_DISK;
    s->disk_ready = ready && total > 0;
    sample_set(s, SF_DISK_TOTAL, total);
    sample_set(s, SF_DISK_PROCESSED, done);
    sample_set(s, SF_DISK_REMAINING, total - MIN(done, total));
    sample_set(s, SF_DISK_ITERATION, s->disk_ready ? 2 : 1);
    if (m->disk_bps > 0)
        sample_set(s, SF_DISK_BPS, (uint64_t)m->disk_bps);
    sample_set(s, SF_DATA_TOTAL, total);
    sample_set(s, SF_DATA_PROCESSED, done);
    sample_set(s, SF_DATA_REMAINING, total - MIN(done, total));
}

void
lv_mig_sample(void *mig, struct job_sample *s)
{
    struct lv_mig *m = mig;
    bool done;
    int rc;
    char *msg;
    uint64_t cold_done, done_ms;

    memset(s, 0, sizeof *s);
    sample_set(s, SF_TIME_ELAPSED, now_rel(m));
    if (m->finished) {
        s->status = m->res.status;
        return;
    }
    pthread_mutex_lock(&m->lock);
    done = m->w_done;
    rc = m->w_rc;
    msg = xstrdup(m->w_err ? m->w_err : "");
    cold_done = m->cold_done;
    done_ms = m->w_done_ms;
    pthread_mutex_unlock(&m->lock);
    switch (m->mode) {
    case MODE_LIVE:
        /* give the completed-job event a moment to arrive */
        if (done && (rc < 0 || m->have_final ||
                     loop_now_ms() - done_ms > 1500)) {
            stop_sampler(m);
            finish_live(m, rc, msg);
        } else if (!done) {
            bool have;

            pthread_mutex_lock(&m->lock);
            have = m->have_latest;
            if (have)
                *s = m->latest;
            pthread_mutex_unlock(&m->lock);
            if (!have)
                s->status = HV_SETUP;
            if (s->status == HV_ACTIVE) {
                if (m->limit_pending)
                    apply_limit(m);
                sample_set(s, SF_DOWNTIME_LIMIT, m->limit_ms);
                m->last_live = *s;
            }
            sample_set(s, SF_TIME_ELAPSED, now_rel(m));
        } else {
            /* switched over; the final figures are on their way */
            *s = m->last_live;
            s->status = HV_ACTIVE;
            sample_set(s, SF_TIME_ELAPSED, now_rel(m));
        }
        break;
    case MODE_COLD:
        if (done)
            finish_cold(m, rc, msg);
        s->status = HV_ACTIVE;
        s->stage = STAGE_DISK;
        sample_set(s, SF_DISK_TOTAL, m->cold_total);
        sample_set(s, SF_DISK_PROCESSED, cold_done);
        sample_set(s, SF_DISK_REMAINING,
                   m->cold_total - MIN(cold_done, m->cold_total));
        sample_set(s, SF_DISK_ITERATION, 1);
        break;
    case MODE_BLOCKCOPY:
        sample_blockcopy(m, s);
        break;
    }
    free(msg);
    if (m->finished)
        s->status = m->res.status;
}

/* Pivot every disk, verify, clean up. */
static int
pivot(struct lv_mig *m, struct ferry_err *err)
{
    uint64_t t0 = loop_now_ms();

    for (size_t i = 0; i < m->n_disks; i++) {
        struct mdisk *k = &m->disks[i];

        if (!k->moving)
            continue;
        if (virDomainBlockJobAbort(m->dom, k->target,
                                   VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) < 0) {
            err_set(err, "pivot of %s refused: %s", k->target, lv_errmsg());
            return -1;
        }
    }
    m->res.downtime_ms = loop_now_ms() - t0;
    m->res.total_ms = now_rel(m);
    m->res.bytes_sent = m->last_disk_processed;
    m->res.rounds = 1;
    m->res.verified = uses_new_paths(m, m->dom, 0);
    if (m->res.verified && m->persistent &&
        !uses_new_paths(m, m->dom, VIR_DOMAIN_XML_INACTIVE)) {
        /* keep the persistent definition in step with the live one */
        char *x = virDomainGetXMLDesc(m->dom, VIR_DOMAIN_XML_INACTIVE |
                                                  VIR_DOMAIN_XML_SECURE);

        if (x != NULL) {
            char *nx = xml_with_new_paths(m, x);
            virDomainPtr nd = virDomainDefineXML(m->src->conn, nx);

            if (nd != NULL)
                virDomainFree(nd);
            free(nx);
        }
        free(x);
        m->res.verified = uses_new_paths(m, m->dom, VIR_DOMAIN_XML_INACTIVE);
    }
    if (m->res.verified) {
        delete_old_volumes(m);
        m->res.status = HV_COMPLETED;
    } else {
        snprintf(m->res.reason, sizeof m->res.reason,
                 "pivoted, but %s's definition does not show the new "
                 "volumes; the source volumes were kept", m->vm);
        m->res.status = HV_FAILED;
    }
    m->finished = true;
    lv_mark_dirty(m->src);
    return 0;
}

int
lv_mig_act(void *mig, const struct engine_action *a, struct ferry_err *err)
{
    struct lv_mig *m = mig;

    if (m->finished) {
        err_set(err, "the migration has ended");
        return -1;
    }
    if (m->released)
        return 0; /* handed over: QEMU and the fail-safe have it */
    if (m->mode == MODE_COLD) {
        if (a->kind == ACT_ABORT) {
            m->aborted = true;
            pthread_mutex_lock(&m->lock);
            m->cold_cancel = true;
            pthread_mutex_unlock(&m->lock);
        }
        return 0; /* a shut-off VM has no downtime to steer */
    }
    switch (a->kind) {
    case ACT_NONE:
        return 0;
    case ACT_SET_DOWNTIME:
        if (m->mode != MODE_LIVE)
            return 0;
        m->limit_ms = a->value;
        m->limit_pending = true;
        apply_limit(m);
        return 0;
    case ACT_SWITCHOVER:
        if (m->mode == MODE_BLOCKCOPY)
            return pivot(m, err);
        /* QEMU switches once remaining <= bandwidth x limit: lift it */
        m->switch_requested = true;
        m->limit_ms = 60000;
        m->limit_pending = true;
        apply_limit(m);
        if (m->limit_pending) {
            err_set(err, "cannot raise the downtime limit: %s", lv_errmsg());
            return -1;
        }
        return 0;
    case ACT_POSTCOPY:
        if (m->mode != MODE_LIVE || !m->p.postcopy) {
            err_set(err, "post-copy was not enabled when this migration "
                         "started (the policy does not allow it)");
            return -1;
        }
        if (virDomainMigrateStartPostCopy(m->dom, 0) < 0) {
            err_set(err, "post-copy refused: %s", lv_errmsg());
            return -1;
        }
        m->postcopy_started = true;
        return 0;
    case ACT_THROTTLE:
        err_set(err, "libvirt cannot throttle vCPUs during a migration%s",
                m->p.auto_converge ? "; QEMU's auto-converge is throttling"
                                   : " (the policy did not enable "
                                     "auto-converge at the start)");
        return -1;
    case ACT_PAUSE:
        if (m->mode != MODE_LIVE) {
            err_set(err, "a storage move has nothing to pause for");
            return -1;
        }
        if (virDomainSuspend(m->dom) < 0) {
            err_set(err, "cannot pause %s: %s", m->vm, lv_errmsg());
            return -1;
        }
        m->paused = true;
        return 0;
    case ACT_ABORT:
        m->aborted = true;
        if (m->mode == MODE_BLOCKCOPY) {
            for (size_t i = 0; i < m->n_disks; i++)
                if (m->disks[i].moving)
                    virDomainBlockJobAbort(m->dom, m->disks[i].target, 0);
            delete_new_volumes(m, m->src);
            m->res.total_ms = now_rel(m);
            fail(m, HV_CANCELLED, "block copy cancelled; %s stays on its "
                 "original disks", m->vm);
            lv_mark_dirty(m->src);
            return 0;
        }
        if (virDomainAbortJob(m->dom) < 0) {
            err_set(err, "abort refused: %s", lv_errmsg());
            return -1;
        }
        return 0;
    }
    return 0;
}

bool
lv_mig_finished(void *mig, struct hv_result *r)
{
    struct lv_mig *m = mig;

    if (m->finished && r != NULL)
        *r = m->res;
    if (m->finished)
        disarm(m);
    return m->finished;
}

void
lv_mig_take(void *mig, enum steer_lost mode, uint64_t budget_ms)
{
    struct lv_mig *m = mig;

    if (m->finished)
        return;
    m->watch = false;
    m->p.on_steering_lost = mode;
    m->p.budget_ms = budget_ms;
    arm(m); /* (again): the guard keeps the newest */
}

bool
lv_mig_release(void *mig)
{
    struct lv_mig *m = mig;

    if (m->finished || m->released || m->watch || m->mode != MODE_LIVE ||
        m->postcopy_started)
        return false;
    m->released = true;
    /* QEMU may finish it by itself within the budget */
    m->limit_ms = m->p.budget_ms;
    m->limit_pending = true;
    apply_limit(m);
    return true;
}
