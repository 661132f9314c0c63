/* Pre-flight checks from the hosts themselves, and the dirty-rate
 * measurement before a move. The inventory's checks (engine/checks.c) run
 * first; these replace the ones libvirt can answer first-hand. */
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#include "ferry/units.h"
#include "lv_internal.h"

static bool
has(const struct check_result *out, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(out[i].name, name) == 0)
            return true;
    return false;
}

/* The domain's <cpu> element (migratable XML) and its virt type. */
static char *
domain_cpu_xml(virDomainPtr dom, char **virttype)
{
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_MIGRATABLE);
    struct lv_xml_h x;
    void **nodes;
    char *r = NULL;
    size_t n;

    *virttype = NULL;
    if (xml == NULL || lv_xml_open(&x, xml) < 0) {
        free(xml);
        return NULL;
    }
    *virttype = lv_xml_str(&x, NULL, "string(/domain/@type)");
    n = lv_xml_nodes(&x, "/domain/cpu", &nodes);
    if (n > 0) {
        xmlBufferPtr b = xmlBufferCreate();

        if (xmlNodeDump(b, ((xmlNodePtr)nodes[0])->doc, nodes[0], 0, 0) > 0)
            r = xstrdup((const char *)xmlBufferContent(b));
        xmlBufferFree(b);
    }
    free(nodes);
    lv_xml_close(&x);
    free(xml);
    return r;
}

static void
check_cpu(struct lv_host *src, struct lv_host *dst, virDomainPtr dom,
          struct checks *out)
{
    char *virttype, *cpu = domain_cpu_xml(dom, &virttype);
    int r;

    if (cpu == NULL) {
        checks_set(out, "cpu", CHECK_OK,
            "the guest has no <cpu> definition: it gets %s's default "
            "model there too", dst->name);
        free(virttype);
        return;
    }
    if (strstr(cpu, "host-passthrough") != NULL) {
        /* nothing to compare: the guest sees the source's CPU itself */
        bool same = src->cpu_model && dst->cpu_model &&
                    strcmp(src->cpu_model, dst->cpu_model) == 0;

        checks_set(out, "cpu", same ? CHECK_WARN : CHECK_ERROR,
            same ? "the guest passes the host CPU through: %s has the same "
                   "model (%s), but libvirt cannot prove the flags match"
                 : "the guest passes the host CPU through and %s's CPU (%s) "
                   "differs from %s's",
            dst->name, dst->cpu_model ? dst->cpu_model : "?", src->name);
        free(cpu);
        free(virttype);
        return;
    }
    r = virConnectCompareHypervisorCPU(dst->conn, NULL, NULL, NULL, virttype,
                                       cpu,
                                       VIR_CONNECT_COMPARE_CPU_FAIL_INCOMPATIBLE);
    if (r == VIR_CPU_COMPARE_IDENTICAL || r == VIR_CPU_COMPARE_SUPERSET)
        checks_set(out, "cpu", CHECK_OK,
            "libvirt on %s: its %s CPU runs the guest's CPU definition",
            dst->name, virttype ? virttype : "");
    else if (r == VIR_CPU_COMPARE_INCOMPATIBLE || r < 0) {
        const char *why = lv_errmsg();

        /* libvirt names the missing features in its message */
        checks_set(out, "cpu", CHECK_ERROR,
            "libvirt on %s: the guest's CPU is incompatible: %s", dst->name,
            why && *why ? why : "no reason given");
    }
    free(cpu);
    free(virttype);
}

/* QEMU's TLS files on one end, from its SSH probe. */
static void
tls_end(const struct lv_host *h, unsigned need, const char *role,
        char **bad, char **unknown, char **good)
{
    char *miss, *t;

    if (!h->probe.valid || h->probe.tls_dir == NULL) {
        t = xasprintf("%s%s%s", *unknown ? *unknown : "",
                      *unknown ? " and " : "", h->name);
        free(*unknown);
        *unknown = t;
        return;
    }
    miss = probe_tls_missing(&h->probe, need);
    if (miss != NULL) {
        t = xasprintf("%s%s%s has no %s in %s (QEMU %s with them)",
                      *bad ? *bad : "", *bad ? "; " : "", h->name, miss,
                      h->probe.tls_dir, role);
        free(*bad);
        *bad = t;
        free(miss);
        return;
    }
    t = xasprintf("%s%s%s %s (%s)", *good ? *good : "", *good ? ", " : "",
                  h->name, h->probe.tls_dir, role);
    free(*good);
    *good = t;
}

/* How the move travels: its control connection, its data stream, TLS,
 * connections; a warning when its data would cross a network in the
 * clear, and QEMU's certificates on both ends when it uses TLS. */
static void
check_transport(struct lv_host *src, struct lv_host *dst,
                enum job_kind kind, struct checks *out)
{
    struct hv_mig_params mp = {0};
    struct lv_route r;
    char par[64] = "";

    lv_route(src, dst, &mp, &r);
    if (r.parallel > 1)
        snprintf(par, sizeof par, ", %u connections (no post-copy)",
                 r.parallel);
    if (r.p2p && r.control == NULL) {
        checks_set(out, "transport", CHECK_ERROR,
            "peer-to-peer (on_steering_lost = budget): %s",
            dst->p2p_err ? dst->p2p_err : "no URI for the destination");
    } else {
        checks_set(out, "transport", CHECK_OK,
            "memory%s over %s%s%s%s; control %s: %s%s%s",
            kind == KIND_BOTH ? " and disks" : "",
            r.tls ? "TLS, " : "",
            r.data ? r.data : "the address libvirt picks for ",
            r.data ? "" : dst->name, par,
            r.p2p ? "peer-to-peer" : "over ferry's own connections",
            r.control ? r.control : "?",
            r.transport == LVT_TCP ? " (plain TCP: no authentication "
                                     "unless that libvirtd requires SASL)"
                                   : "",
            r.p2p ? "" : " (client-managed)");
    }
    if (!r.encrypted)
        checks_set(out, "encryption",
            r.cleartext_ok ? CHECK_OK : CHECK_WARN,
            r.cleartext_ok
                ? "the data crosses the network to %s unencrypted, as "
                  "[host %s] allows (encryption = none)"
                : "the data crosses the network to %s unencrypted: set "
                  "tls = yes (QEMU's TLS; certificates on both hosts), or "
                  "encryption = none on [host %s] if that network is "
                  "trusted",
            dst->name, dst->name);
    if (r.tls) {
        char *bad = NULL, *unknown = NULL, *good = NULL;

        tls_end(src, PTLS_CLIENT_NEEDS, "connects", &bad, &unknown, &good);
        tls_end(dst, PTLS_SERVER_NEEDS, "serves", &bad, &unknown, &good);
        if (bad != NULL)
            checks_set(out, "tls-certs", CHECK_ERROR, "TLS (%s): %s",
                       r.tls_why, bad);
        else if (unknown != NULL)
            checks_set(out, "tls-certs", CHECK_WARN,
                "TLS (%s): ferry cannot see QEMU's certificates on %s (not "
                "reached over SSH); libvirt refuses at the start if any "
                "is missing%s%s",
                r.tls_why, unknown, good ? "; in place: " : "",
                good ? good : "");
        else
            checks_set(out, "tls-certs", CHECK_OK,
                "TLS (%s): QEMU's certificates in place on %s", r.tls_why,
                good);
        free(bad);
        free(unknown);
        free(good);
    }
    lv_route_fini(&r);
}

void
lv_checks(struct hv *hv, const struct mig_request *req,
          struct checks *out)
{
    struct lv *lv = (struct lv *)hv;
    const struct model_vm *vm = model_vm(hv->model, req->vm);
    struct lv_host *src = lv_host_by_name(lv, vm->host);
    struct lv_host *dst =
        req->dst_host ? lv_host_by_name(lv, req->dst_host) : src;
    virDomainPtr dom;
    char a[32], b[32];

    if (src == NULL || src->conn == NULL)
        return;
    lv_ssh_checks(lv, req, out);
    dom = virDomainLookupByName(src->conn, vm->name);
    if (dom == NULL)
        return;
    /* a job libvirt knows of, started by anyone */
    {
        virDomainJobInfo ji;

        if (virDomainGetJobInfo(dom, &ji) == 0 &&
            ji.type != VIR_DOMAIN_JOB_NONE)
            checks_set(out, "not-migrating", CHECK_ERROR,
                "libvirt on %s: %s already has a job running (a migration "
                "or block job, maybe started outside ferry)",
                src->name, vm->name);
    }
    if (req->kind != KIND_STORAGE && dst != NULL && dst != src &&
        dst->conn != NULL && has(out->v, out->n, "cpu")) {
        unsigned long long free_b = virNodeGetFreeMemory(dst->conn);

        check_cpu(src, dst, dom, out);
        check_transport(src, dst, req->kind, out);
        if (free_b > 0) {
            enum check_status st = free_b < vm->memory_bytes ? CHECK_ERROR
                                   : free_b - vm->memory_bytes <
                                           dst->memory / 10
                                       ? CHECK_WARN
                                       : CHECK_OK;

            checks_set(out, "memory", st,
                st == CHECK_ERROR ? "libvirt on %s: %s free now, the VM "
                                    "needs %s"
                : st == CHECK_WARN ? "libvirt on %s: %s free now; with the "
                                     "VM's %s less than 10%% would be left"
                                   : "libvirt on %s: %s free now for the "
                                     "VM's %s",
                dst->name, units_fmt_bytes(a, sizeof a, free_b),
                units_fmt_bytes(b, sizeof b, vm->memory_bytes));
        }
    }
    /* the destination pool's space, asked again now */
    if (req->kind != KIND_COMPUTE && req->dst_ds != NULL &&
        has(out->v, out->n, "datastore-space")) {
        struct lv_host *h = dst ? dst : src;

        for (size_t i = 0; h->conn && i < h->n_pools; i++) {
            char *name = lv_ds_name(lv, h, &h->pools[i]);
            virStoragePoolPtr p;
            virStoragePoolInfo pi;
            uint64_t need = model_vm_disk_bytes(vm);

            if (strcmp(name, req->dst_ds) != 0) {
                free(name);
                continue;
            }
            free(name);
            p = virStoragePoolLookupByName(h->conn, h->pools[i].name);
            if (p != NULL && virStoragePoolGetInfo(p, &pi) == 0) {
                enum check_status st =
                    pi.available < need ? CHECK_ERROR
                    : pi.available - need < pi.capacity / 10 ? CHECK_WARN
                                                             : CHECK_OK;

                checks_set(out, "datastore-space", st,
                    "libvirt on %s: pool %s has %s available, the disks "
                    "need %s%s",
                    h->name, h->pools[i].name,
                    units_fmt_bytes(a, sizeof a, pi.available),
                    units_fmt_bytes(b, sizeof b, need),
                    st == CHECK_WARN ? " (over 90% full after)" : "");
            }
            if (p != NULL)
                virStoragePoolFree(p);
            break;
        }
    }
    virDomainFree(dom);
    lv_disk_checks(lv, req, out); /* what the copy keeps of each disk */
}

/* ---- dirty rate --------------------------------------------------------- */

static struct lv_measured *
measured(struct lv *lv, const char *vm, bool add)
{
    for (size_t i = 0; i < lv->n_measured; i++)
        if (strcmp(lv->measured[i].vm, vm) == 0)
            return &lv->measured[i];
    if (!add)
        return NULL;
    if (lv->n_measured == lv->cap_measured) {
        lv->cap_measured = lv->cap_measured ? 2 * lv->cap_measured : 16;
        lv->measured = xrealloc(lv->measured,
                                lv->cap_measured * sizeof *lv->measured);
    }
    memset(&lv->measured[lv->n_measured], 0, sizeof lv->measured[0]);
    lv->measured[lv->n_measured].vm = xstrdup(vm);
    return &lv->measured[lv->n_measured++];
}

bool
lv_measured_bps(struct lv *lv, const char *vm, uint64_t *bps)
{
    const struct lv_measured *m = measured(lv, vm, false);

    if (m == NULL || !m->done)
        return false;
    *bps = m->bps;
    return true;
}

#define ZERO_SAMPLES 256 /* +-3 % on the share; about 4 ms a page here */
#define ZERO_BATCH 16    /* pages read per poll: the loop stays responsive */

bool
lv_measured_zero(struct lv *lv, const char *vm, double *share)
{
    const struct lv_measured *m = measured(lv, vm, false);

    if (m == NULL || !m->done || m->zero_read < ZERO_SAMPLES / 4)
        return false;
    *share = (double)m->zero_found / m->zero_read;
    return true;
}

/* Read up to n random guest pages: how many are all zero. QEMU sends a
 * zero page as a flag, so the first round moves only the others; nothing
 * else tells how many there are before a move (the guest has no balloon
 * statistics to ask). A page in a hole of the guest's address space fails
 * to read and is not counted. */
static void
sample_zero(struct lv_measured *m, virDomainPtr dom, uint64_t mem, unsigned n)
{
    static char page[4096];
    uint64_t pages = mem / sizeof page;

    for (unsigned i = 0; i < n && pages > 0 && m->zero_read < ZERO_SAMPLES &&
                         m->zero_failed < ZERO_SAMPLES;
         i++) {
        uint64_t off;
        bool zero = true;

        m->zero_rng = m->zero_rng * 6364136223846793005ull +
                      1442695040888963407ull;
        off = ((m->zero_rng >> 17) % pages) * sizeof page;
        if (virDomainMemoryPeek(dom, off, sizeof page, page,
                                VIR_MEMORY_PHYSICAL) < 0) {
            m->zero_failed++;
            continue;
        }
        for (size_t k = 0; k < sizeof page && zero; k++)
            zero = page[k] == 0;
        m->zero_read++;
        m->zero_found += zero;
    }
}

static virDomainPtr
lookup(struct lv *lv, const char *vm, struct ferry_err *err)
{
    const struct model_vm *v = model_vm(lv->base.model, vm);
    struct lv_host *h = v ? lv_host_by_name(lv, v->host) : NULL;
    virDomainPtr dom;

    if (h == NULL || h->conn == NULL) {
        err_set(err, "%s: its host is not connected", vm);
        return NULL;
    }
    dom = virDomainLookupByName(h->conn, vm);
    if (dom == NULL)
        err_set(err, "%s on %s: %s", vm, h->name, lv_errmsg());
    return dom;
}

int
lv_measure_start(struct hv *hv, const char *vm, unsigned seconds,
                 struct ferry_err *err)
{
    struct lv *lv = (struct lv *)hv;
    virDomainPtr dom = lookup(lv, vm, err);
    virDomainJobInfo ji;
    int rc = -1;

    if (dom == NULL)
        return -1;
    /* LAB-NOTES: measuring during a migration broke two of them */
    if (virDomainGetJobInfo(dom, &ji) == 0 && ji.type != VIR_DOMAIN_JOB_NONE)
        err_set(err, "%s has a job running: the dirty rate is only measured "
                "before a move", vm);
    else if (virDomainIsActive(dom) != 1)
        err_set(err, "%s is not running: nothing dirties its memory", vm);
    else if (virDomainStartDirtyRateCalc(
                 dom, (int)seconds,
                 VIR_DOMAIN_DIRTYRATE_MODE_PAGE_SAMPLING) < 0)
        err_set(err, "libvirt cannot measure %s's dirty rate: %s", vm,
                lv_errmsg());
    else
        rc = 0;
    if (rc == 0) {
        struct lv_measured *m = measured(lv, vm, true);

        m->started_ms = loop_now_ms();
        m->seconds = seconds;
        m->done = false;
        m->zero_read = m->zero_found = m->zero_failed = 0;
        m->zero_rng = m->started_ms ^ 0x9e3779b97f4a7c15ull;
    }
    virDomainFree(dom);
    return rc;
}

int
lv_measure_poll(struct hv *hv, const char *vm, uint64_t *bps,
                struct ferry_err *err)
{
    struct lv *lv = (struct lv *)hv;
    struct lv_measured *m = measured(lv, vm, false);
    virDomainPtr doms[2] = {NULL, NULL};
    virDomainStatsRecordPtr *recs = NULL;
    int status = -1, rc = 0;
    long long mbps = -1;

    if (m == NULL) {
        err_set(err, "no measurement of %s was started", vm);
        return -1;
    }
    doms[0] = lookup(lv, vm, err);
    if (doms[0] == NULL)
        return -1;
    {
        const struct model_vm *v = model_vm(lv->base.model, vm);
        bool period = loop_now_ms() >= m->started_ms + m->seconds * 1000ULL;

        /* zero pages meanwhile, a few a turn; the rest once it ends */
        if (v != NULL)
            sample_zero(m, doms[0], v->memory_bytes,
                        period ? 4 * ZERO_BATCH : ZERO_BATCH);
        /* the rate cannot be there before the period ends */
        if (!period) {
            virDomainFree(doms[0]);
            return 0;
        }
    }
    if (virDomainListGetStats(doms, VIR_DOMAIN_STATS_DIRTYRATE, &recs, 0) <
            1) {
        err_set(err, "libvirt gave no dirty-rate statistics for %s: %s", vm,
                lv_errmsg());
        rc = -1;
    } else {
        for (int i = 0; i < recs[0]->nparams; i++) {
            const virTypedParameter *p = &recs[0]->params[i];

            if (strcmp(p->field, "dirtyrate.calc_status") == 0)
                status = p->value.i;
            else if (strcmp(p->field, "dirtyrate.megabytes_per_second") == 0)
                mbps = p->value.l;
        }
        bool zero_more = m->zero_read < ZERO_SAMPLES &&
                         m->zero_failed < ZERO_SAMPLES;

        if (status == 2 && mbps >= 0 && zero_more &&
            loop_now_ms() < m->started_ms + m->seconds * 1000ULL + 8000) {
            rc = 0; /* the rate is in; the zero pages come next turns */
        } else if (status == 2 && mbps >= 0) { /* MEASURED */
            m->bps = (uint64_t)mbps * MiB;
            m->done = true;
            *bps = m->bps;
            rc = 1;
        } else if (loop_now_ms() > m->started_ms + m->seconds * 1000ULL +
                                       10000) {
            err_set(err, "the measurement of %s did not finish", vm);
            rc = -1;
        }
    }
    virDomainStatsRecordListFree(recs);
    virDomainFree(doms[0]);
    return rc;
}
