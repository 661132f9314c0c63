/* The guided migration wizard. Each step lists its choices with a verdict
 * and the reasons; choices are kept by name, so going back and forth (or
 * the inventory changing underneath) keeps them. */
#include "ferry/table.h"
#include "wizard.h"
#include "keymap.h"

#include <ctype.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/checks.h"
#include "ferry/loop.h"
#include "ferry/place.h"
#include "ferry/runner.h"
#include "ferry/units.h"

enum step { S_KIND, S_HOST, S_DS, S_OPTIONS, S_PREFLIGHT, S_REVIEW, S_COUNT };

static const char *const step_names[S_COUNT] = {
    "Kind", "Host", "Datastore", "Options", "Pre-flight", "Review"};

static const char *const step_intro[S_COUNT] = {
    "What moves: the running VM, its disks, or both.",
    "Where the VM will run. Hosts that fail a check cannot be chosen.",
    "Where the disks will live. Datastores that fail a check cannot be "
    "chosen.",
    "How ferry steers the copy. Type values with units; Left/Right change "
    "the others.",
    "Every check, and what the move will take. Errors block, warnings can "
    "be accepted.",
    "The move as it will run. Enter starts it (or queues it).",
};

static const char *const step_help[S_COUNT] = {
    "compute: the VM's memory and device state are copied to another host "
    "while it runs (pre-copy rounds, then a short pause to switch). Its "
    "disks must be on storage both hosts see.\n"
    "storage: the VM stays on its host; its disks are mirrored to another "
    "datastore while it writes to them, then ferry pivots to the copy.\n"
    "both: the disks are mirrored to a datastore of the new host first, "
    "then memory follows, as one move; no shared storage is needed.\n"
    "A shut-off VM moves cold: its disks and definition travel, nothing "
    "runs.",
    "ok: every check passes. warning: it can be chosen, the pre-flight "
    "step shows why. error: it cannot be chosen (the reason is shown on its "
    "row and below).\n"
    "FREE MEM is memory the host has left for guests; LINK is the "
    "migration network's speed between the two hosts; MOVES counts "
    "migrations of this console touching the host.",
    "FREE AFTER is the space left once the disks are copied (allocated "
    "size). A local datastore is seen by one host; a shared one by every "
    "host listed. A datastore the destination host cannot see cannot be "
    "chosen.",
    "Policy: how ferry decides switchover and escalates (the schedule is "
    "summarised below it).\n"
    "Downtime budget: the pause the guest may see, e.g. 300ms or 1.5s.\n"
    "Bandwidth cap: e.g. 200MiB/s or 1Gbit; empty uses the link's speed.\n"
    "Throttle, post-copy, pause: which escalations ferry may use when the "
    "copy does not converge. Post-copy resumes the guest on the "
    "destination early and pulls its pages; if the link fails then, the "
    "guest is lost.\n"
    "Priority: the queue's order when limits make moves wait.",
    "Each check comes from the inventory or, on libvirt hosts, from the "
    "hosts themselves (CPU comparison, free memory, pool space, jobs).\n"
    "The prediction uses the VM's last flight log or a measurement: press "
    "d to measure the dirty rate now (a few seconds of page sampling; "
    "never during a migration).\n"
    "When the copy would not converge, the lines below the prediction say "
    "what would make it work.",
    "Enter starts the move and opens its dashboard. When a host, datastore "
    "or link is at its limit the move waits in the queue (the Jobs view "
    "shows its position and what it waits for).",
};

enum opt_field {
    O_POLICY,
    O_BUDGET,
    O_BW,
    O_THROTTLE,
    O_POSTCOPY,
    O_PAUSE,
    O_PRIO,
    O_COUNT
};

enum prompt { P_NONE, P_DISCARD, P_WARNINGS };


struct item {
    char *name;     /* whole; every string here is never NULL */
    enum check_status verdict;
    char *why;      /* the first reason that is not ok */
    char *cols[6];
    bool current;   /* where the VM is now: not a destination */
    bool pending;   /* the verdict is the inventory's; the backend's checks
                     * are on their way */
    bool best;      /* the host step: the placement's choice */
};

struct wizard {
    struct wizard_env env;
    struct mig_choice ch;
    enum step step;
    int sel[S_COUNT];
    int top[S_COUNT];
    enum opt_field field;
    char budget_text[24], bw_text[24];
    char field_err[160];
    bool help;
    enum prompt prompt;
    /* the list of the current step */
    struct item *items; /* the step's choices, as many as there are */
    size_t cap_items;
    int n_items;
    bool valid;
    /* pre-flight */
    struct checks ck; /* pre-flight's, and the wizard's own two */
    struct checks scratch; /* one host's or datastore's, for its row */
    struct prediction pred;
    bool pred_ok;
    double expected_ms;
    char advice[4][200];
    int n_advice;
    bool warnings_accepted;
    /* the backend's own checks of every host (the host step): asked for
     * off the key path and kept by host name */
    struct host_verdict {
        char *host;
        bool known;           /* the backend has answered for it */
        enum job_kind kind;   /* of the request it answered */
        enum check_status verdict;
        char *why, *short_why;
    } *hosts_seen;
    size_t n_hosts_seen, cap_hosts_seen;
    char **round;        /* the hosts the round in flight asks about */
    void *round_handle;  /* the backend's own round (checks_start) */
    size_t n_round, round_next, round_left;
    enum job_kind round_kind;
    uint64_t round_gen, round_ms; /* the inventory and the time it began */
    bool news;           /* answers arrived since the last tick */
    /* the best host (the host step): where placement would put the VM,
     * and why in a sentence ("" when no host passes every check) */
    char *best_host, *best_why;
    /* dirty-rate measurement */
    bool measuring, measured;
    uint64_t measured_bps;
    char measure_err[200];
};

/* ---- helpers ------------------------------------------------------------ */

static void
status(struct wizard *w, bool error, const char *fmt, ...) FERRY_PRINTF(3, 4);

static void
status(struct wizard *w, bool error, const char *fmt, ...)
{
    char *buf;
    va_list ap;

    va_start(ap, fmt);
    buf = xvasprintf(fmt, ap);
    va_end(ap);
    if (w->env.status)
        w->env.status(w->env.ctx, error, buf);
    free(buf);
}

static const struct model *
model(const struct wizard *w)
{
    return w->env.hv->model;
}

static bool
step_shown(const struct wizard *w, enum step s)
{
    if (s == S_HOST)
        return w->ch.kind != KIND_STORAGE;
    if (s == S_DS)
        return w->ch.kind != KIND_COMPUTE;
    return true;
}

void
mig_choice_policy(const struct mig_choice *ch, const struct policy_set *set,
                  struct policy *out)
{
    policy_copy_restricted(&set->v[ch->policy], out, ch->allow_throttle,
                           ch->allow_postcopy, ch->allow_pause);
}

void
mig_choice_escalations(struct mig_choice *ch, const struct policy *p)
{
    ch->allow_throttle = policy_allows(p, ACT_THROTTLE) || p->auto_converge;
    ch->allow_postcopy = policy_allows(p, ACT_POSTCOPY) || p->postcopy;
    ch->allow_pause = policy_allows(p, ACT_PAUSE);
}

static void
escalation_defaults(struct wizard *w)
{
    mig_choice_escalations(&w->ch, &w->env.policies->v[w->ch.policy]);
}

struct mig_request
mig_choice_request(const struct mig_choice *ch)
{
    struct mig_request req = {
        .vm = ch->vm,
        .kind = ch->kind,
        .dst_host = ch->kind != KIND_STORAGE && ch->host[0] ? ch->host : NULL,
        .dst_ds = ch->kind != KIND_COMPUTE && ch->ds[0] ? ch->ds : NULL,
    };

    return req;
}

void
mig_choice_runner_opts(const struct mig_choice *ch, const struct policy *pol,
                       struct runner_opts *o)
{
    struct mig_request req = mig_choice_request(ch);

    memset(o, 0, sizeof *o);
    o->vm = ch->vm;
    o->kind = ch->kind;
    o->to = req.dst_host;
    o->datastore = req.dst_ds;
    o->policy = pol;
    o->budget_ms = ch->budget_ms;
    o->bw_cap_bps = ch->bw_cap_bps;
}

static size_t
run_checks(struct wizard *w, const struct mig_request *req,
           struct checks *out)
{
    size_t nb = 0;
    const char **busy = w->env.busy ? w->env.busy(w->env.ctx, &nb) : NULL;

    return runner_checks(w->env.hv, req, busy, nb, out);
}

/* Set one of an item's strings. */
static void item_printf(char **f, const char *fmt, ...) FERRY_PRINTF(2, 3);

static void
item_printf(char **f, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    free(*f);
    *f = s;
}

/* Worst of the named results, and the first reason at that level. */
static enum check_status
verdict_of(const struct check_result *r, size_t n,
           const char *const *names, size_t n_names, char **why)
{
    enum check_status v = CHECK_OK;

    item_printf(why, "%s", "");
    for (size_t i = 0; i < n; i++) {
        bool mine = false;

        for (size_t k = 0; k < n_names; k++)
            mine |= strcmp(r[i].name, names[k]) == 0;
        if (!mine || r[i].status <= v)
            continue;
        v = r[i].status;
        item_printf(why, "%s", r[i].message);
    }
    return v;
}

/* ---- the lists of each step ---------------------------------------------- */

static struct item *
new_item(struct wizard *w)
{
    struct item *it;

    w->items = xgrow(w->items, &w->cap_items, (size_t)w->n_items + 1,
                     sizeof *w->items);
    it = &w->items[w->n_items++];
    memset(it, 0, sizeof *it);
    it->name = xstrdup("");
    it->why = xstrdup("");
    for (size_t i = 0; i < ARRAY_SIZE(it->cols); i++)
        it->cols[i] = xstrdup("");
    return it;
}

static void
items_clear(struct wizard *w)
{
    for (int i = 0; i < w->n_items; i++) {
        struct item *it = &w->items[i];

        free(it->name);
        free(it->why);
        for (size_t k = 0; k < ARRAY_SIZE(it->cols); k++)
            free(it->cols[k]);
    }
    w->n_items = 0;
}

static void
kind_items(struct wizard *w)
{
    const struct model *m = model(w);
    const struct model_vm *vm = model_vm(m, w->ch.vm);
    static const char *const what[3] = {
        "move the running VM to another host; disks stay",
        "move the disks to another datastore; the VM stays",
        "move the VM and its disks to another host at once",
    };
    bool other_host = m->n_hosts > 1, other_ds = false;

    for (size_t i = 0; i < m->n_datastores; i++) {
        const struct model_datastore *d = &m->datastores[i];
        bool all_here = vm->n_disks > 0;

        for (size_t k = 0; k < vm->n_disks; k++)
            all_here &= strcmp(vm->disks[k].datastore, d->name) == 0;
        if (!all_here)
            other_ds = true;
    }
    for (int k = 0; k < 3; k++) {
        struct item *it = new_item(w);
        const char *no = NULL;

        item_printf(&it->name, "%s",
                 job_kind_name((enum job_kind)k));
        item_printf(&it->cols[0], "%s", what[k]);
        if (k != KIND_STORAGE && !other_host)
            no = "there is no other host";
        else if (k != KIND_COMPUTE && vm->n_disks == 0)
            no = "the VM has no disks";
        else if (k == KIND_STORAGE && !other_ds)
            no = "no other datastore";
        else if (k != KIND_STORAGE && !vm->live_migratable &&
                 vm->state != VM_SHUTOFF)
            item_printf(&it->why, "cannot migrate live: %s",
                     vm->not_migratable_reason ? vm->not_migratable_reason
                                               : "host-local devices");
        if (no != NULL)
            item_printf(&it->why, "%s", no);
        it->verdict = it->why[0] ? CHECK_ERROR : CHECK_OK;
        if (it->verdict == CHECK_OK && vm->state == VM_SHUTOFF)
            item_printf(&it->why, "the VM is shut off: a cold move");
    }
}

/* ---- the backend's verdicts for every host ------------------------------ */

#define ROUND_AGAIN_MS 5000 /* a changed inventory is checked again after */

static const char *const host_check_names[] = {
    "destination", "maintenance", "cpu", "memory", "networks",
    "shared-storage"};

static struct host_verdict *
host_seen(struct wizard *w, const char *host, bool add)
{
    struct host_verdict *hv;

    for (size_t i = 0; i < w->n_hosts_seen; i++)
        if (strcmp(w->hosts_seen[i].host, host) == 0)
            return &w->hosts_seen[i];
    if (!add)
        return NULL;
    w->hosts_seen = xgrow(w->hosts_seen, &w->cap_hosts_seen,
                          w->n_hosts_seen + 1, sizeof *w->hosts_seen);
    hv = &w->hosts_seen[w->n_hosts_seen++];
    memset(hv, 0, sizeof *hv);
    hv->host = xstrdup(host);
    hv->why = xstrdup("");
    hv->short_why = xstrdup("");
    return hv;
}

/* "CPU lacks avx512f" for a row; "" when the sentence will do. */
static void
short_reason_of(const struct check_result *r, size_t n,
                enum check_status verdict, char **out)
{
    item_printf(out, "%s", "");
    for (size_t i = 0; i < n; i++) {
        const char *flags;

        if (r[i].status != verdict || strcmp(r[i].name, "cpu") != 0)
            continue;
        if ((flags = strstr(r[i].message, "uses: ")) != NULL)
            item_printf(out, "CPU lacks %s", flags + 6);
        return;
    }
}

/* One host's answer (in any order): kept, and shown at the next tick. */
static void
round_answer(void *ctx, size_t i, const struct check_result *r, size_t n)
{
    struct wizard *w = ctx;
    struct host_verdict *hv;

    if (i >= w->n_round || w->round[i] == NULL)
        return;
    hv = host_seen(w, w->round[i], true);
    hv->known = true;
    hv->kind = w->round_kind;
    hv->verdict = verdict_of(r, n, host_check_names,
                             ARRAY_SIZE(host_check_names), &hv->why);
    short_reason_of(r, n, hv->verdict, &hv->short_why);
    /* the host step's row, if it shows: at once, not at a rebuild */
    for (int k = 0; w->step == S_HOST && w->valid && k < w->n_items; k++) {
        struct item *it = &w->items[k];

        if (it->current || strcmp(it->name, hv->host) != 0 ||
            hv->kind != w->ch.kind)
            continue;
        it->verdict = hv->verdict;
        item_printf(&it->why, "%s", hv->why);
        item_printf(&it->cols[4], "%s", hv->short_why);
        it->pending = false;
    }
    free(w->round[i]);
    w->round[i] = NULL;
    if (w->round_left > 0)
        w->round_left--;
    w->news = true;
}

static void
round_end(struct wizard *w)
{
    if (w->round_handle != NULL)
        w->env.hv->ops->checks_cancel(w->env.hv, w->round_handle);
    w->round_handle = NULL;
    for (size_t i = 0; i < w->n_round; i++)
        free(w->round[i]);
    free(w->round);
    w->round = NULL;
    w->n_round = w->round_next = w->round_left = 0;
}

/* Ask the backend about every other host, unless a round runs or the
 * answers kept are fresh enough. The backend answers host by host from
 * the loop, one host each turn, so keys are answered in between and one
 * slow host holds nobody else back. */
static void
round_start(struct wizard *w)
{
    const struct model *m = model(w);
    const struct model_vm *vm = model_vm(m, w->ch.vm);
    uint64_t now = loop_now_ms();
    bool fresh = w->round_ms != 0 && w->round_kind == w->ch.kind &&
                 (w->round_gen == w->env.hv->generation ||
                  now < w->round_ms + ROUND_AGAIN_MS);

    if (w->env.hv->ops->checks == NULL || w->round_left > 0 || fresh)
        return;
    round_end(w);
    w->round = xcalloc(m->n_hosts + 1, sizeof *w->round);
    for (size_t i = 0; i < m->n_hosts; i++)
        if (strcmp(m->hosts[i].name, vm->host) != 0)
            w->round[w->n_round++] = xstrdup(m->hosts[i].name);
    w->round_left = w->n_round;
    w->round_kind = w->ch.kind;
    w->round_gen = w->env.hv->generation;
    w->round_ms = now;
    /* a backend that answers on its own (the server: one request for
     * every host, answers streamed host by host) */
    if (w->env.hv->ops->checks_start != NULL &&
        w->env.hv->ops->checks_cancel != NULL) {
        struct mig_request req = mig_choice_request(&w->ch);

        req.dst_host = NULL;
        req.dst_ds = NULL;
        w->round_handle = w->env.hv->ops->checks_start(
            w->env.hv, &req, (const char *const *)w->round, w->n_round,
            round_answer, w);
        if (w->round_handle != NULL)
            w->round_next = w->n_round; /* nothing to ask one by one */
    }
}

/* The next host of the round, if any; true when one was asked. */
static bool
round_step(struct wizard *w)
{
    struct checks *r = &w->scratch;
    struct mig_request req;

    while (w->round_next < w->n_round && w->round[w->round_next] == NULL)
        w->round_next++;
    if (w->round_next >= w->n_round) {
        if (w->round != NULL && w->round_left == 0)
            round_end(w);
        return false;
    }
    /* one host per turn, synchronously: a backend without checks_start */
    req = mig_choice_request(&w->ch);
    req.kind = w->round_kind;
    req.dst_host = w->round[w->round_next];
    req.dst_ds = NULL;
    run_checks(w, &req, r);
    round_answer(w, w->round_next++, r->v, r->n);
    return true;
}

/* Where placement would put the VM: the host that passes every check
 * and leaves the hosts most balanced (hosts in maintenance take none).
 * Pure C over the inventory, no backend asked: the step stays quick. */
static void
best_host(struct wizard *w, const char **busy, size_t nb)
{
    const struct model *m = model(w);
    const char **maint = xcalloc(m->n_hosts + 1, sizeof *maint);
    const char *vm = w->ch.vm;
    struct place_opts o;
    struct placement p;
    size_t nm = 0, skip = 0;

    for (size_t i = 0; i < m->n_hosts; i++)
        if (m->hosts[i].maintenance)
            maint[nm++] = m->hosts[i].name;
    memset(&o, 0, sizeof o);
    o.exclude = maint;
    o.n_exclude = nm;
    o.busy = busy;
    o.n_busy = nb;
    o.allow_storage = w->ch.kind == KIND_BOTH;
    place_vms(m, &vm, 1, &o, &p);
    mig_choice_set(&w->best_host, p.host);
    /* the reason starts with the host's name: the row has it */
    if (p.host != NULL && strncmp(p.reason, p.host, strlen(p.host)) == 0 &&
        strncmp(p.reason + strlen(p.host), ": ", 2) == 0)
        skip = strlen(p.host) + 2;
    mig_choice_set(&w->best_why, p.host != NULL ? p.reason + skip : "");
    placement_fini(&p);
    free(maint);
}

static void
host_items(struct wizard *w)
{
    const struct model *m = model(w);
    const struct model_vm *vm = model_vm(m, w->ch.vm);
    const char *const *names = host_check_names;
    size_t nb = 0;
    const char **busy = w->env.busy ? w->env.busy(w->env.ctx, &nb) : NULL;
    /* every host's memory in use, in one pass over the VMs */
    uint64_t *used = xcalloc(m->n_hosts + 1, sizeof *used);

    model_host_totals(m, used, NULL);
    round_start(w);
    best_host(w, busy, nb);
    for (size_t i = 0; i < m->n_hosts; i++) {
        const struct model_host *h = &m->hosts[i];
        struct item *it = new_item(w);
        struct checks *r = &w->scratch;
        struct mig_request req;
        uint64_t free_b =
            h->memory_bytes > used[i] ? h->memory_bytes - used[i] : 0;
        uint64_t link = model_link_bps(m, vm->host, h->name);
        const struct host_verdict *seen;
        char a[32];

        item_printf(&it->name, "%s", h->name);
        it->best = strcmp(h->name, w->best_host) == 0;
        item_printf(&it->cols[1], "%s",
                 units_fmt_bytes(a, sizeof a, free_b));
        item_printf(&it->cols[2], "%u", h->cores);
        if (strcmp(h->name, vm->host) == 0) {
            it->current = true;
            it->verdict = CHECK_ERROR;
            item_printf(&it->why, "the VM runs here now");
            item_printf(&it->cols[3], "-");
            continue;
        }
        if (link >= 125000000ULL)
            item_printf(&it->cols[3], "%.0f Gbit",
                     (double)link * 8 / 1e9);
        else
            item_printf(&it->cols[3], "%.0f Mbit",
                     (double)link * 8 / 1e6);
        req = mig_choice_request(&w->ch);
        req.dst_host = h->name;
        req.dst_ds = NULL;
        seen = host_seen(w, h->name, false);
        if (seen != NULL && seen->known && seen->kind == w->ch.kind) {
            /* the backend's answer, first-hand */
            it->verdict = seen->verdict;
            item_printf(&it->why, "%s", seen->why);
            item_printf(&it->cols[4], "%s", seen->short_why);
            continue;
        }
        /* the inventory's answer now; the backend's is on its way */
        checks_run(m, &req, busy, nb, r);
        it->verdict = verdict_of(r->v, r->n, names,
                                 ARRAY_SIZE(host_check_names), &it->why);
        short_reason_of(r->v, r->n, it->verdict, &it->cols[4]);
        it->pending = w->env.hv->ops->checks != NULL;
    }
    free(used);
}

static void
ds_items(struct wizard *w)
{
    const struct model *m = model(w);
    const struct model_vm *vm = model_vm(m, w->ch.vm);
    static const char *const names[] = {"datastore", "datastore-space"};
    uint64_t need = model_vm_disk_bytes(vm);

    for (size_t i = 0; i < m->n_datastores; i++) {
        const struct model_datastore *d = &m->datastores[i];
        struct item *it = new_item(w);
        struct checks *r = &w->scratch;
        struct mig_request req;
        uint64_t free_b = d->capacity_bytes > d->used_bytes
                              ? d->capacity_bytes - d->used_bytes
                              : 0;
        char a[32], *hosts = strv_join(d->hosts, d->n_hosts, ",");

        item_printf(&it->name, "%s", d->name);
        item_printf(&it->cols[1], "%s",
                 d->shared ? "shared" : "local");
        item_printf(&it->cols[2], "%s",
                 units_fmt_bytes(a, sizeof a, d->capacity_bytes));
        item_printf(&it->cols[3], "%s",
                 units_fmt_bytes(a, sizeof a, free_b));
        if (free_b >= need)
            item_printf(&it->cols[4], "%s",
                     units_fmt_bytes(a, sizeof a, free_b - need));
        else
            item_printf(&it->cols[4], "-");
        item_printf(&it->cols[5], "%s", hosts);
        free(hosts);
        req = mig_choice_request(&w->ch);
        req.dst_ds = d->name;
        run_checks(w, &req, r);
        it->verdict = verdict_of(r->v, r->n, names, ARRAY_SIZE(names),
                                 &it->why);
        it->current = it->verdict == CHECK_ERROR &&
                      strstr(it->why, "already on") != NULL;
    }
}

/* ---- pre-flight ------------------------------------------------------------ */

/* The smallest link (as a multiple of this one) that converges. */
static double
link_needed(const struct job_params *jp0)
{
    for (double f = 1.25; f <= 32; f *= 1.25) {
        struct job_params jp = *jp0;
        struct prediction p;

        jp.bw_bps = (uint64_t)((double)jp.bw_bps * f);
        jp.final_bps = (uint64_t)((double)jp.final_bps * f);
        engine_plan(&jp, &p);
        if (p.converges)
            return f;
    }
    return 0;
}

static void
advise(struct wizard *w, const struct job_params *jp,
       const struct policy *pol)
{
    const struct prediction *p = &w->pred;
    char a[32], b[32];
    double f;

    w->n_advice = 0;
    if (!w->pred_ok || p->converges)
        return;
    if (isfinite(p->stall_downtime_ms) && p->stall_downtime_ms > 0 &&
        p->stall_downtime_ms < 60000)
        snprintf(w->advice[w->n_advice++], sizeof w->advice[0],
                 "a downtime budget of %s would let it switch over where "
                 "the copy stalls",
                 units_fmt_ms(a, sizeof a,
                              ceil(p->stall_downtime_ms / 50) * 50 + 50));
    f = jp->bw_bps ? link_needed(jp) : 0;
    if (f > 0)
        snprintf(w->advice[w->n_advice++], sizeof w->advice[0],
                 "%s of about %s (now %s) would converge within %llu ms",
                 w->ch.bw_cap_bps ? "a bandwidth cap" : "a link",
                 units_fmt_rate(a, sizeof a, (double)jp->bw_bps * f),
                 units_fmt_rate(b, sizeof b, (double)jp->bw_bps),
                 (unsigned long long)w->ch.budget_ms);
    if (p->postcopy_ms > 0) {
        if (policy_allows(pol, ACT_POSTCOPY))
            snprintf(w->advice[w->n_advice++], sizeof w->advice[0],
                     "post-copy is allowed: ferry will switch to it, about "
                     "%s in all",
                     units_fmt_ms(a, sizeof a, p->postcopy_ms));
        else
            snprintf(w->advice[w->n_advice++], sizeof w->advice[0],
                     "allowing post-copy (Options) would finish in about %s",
                     units_fmt_ms(a, sizeof a, p->postcopy_ms));
    }
    if (!w->measured && w->env.hv->ops->measure_start != NULL &&
        w->n_advice < 4)
        snprintf(w->advice[w->n_advice++], sizeof w->advice[0],
                 "press d to measure the dirty rate now: the prediction "
                 "then starts from it");
}

static void
preflight(struct wizard *w)
{
    struct mig_request req;
    struct runner_opts o;
    struct policy pol;
    struct job_params jp;
    struct ferry_err err;
    char a[32], b[32];

    req = mig_choice_request(&w->ch);
    run_checks(w, &req, &w->ck);
    mig_choice_policy(&w->ch, w->env.policies, &pol);
    mig_choice_runner_opts(&w->ch, &pol, &o);
    o.hints_dir = w->env.hints_dir;
    w->pred_ok = runner_plan(w->env.hv, &o, &jp, &w->pred, &err) == 0;
    w->expected_ms = w->pred_ok ? runner_expected_total_ms(&w->pred, &pol)
                                : INFINITY;
    if (w->measured)
        /* libvirt reports whole MiB/s */
        checks_set(&w->ck, "dirty-rate", CHECK_OK,
                   "measured dirty rate: %s (page sampling before the move)",
                   w->measured_bps ? units_fmt_rate(a, sizeof a,
                                                    (double)w->measured_bps)
                                   : "under 1 MiB/s");
    if (w->pred_ok) {
        if (w->pred.converges) {
            bool over = w->pred.downtime_ms > (double)w->ch.budget_ms * 1.05;

            checks_set(&w->ck, "prediction", over ? CHECK_WARN : CHECK_OK,
                     !over
                         ? "the copy converges: downtime about %s within "
                           "the %s budget"
                         : "the copy converges, but downtime of about %s "
                           "exceeds the %s budget",
                     units_fmt_ms(a, sizeof a, w->pred.downtime_ms),
                     units_fmt_ms(b, sizeof b, (double)w->ch.budget_ms));
        } else if (isfinite(w->expected_ms)) {
            checks_set(&w->ck, "prediction", CHECK_WARN,
                     "the copy does not converge within %s: ferry will "
                     "escalate (post-copy)",
                     units_fmt_ms(a, sizeof a, (double)w->ch.budget_ms));
        } else {
            checks_set(&w->ck, "prediction", CHECK_WARN,
                     "the copy does not converge within %s and the policy "
                     "has no way to finish it: it may run until aborted",
                     units_fmt_ms(a, sizeof a, (double)w->ch.budget_ms));
        }
    }
    advise(w, &jp, &pol);
    policy_copy_free(&pol);
}

static void
rebuild(struct wizard *w)
{
    items_clear(w);
    switch (w->step) {
    case S_KIND:
        kind_items(w);
        break;
    case S_HOST:
        host_items(w);
        break;
    case S_DS:
        ds_items(w);
        break;
    case S_PREFLIGHT:
    case S_REVIEW:
        preflight(w);
        break;
    default:
        break;
    }
    w->valid = true;
    /* keep the cursor on the chosen item */
    {
        const char *want = w->step == S_KIND   ? job_kind_name(w->ch.kind)
                           : w->step == S_HOST ? w->ch.host
                           : w->step == S_DS   ? w->ch.ds
                                               : NULL;

        for (int i = 0; want && i < w->n_items; i++)
            if (strcmp(w->items[i].name, want) == 0)
                w->sel[w->step] = i;
    }
    if (w->sel[w->step] >= w->n_items)
        w->sel[w->step] = w->n_items ? w->n_items - 1 : 0;
}

static void
ensure(struct wizard *w)
{
    if (!w->valid)
        rebuild(w);
}

void
wizard_refresh(struct wizard *w)
{
    if (model_vm(model(w), w->ch.vm) == NULL)
        return;
    w->valid = false;
}

/* ---- life cycle ------------------------------------------------------------ */

struct wizard *
wizard_new(const struct wizard_env *env, const char *vm)
{
    const struct model *m = env->hv->model;
    const struct model_vm *v = model_vm(m, vm);
    struct wizard *w;

    if (v == NULL) {
        if (env->status) {
            char buf[128];

            snprintf(buf, sizeof buf, "no VM named %s", vm);
            env->status(env->ctx, true, buf);
        }
        return NULL;
    }
    w = xcalloc(1, sizeof *w);
    w->env = *env;
    w->ch.vm = xstrdup(vm);
    w->ch.host = xstrdup("");
    w->ch.ds = xstrdup("");
    w->best_host = xstrdup("");
    w->best_why = xstrdup("");
    w->ch.kind = KIND_COMPUTE;
    w->ch.budget_ms = env->default_budget_ms ? env->default_budget_ms : 300;
    w->ch.policy = env->default_policy;
    w->ch.prio = PRIO_NORMAL;
    escalation_defaults(w);
    units_fmt_ms(w->budget_text, sizeof w->budget_text,
                 (double)w->ch.budget_ms);
    /* start on the first usable kind */
    rebuild(w);
    for (int i = 0; i < w->n_items; i++)
        if (w->items[i].verdict != CHECK_ERROR) {
            w->ch.kind = (enum job_kind)i;
            w->sel[S_KIND] = i;
            break;
        }
    return w;
}

void
wizard_free(struct wizard *w)
{
    if (w != NULL) {
        items_clear(w);
        free(w->items);
        round_end(w);
        checks_fini(&w->ck);
        checks_fini(&w->scratch);
        for (size_t i = 0; i < w->n_hosts_seen; i++) {
            free(w->hosts_seen[i].host);
            free(w->hosts_seen[i].why);
            free(w->hosts_seen[i].short_why);
        }
        free(w->hosts_seen);
        free(w->best_host);
        free(w->best_why);
        mig_choice_fini(&w->ch);
    }
    free(w);
}

void
mig_choice_set(char **field, const char *value)
{
    char *v = xstrdup(value ? value : "");

    free(*field);
    *field = v;
}

void
mig_choice_copy(struct mig_choice *dst, const struct mig_choice *src)
{
    *dst = *src;
    dst->vm = xstrdup(src->vm);
    dst->host = xstrdup(src->host);
    dst->ds = xstrdup(src->ds);
}

void
mig_choice_fini(struct mig_choice *ch)
{
    free(ch->vm);
    free(ch->host);
    free(ch->ds);
    ch->vm = ch->host = ch->ds = NULL;
}

const struct mig_choice *
wizard_choice(const struct wizard *w)
{
    return &w->ch;
}

bool
wizard_measuring(const struct wizard *w)
{
    return w->measuring;
}

int
wizard_timeout_ms(const struct wizard *w)
{
    if (w->round_next < w->n_round)
        return 0; /* the next host's checks, after the keys waiting */
    return w->measuring ? 250 : -1;
}

bool
wizard_tick(struct wizard *w)
{
    struct ferry_err err;
    uint64_t bps = 0;
    bool news;
    int r;

    round_step(w);
    news = w->news;
    w->news = false;
    if (!w->measuring)
        return news;
    r = w->env.hv->ops->measure_poll(w->env.hv, w->ch.vm, &bps, &err);
    if (r == 0)
        return news;
    w->measuring = false;
    if (r < 0) {
        snprintf(w->measure_err, sizeof w->measure_err, "%.190s", err.msg);
        status(w, true, "%s: dirty rate not measured: %s", w->ch.vm,
               err.msg);
    } else {
        char a[32];

        w->measured_bps = bps;
        w->measured = true;
        status(w, false, "%s: dirty rate %s (measured)", w->ch.vm,
               bps ? units_fmt_rate(a, sizeof a, (double)bps)
                   : "under 1 MiB/s");
    }
    w->valid = false;
    return true;
}

/* ---- keys ------------------------------------------------------------------ */

static void
go(struct wizard *w, enum step s)
{
    w->step = s;
    w->help = false;
    w->valid = false;
    w->warnings_accepted = false;
    ensure(w);
}

static void
back(struct wizard *w)
{
    int s = (int)w->step - 1;

    while (s >= 0 && !step_shown(w, (enum step)s))
        s--;
    if (s < 0) {
        status(w, false, "this is the first step (Esc cancels)");
        return;
    }
    go(w, (enum step)s);
}

/* Accept the selected item of a list step; false when it cannot be. */
static bool
take_item(struct wizard *w)
{
    struct item *it;

    ensure(w);
    if (w->n_items == 0)
        return false;
    it = &w->items[w->sel[w->step]];
    if (it->verdict == CHECK_ERROR) {
        status(w, true, "%s cannot be chosen: %s", it->name, it->why);
        return false;
    }
    switch (w->step) {
    case S_KIND:
        job_kind_lookup(it->name, &w->ch.kind);
        status(w, false, "kind: %s", it->name);
        break;
    case S_HOST:
        mig_choice_set(&w->ch.host, it->name);
        status(w, false, "destination host: %s%s", it->name,
               it->verdict == CHECK_WARN ? " (with a warning)" : "");
        break;
    case S_DS:
        mig_choice_set(&w->ch.ds, it->name);
        status(w, false, "destination datastore: %s%s", it->name,
               it->verdict == CHECK_WARN ? " (with a warning)" : "");
        break;
    default:
        break;
    }
    return true;
}

static bool
fields_valid(struct wizard *w)
{
    if (w->field_err[0] != '\0') {
        status(w, true, "%s", w->field_err);
        return false;
    }
    return true;
}

static void
next(struct wizard *w)
{
    int s;

    switch (w->step) {
    case S_KIND:
    case S_HOST:
    case S_DS:
        if (!take_item(w))
            return;
        break;
    case S_OPTIONS:
        if (!fields_valid(w))
            return;
        break;
    case S_PREFLIGHT: {
        enum check_status worst;
        size_t nw = 0;

        ensure(w);
        worst = checks_worst(w->ck.v, w->ck.n);
        if (worst == CHECK_ERROR) {
            for (size_t i = 0; i < w->ck.n; i++)
                if (w->ck.v[i].status == CHECK_ERROR) {
                    status(w, true, "blocked: %s", w->ck.v[i].message);
                    break;
                }
            return;
        }
        for (size_t i = 0; i < w->ck.n; i++)
            nw += w->ck.v[i].status == CHECK_WARN;
        if (nw > 0 && !w->warnings_accepted) {
            w->prompt = P_WARNINGS;
            return;
        }
        break;
    }
    default:
        break;
    }
    s = (int)w->step + 1;
    while (s < S_COUNT && !step_shown(w, (enum step)s))
        s++;
    if (s < S_COUNT) {
        bool accepted = w->warnings_accepted;

        go(w, (enum step)s);
        w->warnings_accepted = accepted;
        /* a destination chosen before still has to be a valid one */
        if ((w->step == S_HOST && w->ch.host[0] == '\0') ||
            (w->step == S_DS && w->ch.ds[0] == '\0')) {
            for (int i = 0; i < w->n_items; i++)
                if (w->items[i].verdict != CHECK_ERROR) {
                    w->sel[w->step] = i;
                    break;
                }
            /* the best host first, when it may be chosen */
            for (int i = 0; w->step == S_HOST && i < w->n_items; i++)
                if (w->items[i].best && w->items[i].verdict != CHECK_ERROR)
                    w->sel[w->step] = i;
        }
    }
}

static void
edit_text(struct wizard *w, char *text, size_t n, int key)
{
    size_t len = strlen(text);
    struct ferry_err err;

    if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        if (len > 0)
            text[len - 1] = '\0';
    } else if (key >= 32 && key < 127 && len + 1 < n) {
        text[len] = (char)key;
        text[len + 1] = '\0';
    } else {
        return;
    }
    /* validate as typed */
    w->field_err[0] = '\0';
    if (text == w->budget_text) {
        uint64_t ms;

        if (text[0] == '\0')
            snprintf(w->field_err, sizeof w->field_err,
                     "downtime budget: type a duration, e.g. 300ms or 1.5s");
        else if (units_parse_ms(text, &ms, &err) < 0)
            snprintf(w->field_err, sizeof w->field_err,
                     "downtime budget: %.120s", err.msg);
        else if (ms < 1 || ms > 60000)
            snprintf(w->field_err, sizeof w->field_err,
                     "downtime budget: between 1ms and 60s, not %s", text);
        else
            w->ch.budget_ms = ms;
        if (w->field_err[0] == '\0')
            status(w, false, "downtime budget %s", text);
    } else {
        uint64_t bps;

        if (text[0] == '\0')
            w->ch.bw_cap_bps = 0;
        else if (units_parse_rate(text, &bps, &err) < 0)
            snprintf(w->field_err, sizeof w->field_err, "bandwidth cap: %.120s",
                     err.msg);
        else if (bps < 1024 * 1024)
            snprintf(w->field_err, sizeof w->field_err,
                     "bandwidth cap: at least 1MiB/s, not %s", text);
        else
            w->ch.bw_cap_bps = bps;
        if (w->field_err[0] == '\0')
            status(w, false, "bandwidth cap %s", text[0] ? text
                                                         : "none (the link)");
    }
}

static void
options_key(struct wizard *w, int key)
{
    int dir = key == KEY_LEFT ? -1 : key == KEY_RIGHT || key == ' ' ? 1 : 0;
    int np = (int)w->env.policies->n;

    switch (w->field) {
    case O_POLICY:
        if (dir) {
            w->ch.policy = (w->ch.policy + np + dir) % np;
            escalation_defaults(w);
        }
        break;
    case O_BUDGET:
        edit_text(w, w->budget_text, sizeof w->budget_text, key);
        break;
    case O_BW:
        edit_text(w, w->bw_text, sizeof w->bw_text, key);
        break;
    case O_THROTTLE:
        if (dir)
            w->ch.allow_throttle = !w->ch.allow_throttle;
        break;
    case O_POSTCOPY:
        if (dir)
            w->ch.allow_postcopy = !w->ch.allow_postcopy;
        break;
    case O_PAUSE:
        if (dir)
            w->ch.allow_pause = !w->ch.allow_pause;
        break;
    case O_PRIO:
        if (dir)
            w->ch.prio = (enum queue_priority)(((int)w->ch.prio + 3 + dir) %
                                               3);
        break;
    default:
        break;
    }
}

/* The wizard's keys (the options step also takes digits and letters for
 * its fields). */
enum {
    WK_NONE, WK_CANCEL, WK_HELP, WK_NEXT, WK_TAB, WK_BACK_TAB, WK_BACK,
    WK_MOVE, WK_PAGE, WK_MEASURE,
};

static const struct keymap keys[] = {
    {{'\r', '\n', KEY_ENTER}, "Enter", WK_NEXT,
     "next step; on the review, start the migration"},
    {{KEY_BACKSPACE, 127, 8}, "Bksp", WK_BACK, "previous step"},
    {{'\t'}, "Tab", WK_TAB, "next field (options), else next step"},
    {{KEY_BTAB}, "S-Tab", WK_BACK_TAB, "previous step"},
    {{KEY_UP, KEY_DOWN}, "Up Down", WK_MOVE, "choose in the list; options: "
                                             "the field"},
    {{KEY_PPAGE, KEY_NPAGE}, "PgUp PgDn", WK_PAGE,
     "a page up or down in a long list"},
    {{KEY_HOME, KEY_END}, "Home End", WK_PAGE, "the first or last in the "
                                               "list"},
    {{'d'}, "d", WK_MEASURE, "pre-flight: measure the guest's dirty rate "
                             "(page sampling, 3 s)"},
    {{'?'}, "?", WK_HELP, "explain this step"},
    {{27}, "Esc", WK_CANCEL, "leave the wizard (asks first)"},
};

const struct keymap *
wizard_keymap(size_t *n)
{
    *n = ARRAY_SIZE(keys);
    return keys;
}

enum wizard_result
wizard_key(struct wizard *w, int key)
{
    if (w->prompt != P_NONE) {
        enum prompt p = w->prompt;

        w->prompt = P_NONE;
        if (key != 'y' && key != 'Y')
            return WZR_CONTINUE;
        if (p == P_DISCARD) {
            status(w, false, "migration of %s not started", w->ch.vm);
            return WZR_CLOSE;
        }
        w->warnings_accepted = true;
        next(w);
        return WZR_CONTINUE;
    }
    if (w->help) {
        w->help = false;
        if (key == '?' || key == 27 || key == 'q')
            return WZR_CONTINUE;
    }
    if (model_vm(model(w), w->ch.vm) == NULL) {
        status(w, true, "%s is gone from the inventory", w->ch.vm);
        return WZR_CLOSE;
    }
    ensure(w);
    switch (keymap_action(keys, ARRAY_SIZE(keys), key, WK_NONE)) {
    case WK_CANCEL:
        w->prompt = P_DISCARD;
        return WZR_CONTINUE;
    case WK_HELP:
        w->help = true;
        return WZR_CONTINUE;
    case WK_NEXT:
        if (w->step == S_REVIEW) {
            ensure(w);
            if (checks_worst(w->ck.v, w->ck.n) == CHECK_ERROR) {
                status(w, true, "a check fails now: back to pre-flight");
                go(w, S_PREFLIGHT);
                return WZR_CONTINUE;
            }
            return WZR_START;
        }
        next(w);
        return WZR_CONTINUE;
    case WK_TAB:
        if (w->step == S_OPTIONS) {
            w->field = (enum opt_field)((w->field + 1) % O_COUNT);
            return WZR_CONTINUE;
        }
        next(w);
        return WZR_CONTINUE;
    case WK_BACK_TAB:
        back(w);
        return WZR_CONTINUE;
    case WK_BACK:
        if (w->step == S_OPTIONS &&
            (w->field == O_BUDGET || w->field == O_BW)) {
            options_key(w, key);
            return WZR_CONTINUE;
        }
        back(w);
        return WZR_CONTINUE;
    case WK_MOVE: {
        int d = key == KEY_UP ? -1 : 1;

        if (w->step == S_OPTIONS) {
            w->field = (enum opt_field)((w->field + O_COUNT + d) % O_COUNT);
        } else if (w->n_items > 0) {
            int s = w->sel[w->step] + d;

            if (s >= 0 && s < w->n_items)
                w->sel[w->step] = s;
        }
        return WZR_CONTINUE;
    }
    case WK_PAGE:
        /* long lists: a page, or either end */
        if (w->step != S_OPTIONS && w->n_items > 0) {
            int s = w->sel[w->step], page = MAX(LINES - 8, 1);

            s = key == KEY_HOME    ? 0
                : key == KEY_END   ? w->n_items - 1
                : key == KEY_PPAGE ? s - page
                                   : s + page;
            w->sel[w->step] = MAX(0, MIN(s, w->n_items - 1));
        }
        return WZR_CONTINUE;
    case WK_MEASURE:
        if (w->step == S_PREFLIGHT) {
            struct ferry_err err;

            if (w->env.hv->ops->measure_start == NULL) {
                status(w, true, "this backend cannot measure a dirty rate");
            } else if (w->measuring) {
                status(w, false, "already measuring");
            } else if (w->env.hv->ops->measure_start(w->env.hv, w->ch.vm, 3,
                                                     &err) < 0) {
                status(w, true, "%s: %s", w->ch.vm, err.msg);
            } else {
                w->measuring = true;
                w->measure_err[0] = '\0';
                status(w, false, "%s: measuring the dirty rate (page "
                       "sampling, 3 s)", w->ch.vm);
                wizard_tick(w);
            }
            return WZR_CONTINUE;
        }
        break;
    }
    if (w->step == S_OPTIONS) {
        options_key(w, key);
        w->valid = false;
    }
    return WZR_CONTINUE;
}

/* ---- drawing ---------------------------------------------------------------- */

static const char *const verdict_tag[] = {"ok", "warning", "error"};
static const enum role verdict_role[] = {ROLE_OK, ROLE_WARNING, ROLE_ERROR};

static void
draw_list(struct wizard *w, struct ui_term *t, int y, int h, int width)
{
    int rows = h - 1, *top = &w->top[w->step], sel = w->sel[w->step];
    int nw = w->step == S_DS ? 16 : 15; /* the name column: its content */
    char *line, *name, *head;

    for (int i = 0; i < w->n_items; i++)
        nw = MAX(nw, text_width(w->items[i].name));
    nw = MIN(nw, MAX(15, width / 3));
    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    if (w->step == S_KIND)
        head = xasprintf(" %-9s %-8s %s", "KIND", "VERDICT", "WHAT");
    else if (w->step == S_HOST)
        head = xasprintf(" %-*s %-8s %9s %6s  %-9s %s", nw, "HOST",
                         "VERDICT", "FREE MEM", "CORES", "LINK", "WHY");
    else
        head = xasprintf(" %-*s %-8s %-7s %-9s %-9s %-9s %s", nw,
                         "DATASTORE", "VERDICT", "SHARED", "CAPACITY",
                         "FREE", "AFTER", "HOSTS");
    ui_put_pad(stdscr, y, 0, width, head);
    free(head);
    if (sel < *top)
        *top = sel;
    if (sel >= *top + rows)
        *top = sel - rows + 1;
    for (int r = 0; r < rows; r++) {
        int i = *top + r;
        const struct item *it;
        const char *verdict;
        bool chosen;

        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        if (i >= w->n_items) {
            ui_fill(stdscr, y + 1 + r, 0, width, ' ');
            continue;
        }
        it = &w->items[i];
        chosen = (w->step == S_HOST && strcmp(it->name, w->ch.host) == 0) ||
                 (w->step == S_DS && strcmp(it->name, w->ch.ds) == 0) ||
                 (w->step == S_KIND &&
                  strcmp(it->name, job_kind_name(w->ch.kind)) == 0);
        verdict = it->current   ? "current"
                  : it->best && it->verdict != CHECK_ERROR ? "best"
                  : it->pending && it->verdict != CHECK_ERROR ? "checking"
                                                              : verdict_tag[it->verdict];
        name = text_fit(it->name, nw, t->utf8);
        if (w->step == S_KIND)
            line = xasprintf("%s%-9s %-8s %s%s%s", chosen ? "*" : " ",
                             it->name, verdict_tag[it->verdict], it->cols[0],
                             it->why[0] ? ": " : "", it->why);
        else if (w->step == S_HOST)
            line = xasprintf("%s%s %-8s %9s %6s  %-9s %s", chosen ? "*" : " ",
                             name, verdict, it->cols[1], it->cols[2],
                             it->cols[3],
                             it->cols[4][0] ? it->cols[4]
                             : it->why[0] || !it->best ? it->why
                                                       : w->best_why);
        else
            line = xasprintf("%s%s %-8s %-7s %-9s %-9s %-9s %s",
                             chosen ? "*" : " ", name, verdict, it->cols[1],
                             it->cols[2], it->cols[3], it->cols[4],
                             it->cols[5]);
        free(name);
        wattrset(stdscr,
                 ui_attr(t, i == sel ? ROLE_SELECTION
                            : it->current ? ROLE_DIM
                            : it->pending && it->verdict != CHECK_ERROR
                                ? ROLE_DIM
                                : verdict_role[it->verdict]));
        ui_fill(stdscr, y + 1 + r, 0, width, ' ');
        ui_put_cut(t, stdscr, y + 1 + r, 0, width, line);
        free(line);
    }
}

static void
draw_details(struct wizard *w, struct ui_term *t, int y, int h, int width)
{
    const struct item *it;
    char *line;

    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
    for (int r = 0; r < h; r++)
        ui_fill(stdscr, y + r, 0, width, ' ');
    if (w->n_items == 0)
        return;
    it = &w->items[w->sel[w->step]];
    wattrset(stdscr, ui_attr(t, verdict_role[it->verdict]));
    if (it->best && it->verdict != CHECK_ERROR)
        line = xasprintf(" %s: the best host: %s%s%s", it->name, w->best_why,
                         it->verdict == CHECK_WARN ? "; warning: " : "",
                         it->verdict == CHECK_WARN ? it->why : "");
    else if (it->verdict == CHECK_OK && it->why[0] == '\0')
        line = xasprintf(" %s: %s", it->name,
                         it->pending ? "the inventory's checks pass; the "
                                       "host's own are on their way"
                                     : "every check passes");
    else
        line = xasprintf(" %s: %s%s", it->name,
                         it->verdict == CHECK_ERROR && !it->current
                             ? "cannot be chosen: "
                             : "",
                         it->why);
    ui_put_wrapped(stdscr, y, 0, width, h, line);
    free(line);
}

static void
draw_options(struct wizard *w, struct ui_term *t, int y, int h, int width)
{
    static const char *const labels[O_COUNT] = {
        "Policy", "Downtime budget", "Bandwidth cap", "Allow throttle",
        "Allow post-copy", "Allow pause", "Priority"};
    const struct policy *p = &w->env.policies->v[w->ch.policy];
    char line[512], val[200], sum[200];
    int row = y;

    for (int f = 0; f < O_COUNT && row < y + h; f++) {
        switch (f) {
        case O_POLICY:
            snprintf(val, sizeof val, "< %s >", p->name);
            break;
        case O_BUDGET:
            snprintf(val, sizeof val, "[%s%s]", w->budget_text,
                     w->field == O_BUDGET ? "_" : "");
            break;
        case O_BW:
            snprintf(val, sizeof val, "[%s%s]%s", w->bw_text,
                     w->field == O_BW ? "_" : "",
                     w->bw_text[0] ? "" : " the link's speed");
            break;
        case O_THROTTLE:
            snprintf(val, sizeof val, "< %s >",
                     w->ch.allow_throttle ? "yes" : "no");
            break;
        case O_POSTCOPY:
            snprintf(val, sizeof val, "< %s >",
                     w->ch.allow_postcopy ? "yes" : "no");
            break;
        case O_PAUSE:
            snprintf(val, sizeof val, "< %s >",
                     w->ch.allow_pause ? "yes" : "no");
            break;
        case O_PRIO:
            snprintf(val, sizeof val, "< %s >",
                     queue_priority_name(w->ch.prio));
            break;
        }
        snprintf(line, sizeof line, "  %-18s %s", labels[f], val);
        wattrset(stdscr, ui_attr(t, (int)w->field == f ? ROLE_SELECTION
                                                       : ROLE_NORMAL));
        ui_put_pad(stdscr, row++, 0, width, line);
    }
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
    ui_fill(stdscr, row++, 0, width, ' ');
    if (w->field_err[0] != '\0') {
        wattrset(stdscr, ui_attr(t, ROLE_ERROR));
        snprintf(line, sizeof line, "invalid: %s", w->field_err);
        row += ui_put_wrapped(stdscr, row, 2, width - 2, 2, line);
    }
    wattrset(stdscr, ui_attr(t, ROLE_DIM));
    policy_summary(p, sum, sizeof sum);
    snprintf(line, sizeof line, "%s: %s", p->name, sum);
    if (row < y + h)
        row += ui_put_wrapped(stdscr, row, 2, width - 2, y + h - row, line);
    if (row < y + h && p->description && p->description[0])
        row += ui_put_wrapped(stdscr, row, 2, width - 2, MIN(3, y + h - row),
                           p->description);
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
    while (row < y + h)
        ui_fill(stdscr, row++, 0, width, ' ');
}

static int
draw_prediction(struct wizard *w, struct ui_term *t, int row, int end,
                int width)
{
    char line[512], a[32], b[32], c[32];

    if (row >= end)
        return row;
    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    ui_put_pad(stdscr, row++, 0, width, " Prediction");
    if (!w->pred_ok) {
        wattrset(stdscr, ui_attr(t, ROLE_WARNING));
        snprintf(line, sizeof line, "  no prediction for this choice");
    } else if (w->pred.converges) {
        wattrset(stdscr, ui_attr(t, ROLE_OK));
        snprintf(line, sizeof line,
                 "  converges: total %s, downtime %s, %u round%s, %s to send",
                 units_fmt_ms(a, sizeof a, w->pred.total_ms),
                 units_fmt_ms(b, sizeof b, w->pred.downtime_ms),
                 w->pred.rounds, w->pred.rounds == 1 ? "" : "s",
                 units_fmt_bytes(c, sizeof c, (uint64_t)w->pred.bytes));
    } else {
        wattrset(stdscr, ui_attr(t, ROLE_WARNING));
        snprintf(line, sizeof line,
                 "  does not converge: stalls near %s (downtime there %s)",
                 units_fmt_bytes(a, sizeof a, (uint64_t)w->pred.stall_bytes),
                 units_fmt_ms(b, sizeof b, w->pred.stall_downtime_ms));
    }
    if (row < end)
        ui_put_pad(stdscr, row++, 0, width, line);
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
    for (int i = 0; i < w->n_advice && row < end; i++) {
        snprintf(line, sizeof line, "-> %s", w->advice[i]);
        row += ui_put_wrapped(stdscr, row, 2, width - 2, MIN(2, end - row),
                           line);
    }
    return row;
}

static void
draw_preflight(struct wizard *w, struct ui_term *t, int y, int h, int width)
{
    static const char *const tag[] = {" ok ", "warn", "FAIL"};
    int row = y, end = y + h;
    /* room for the prediction block */
    int room = h - 2 - (w->n_advice > 0 ? w->n_advice + 1 : 0) - 1;
    size_t shown = 0, n_bad = 0;
    char line[512];

    for (size_t i = 0; i < w->ck.n; i++)
        n_bad += w->ck.v[i].status != CHECK_OK;
    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    snprintf(line, sizeof line, " Checks%s",
             w->measuring ? "   (measuring the dirty rate...)" : "");
    ui_put_pad(stdscr, row++, 0, width, line);
    for (size_t i = 0; i < w->ck.n && row < y + room; i++) {
        const struct check_result *cr = &w->ck.v[i];

        /* short of room: what needs attention first */
        if (cr->status == CHECK_OK && (int)w->ck.n > room - 1 &&
            shown + n_bad >= (size_t)(room - 1))
            continue;
        shown++;
        wattrset(stdscr, ui_attr(t, verdict_role[cr->status]));
        snprintf(line, sizeof line, "  %s ", tag[cr->status]);
        ui_put_pad(stdscr, row, 0, 8, line);
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_put_pad(stdscr, row++, 8, width - 8, cr->message);
    }
    row = draw_prediction(w, t, row, end, width);
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
    while (row < end)
        ui_fill(stdscr, row++, 0, width, ' ');
}

static void
draw_review(struct wizard *w, struct ui_term *t, int y, int h, int width)
{
    const struct model *m = model(w);
    const struct model_vm *vm = model_vm(m, w->ch.vm);
    const struct policy *p = &w->env.policies->v[w->ch.policy];
    char line[512], a[32], *dss, *q = NULL;
    int row = y, end = y + h;
    size_t nw = 0;
    struct {
        const char *k;
        char *v; /* whole, however long the names in it */
    } kv[10];
    int n = 0;

    memset(kv, 0, sizeof kv);

    for (size_t i = 0; i < w->ck.n; i++)
        nw += w->ck.v[i].status == CHECK_WARN;
    dss = model_vm_datastores_str(vm);
    kv[n].k = "VM";
    item_printf(&kv[n++].v, "%s (%s, %s memory)", vm->name,
             vm_state_name(vm->state),
             units_fmt_bytes(a, sizeof a, vm->memory_bytes));
    kv[n].k = "Move";
    if (w->ch.kind == KIND_STORAGE)
        item_printf(&kv[n++].v, "storage: disks %s -> %s, "
                 "stays on %s", dss, w->ch.ds, vm->host);
    else if (w->ch.kind == KIND_BOTH)
        item_printf(&kv[n++].v, "both: %s -> %s, disks %s -> %s",
                 vm->host, w->ch.host, dss, w->ch.ds);
    else
        item_printf(&kv[n++].v, "compute: %s -> %s (disks stay "
                 "on %s)", vm->host, w->ch.host, dss);
    kv[n].k = "Policy";
    policy_summary(p, line, sizeof line);
    item_printf(&kv[n++].v, "%s: %.200s", p->name, line);
    kv[n].k = "Budget";
    units_fmt_ms(a, sizeof a, (double)w->ch.budget_ms);
    item_printf(&kv[n++].v, "%s downtime", a);
    kv[n].k = "Bandwidth";
    if (w->ch.bw_cap_bps)
        item_printf(&kv[n++].v, "capped at %s",
                 units_fmt_rate(a, sizeof a, (double)w->ch.bw_cap_bps));
    else
        item_printf(&kv[n++].v, "the link's speed");
    kv[n].k = "Escalation";
    item_printf(&kv[n++].v, "throttle %s, post-copy %s, pause %s",
             w->ch.allow_throttle ? "yes" : "no",
             w->ch.allow_postcopy ? "yes" : "no",
             w->ch.allow_pause ? "yes" : "no");
    kv[n].k = "Checks";
    item_printf(&kv[n++].v, "%zu passed, %zu warning%s accepted",
             w->ck.n - nw, nw, nw == 1 ? "" : "s");
    kv[n].k = "Expect";
    if (!w->pred_ok)
        item_printf(&kv[n++].v, "no prediction");
    else if (w->pred.converges) {
        char b[32];

        item_printf(&kv[n++].v, "about %s in all, %s downtime",
                 units_fmt_ms(a, sizeof a, w->pred.total_ms),
                 units_fmt_ms(b, sizeof b, w->pred.downtime_ms));
    } else if (isfinite(w->expected_ms))
        item_printf(&kv[n++].v, "about %s in all with post-copy",
                 units_fmt_ms(a, sizeof a, w->expected_ms));
    else
        item_printf(&kv[n++].v, "does not converge: it runs "
                 "until you switch, abort or the policy gives up");
    kv[n].k = "Start";
    if (w->env.queue_why)
        q = w->env.queue_why(w->env.ctx, &w->ch);
    if (q != NULL && q[0])
        item_printf(&kv[n++].v, "queued (priority %s): waits "
                 "for %s", queue_priority_name(w->ch.prio), q);
    else
        item_printf(&kv[n++].v, "at once (priority %s)",
                 queue_priority_name(w->ch.prio));
    for (int i = 0; i < n && row < end; i++) {
        wattrset(stdscr, ui_attr(t, ROLE_TITLE));
        snprintf(line, sizeof line, "  %-11s", kv[i].k);
        ui_put_pad(stdscr, row, 0, 13, line);
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_fill(stdscr, row, 13, width - 13, ' ');
        row += ui_put_wrapped(stdscr, row, 13, width - 13, MIN(2, end - row),
                           kv[i].v);
    }
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
    while (row < end)
        ui_fill(stdscr, row++, 0, width, ' ');
    for (int i = 0; i < n; i++)
        free(kv[i].v);
    free(q);
    free(dss);
}

void
wizard_draw(struct wizard *w, struct ui_term *t, int y, int h)
{
    int width = COLS, x = 0, body, foot = 1;
    char line[512];
    const struct model_vm *vm = model_vm(model(w), w->ch.vm);
    int num = 0, total = 0;

    ensure(w);
    /* curses sends only what differs: clearing first costs nothing */
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
    for (int r = 0; r < h; r++)
        ui_fill(stdscr, y + r, 0, width, ' ');
    for (int s = 0; s < S_COUNT; s++)
        if (step_shown(w, (enum step)s)) {
            total++;
            if (s <= (int)w->step)
                num++;
        }
    wattrset(stdscr, ui_attr(t, ROLE_TITLE));
    snprintf(line, sizeof line, " Migrate %s (on %s)  step %d of %d: %s",
             w->ch.vm, vm ? vm->host : "?", num, total, step_names[w->step]);
    ui_put_pad(stdscr, y, 0, width, line);
    /* the step bar */
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
    ui_fill(stdscr, y + 1, 0, width, ' ');
    x = 1;
    for (int s = 0; s < S_COUNT && x < width; s++) {
        enum role r = s == (int)w->step           ? ROLE_SELECTION
                      : !step_shown(w, (enum step)s) ? ROLE_DIM
                      : s < (int)w->step            ? ROLE_OK
                                                    : ROLE_NORMAL;

        wattrset(stdscr, ui_attr(t, r));
        snprintf(line, sizeof line, "%d %s", s + 1, step_names[s]);
        x += ui_put(stdscr, y + 1, x, width - x, line);
        wattrset(stdscr, ui_attr(t, ROLE_DIM));
        if (s + 1 < S_COUNT)
            x += ui_put(stdscr, y + 1, x, width - x,
                        t->utf8 ? " \u203a " : " > ");
    }
    wattrset(stdscr, ui_attr(t, ROLE_DIM));
    snprintf(line, sizeof line, " %s", step_intro[w->step]);
    ui_put_pad(stdscr, y + 2, 0, width, line);
    body = h - 3 - foot;
    y += 3;
    if (w->help) {
        wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
        snprintf(line, sizeof line, " Help: %s (any key closes)",
                 step_names[w->step]);
        ui_put_pad(stdscr, y, 0, width, line);
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        {
            int used = 1;
            const char *s = step_help[w->step];

            for (int r = 1; r < body; r++)
                ui_fill(stdscr, y + r, 0, width, ' ');
            /* paragraph by paragraph */
            while (*s && used < body) {
                const char *nl = strchr(s, '\n');
                size_t len = nl ? (size_t)(nl - s) : strlen(s);
                char para[1024];

                snprintf(para, sizeof para, "%.*s", (int)len, s);
                used += ui_put_wrapped(stdscr, y + used, 1, width - 2,
                                    body - used, para);
                s += len;
                if (*s == '\n')
                    s++;
            }
        }
    } else {
        switch (w->step) {
        case S_KIND:
        case S_HOST:
        case S_DS: {
            int det = MIN(3, body / 4);

            draw_list(w, t, y, body - det, width);
            draw_details(w, t, y + body - det, det, width);
            break;
        }
        case S_OPTIONS:
            draw_options(w, t, y, body, width);
            break;
        case S_PREFLIGHT:
            draw_preflight(w, t, y, body, width);
            break;
        case S_REVIEW:
            draw_review(w, t, y, body, width);
            break;
        default:
            break;
        }
    }
    /* the prompt line */
    if (w->prompt == P_DISCARD) {
        wattrset(stdscr, ui_attr(t, ROLE_STATUS_ERROR));
        snprintf(line, sizeof line,
                 " discard this migration of %s? (y: discard, n: stay)",
                 w->ch.vm);
    } else if (w->prompt == P_WARNINGS) {
        size_t nw = 0;

        for (size_t i = 0; i < w->ck.n; i++)
            nw += w->ck.v[i].status == CHECK_WARN;
        wattrset(stdscr, ui_attr(t, ROLE_STATUS_ERROR));
        snprintf(line, sizeof line,
                 " %zu warning%s: accept and go on? (y/n)", nw,
                 nw == 1 ? "" : "s");
    } else {
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        line[0] = '\0';
    }
    ui_put_pad(stdscr, y + body, 0, width, line);
}

const char *
wizard_hints(const struct wizard *w)
{
    if (w->prompt != P_NONE)
        return " y yes  n no";
    if (w->help)
        return " any key closes the help";
    switch (w->step) {
    case S_OPTIONS:
        return " Up/Down field  Left/Right change  type  Enter next  "
               "S-Tab back  ? help  Esc cancel";
    case S_PREFLIGHT:
        return " Enter next  d measure dirty rate  Backspace back  ? help  "
               "Esc cancel";
    case S_REVIEW:
        return " Enter start  Backspace back  ? help  Esc cancel";
    default:
        return " Up/Down choose  Enter next  Backspace back  ? help  "
               "Esc cancel";
    }
}
