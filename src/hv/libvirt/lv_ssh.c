/* Hosts reached over SSH: ferry's own libssh session first (host key,
 * authentication, with the operator's answers), then libvirt's connection
 * through ferry's SSH (sshc_relay: the same verified host key and
 * credentials, so the operator is asked once), and remote probes over
 * exec channels. This file sees libvirt and ferry's SSH layer, not
 * libssh itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ferry/units.h"
#include "lv_internal.h"

#define PROBE_EVERY_MS 60000

static void
wake(struct lv *lv)
{
    loop_update_timer(lv->loop, lv->tick_timer, 0);
}

/* Something to show (a question, a state, probe results): rebuild the
 * model on the next tick, which also looks at what is due. */
static void
host_changed(struct lv_host *h)
{
    h->lv->base.generation++;
    h->lv->need_rebuild = true;
    wake(h->lv);
}

static void
on_ssh_change(struct sshc *c, void *opaque)
{
    (void)c;
    host_changed(opaque);
}

void
lv_ssh_start(struct lv_host *h, const struct lv_host_cfg *hc,
             const struct lv_open *how)
{
    struct sshc_opts o = {
        .name = h->name,
        .target = hc->ssh_host,
        .user = hc->ssh_user,
        .port = hc->ssh_port,
        .accept_new = how->accept_new,
        .can_prompt = how->can_prompt,
        .ask_hostkey = how->ask_hostkey,
    };
    char *u = NULL, *hh = NULL;
    unsigned port = 0;
    const char *why;

    if (hc->ssh_host == NULL)
        return;
    h->over_ssh = ssh_target_from_uri(h->base_uri, &u, &hh, &port, &why) > 0;
    free(u);
    free(hh);
    h->ssh = sshc_new(h->lv->loop, &o, on_ssh_change, h);
    lv_host_err(h, "%s", sshc_error(h->ssh));
}

void
lv_ssh_stop(struct lv_host *h)
{
    sshc_relay_free(h->relay);
    h->relay = NULL;
    sshc_free(h->ssh); /* fails a running probe: probe_done runs */
    h->ssh = NULL;
    probe_fini(&h->probe);
    free(h->base_uri);
    h->base_uri = NULL;
}

/* ---- probes ------------------------------------------------------------ */

static uint64_t
wall_ms(uint64_t loop_ms)
{
    struct timespec ts;
    uint64_t now;

    clock_gettime(CLOCK_REALTIME, &ts);
    now = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    return now - (loop_now_ms() - loop_ms);
}

static void
probe_done(void *opaque, int status, const char *out, const char *err,
           uint64_t t_sent, uint64_t t_first)
{
    struct lv_host *h = opaque;
    struct host_probe p = {0};
    struct ferry_err e = {0};

    h->probing = false;
    h->next_probe = loop_now_ms() + PROBE_EVERY_MS;
    if (status < 0) {
        free(h->probe_err);
        h->probe_err = xasprintf("probe failed: %.200s", err);
    } else if (probe_parse(out, &p, &e) < 0) {
        /* the host's own words shortened: it may say a lot */
        free(h->probe_err);
        h->probe_err = xasprintf("probe: %s%s%.200s", e.msg,
                                 err[0] ? "; the host said: " : "", err);
        probe_fini(&p);
    } else {
        if (t_first != 0)
            probe_set_skew(&p, wall_ms(t_sent), wall_ms(t_first));
        /* keep the tighter clock reading of the last ten minutes (a busy
         * loop delays the arrival, which widens the uncertainty) */
        if (h->probe.has_skew &&
            (!p.has_skew || p.skew_err_ms > h->probe.skew_err_ms) &&
            loop_now_ms() - h->skew_at < 600000) {
            p.has_skew = true;
            p.skew_ms = h->probe.skew_ms;
            p.skew_err_ms = h->probe.skew_err_ms;
        } else if (p.has_skew) {
            h->skew_at = loop_now_ms();
        }
        probe_fini(&h->probe);
        h->probe = p;
        free(h->probe_err);
        h->probe_err = NULL;
    }
    if (h->ssh != NULL) /* not while the session is being freed */
        host_changed(h);
}

/* The migration address another host receives on. */
static const char *
mig_addr(const struct lv_host *h)
{
    return h->cfg.migration_address ? h->cfg.migration_address
                                     : h->hostname;
}

static void
start_probe(struct lv_host *h)
{
    struct lv *lv = h->lv;
    char **paths = NULL, **addrs = NULL;
    size_t np = 0, na = 0;
    char *script;

    for (size_t i = 0; i < h->n_pools; i++)
        if (h->pools[i].type && strcmp(h->pools[i].type, "dir") == 0 &&
            h->pools[i].path)
            lv_strv_push(&paths, &np, h->pools[i].path);
    for (size_t i = 0; i < lv->n_hosts; i++)
        if (&lv->hosts[i] != h && mig_addr(&lv->hosts[i]) != NULL &&
            !strv_contains(addrs, na, mig_addr(&lv->hosts[i])))
            lv_strv_push(&addrs, &na, mig_addr(&lv->hosts[i]));
    script = probe_script(paths, np, addrs, na);
    strv_free(paths, np);
    strv_free(addrs, na);
    if (sshc_exec(h->ssh, script, 15000, probe_done, h) == 0)
        h->probing = true;
    free(script);
}

void
lv_host_ssh_model(const struct lv_host *h, struct model_host *mh)
{
    struct sshc_info i;
    char buf[256];

    if (h->ssh == NULL)
        return;
    sshc_info(h->ssh, &i);
    if (sshc_state(h->ssh) == SSHC_READY)
        mh->ssh = xasprintf("%s@%s%s%.0u, %s, %s", i.user, i.host,
                            i.port != 22 ? ":" : "", i.port != 22 ? i.port : 0,
                            i.auth, i.fingerprint);
    else
        mh->ssh = xasprintf("%s: %s", sshc_state_name(sshc_state(h->ssh)),
                            sshc_error(h->ssh));
    if (h->probe.valid)
        mh->probe = xstrdup(probe_summary(&h->probe, buf, sizeof buf));
    else if (h->probe_err != NULL)
        mh->probe = xstrdup(h->probe_err);
}

/* Connect libvirt through the relay once SSH is ready. */
static void
connect_libvirt(struct lv_host *h, uint64_t now)
{
    struct lv *lv = h->lv;
    struct sshc_info i;
    char *cmd = lv_ssh_remote_cmd(h->base_uri);
    char why[256] = "";

    sshc_info(h->ssh, &i);
    sshc_relay_free(h->relay);
    h->relay = cmd ? sshc_relay_new(h->ssh, cmd, why, sizeof why) : NULL;
    free(cmd);
    free(h->uri);
    h->uri = h->relay ? lv_ssh_local_uri(h->base_uri,
                                         sshc_relay_path(h->relay))
                      : NULL;
    if (h->uri == NULL) {
        h->uri = xstrdup(h->base_uri);
        lv_host_err(h, "%s: %s", h->name, why);
    } else if (lv_host_connect(h) == 0) {
        lv_status(lv, false, "host %s is up over SSH (%s@%s)", h->name,
                  i.user, i.host);
        lv->need_rebuild = true;
    } else {
        sshc_relay_status(h->relay, why, sizeof why);
        if (why[0] != '\0')
            lv_host_err(h, "%s: %s", h->name, why);
    }
    if (h->conn == NULL)
        lv_backoff(h, now);
}

static int
until(uint64_t at, uint64_t now)
{
    return at <= now ? 0 : (int)MIN(at - now, 3600000);
}

int
lv_ssh_tick(struct lv_host *h, uint64_t now)
{
    enum sshc_state st;

    if (h->ssh == NULL)
        return -1;
    st = sshc_state(h->ssh);
    if (st != SSHC_READY) {
        if (h->over_ssh && h->conn != NULL)
            lv_host_lost(h, sshc_error(h->ssh));
        if (h->over_ssh)
            lv_host_err(h, "%s", sshc_error(h->ssh));
        return -1; /* the session's own changes wake the tick */
    }
    if (h->over_ssh && h->conn == NULL && now >= h->retry_at)
        connect_libvirt(h, now);
    if (h->over_ssh && h->conn == NULL)
        return until(h->retry_at, now);
    if (!h->probing && now >= h->next_probe)
        start_probe(h);
    return h->probing ? -1 : until(h->next_probe, now); /* probe_done wakes */
}

bool
lv_ssh_settling(const struct lv *lv)
{
    for (size_t i = 0; i < lv->n_hosts; i++) {
        const struct lv_host *h = &lv->hosts[i];
        enum sshc_state st;

        if (h->ssh == NULL)
            continue;
        st = sshc_state(h->ssh);
        if (st == SSHC_CONNECTING || st == SSHC_PROMPT)
            return true;
        if (st == SSHC_READY && h->over_ssh && h->conn == NULL &&
            h->backoff_ms == 0)
            return true; /* libvirt's connection not tried yet */
        if (st == SSHC_READY && (h->conn || !h->over_ssh) &&
            (h->probing || (!h->probe.valid && h->probe_err == NULL)))
            return true;
    }
    return false;
}

bool
lv_prompt(struct hv *hv, struct hv_prompt *out)
{
    struct lv *lv = (struct lv *)hv;

    for (size_t i = 0; i < lv->n_hosts; i++) {
        const struct sshc_prompt *p =
            lv->hosts[i].ssh ? sshc_prompt(lv->hosts[i].ssh) : NULL;

        if (p == NULL)
            continue;
        out->kind = p->kind == SSHC_ASK_HOSTKEY ? HV_ASK_YESNO
                    : p->kind == SSHC_ASK_TEXT  ? HV_ASK_TEXT
                                                : HV_ASK_SECRET;
        out->host = lv->hosts[i].name;
        out->title = p->title;
        out->text = p->text;
        out->id = (unsigned)(i << 16) | (p->seq & 0xffff);
        return true;
    }
    return false;
}

void
lv_answer(struct hv *hv, unsigned id, const char *answer)
{
    struct lv *lv = (struct lv *)hv;
    size_t i = id >> 16;
    const struct sshc_prompt *p;

    if (i >= lv->n_hosts || lv->hosts[i].ssh == NULL)
        return;
    p = sshc_prompt(lv->hosts[i].ssh);
    if (p == NULL || (p->seq & 0xffff) != (id & 0xffff))
        return; /* answered already, or another question now */
    sshc_answer(lv->hosts[i].ssh, answer);
}

/* ---- checks from the probes ---------------------------------------------- */

/* Compare dotted versions: <0, 0, >0. */
static int
vercmp(const char *a, const char *b)
{
    while (*a || *b) {
        char *ea, *eb;
        unsigned long x = strtoul(a, &ea, 10), y = strtoul(b, &eb, 10);

        if (x != y)
            return x < y ? -1 : 1;
        if (ea == a || eb == b)
            return 0;
        a = *ea == '.' ? ea + 1 : ea;
        b = *eb == '.' ? eb + 1 : eb;
        if (*ea != '.' || *eb != '.')
            return 0;
    }
    return 0;
}

static void
check_clock(const struct lv_host *src, const struct lv_host *dst,
            struct checks *out)
{
    int64_t d;
    uint64_t e, ad;

    if (!src->probe.has_skew || !dst->probe.has_skew)
        return;
    d = dst->probe.skew_ms - src->probe.skew_ms;
    e = src->probe.skew_err_ms + dst->probe.skew_err_ms;
    ad = (uint64_t)(d < 0 ? -d : d);
    if (ad > e + 1000)
        checks_set(out, "clock", CHECK_WARN,
            "%s's clock is %+lld ms off %s's (+/-%llu): the guest's clock "
            "jumps after the switch; check NTP on both", dst->name,
            (long long)d, src->name, (unsigned long long)e);
    else
        checks_set(out, "clock", CHECK_OK,
            "%s's and %s's clocks agree (%+lld ms, +/-%llu)", src->name,
            dst->name, (long long)d, (unsigned long long)e);
}

static void
check_reach(const struct lv_host *src, const struct lv_host *dst,
            struct checks *out)
{
    const char *addr = mig_addr(dst);
    const struct probe_reach *r =
        addr && src->probe.valid ? probe_reach_of(&src->probe, addr) : NULL;

    if (r == NULL)
        return;
    switch (r->result) {
    case REACH_OK:
    case REACH_REFUSED:
        checks_set(out, "migration-net", CHECK_OK,
            "%s reaches %s's migration address %s (TCP port %d: %s)",
            src->name, dst->name, addr, PROBE_MIG_PORT, r->detail);
        break;
    case REACH_NO:
        checks_set(out, "migration-net", CHECK_ERROR,
            "%s cannot reach %s's migration address %s (TCP port %d: %s)",
            src->name, dst->name, addr, PROBE_MIG_PORT, r->detail);
        break;
    default:
        checks_set(out, "migration-net", CHECK_WARN,
            "from %s, a connect to %s:%d said: %s", src->name, addr,
            PROBE_MIG_PORT, r->detail);
        break;
    }
}

static void
check_qemu(const struct lv_host *src, const struct lv_host *dst,
           struct checks *out)
{
    const char *a = src->probe.qemu, *b = dst->probe.qemu;

    if (a == NULL || b == NULL)
        return;
    if (vercmp(b, a) < 0)
        checks_set(out, "qemu-version", CHECK_WARN,
            "%s runs an older QEMU (%s) than %s (%s): the guest's machine "
            "type may not exist there (kernel %s)", dst->name, b, src->name,
            a, dst->probe.kernel ? dst->probe.kernel : "?");
    else
        checks_set(out, "qemu-version", CHECK_OK,
            "QEMU %s on %s, %s on %s (kernels %s, %s)", a, src->name, b,
            dst->name, src->probe.kernel ? src->probe.kernel : "?",
            dst->probe.kernel ? dst->probe.kernel : "?");
}

/* The filesystem under the destination's directory pool, as df sees it
 * now (a pool's own figure is only as fresh as its last refresh). */
static void
check_fs(struct lv *lv, const struct lv_host *h, const char *ds,
         uint64_t need, struct checks *out)
{
    char a[32], b[32];

    for (size_t i = 0; i < h->n_pools; i++) {
        char *name = lv_ds_name(lv, h, &h->pools[i]);
        const struct probe_fs *fs =
            h->pools[i].path ? probe_fs_of(&h->probe, h->pools[i].path)
                             : NULL;
        enum check_status st;

        if (strcmp(name, ds) != 0 || fs == NULL) {
            free(name);
            continue;
        }
        free(name);
        st = fs->avail < need ? CHECK_ERROR
             : fs->avail - need < fs->size / 10 ? CHECK_WARN
                                                : CHECK_OK;
        checks_set(out, "filesystem-space", st,
            "df on %s: %s has %s free, the disks need %s%s", h->name,
            fs->path, units_fmt_bytes(a, sizeof a, fs->avail),
            units_fmt_bytes(b, sizeof b, need),
            st == CHECK_WARN ? " (over 90% full after)" : "");
        return;
    }
}

void
lv_ssh_checks(struct lv *lv, const struct mig_request *req,
              struct checks *out)
{
    const struct model_vm *vm = model_vm(lv->base.model, req->vm);
    struct lv_host *src = vm ? lv_host_by_name(lv, vm->host) : NULL;
    struct lv_host *dst =
        req->dst_host ? lv_host_by_name(lv, req->dst_host) : src;

    if (src == NULL || dst == NULL)
        return;
    if (req->kind != KIND_STORAGE && dst != src) {
        check_reach(src, dst, out);
        check_clock(src, dst, out);
        check_qemu(src, dst, out);
    }
    if (req->kind != KIND_COMPUTE && req->dst_ds != NULL && dst->probe.valid)
        check_fs(lv, dst, req->dst_ds, model_vm_disk_bytes(vm), out);
}
