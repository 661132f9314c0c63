/* The libvirt backend: connections, events on ferry's loop, inventory. */
#include "lv_internal.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- events on ferry's loop ------------------------------------------ */

static struct loop *g_loop;

static int
ev_add_handle(int fd, int events, virEventHandleCallback cb, void *opaque,
              virFreeCallback ff)
{
    return loop_add_fd(g_loop, fd, events, cb, opaque, ff);
}

static void
ev_update_handle(int watch, int events)
{
    loop_update_fd(g_loop, watch, events);
}

static int
ev_remove_handle(int watch)
{
    return loop_remove_fd(g_loop, watch);
}

static int
ev_add_timeout(int period, virEventTimeoutCallback cb, void *opaque,
               virFreeCallback ff)
{
    return loop_add_timer(g_loop, period, cb, opaque, ff);
}

static void
ev_update_timeout(int timer, int period)
{
    loop_update_timer(g_loop, timer, period);
}

static int
ev_remove_timeout(int timer)
{
    return loop_remove_timer(g_loop, timer);
}

/* libvirt prints every error to stderr by default, over the screen. */
static void
quiet_errors(void *opaque, virErrorPtr e)
{
    (void)opaque;
    (void)e;
}

static void lv_once(void);

static void
lv_global_init(struct loop *loop)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    g_loop = loop;
    pthread_once(&once, lv_once);
}

static void
lv_once(void)
{
    virInitialize();
    virSetErrorFunc(NULL, quiet_errors);
    virEventRegisterImpl(ev_add_handle, ev_update_handle, ev_remove_handle,
                         ev_add_timeout, ev_update_timeout,
                         ev_remove_timeout);
    xmlInitParser();
}

const char *
lv_errmsg(void)
{
    const char *m = virGetLastErrorMessage();

    return m != NULL && m[0] != '\0' ? m : "unknown libvirt error";
}

/* ---- small helpers --------------------------------------------------- */

void
lv_strv_push(char ***v, size_t *n, const char *s)
{
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[(*n)++] = xstrdup(s);
}

struct lv_xml {
    xmlDocPtr doc;
    xmlXPathContextPtr ctx;
};

int
lv_xml_open(struct lv_xml_h *x, const char *text)
{
    struct lv_xml *p = xcalloc(1, sizeof *p);

    p->doc = xmlReadMemory(text, (int)strlen(text), "libvirt.xml", NULL,
                           XML_PARSE_NONET | XML_PARSE_NOERROR |
                               XML_PARSE_NOWARNING);
    if (p->doc == NULL) {
        free(p);
        x->p = NULL;
        return -1;
    }
    p->ctx = xmlXPathNewContext(p->doc);
    x->p = p;
    return 0;
}

void
lv_xml_close(struct lv_xml_h *x)
{
    struct lv_xml *p = x->p;

    if (p == NULL)
        return;
    xmlXPathFreeContext(p->ctx);
    xmlFreeDoc(p->doc);
    free(p);
    x->p = NULL;
}

/* string(expr) relative to node n (NULL: the document); NULL if empty. */
char *
lv_xml_str(struct lv_xml_h *x, void *node, const char *expr)
{
    struct lv_xml *p = x->p;
    xmlXPathObjectPtr o;
    char *r = NULL;

    p->ctx->node = node ? (xmlNodePtr)node : xmlDocGetRootElement(p->doc);
    o = xmlXPathEvalExpression((const xmlChar *)expr, p->ctx);
    if (o == NULL)
        return NULL;
    if (o->type == XPATH_STRING && o->stringval && o->stringval[0])
        r = xstrdup((const char *)o->stringval);
    else if (o->type == XPATH_NODESET && o->nodesetval &&
             o->nodesetval->nodeNr > 0) {
        xmlChar *c = xmlNodeGetContent(o->nodesetval->nodeTab[0]);

        if (c != NULL && c[0])
            r = xstrdup((const char *)c);
        xmlFree(c);
    }
    xmlXPathFreeObject(o);
    return r;
}

/* Nodes matching expr; *out is malloc'ed (free it), nodes borrowed. */
size_t
lv_xml_nodes(struct lv_xml_h *x, const char *expr, void ***out)
{
    struct lv_xml *p = x->p;
    xmlXPathObjectPtr o;
    size_t n = 0;

    *out = NULL;
    p->ctx->node = xmlDocGetRootElement(p->doc);
    o = xmlXPathEvalExpression((const xmlChar *)expr, p->ctx);
    if (o == NULL)
        return 0;
    if (o->type == XPATH_NODESET && o->nodesetval) {
        n = (size_t)o->nodesetval->nodeNr;
        *out = xcalloc(n + 1, sizeof **out);
        for (size_t i = 0; i < n; i++)
            (*out)[i] = o->nodesetval->nodeTab[i];
    }
    xmlXPathFreeObject(o);
    return n;
}

/* ---- inventory --------------------------------------------------------- */

/* One refresh costs a constant number of calls to the host, whatever the
 * number of domains: virConnectGetAllDomainStats (state, memory, vCPUs,
 * disk sizes of every domain in one reply), virConnectListAllDomains for
 * the transient ones, virConnectListAllStoragePools and one GetInfo per
 * pool. A domain's XML (CPU model, disks, networks, host devices) is read
 * when it is first seen, when an event says its definition changed
 * (lv_mark_stale) or when it was started or stopped since (its id
 * changed); its job, only while it may have one. */

static void
disks_free(struct lv_disk *k, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(k[i].target);
        free(k[i].path);
        free(k[i].pool);
        free(k[i].format);
        for (size_t b = 0; b < k[i].n_backing; b++) {
            free(k[i].backing[b].path);
            free(k[i].backing[b].format);
        }
        free(k[i].backing);
    }
    free(k);
}

/* What the XML gave; the bulk stats stay. */
static void
dom_clear_xml(struct lv_dom *d)
{
    free(d->cpu_model);
    d->cpu_model = NULL;
    strv_free(d->nets, d->n_nets);
    d->nets = NULL;
    d->n_nets = 0;
    disks_free(d->disks, d->n_disks);
    d->disks = NULL;
    d->n_disks = 0;
    free(d->not_migratable);
    d->not_migratable = NULL;
    d->have_xml = false;
}

static void
dom_clear(struct lv_dom *d)
{
    dom_clear_xml(d);
    free(d->name);
    memset(d, 0, sizeof *d);
}

static void
pool_clear(struct lv_pool *p)
{
    free(p->name);
    free(p->type);
    free(p->path);
    memset(p, 0, sizeof *p);
}

static void
host_clear_inventory(struct lv_host *h)
{
    for (size_t i = 0; i < h->n_doms; i++)
        dom_clear(&h->doms[i]);
    free(h->doms);
    h->doms = NULL;
    h->n_doms = 0;
    for (size_t i = 0; i < h->n_pools; i++)
        pool_clear(&h->pools[i]);
    free(h->pools);
    h->pools = NULL;
    h->n_pools = 0;
}

static bool
pool_type_shared(const char *t)
{
    static const char *const net[] = {"netfs", "iscsi", "iscsi-direct",
                                      "rbd", "gluster", "sheepdog", "mpath"};

    for (size_t i = 0; i < ARRAY_SIZE(net); i++)
        if (t != NULL && strcmp(t, net[i]) == 0)
            return true;
    return false;
}

bool
lv_pool_shared(const struct lv *lv, const struct lv_pool *p)
{
    return pool_type_shared(p->type) ||
           strv_contains(lv->cfg_shared, lv->n_cfg_shared, p->name);
}

/* The datastore name a pool has in the model: shared pools by their
 * name, local ones as POOL@HOST. */
char *
lv_ds_name(const struct lv *lv, const struct lv_host *h,
           const struct lv_pool *p)
{
    return lv_pool_shared(lv, p) ? xstrdup(p->name)
                                 : xasprintf("%s@%s", p->name, h->name);
}

static int
uuid_cmp(const void *a, const void *b)
{
    return memcmp(a, b, VIR_UUID_BUFLEN);
}

/* Pools: their list and sizes each time (one GetInfo each: libvirt has no
 * bulk call for pools), their type and path from the XML once. */
static void
read_pools(struct lv_host *h, bool stale)
{
    virStoragePoolPtr *pools = NULL;
    int n = virConnectListAllStoragePools(h->conn, &pools,
                                          VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE);
    struct lv_pool *np;
    size_t k = 0;

    if (n < 0)
        return; /* keep what was read; the host's loss is noticed apart */
    np = xcalloc((size_t)n + 1, sizeof *np);
    for (int i = 0; i < n; i++) {
        virStoragePoolInfo info;
        struct lv_pool *p = &np[k++];
        const char *name = virStoragePoolGetName(pools[i]);

        virStoragePoolGetUUID(pools[i], p->uuid);
        for (size_t o = 0; o < h->n_pools && !stale; o++)
            if (memcmp(h->pools[o].uuid, p->uuid, VIR_UUID_BUFLEN) == 0 &&
                h->pools[o].name != NULL) {
                *p = h->pools[o];
                memset(&h->pools[o], 0, sizeof h->pools[o]);
                break;
            }
        if (p->name == NULL || strcmp(p->name, name) != 0) {
            char *xml = virStoragePoolGetXMLDesc(pools[i], 0);
            struct lv_xml_h x;

            free(p->name);
            free(p->type);
            free(p->path);
            p->name = xstrdup(name);
            p->type = p->path = NULL;
            if (xml != NULL && lv_xml_open(&x, xml) == 0) {
                p->type = lv_xml_str(&x, NULL, "string(/pool/@type)");
                p->path = lv_xml_str(&x, NULL, "string(/pool/target/path)");
                lv_xml_close(&x);
            }
            free(xml);
        }
        if (virStoragePoolGetInfo(pools[i], &info) == 0) {
            p->capacity = info.capacity;
            p->allocation = info.allocation;
            p->available = info.available;
        }
        virStoragePoolFree(pools[i]);
    }
    free(pools);
    for (size_t o = 0; o < h->n_pools; o++)
        pool_clear(&h->pools[o]);
    free(h->pools);
    h->pools = np;
    h->n_pools = k;
}

/* The pool a file lives in: the pool whose target directory holds it. */
static const struct lv_pool *
pool_of_path(const struct lv_host *h, const char *path)
{
    size_t best = 0;
    const struct lv_pool *r = NULL;

    for (size_t i = 0; i < h->n_pools; i++) {
        const char *d = h->pools[i].path;
        size_t l = d ? strlen(d) : 0;

        if (l > 0 && strncmp(path, d, l) == 0 && path[l] == '/' &&
            strchr(path + l + 1, '/') == NULL && l > best) {
            best = l;
            r = &h->pools[i];
        }
    }
    return r;
}

/* What the model needs from a domain's XML. */
static void
parse_domain(struct lv_dom *d, const char *xml)
{
    struct lv_xml_h x;
    void **nodes;
    size_t n;
    char *s;

    if (lv_xml_open(&x, xml) < 0)
        return;
    d->cpu_model = lv_xml_str(&x, NULL, "string(/domain/cpu/model)");
    if (d->cpu_model == NULL) {
        s = lv_xml_str(&x, NULL, "string(/domain/cpu/@mode)");
        d->cpu_model = s ? s : xstrdup("default");
    }
    n = lv_xml_nodes(&x, "/domain/devices/disk[@device='disk']", &nodes);
    d->disks = xcalloc(n + 1, sizeof *d->disks);
    for (size_t i = 0; i < n; i++) {
        struct lv_disk *k = &d->disks[d->n_disks++];

        k->path = lv_xml_str(&x, nodes[i], "string(source/@file)");
        if (k->path == NULL)
            k->path = lv_xml_str(&x, nodes[i], "string(source/@dev)");
        k->target = lv_xml_str(&x, nodes[i], "string(target/@dev)");
        k->format = lv_xml_str(&x, nodes[i], "string(driver/@type)");
        if (k->target == NULL)
            k->target = xstrdup("?");
        /* backingStore inside backingStore, as deep as the chain goes */
        for (size_t depth = 1;; depth++) {
            char *e = xstrdup("");
            char *file, *fmt;

            for (size_t j = 0; j < depth; j++) {
                char *n2 = xasprintf("%sbackingStore/", e);

                free(e);
                e = n2;
            }
            {
                char *q = xasprintf("string(%ssource/@file)", e);

                file = lv_xml_str(&x, nodes[i], q);
                free(q);
                if (file == NULL) {
                    q = xasprintf("string(%ssource/@dev)", e);
                    file = lv_xml_str(&x, nodes[i], q);
                    free(q);
                }
                q = xasprintf("string(%sformat/@type)", e);
                fmt = file ? lv_xml_str(&x, nodes[i], q) : NULL;
                free(q);
            }
            free(e);
            if (file == NULL)
                break;
            k->backing = xrealloc(k->backing,
                                  (k->n_backing + 1) * sizeof *k->backing);
            k->backing[k->n_backing].path = file;
            k->backing[k->n_backing++].format = fmt;
        }
    }
    free(nodes);
    n = lv_xml_nodes(&x, "/domain/devices/interface", &nodes);
    for (size_t i = 0; i < n; i++) {
        s = lv_xml_str(&x, nodes[i], "string(source/@network)");
        if (s == NULL)
            s = lv_xml_str(&x, nodes[i], "string(source/@bridge)");
        if (s != NULL && !strv_contains(d->nets, d->n_nets, s))
            lv_strv_push(&d->nets, &d->n_nets, s);
        free(s);
    }
    free(nodes);
    n = lv_xml_nodes(&x, "/domain/devices/hostdev", &nodes);
    free(nodes);
    if (n > 0)
        d->not_migratable =
            xasprintf("%zu host device%s passed through", n, n > 1 ? "s" : "");
    d->have_xml = true;
    lv_xml_close(&x);
}

/* Read d's XML again, keeping the sizes its disks had (the stats may
 * leave them out this time). */
static void
reread_xml(struct lv_dom *d, virDomainPtr dom)
{
    struct lv_disk *old = d->disks;
    size_t n_old = d->n_disks;
    char *xml = virDomainGetXMLDesc(dom, 0);

    d->disks = NULL;
    d->n_disks = 0;
    dom_clear_xml(d);
    if (xml != NULL)
        parse_domain(d, xml);
    free(xml);
    for (size_t i = 0; i < d->n_disks; i++)
        for (size_t o = 0; o < n_old; o++)
            if (strcmp(d->disks[i].target, old[o].target) == 0) {
                d->disks[i].capacity = old[o].capacity;
                d->disks[i].allocation = old[o].allocation;
            }
    disks_free(old, n_old);
}

/* The stats of one domain into d; a field the host left out keeps its
 * last value. */
static void
apply_stats(struct lv_dom *d, const virDomainStatsRecord *r)
{
    virTypedParameterPtr p = r->params;
    int np = r->nparams;
    int iv;
    unsigned uv, nb = 0;
    unsigned long long lv;

    if (virTypedParamsGetInt(p, np, "state.state", &iv) == 1)
        d->state = iv;
    if (virTypedParamsGetInt(p, np, "state.reason", &iv) == 1)
        d->reason = iv;
    /* what the guest has now (below the maximum when ballooned) */
    if (virTypedParamsGetULLong(p, np, "balloon.current", &lv) == 1)
        d->memory = (uint64_t)lv * 1024;
    if (virTypedParamsGetULLong(p, np, "balloon.maximum", &lv) == 1)
        d->memory_max = (uint64_t)lv * 1024;
    if (virTypedParamsGetUInt(p, np, "vcpu.current", &uv) == 1)
        d->vcpus = uv;
    virTypedParamsGetUInt(p, np, "block.count", &nb);
    for (unsigned i = 0; i < nb; i++) {
        char key[64];
        const char *name = NULL;
        struct lv_disk *k = NULL;

        snprintf(key, sizeof key, "block.%u.name", i);
        if (virTypedParamsGetString(p, np, key, &name) != 1)
            continue;
        for (size_t j = 0; j < d->n_disks && k == NULL; j++)
            if (strcmp(d->disks[j].target, name) == 0)
                k = &d->disks[j];
        if (k == NULL)
            continue; /* a CD-ROM, or a backing image */
        snprintf(key, sizeof key, "block.%u.capacity", i);
        if (virTypedParamsGetULLong(p, np, key, &lv) == 1)
            k->capacity = lv;
        snprintf(key, sizeof key, "block.%u.allocation", i);
        if (virTypedParamsGetULLong(p, np, key, &lv) == 1)
            k->allocation = lv;
    }
}

/* Whether uuid is in a sorted set. */
static bool
uuid_in(const unsigned char (*set)[VIR_UUID_BUFLEN], size_t n,
        const unsigned char *uuid)
{
    return n > 0 && bsearch(uuid, set, n, VIR_UUID_BUFLEN, uuid_cmp) != NULL;
}

static void
read_domains(struct lv_host *h)
{
    struct lv *lv = h->lv;
    virDomainStatsRecordPtr *recs = NULL;
    virDomainPtr *trans = NULL;
    unsigned char(*stale)[VIR_UUID_BUFLEN], (*tr)[VIR_UUID_BUFLEN];
    size_t n_stale, n_tr = 0, k = 0;
    bool all_stale;
    struct lv_dom *nd;
    int n, nt;

    n = virConnectGetAllDomainStats(
        h->conn,
        VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_BALLOON |
            VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_BLOCK,
        &recs, VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
    if (n < 0)
        return; /* keep what was read; the host's loss is noticed apart */
    nt = virConnectListAllDomains(h->conn, &trans,
                                  VIR_CONNECT_LIST_DOMAINS_TRANSIENT);
    tr = xcalloc((size_t)MAX(nt, 0) + 1, sizeof *tr);
    for (int i = 0; i < nt; i++) {
        virDomainGetUUID(trans[i], tr[n_tr++]);
        virDomainFree(trans[i]);
    }
    free(trans);
    qsort(tr, n_tr, sizeof *tr, uuid_cmp);
    pthread_mutex_lock(&lv->lock);
    stale = h->stale;
    n_stale = h->n_stale;
    all_stale = h->all_stale;
    h->stale = NULL;
    h->n_stale = h->cap_stale = 0;
    h->all_stale = false;
    pthread_mutex_unlock(&lv->lock);
    if (n_stale > 0) /* qsort's base must not be NULL, even for none */
        qsort(stale, n_stale, sizeof *stale, uuid_cmp);
    /* last time's domains by UUID (sorted; a taken one's name is NULL) */
    if (h->n_doms > 0)
        qsort(h->doms, h->n_doms, sizeof *h->doms, uuid_cmp);
    nd = xcalloc((size_t)n + 1, sizeof *nd);
    for (int i = 0; i < n; i++) {
        virDomainPtr dom = recs[i]->dom;
        struct lv_dom *d = &nd[k++], *old;
        unsigned id = virDomainGetID(dom);

        virDomainGetUUID(dom, d->uuid);
        old = h->n_doms ? bsearch(d->uuid, h->doms, h->n_doms,
                                  sizeof *h->doms, uuid_cmp)
                        : NULL;
        if (old != NULL && old->name != NULL) {
            *d = *old;
            memset(old, 0, sizeof *old);
            memcpy(old->uuid, d->uuid, VIR_UUID_BUFLEN); /* stays sorted */
        }
        free(d->name);
        d->name = xstrdup(virDomainGetName(dom));
        if (!d->have_xml || all_stale || d->id != id ||
            uuid_in((const unsigned char(*)[VIR_UUID_BUFLEN])stale, n_stale,
                    d->uuid)) {
            reread_xml(d, dom);
            d->migrating = id != (unsigned)-1; /* ask below */
        }
        d->id = id;
        d->persistent = !uuid_in(
            (const unsigned char(*)[VIR_UUID_BUFLEN])tr, n_tr, d->uuid);
        apply_stats(d, recs[i]);
        /* the destination's half of a migration in flight */
        d->incoming = d->state == VIR_DOMAIN_PAUSED &&
                      (d->reason == VIR_DOMAIN_PAUSED_MIGRATION ||
                       d->reason == VIR_DOMAIN_PAUSED_STARTING_UP ||
                       d->reason == VIR_DOMAIN_PAUSED_POSTCOPY);
        /* a job is asked of a domain just (re)read and of one that had
         * one; another's migration starting is an iteration event */
        if (d->migrating) {
            virDomainJobInfo ji;

            d->migrating = d->state != VIR_DOMAIN_SHUTOFF &&
                           virDomainGetJobInfo(dom, &ji) == 0 &&
                           ji.type != VIR_DOMAIN_JOB_NONE;
        }
        for (size_t j = 0; j < d->n_disks; j++) {
            const struct lv_pool *p =
                d->disks[j].path ? pool_of_path(h, d->disks[j].path) : NULL;

            free(d->disks[j].pool);
            d->disks[j].pool = p ? xstrdup(p->name) : NULL;
        }
    }
    virDomainStatsRecordListFree(recs);
    for (size_t o = 0; o < h->n_doms; o++)
        dom_clear(&h->doms[o]);
    free(h->doms);
    h->doms = nd;
    h->n_doms = k;
    free(stale);
    free(tr);
}

static void
read_node(struct lv_host *h)
{
    virNodeInfo ni;
    char *caps, *hn;
    unsigned long lib = 0, hvv = 0;
    struct lv_xml_h x;

    if (virNodeGetInfo(h->conn, &ni) == 0) {
        h->cores = ni.cpus;
        h->memory = (uint64_t)ni.memory * 1024;
    }
    hn = virConnectGetHostname(h->conn);
    free(h->hostname);
    h->hostname = hn;
    virConnectGetLibVersion(h->conn, &lib);
    virConnectGetVersion(h->conn, &hvv);
    free(h->versions);
    h->versions = xasprintf("libvirt %lu.%lu.%lu, QEMU %lu.%lu.%lu",
                            lib / 1000000, lib / 1000 % 1000, lib % 1000,
                            hvv / 1000000, hvv / 1000 % 1000, hvv % 1000);
    caps = virConnectGetCapabilities(h->conn);
    strv_free(h->cpu_flags, h->n_cpu_flags);
    h->cpu_flags = NULL;
    h->n_cpu_flags = 0;
    free(h->cpu_model);
    h->cpu_model = NULL;
    if (caps != NULL && lv_xml_open(&x, caps) == 0) {
        void **nodes;
        size_t n;

        h->cpu_model = lv_xml_str(&x, NULL, "string(/capabilities/host/cpu/model)");
        n = lv_xml_nodes(&x, "/capabilities/host/cpu/feature", &nodes);
        for (size_t i = 0; i < n; i++) {
            char *f = lv_xml_str(&x, nodes[i], "string(@name)");

            if (f != NULL)
                lv_strv_push(&h->cpu_flags, &h->n_cpu_flags, f);
            free(f);
        }
        free(nodes);
        lv_xml_close(&x);
    }
    free(caps);
    if (h->cpu_model == NULL)
        h->cpu_model = xstrdup("unknown");
    h->node_read = true;
}

/* Re-read one host: the node once per connection, then pools and
 * domains. */
void
lv_host_refresh(struct lv_host *h)
{
    struct lv *lv = h->lv;
    bool pools_stale;

    if (h->conn == NULL)
        return;
    if (!h->node_read)
        read_node(h);
    pthread_mutex_lock(&lv->lock);
    pools_stale = h->pools_stale;
    h->pools_stale = false;
    pthread_mutex_unlock(&lv->lock);
    read_pools(h, pools_stale);
    read_domains(h);
    h->dirty = false;
}
/* Build the model from every host's inventory. */
void
lv_rebuild_model(struct lv *lv)
{
    struct model *m = &lv->model;

    model_fini(m);
    model_init(m);
    m->default_link_bps = 125000000; /* 1 Gbit/s */
    for (size_t i = 0; i < lv->n_hosts; i++) {
        struct lv_host *h = &lv->hosts[i];
        struct model_host *mh = model_host_add(m, h->name);

        free(mh->cpu_model);
        mh->cpu_model = xstrdup(h->cpu_model ? h->cpu_model : "unknown");
        for (size_t k = 0; k < h->n_cpu_flags; k++)
            lv_strv_push(&mh->cpu_flags, &mh->n_cpu_flags, h->cpu_flags[k]);
        mh->cores = h->cores;
        mh->memory_bytes = h->memory;
        mh->up = h->conn != NULL;
        mh->uri = xstrdup(h->over_ssh ? h->base_uri : h->uri);
        mh->versions = h->versions ? xstrdup(h->versions) : NULL;
        mh->state_note = h->conn == NULL && h->err ? xstrdup(h->err) : NULL;
        lv_host_ssh_model(h, mh);
        for (size_t k = 0; k < h->n_pools; k++) {
            const struct lv_pool *p = &h->pools[k];
            char *name = lv_ds_name(lv, h, p);
            struct model_datastore *ds = model_ds(m, name);

            if (ds == NULL) {
                ds = model_ds_add(m, name);
                free(ds->type);
                ds->type = xstrdup(p->type ? p->type : "?");
                ds->capacity_bytes = p->capacity;
                ds->used_bytes = p->allocation;
                ds->shared = lv_pool_shared(lv, p);
                ds->throughput_bps = 200ull << 20;
                ds->bandwidth_bps = lv_cfg_ds_bandwidth(&lv->cfg_ds, name);
            }
            if (!model_ds_seen_by(ds, h->name))
                lv_strv_push(&ds->hosts, &ds->n_hosts, h->name);
            free(name);
        }
    }
    /* a link where both ends say how fast; the default otherwise */
    for (size_t i = 0; i < lv->n_hosts; i++)
        for (size_t j = i + 1; j < lv->n_hosts; j++) {
            struct model_link *l;

            if (!lv->hosts[i].cfg.link_bps || !lv->hosts[j].cfg.link_bps)
                continue;
            l = model_link_add(m, lv->hosts[i].name, lv->hosts[j].name);
            l->bandwidth_bps = MIN(lv->hosts[i].cfg.link_bps,
                                   lv->hosts[j].cfg.link_bps);
            l->latency_us = 200;
        }
    for (size_t i = 0; i < lv->n_hosts; i++) {
        struct lv_host *h = &lv->hosts[i];

        for (size_t k = 0; k < h->n_doms; k++) {
            const struct lv_dom *d = &h->doms[k];
            struct model_vm *v;

            if (d->incoming || model_vm(m, d->name) != NULL)
                continue;
            v = model_vm_add(m, d->name);
            free(v->host);
            v->host = xstrdup(h->name);
            v->state = d->state == VIR_DOMAIN_RUNNING  ? VM_RUNNING
                       : d->state == VIR_DOMAIN_PAUSED ? VM_PAUSED
                                                       : VM_SHUTOFF;
            v->migrating = d->migrating;
            if (d->migrating)
                v->state = VM_MIGRATING;
            v->vcpus = d->vcpus;
            v->memory_bytes = d->memory;
            v->memory_max_bytes = d->memory_max;
            free(v->cpu_model);
            v->cpu_model = xstrdup(d->cpu_model ? d->cpu_model : "default");
            for (size_t n = 0; n < d->n_nets; n++)
                lv_strv_push(&v->networks, &v->n_networks, d->nets[n]);
            v->live_migratable = d->not_migratable == NULL;
            free(v->not_migratable_reason);
            v->not_migratable_reason =
                d->not_migratable ? xstrdup(d->not_migratable) : NULL;
            for (size_t n = 0; n < d->n_disks; n++) {
                const struct lv_disk *dk = &d->disks[n];
                const struct lv_pool *p = NULL;
                char *dsn;
                struct model_disk *md;

                for (size_t q = 0; q < h->n_pools && dk->pool; q++)
                    if (strcmp(h->pools[q].name, dk->pool) == 0)
                        p = &h->pools[q];
                dsn = p ? lv_ds_name(lv, h, p) : xstrdup("(no pool)");
                md = model_vm_disk_add(v, dk->target, dsn);
                md->size_bytes = dk->capacity;
                md->allocated_bytes = dk->allocation;
                free(dsn);
            }
        }
    }
    lv->base.generation++;
}

/* ---- connections ------------------------------------------------------ */


void
lv_status(struct lv *lv, bool error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(lv->base.status, sizeof lv->base.status, fmt, ap);
    va_end(ap);
    lv->base.status_error = error;
    lv->base.status_gen++;
}

char *
lv_vfmt(const char *fmt, va_list ap)
{
    return xvasprintf(fmt, ap);
}

void
lv_host_err(struct lv_host *h, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = lv_vfmt(fmt, ap);
    va_end(ap);
    free(h->err);
    h->err = s;
}

/* Started, stopped, defined, undefined, suspended, resumed, migrated:
 * whatever it was, only this domain's XML is read again. */
static int
on_lifecycle(virConnectPtr c, virDomainPtr d, int event, int detail,
             void *opaque)
{
    (void)c;
    (void)event;
    (void)detail;
    lv_mark_stale(opaque, d);
    return 0;
}

/* A device plugged in or out changes the XML (disks, NICs, host
 * devices). */
static void
on_device(virConnectPtr c, virDomainPtr d, const char *alias, void *opaque)
{
    (void)c;
    (void)alias;
    lv_mark_stale(opaque, d);
}

static void
on_pool_event(virConnectPtr c, virStoragePoolPtr p, int event, int detail,
              void *opaque)
{
    struct lv_host *h = opaque;

    (void)c;
    (void)p;
    (void)event;
    (void)detail;
    pthread_mutex_lock(&h->lv->lock);
    h->pools_stale = true; /* defined again: its path may have changed */
    pthread_mutex_unlock(&h->lv->lock);
    lv_mark_dirty(h);
}

static void
on_pool_refresh(virConnectPtr c, virStoragePoolPtr p, void *opaque)
{
    (void)c;
    (void)p;
    lv_mark_dirty(opaque);
}

/* The close callback may run on any thread that reads the connection
 * (a worker inside a migrate call): note it, wake the loop. */
static void
on_close(virConnectPtr c, int reason, void *opaque)
{
    struct lv_host *h = opaque;
    struct lv *lv = h->lv;

    (void)c;
    pthread_mutex_lock(&lv->lock);
    h->closed = true;
    h->close_reason = reason;
    pthread_mutex_unlock(&lv->lock);
    loop_update_timer(g_loop, lv->tick_timer, 0);
}

static void
deregister(struct lv_host *h)
{
    for (int i = 0; i < h->n_dom_cb; i++)
        virConnectDomainEventDeregisterAny(h->conn, h->dom_cb[i]);
    for (int i = 0; i < h->n_pool_cb; i++)
        virConnectStoragePoolEventDeregisterAny(h->conn, h->pool_cb[i]);
    h->n_dom_cb = h->n_pool_cb = 0;
    virConnectUnregisterCloseCallback(h->conn, on_close);
}

/* Connect one host; 0 or -1 with h->err set. */
int
lv_host_connect(struct lv_host *h)
{
    virConnectPtr c = virConnectOpenAuth(h->uri, virConnectAuthPtrDefault, 0);

    if (c == NULL) {
        lv_host_err(h, "cannot connect to %s: %s", h->uri, lv_errmsg());
        return -1;
    }
    h->conn = c;
    h->closed = false;
    free(h->err);
    h->err = NULL;
    if (virConnectSetKeepAlive(c, 2, 2) < 0) {
        /* a local driver has no keepalive; the close callback remains */
    }
    virConnectRegisterCloseCallback(c, on_close, h, NULL);
    h->dom_cb[h->n_dom_cb++] = virConnectDomainEventRegisterAny(
        c, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), h, NULL);
    h->dom_cb[h->n_dom_cb++] = virConnectDomainEventRegisterAny(
        c, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
        VIR_DOMAIN_EVENT_CALLBACK(on_device), h, NULL);
    h->dom_cb[h->n_dom_cb++] = virConnectDomainEventRegisterAny(
        c, NULL, VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
        VIR_DOMAIN_EVENT_CALLBACK(on_device), h, NULL);
    lv_mig_register_events(h);
    h->pool_cb[h->n_pool_cb++] = virConnectStoragePoolEventRegisterAny(
        c, NULL, VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
        VIR_STORAGE_POOL_EVENT_CALLBACK(on_pool_event), h, NULL);
    h->pool_cb[h->n_pool_cb++] = virConnectStoragePoolEventRegisterAny(
        c, NULL, VIR_STORAGE_POOL_EVENT_ID_REFRESH,
        VIR_STORAGE_POOL_EVENT_CALLBACK(on_pool_refresh), h, NULL);
    lv_host_refresh(h);
    if (h->name == NULL)
        h->name = xstrdup(h->hostname ? h->hostname : h->uri);
    h->backoff_ms = 0;
    return 0;
}

static void
host_disconnect(struct lv_host *h)
{
    if (h->conn == NULL)
        return;
    deregister(h);
    virConnectClose(h->conn);
    h->conn = NULL;
    h->node_read = false; /* it may come back upgraded */
    pthread_mutex_lock(&h->lv->lock);
    free(h->stale);
    h->stale = NULL;
    h->n_stale = h->cap_stale = 0;
    h->all_stale = h->pools_stale = false;
    pthread_mutex_unlock(&h->lv->lock);
}

void
lv_host_lost(struct lv_host *h, const char *why)
{
    struct lv *lv = h->lv;

    lv_host_err(h, "%s", why);
    host_disconnect(h);
    host_clear_inventory(h);
    h->backoff_ms = 1000;
    h->retry_at = loop_now_ms() + (uint64_t)h->backoff_ms;
    lv_status(lv, true, "host %s lost: %s; reconnecting", h->name, why);
    lv_mig_host_lost(lv, h);
    lv->need_rebuild = true;
}

void
lv_backoff(struct lv_host *h, uint64_t now)
{
    h->backoff_ms = h->backoff_ms ? MIN(h->backoff_ms * 2, 30000) : 1000;
    h->retry_at = now + (uint64_t)h->backoff_ms;
}

void
lv_mark_stale(struct lv_host *h, virDomainPtr d)
{
    struct lv *lv = h->lv;

    pthread_mutex_lock(&lv->lock);
    if (d == NULL) {
        h->all_stale = true;
    } else {
        if (h->n_stale == h->cap_stale) {
            h->cap_stale = h->cap_stale ? 2 * h->cap_stale : 16;
            h->stale = xrealloc(h->stale, h->cap_stale * sizeof *h->stale);
        }
        if (virDomainGetUUID(d, h->stale[h->n_stale]) == 0)
            h->n_stale++;
    }
    h->dirty = true;
    pthread_mutex_unlock(&lv->lock);
    loop_update_timer(g_loop, lv->tick_timer, 0);
}

void
lv_mark_dirty(struct lv_host *h)
{
    struct lv *lv = h->lv;

    pthread_mutex_lock(&lv->lock);
    h->dirty = true;
    pthread_mutex_unlock(&lv->lock);
    loop_update_timer(g_loop, lv->tick_timer, 0);
}

/* Main-thread housekeeping: lost hosts, reconnects, refreshes. It runs
 * when something happened (timer set to 0) and, while a host is down,
 * once a second for the backoff. */
static void
on_tick(int timer, void *opaque)
{
    struct lv *lv = opaque;
    uint64_t now = loop_now_ms();
    int due = -1; /* ms until the next tick is needed, -1: none */

    (void)timer;
    for (size_t i = 0; i < lv->n_hosts; i++) {
        struct lv_host *h = &lv->hosts[i];
        bool closed, dirty;
        int reason;

        pthread_mutex_lock(&lv->lock);
        closed = h->closed;
        dirty = h->dirty;
        reason = h->close_reason;
        h->closed = false;
        pthread_mutex_unlock(&lv->lock);
        if (closed && h->conn != NULL)
            lv_host_lost(h, reason == VIR_CONNECT_CLOSE_REASON_KEEPALIVE
                             ? "no keepalive answer"
                         : reason == VIR_CONNECT_CLOSE_REASON_EOF
                             ? "connection closed by the host"
                             : "connection error");
        if (h->ssh != NULL) {
            int d = lv_ssh_tick(h, now);

            if (d >= 0 && (due < 0 || d < due))
                due = d;
        }
        if (h->conn == NULL && h->over_ssh)
            continue; /* connected by lv_ssh_tick once SSH is ready */
        if (h->conn == NULL) {
            if (now >= h->retry_at) {
                if (lv_host_connect(h) == 0) {
                    lv_status(lv, false, "host %s is back", h->name);
                    lv->need_rebuild = true;
                } else {
                    lv_backoff(h, now);
                }
            }
            if (h->conn == NULL && (due < 0 || due > 1000))
                due = 1000;
            continue;
        }
        if (dirty) {
            lv_host_refresh(h);
            lv->need_rebuild = true;
        }
    }
    if (lv->need_rebuild) {
        lv->need_rebuild = false;
        lv_rebuild_model(lv);
    }
    loop_update_timer(g_loop, timer, due);
}

/* ---- the backend -------------------------------------------------------- */

static void
lv_free(struct hv *hv)
{
    struct lv *lv = (struct lv *)hv;

    /* what is still armed is the guard's now (never waited on) */
    lv_guard_stop(lv);
    for (size_t i = 0; i < lv->n_hosts; i++) {
        struct lv_host *h = &lv->hosts[i];

        /* a worker let go may still block in a call on it: closing the
         * connection would wait on that call, which may never end; the
         * process is about to exit and the sockets go with it */
        if (lv->orphans == 0)
            host_disconnect(h); /* before its relay goes */
        lv_ssh_stop(h);
        host_clear_inventory(h);
        free(h->name);
        free(h->uri);
        free(h->hostname);
        free(h->versions);
        free(h->cpu_model);
        strv_free(h->cpu_flags, h->n_cpu_flags);
        free(h->cfg.migration_address);
        free(h->cfg.migration_uri);
        free(h->p2p.uri);
        free(h->p2p_err);
        free(h->err);
        free(h->probe_err);
        free(h->stale);
    }
    loop_remove_timer(g_loop, lv->tick_timer);
    loop_run_once(g_loop, 0); /* let libvirt's removals and frees run */
    free(lv->hosts);
    free(lv->migs);
    for (size_t i = 0; i < lv->n_measured; i++)
        free(lv->measured[i].vm);
    free(lv->measured);
    strv_free(lv->cfg_shared, lv->n_cfg_shared);
    lv_cfg_fini(&lv->cfg_ds);
    model_fini(&lv->model);
    pthread_mutex_destroy(&lv->lock);
    free(lv);
}

static bool
lv_settling(struct hv *hv)
{
    return lv_ssh_settling((struct lv *)hv);
}

const struct hv_ops lv_ops = {
    .name = "libvirt",
    .realtime = true,
    .plan = lv_plan,
    .mig_new = lv_mig_new,
    .mig_free = lv_mig_free,
    .mig_advance = lv_mig_advance,
    .mig_sample = lv_mig_sample,
    .mig_act = lv_mig_act,
    .mig_finished = lv_mig_finished,
    .mig_release = lv_mig_release,
    .mig_take = lv_mig_take,
    .external = lv_external,
    .header = lv_header,
    .transport = lv_transport,
    .checks = lv_checks,
    .measure_start = lv_measure_start,
    .measure_poll = lv_measure_poll,
    .settling = lv_settling,
    .prompt = lv_prompt,
    .answer = lv_answer,
    .free = lv_free,
};

/* Run the loop until every SSH host is connected and probed, or has
 * failed, answering questions with how->ask. Returns the hosts up over
 * SSH. */
static size_t
settle(struct lv *lv)
{
    uint64_t until = loop_now_ms() + 90000;
    size_t up = 0;

    while (lv_ssh_settling(lv) && loop_now_ms() < until) {
        struct hv_prompt p;
        char ans[512];

        if (lv_prompt(&lv->base, &p)) {
            int r = lv->how.ask ? lv->how.ask(lv->how.opaque, &p, ans,
                                              sizeof ans)
                                : -1;

            lv_answer(&lv->base, p.id, r == 0 ? ans : NULL);
            explicit_bzero(ans, sizeof ans);
            continue;
        }
        loop_run_once(lv->loop, 200);
    }
    for (size_t i = 0; i < lv->n_hosts; i++)
        up += lv->hosts[i].over_ssh && lv->hosts[i].conn != NULL;
    return up;
}

struct hv *
hv_libvirt_new(const struct lv_cfg *cfg, struct loop *loop,
               const struct lv_open *how, struct ferry_err *err)
{
    struct lv *lv = xcalloc(1, sizeof *lv);
    size_t up = 0;

    lv_global_init(loop);
    pthread_mutex_init(&lv->lock, NULL);
    lv->base.ops = &lv_ops;
    lv->base.model = &lv->model;
    model_init(&lv->model);
    lv->how = *how;
    lv->loop = loop;
    lv->guard_fd = lv->guard_watch = -1;
    for (size_t i = 0; i < cfg->n_shared; i++)
        lv_strv_push(&lv->cfg_shared, &lv->n_cfg_shared, cfg->shared[i]);
    lv->cfg_ds.datastores =
        xcalloc(cfg->n_datastores + 1, sizeof *lv->cfg_ds.datastores);
    for (size_t i = 0; i < cfg->n_datastores; i++) {
        struct lv_ds_cfg *d = &lv->cfg_ds.datastores[i];

        d->name = xstrdup(cfg->datastores[i].name);
        d->where = xstrdup(cfg->datastores[i].where);
        d->bandwidth_bps = cfg->datastores[i].bandwidth_bps;
    }
    lv->cfg_ds.n_datastores = cfg->n_datastores;
    lv->hosts = xcalloc(cfg->n_hosts + 1, sizeof *lv->hosts);
    lv->tick_timer = loop_add_timer(loop, -1, on_tick, lv, NULL);
    for (size_t i = 0; i < cfg->n_hosts; i++) {
        struct lv_host *h = &lv->hosts[lv->n_hosts];
        const struct lv_host_cfg *hc = &cfg->hosts[i];

        h->lv = lv;
        h->cfg = *hc;
        h->cfg.name = NULL;
        h->cfg.uri = NULL;
        h->cfg.where = NULL;
        h->cfg.migration_address =
            hc->migration_address ? xstrdup(hc->migration_address) : NULL;
        h->cfg.migration_uri =
            hc->migration_uri ? xstrdup(hc->migration_uri) : NULL;
        if (h->cfg.overhead_ms == 0)
            h->cfg.overhead_ms = 100;
        {
            struct ferry_err pe;

            if (lv_p2p_uri(hc, &h->p2p, &pe) < 0)
                h->p2p_err = xstrdup(pe.msg);
        }
        h->uri = xstrdup(hc->uri);
        h->base_uri = xstrdup(hc->uri);
        h->name = hc->name ? xstrdup(hc->name)
                  : hc->ssh_host ? xstrdup(hc->ssh_host)
                                 : NULL;
        h->cfg.ssh_user = h->cfg.ssh_host = NULL; /* the session has them */
        lv_ssh_start(h, hc, how);
        if (h->over_ssh) {
            /* libvirt connects once ferry's SSH session is ready */
            loop_update_timer(loop, lv->tick_timer, 0);
        } else if (lv_host_connect(h) == 0) {
            up++;
        } else if (h->name == NULL) {
            /* a --connect URI that does not answer has no name to keep */
            err_set(err, "%s", h->err ? h->err : "cannot connect");
            free(h->err);
            free(h->uri);
            free(h->base_uri);
            lv_free(&lv->base);
            return NULL;
        } else {
            h->backoff_ms = 1000;
            h->retry_at = loop_now_ms() + 1000;
            loop_update_timer(loop, lv->tick_timer, 1000);
        }
        /* two URIs for the same host: keep the first */
        for (size_t k = 0; k < lv->n_hosts; k++)
            if (strcmp(lv->hosts[k].name, h->name) == 0) {
                err_set(err, "host %s is given twice (%s and %s)", h->name,
                        lv->hosts[k].uri, h->uri);
                lv->n_hosts++;
                lv_free(&lv->base);
                return NULL;
            }
        lv->n_hosts++;
    }
    if (how->wait)
        up += settle(lv);
    if (up == 0 && how->fail_if_none) {
        err_set(err, "%s", lv->n_hosts && lv->hosts[0].err
                               ? lv->hosts[0].err
                               : "no hosts");
        lv_free(&lv->base);
        return NULL;
    }
    lv_rebuild_model(lv);
    return &lv->base;
}

struct lv_host *
lv_host_by_name(struct lv *lv, const char *name)
{
    for (size_t i = 0; i < lv->n_hosts; i++)
        if (name != NULL && strcmp(lv->hosts[i].name, name) == 0)
            return &lv->hosts[i];
    return NULL;
}

struct lv_dom *
lv_dom_by_name(struct lv_host *h, const char *name)
{
    for (size_t i = 0; i < h->n_doms; i++)
        if (strcmp(h->doms[i].name, name) == 0 && !h->doms[i].incoming)
            return &h->doms[i];
    return NULL;
}

