/* Evacuations (evac.h): a plan from placement and the engine's
 * predictions, then the moves through the jobs table's queue. */
#include "ferry/evac.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ferry/evacview.h"
#include "ferry/jsonf.h"
#include "ferry/loop.h"
#include "ferry/runner.h"
#include "ferry/units.h"

#define TICK_MS 1000 /* the live end time is sent again this often */

/* ---- requests ---------------------------------------------------------------- */

void
evac_args_init(struct evac_args *a)
{
    memset(a, 0, sizeof *a);
}

void
evac_args_fini(struct evac_args *a)
{
    free(a->host);
    for (size_t i = 0; i < a->n_to; i++)
        free(a->to[i]);
    free(a->to);
    free(a->policy);
    free(a->owner);
    evac_args_init(a);
}

static void
args_copy(struct evac_args *d, const struct evac_args *s)
{
    *d = *s;
    d->host = s->host ? xstrdup(s->host) : NULL;
    d->policy = s->policy ? xstrdup(s->policy) : NULL;
    d->owner = s->owner ? xstrdup(s->owner) : NULL;
    d->to = s->n_to ? xcalloc(s->n_to, sizeof *d->to) : NULL;
    for (size_t i = 0; i < s->n_to; i++)
        d->to[i] = xstrdup(s->to[i]);
}

int
evac_args_from_json(json_object *o, struct evac_args *a,
                    struct ferry_err *err)
{
    json_object *to = NULL;

    evac_args_init(a);
    if (jf_strdup(o, "host", true, &a->host, err) < 0 ||
        jf_strdup(o, "policy", false, &a->policy, err) < 0 ||
        jf_u64(o, "budget_ms", false, &a->budget_ms, err) < 0 ||
        jf_bool(o, "include_shutoff", false, &a->include_shutoff, err) < 0 ||
        jf_bool(o, "allow_storage", false, &a->allow_storage, err) < 0 ||
        jf_bool(o, "virtual_time", false, &a->virtual_time, err) < 0 ||
        jf_strdup(o, "owner", false, &a->owner, err) < 0 ||
        jf_array(o, "to", false, &to, err) < 0)
        goto bad;
    if (to != NULL) {
        size_t n = json_object_array_length(to);

        a->to = xcalloc(n ? n : 1, sizeof *a->to);
        for (size_t i = 0; i < n; i++) {
            json_object *s = json_object_array_get_idx(to, i);

            if (!json_object_is_type(s, json_type_string) ||
                json_object_get_string_len(s) == 0) {
                err_set(err, "'to' item %zu must be a host's name", i + 1);
                goto bad;
            }
            a->to[a->n_to++] = xstrdup(json_object_get_string(s));
        }
    }
    return 0;
bad:
    evac_args_fini(a);
    return -1;
}

void
evac_args_to_json(const struct evac_args *a, json_object *o)
{
    jf_add_str(o, "host", a->host);
    if (a->n_to > 0) {
        json_object *to = json_object_new_array();

        for (size_t i = 0; i < a->n_to; i++)
            json_object_array_add(to, json_object_new_string(a->to[i]));
        json_object_object_add(o, "to", to);
    }
    jf_add_str(o, "policy", a->policy);
    jf_add_u64(o, "budget_ms", a->budget_ms);
    jf_add_bool(o, "include_shutoff", a->include_shutoff);
    jf_add_bool(o, "allow_storage", a->allow_storage);
    jf_add_bool(o, "virtual_time", a->virtual_time);
    jf_add_str(o, "owner", a->owner);
}

/* ---- one move's prediction ----------------------------------------------- */

int
evac_predict(struct hv *hv, const struct policy *pol, uint64_t budget_ms,
             const struct placement *p, struct evac_pred *out,
             struct ferry_err *err)
{
    struct runner_opts o = {0};
    struct job_params jp;
    struct prediction pred;
    const struct model_vm *vm = model_vm(hv->model, p->vm);
    char a[32], b[32];

    memset(out, 0, sizeof *out);
    o.vm = p->vm;
    o.to = p->kind != KIND_STORAGE ? p->host : NULL;
    o.datastore = p->kind != KIND_COMPUTE ? p->ds : NULL;
    o.kind = p->kind;
    o.policy = pol;
    o.budget_ms = budget_ms;
    if (runner_plan(hv, &o, &jp, &pred, err) < 0)
        return -1;
    out->total_ms = runner_expected_total_ms(&pred, pol);
    out->downtime_ms = pred.converges ? pred.downtime_ms
                                      : pred.stall_downtime_ms;
    out->converges = pred.converges;
    if (vm != NULL && vm->state == VM_SHUTOFF) {
        out->total_ms = pred.total_ms;
        out->downtime_ms = 0;
        out->converges = true;
        out->how = xasprintf("cold: %s of disks",
                             units_fmt_bytes(a, sizeof a, jp.disk_bytes));
    } else if (pred.converges) {
        out->how = xasprintf("converges in %u round%s, %s down",
                             pred.rounds + 1, pred.rounds ? "s" : "",
                             units_fmt_ms(b, sizeof b, pred.downtime_ms));
    } else if (isfinite(out->total_ms)) {
        /* post-copy switches with the device state and what is hot:
         * within the budget, which is why the policy goes there */
        out->downtime_ms = fmin(out->downtime_ms, (double)budget_ms);
        out->how = xasprintf("does not converge (stalls near %s): "
                             "post-copy",
                             units_fmt_bytes(a, sizeof a, (uint64_t)fmax(0, pred.stall_bytes)));
    } else {
        /* the policy escalates otherwise (throttle, pause): its stall
         * time is what the plan can say */
        out->total_ms = pred.total_ms > 0 && isfinite(pred.total_ms)
                            ? pred.total_ms
                            : p->predicted_ms;
        out->how = xasprintf("does not converge under %s (stalls near "
                             "%s, %s down)",
                             pol->name, units_fmt_bytes(a, sizeof a, (uint64_t)fmax(0, pred.stall_bytes)),
                             units_fmt_ms(b, sizeof b, pred.stall_downtime_ms));
    }
    if (!isfinite(out->total_ms) || out->total_ms <= 0)
        out->total_ms = isfinite(p->predicted_ms) ? p->predicted_ms : 1000;
    return 0;
}

/* ---- the queue's order ----------------------------------------------------- */

struct dur_idx {
    double dur;
    size_t i;
};

/* Longest first; equal ones in their given order. */
static int
cmp_longest(const void *a, const void *b)
{
    const struct dur_idx *x = a, *y = b;

    if (x->dur != y->dur)
        return x->dur > y->dur ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

/* The queue's run of n moves: longest first (sort), or in the order
 * given (the order they were submitted in). */
struct uses {
    struct queue_use *u;
    size_t n;
};

static double
schedule(struct uses *const *use, const double *dur_ms, size_t n, bool sort,
         size_t *order, double *start_ms, double *end_ms, unsigned *parallel)
{
    size_t *idx = xcalloc(n ? n : 1, sizeof *idx);
    bool *run = xcalloc(n ? n : 1, sizeof *run);
    bool *done = xcalloc(n ? n : 1, sizeof *done);
    struct queue q;
    double t = 0, makespan = 0;
    unsigned now = 0, most = 0;
    size_t ended = 0;

    {
        struct dur_idx *di = xcalloc(n ? n : 1, sizeof *di);

        for (size_t i = 0; i < n; i++)
            di[i] = (struct dur_idx){dur_ms[i], i};
        if (sort)
            qsort(di, n, sizeof *di, cmp_longest);
        for (size_t i = 0; i < n; i++)
            idx[i] = di[i].i;
        free(di);
    }
    queue_init(&q);
    for (size_t k = 0; k < n; k++) {
        order[idx[k]] = k;
        queue_add(&q, (int)idx[k], "", PRIO_NORMAL, use[idx[k]]->u,
                  use[idx[k]]->n);
    }
    while (ended < n) {
        int id;
        size_t next = n;

        while ((id = queue_start_next(&q)) >= 0) {
            start_ms[id] = t;
            end_ms[id] = t + dur_ms[id];
            run[id] = true;
            if (++now > most)
                most = now;
        }
        for (size_t i = 0; i < n; i++)
            if (run[i] && !done[i] && (next == n || end_ms[i] < end_ms[next]))
                next = i;
        if (next == n) {
            /* nothing runs and nothing may start: a move larger than a
             * limit; the queue starts it alone, as the jobs table does */
            for (size_t k = 0; k < n; k++)
                if (!run[idx[k]]) {
                    queue_force(&q, (int)idx[k]);
                    start_ms[idx[k]] = t;
                    end_ms[idx[k]] = t + dur_ms[idx[k]];
                    run[idx[k]] = true;
                    now++;
                    break;
                }
            continue;
        }
        t = end_ms[next];
        done[next] = true;
        now--;
        ended++;
        queue_remove(&q, (int)next);
        if (t > makespan)
            makespan = t;
    }
    queue_fini(&q);
    free(idx);
    free(run);
    free(done);
    if (parallel != NULL)
        *parallel = most;
    return makespan;
}

double
evac_schedule(const struct model *m, const struct queue_cfg *cfg,
              const struct mig_request *reqs, const double *dur_ms,
              size_t n, size_t *order, double *start_ms, double *end_ms,
              unsigned *parallel)
{
    struct uses *u = xcalloc(n + 1, sizeof *u), **up = xcalloc(n + 1, sizeof *up);
    double t;

    for (size_t i = 0; i < n; i++) {
        u[i].n = queue_uses(m, cfg, &reqs[i], &u[i].u);
        up[i] = &u[i];
    }
    t = schedule(up, dur_ms, n, true, order, start_ms, end_ms, parallel);
    for (size_t i = 0; i < n; i++)
        queue_uses_free(u[i].u, u[i].n);
    free(u);
    free(up);
    return t;
}

/* ---- evacuations ----------------------------------------------------------- */

struct emove {
    char *vm, *to, *ds;
    enum job_kind kind;
    bool cold;
    int order;
    double start_ms, end_ms; /* the plan's */
    double predicted_ms, predicted_downtime_ms;
    bool converges;
    char *how, *reason;
    enum evac_move_state state;
    long job;
    int attempt;
    char **tried;
    size_t n_tried;
    double real_start_ms, real_ms, real_downtime_ms;
    char *error, *log;
    bool retry_due;
    /* what it takes from the queue's resources, from the source it had
     * when planned (the model moves on) */
    struct uses use;
};

struct estay {
    char *vm, *reason;
    bool shutoff;
};

enum evac_state { ES_PLANNED, ES_RUNNING, ES_ABORTING, ES_ENDED };
static const char *const evac_state_names[] = {"planned", "running",
                                               "aborting", "ended"};

struct evac {
    long id;
    struct evac_args a;
    char *policy;
    uint64_t budget_ms;
    enum evac_state state;
    struct emove *mv;
    size_t n_mv;
    struct estay *st;
    size_t n_st;
    unsigned parallel;
    double planned_ms;
    uint64_t t0;    /* wall clock at the start */
    /* virtual time: the move that ended last frees the slot the next
     * one takes, so that one starts at its end; the evacuation ends at
     * the latest end */
    double vnow, vmax;
    double end_ms;  /* evacuation time at the end */
    double live_end_ms;
    FILE *log;
    char *log_path;
    uint64_t next_tick;
    bool empty;
    unsigned moved, failed;
};

struct evacs {
    struct evacs_cfg cfg;
    char *default_policy;
    uint64_t default_budget_ms;
    struct queue_cfg qcfg;
    struct evac **v;
    size_t n, cap;
    long next_id;
    uint64_t now_ms;
};

static void
evac_free(struct evac *ev)
{
    if (ev == NULL)
        return;
    for (size_t i = 0; i < ev->n_mv; i++) {
        struct emove *m = &ev->mv[i];

        free(m->vm);
        free(m->to);
        free(m->ds);
        free(m->how);
        free(m->reason);
        free(m->error);
        free(m->log);
        strv_free(m->tried, m->n_tried);
        queue_uses_free(m->use.u, m->use.n);
    }
    free(ev->mv);
    for (size_t i = 0; i < ev->n_st; i++) {
        free(ev->st[i].vm);
        free(ev->st[i].reason);
    }
    free(ev->st);
    evac_args_fini(&ev->a);
    free(ev->policy);
    if (ev->log != NULL)
        fclose(ev->log);
    free(ev->log_path);
    free(ev);
}

struct evacs *
evacs_new(const struct evacs_cfg *cfg)
{
    struct evacs *e = xcalloc(1, sizeof *e);

    e->cfg = *cfg;
    e->cfg.default_policy = NULL;
    e->cfg.queue = NULL;
    e->cfg.log_dir = cfg->log_dir ? xstrdup(cfg->log_dir) : NULL;
    e->next_id = 1;
    evacs_reconfigure(e, cfg->default_policy, cfg->default_budget_ms,
                      cfg->queue);
    return e;
}

void
evacs_free(struct evacs *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->n; i++)
        evac_free(e->v[i]);
    free(e->v);
    free(e->default_policy);
    free((char *)e->cfg.log_dir);
    queue_cfg_fini(&e->qcfg);
    free(e);
}

void
evacs_reconfigure(struct evacs *e, const char *default_policy,
                  uint64_t default_budget_ms, const struct queue_cfg *queue)
{
    free(e->default_policy);
    e->default_policy = xstrdup(default_policy ? default_policy : "ferry");
    e->default_budget_ms = default_budget_ms ? default_budget_ms : 300;
    queue_cfg_fini(&e->qcfg);
    if (queue != NULL)
        queue_cfg_copy(&e->qcfg, queue);
    else
        queue_cfg_default(&e->qcfg);
}

static void
add_stay(struct evac *ev, const char *vm, bool shutoff, char *reason)
{
    ev->st = xrealloc(ev->st, (ev->n_st + 1) * sizeof *ev->st);
    ev->st[ev->n_st++] = (struct estay){xstrdup(vm), reason, shutoff};
}

/* Place VMs (names) with the evacuation's rules: every other host that
 * is up and not in maintenance, the operator's list if any, hosts in
 * avoid left out too. */
static size_t
place(struct evacs *e, const struct evac *ev, const char *const *names,
      size_t n, char *const *avoid, char *const *avoid_why, size_t n_avoid,
      struct placement *out)
{
    struct jobs *js = e->cfg.jobs;
    const char *const *maint;
    size_t nm = jobs_maintenance(js, &maint), nb, placed;
    const char **busy = jobs_busy_vms(js, &nb);
    const char **excl = xcalloc(nm + 1, sizeof *excl);
    struct place_opts o = {0};

    for (size_t i = 0; i < nm; i++)
        excl[i] = maint[i];
    o.avoid = (const char *const *)avoid;
    o.avoid_why = (const char *const *)avoid_why;
    o.n_avoid = n_avoid;
    jobs_maintenance_apply(js, e->cfg.hv->model);
    o.to = (const char *const *)ev->a.to;
    o.n_to = ev->a.n_to;
    o.exclude = excl;
    o.n_exclude = nm;
    o.busy = busy;
    o.n_busy = nb;
    o.allow_storage = ev->a.allow_storage;
    placed = place_vms(e->cfg.hv->model, names, n, &o, out);
    free(excl);
    free(busy);
    return placed;
}

static void
move_from(struct emove *mv, const struct placement *p,
          const struct evac_pred *pr)
{
    free(mv->to);
    free(mv->ds);
    free(mv->how);
    free(mv->reason);
    mv->to = xstrdup(p->host);
    mv->ds = p->ds ? xstrdup(p->ds) : NULL;
    mv->kind = p->kind;
    mv->predicted_ms = pr->total_ms;
    mv->predicted_downtime_ms = pr->downtime_ms;
    mv->converges = pr->converges;
    mv->how = pr->how ? xstrdup(pr->how) : xstrdup("");
    mv->reason = xstrdup(p->reason);
}

static const struct policy *
policy_of(const struct evacs *e, const struct evac *ev)
{
    return policy_find(e->cfg.policies, ev->policy);
}

/* The backend's own checks for a placement (libvirt compares the guest's
 * CPU with the host's, asks for free memory, pool space): a destination
 * they refuse is left out, with their reason, and the VM placed again,
 * until one passes or none is left. */
static void
confirm(struct evacs *e, const struct evac *ev, const char *vm,
        struct placement *p)
{
    char **avoid = NULL, **why = NULL;
    size_t n_avoid = 0, nb;
    struct checks ck;

    checks_init(&ck);
    while (p->host != NULL) {
        struct mig_request req = {.vm = vm, .dst_host = p->host,
                                  .dst_ds = p->ds, .kind = p->kind};
        const char **busy = jobs_busy_vms(e->cfg.jobs, &nb);
        const struct check_result *bad = NULL;

        runner_checks(e->cfg.hv, &req, busy, nb, &ck);
        free(busy);
        for (size_t i = 0; i < ck.n && bad == NULL; i++)
            if (ck.v[i].status == CHECK_ERROR)
                bad = &ck.v[i];
        if (bad == NULL)
            break;
        avoid = xrealloc(avoid, (n_avoid + 1) * sizeof *avoid);
        why = xrealloc(why, (n_avoid + 1) * sizeof *why);
        avoid[n_avoid] = xstrdup(p->host);
        why[n_avoid++] = xasprintf("%s: %s", bad->name, bad->message);
        placement_fini(p);
        place(e, ev, &vm, 1, avoid, why, n_avoid, p);
    }
    checks_fini(&ck);
    strv_free(avoid, n_avoid);
    strv_free(why, n_avoid);
}

/* What the move takes from the queue, with the VM where it is now. */
static void
move_uses(struct evacs *e, struct emove *mv)
{
    struct mig_request req = {.vm = mv->vm, .dst_host = mv->to,
                              .dst_ds = mv->ds, .kind = mv->kind};

    queue_uses_free(mv->use.u, mv->use.n);
    mv->use.n = queue_uses(e->cfg.hv->model, &e->qcfg, &req, &mv->use.u);
}

/* The plan for ev->a into ev. -1 with err for bad input. */
static int
plan(struct evacs *e, struct evac *ev, struct ferry_err *err)
{
    struct hv *hv = e->cfg.hv;
    const struct model *m = hv->model;
    const struct model_host *h = ev->a.host ? model_host(m, ev->a.host) : NULL;
    const struct policy *pol;
    const char **names;
    struct placement *pl;
    struct uses **uptr;
    double *dur, *st, *en;
    size_t n = 0, *order;

    if (h == NULL) {
        err_set(err, "no host named '%s'", ev->a.host ? ev->a.host : "");
        return -1;
    }
    for (size_t i = 0; i < ev->a.n_to; i++) {
        if (model_host(m, ev->a.to[i]) == NULL) {
            err_set(err, "--to: no host named '%s'", ev->a.to[i]);
            return -1;
        }
        if (strcmp(ev->a.to[i], h->name) == 0) {
            err_set(err, "--to: %s is the host being evacuated", h->name);
            return -1;
        }
    }
    ev->policy = xstrdup(ev->a.policy ? ev->a.policy : e->default_policy);
    ev->budget_ms = ev->a.budget_ms ? ev->a.budget_ms : e->default_budget_ms;
    if ((pol = policy_of(e, ev)) == NULL) {
        err_set(err, "no policy named '%s'", ev->policy);
        return -1;
    }
    names = xcalloc(m->n_vms + 1, sizeof *names);
    for (size_t i = 0; i < m->n_vms; i++) {
        const struct model_vm *v = &m->vms[i];

        if (strcmp(v->host, h->name) != 0)
            continue;
        if (v->state == VM_SHUTOFF && !ev->a.include_shutoff) {
            add_stay(ev, v->name, true,
                     xasprintf("%s is shut off: it stays (--include-shutoff "
                               "moves it cold)",
                               v->name));
            continue;
        }
        names[n++] = v->name;
    }
    pl = xcalloc(n ? n : 1, sizeof *pl);
    place(e, ev, names, n, NULL, NULL, 0, pl);
    for (size_t i = 0; i < n; i++)
        confirm(e, ev, names[i], &pl[i]);
    ev->mv = xcalloc(n ? n : 1, sizeof *ev->mv);
    for (size_t i = 0; i < n; i++) {
        const struct model_vm *v = model_vm(m, names[i]);
        struct evac_pred pr;
        struct ferry_err perr;

        if (pl[i].host == NULL) {
            add_stay(ev, names[i], v->state == VM_SHUTOFF,
                     xstrdup(pl[i].reason));
            continue;
        }
        if (evac_predict(hv, pol, ev->budget_ms, &pl[i], &pr, &perr) < 0) {
            add_stay(ev, names[i], v->state == VM_SHUTOFF,
                     xasprintf("stays on %s: no prediction for the move to "
                               "%s: %s",
                               h->name, pl[i].host, perr.msg));
            continue;
        }
        {
            struct emove *mv = &ev->mv[ev->n_mv++];

            mv->vm = xstrdup(names[i]);
            mv->cold = v->state == VM_SHUTOFF;
            mv->attempt = 1;
            mv->real_ms = mv->real_downtime_ms = NAN;
            move_from(mv, &pl[i], &pr);
            mv->tried = xcalloc(2, sizeof *mv->tried);
            mv->tried[mv->n_tried++] = xstrdup(pl[i].host);
        }
        free(pr.how);
    }
    for (size_t i = 0; i < n; i++)
        placement_fini(&pl[i]);
    free(pl);
    free(names);

    uptr = xcalloc(ev->n_mv + 1, sizeof *uptr);
    dur = xcalloc(ev->n_mv + 1, sizeof *dur);
    st = xcalloc(ev->n_mv + 1, sizeof *st);
    en = xcalloc(ev->n_mv + 1, sizeof *en);
    order = xcalloc(ev->n_mv + 1, sizeof *order);
    for (size_t i = 0; i < ev->n_mv; i++) {
        move_uses(e, &ev->mv[i]);
        uptr[i] = &ev->mv[i].use;
        dur[i] = ev->mv[i].predicted_ms;
    }
    ev->planned_ms = schedule(uptr, dur, ev->n_mv, true, order, st, en,
                              &ev->parallel);
    for (size_t i = 0; i < ev->n_mv; i++) {
        ev->mv[i].order = (int)order[i] + 1;
        ev->mv[i].start_ms = st[i];
        ev->mv[i].end_ms = en[i];
    }
    /* the moves in the order the queue gets them */
    {
        struct emove *sorted = xcalloc(ev->n_mv + 1, sizeof *sorted);

        for (size_t i = 0; i < ev->n_mv; i++)
            sorted[order[i]] = ev->mv[i];
        free(ev->mv);
        ev->mv = sorted;
    }
    free(uptr);
    free(dur);
    free(st);
    free(en);
    free(order);
    ev->live_end_ms = ev->planned_ms;
    return 0;
}

/* ---- the object ------------------------------------------------------------ */

static void
add_num(json_object *o, const char *k, double v)
{
    if (isfinite(v))
        json_object_object_add(o, k, json_object_new_int64(llround(v)));
}

static const char *
kind_word(enum job_kind k)
{
    return k == KIND_STORAGE ? "storage" : k == KIND_BOTH ? "both" : "compute";
}

/* VMs on the host now, running ones first. */
static json_object *
remaining_json(const struct model *m, const char *host)
{
    json_object *a = json_object_new_array();

    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < m->n_vms; i++) {
            const struct model_vm *v = &m->vms[i];

            if (strcmp(v->host, host) == 0 &&
                (v->state == VM_SHUTOFF) == (pass == 1))
                json_object_array_add(a, json_object_new_string(v->name));
        }
    return a;
}

static double
elapsed(const struct evacs *e, const struct evac *ev)
{
    if (ev->state == ES_PLANNED)
        return 0;
    if (ev->state == ES_ENDED)
        return ev->end_ms;
    if (ev->a.virtual_time)
        return ev->vnow;
    return e->now_ms > ev->t0 ? (double)(e->now_ms - ev->t0) : 0;
}

static json_object *
evac_obj(const struct evacs *e, const struct evac *ev)
{
    json_object *o = json_object_new_object(), *moves, *stays;

    json_object_object_add(o, "id", json_object_new_int64(ev->id));
    jf_add_str(o, "host", ev->a.host);
    jf_add_str(o, "state", evac_state_names[ev->state]);
    jf_add_str(o, "policy", ev->policy);
    jf_add_u64(o, "budget_ms", ev->budget_ms);
    json_object_object_add(o, "include_shutoff",
                           json_object_new_boolean(ev->a.include_shutoff));
    json_object_object_add(o, "allow_storage",
                           json_object_new_boolean(ev->a.allow_storage));
    if (ev->a.n_to > 0)
        json_object_object_add(o, "to", jf_strv_new(ev->a.to, ev->a.n_to));
    json_object_object_add(o, "parallel", json_object_new_int(ev->parallel));
    add_num(o, "planned_ms", ev->planned_ms);
    add_num(o, "elapsed_ms", elapsed(e, ev));
    add_num(o, "predicted_end_ms", ev->live_end_ms);
    moves = json_object_new_array();
    for (size_t i = 0; i < ev->n_mv; i++) {
        const struct emove *m = &ev->mv[i];
        json_object *mo = json_object_new_object();

        jf_add_str(mo, "vm", m->vm);
        jf_add_str(mo, "to", m->to);
        if (m->ds != NULL)
            jf_add_str(mo, "ds", m->ds);
        jf_add_str(mo, "kind", kind_word(m->kind));
        json_object_object_add(mo, "cold", json_object_new_boolean(m->cold));
        json_object_object_add(mo, "order", json_object_new_int(m->order));
        add_num(mo, "start_ms", m->start_ms);
        add_num(mo, "end_ms", m->end_ms);
        add_num(mo, "predicted_ms", m->predicted_ms);
        add_num(mo, "predicted_downtime_ms", m->predicted_downtime_ms);
        json_object_object_add(mo, "converges",
                               json_object_new_boolean(m->converges));
        jf_add_str(mo, "how", m->how);
        jf_add_str(mo, "reason", m->reason);
        jf_add_str(mo, "state", evac_move_state_name(m->state));
        json_object_object_add(mo, "job", json_object_new_int64(m->job));
        json_object_object_add(mo, "attempt", json_object_new_int(m->attempt));
        json_object_object_add(mo, "tried", jf_strv_new(m->tried, m->n_tried));
        add_num(mo, "real_start_ms", m->real_start_ms);
        add_num(mo, "real_ms", m->real_ms);
        add_num(mo, "real_downtime_ms", m->real_downtime_ms);
        jf_add_str(mo, "error", m->error);
        jf_add_str(mo, "log", m->log);
        json_object_array_add(moves, mo);
    }
    json_object_object_add(o, "moves", moves);
    stays = json_object_new_array();
    for (size_t i = 0; i < ev->n_st; i++) {
        json_object *so = json_object_new_object();

        jf_add_str(so, "vm", ev->st[i].vm);
        jf_add_str(so, "reason", ev->st[i].reason);
        json_object_object_add(so, "shutoff",
                               json_object_new_boolean(ev->st[i].shutoff));
        json_object_array_add(stays, so);
    }
    json_object_object_add(o, "stays", stays);
    json_object_object_add(o, "remaining",
                           remaining_json(e->cfg.hv->model, ev->a.host));
    jf_add_str(o, "log", ev->log_path);
    if (ev->state == ES_ENDED) {
        json_object *r = json_object_new_object(), *left;

        json_object_object_add(r, "empty", json_object_new_boolean(ev->empty));
        json_object_object_add(r, "moved", json_object_new_int(ev->moved));
        json_object_object_add(r, "failed", json_object_new_int(ev->failed));
        left = json_object_new_array();
        for (size_t i = 0; i < ev->n_mv; i++)
            if (ev->mv[i].state != EVM_DONE) {
                json_object *lo = json_object_new_object();

                jf_add_str(lo, "vm", ev->mv[i].vm);
                jf_add_str(lo, "reason",
                           ev->mv[i].error ? ev->mv[i].error
                                           : evac_move_state_name(
                                                 ev->mv[i].state));
                json_object_array_add(left, lo);
            }
        for (size_t i = 0; i < ev->n_st; i++)
            if (!ev->st[i].shutoff || ev->a.include_shutoff) {
                json_object *lo = json_object_new_object();

                jf_add_str(lo, "vm", ev->st[i].vm);
                jf_add_str(lo, "reason", ev->st[i].reason);
                json_object_array_add(left, lo);
            }
        json_object_object_add(r, "left", left);
        json_object_object_add(o, "result", r);
    }
    return o;
}

/* ---- the summary log --------------------------------------------------------- */

static void
log_line(struct evac *ev, json_object *o)
{
    if (ev->log != NULL) {
        fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
              ev->log);
        fputc('\n', ev->log);
        fflush(ev->log);
    }
    json_object_put(o);
}

static void
log_open(struct evacs *e, struct evac *ev)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    struct ferry_err err;
    json_object *o;

    if (e->cfg.log_dir == NULL)
        return;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    ev->log_path = xasprintf("%s/evac-%s-%s-%ld.jsonl", e->cfg.log_dir,
                             ev->a.host, stamp, ev->id);
    /* the directories above the file (the first move may not have made
     * them yet) */
    ev->log = mkdir_parents(ev->log_path, 0700, &err) == 0
                  ? fopen(ev->log_path, "w")
                  : NULL;
    if (ev->log == NULL) {
        free(ev->log_path);
        ev->log_path = NULL;
        return;
    }
    o = json_object_new_object();
    jf_add_str(o, "type", "evac_header");
    json_object_object_add(o, "version", json_object_new_int(1));
    jf_add_str(o, "host", ev->a.host);
    json_object_object_add(o, "unix_ms",
                           json_object_new_int64((int64_t)now * 1000));
    json_object_object_add(o, "id", json_object_new_int64(ev->id));
    log_line(ev, o);
    o = json_object_new_object();
    jf_add_str(o, "type", "evac_plan");
    json_object_object_add(o, "evac", evac_obj(e, ev));
    log_line(ev, o);
}

static void
log_event(struct evacs *e, struct evac *ev, const struct emove *m,
          const char *what)
{
    json_object *o = json_object_new_object();

    jf_add_str(o, "type", "evac_event");
    add_num(o, "t_ms", elapsed(e, ev));
    jf_add_str(o, "vm", m->vm);
    jf_add_str(o, "event", what);
    jf_add_str(o, "to", m->to);
    if (m->job > 0)
        json_object_object_add(o, "job", json_object_new_int64(m->job));
    jf_add_str(o, "log", m->log);
    if (strcmp(what, "ended") == 0) {
        jf_add_str(o, "outcome", m->state == EVM_DONE     ? "completed"
                                 : m->state == EVM_FAILED ? "failed"
                                                          : "cancelled");
        add_num(o, "real_ms", m->real_ms);
        add_num(o, "downtime_ms", m->real_downtime_ms);
    }
    jf_add_str(o, "error", m->error);
    log_line(ev, o);
}

/* ---- running ----------------------------------------------------------------- */

static void
changed(struct evacs *e, const struct evac *ev)
{
    if (e->cfg.on_change != NULL)
        e->cfg.on_change(e->cfg.ctx, ev->id);
}

static struct evac *
find(const struct evacs *e, long id)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->v[i]->id == id)
            return e->v[i];
    return NULL;
}

static void follow(struct evacs *e, struct evac *ev, struct emove *m,
                   const struct job *j);

/* Hand a move to the jobs table; a refusal is a failure of the move. */
static void
submit(struct evacs *e, struct evac *ev, struct emove *m)
{
    struct job_req rq;
    struct ferry_err err;
    const struct job *j;

    job_req_init(&rq);
    rq.vm = m->vm;
    rq.kind = m->kind;
    rq.host = m->to;
    rq.ds = m->ds;
    rq.policy = ev->policy;
    rq.budget_ms = ev->budget_ms;
    rq.virtual_time = ev->a.virtual_time;
    rq.owner = (char *)"evacuate";
    m->state = EVM_QUEUED;
    m->job = 0;
    j = jobs_submit(e->cfg.jobs, &rq, NULL, &err);
    if (j == NULL) {
        free(m->error);
        m->error = xasprintf("not started: %s", err.msg);
        m->state = EVM_FAILED;
        m->real_ms = 0;
        follow(e, ev, m, NULL);
        return;
    }
    m->job = job_id(j);
    log_event(e, ev, m, "queued");
    follow(e, ev, m, j);
}

/* Virtual time: the simulated moves run as fast as the CPU goes, each on
 * its own clock, so the evacuation's simulated time is the queue's run of
 * their simulated durations in the order they were submitted (each move's
 * real start then follows from it). */
static double
virtual_end(struct evac *ev)
{
    size_t n = ev->n_mv;
    struct uses **up = xcalloc(n + 1, sizeof *up);
    double *dur = xcalloc(n + 1, sizeof *dur), *st = xcalloc(n + 1, sizeof *st);
    double *en = xcalloc(n + 1, sizeof *en), end;
    size_t *order = xcalloc(n + 1, sizeof *order), k = 0;
    size_t *at = xcalloc(n + 1, sizeof *at);

    for (size_t i = 0; i < n; i++) {
        const struct emove *mv = &ev->mv[i];

        if (!isfinite(mv->real_ms))
            continue; /* never ran */
        up[k] = (struct uses *)&mv->use;
        dur[k] = mv->real_ms;
        at[k++] = i;
    }
    end = schedule(up, dur, k, false, order, st, en, NULL);
    for (size_t i = 0; i < k; i++)
        ev->mv[at[i]].real_start_ms = st[i];
    free(up);
    free(dur);
    free(st);
    free(en);
    free(order);
    free(at);
    return end;
}

static void
finish_if_done(struct evacs *e, struct evac *ev)
{
    const struct model *md = e->cfg.hv->model;
    bool left = false;

    for (size_t i = 0; i < ev->n_mv; i++)
        if (ev->mv[i].state <= EVM_RUNNING || ev->mv[i].retry_due)
            return;
    ev->end_ms = ev->a.virtual_time ? virtual_end(ev) : elapsed(e, ev);
    ev->state = ES_ENDED;
    ev->moved = ev->failed = 0;
    for (size_t i = 0; i < ev->n_mv; i++) {
        if (ev->mv[i].state == EVM_DONE)
            ev->moved++;
        else if (ev->mv[i].state == EVM_FAILED)
            ev->failed++;
    }
    for (size_t i = 0; i < md->n_vms; i++) {
        const struct model_vm *v = &md->vms[i];

        if (strcmp(v->host, ev->a.host) == 0 &&
            (v->state != VM_SHUTOFF || ev->a.include_shutoff))
            left = true;
    }
    /* the model may lag a move just completed: the moves say it too */
    if (!left)
        for (size_t i = 0; i < ev->n_mv; i++)
            left |= ev->mv[i].state != EVM_DONE;
    for (size_t i = 0; i < ev->n_st; i++)
        left |= !ev->st[i].shutoff || ev->a.include_shutoff;
    ev->empty = !left;
    ev->live_end_ms = ev->end_ms;
    {
        json_object *o = json_object_new_object();

        jf_add_str(o, "type", "evac_result");
        add_num(o, "t_ms", ev->end_ms);
        json_object_object_add(o, "evac", evac_obj(e, ev));
        log_line(ev, o);
    }
    if (ev->log != NULL) {
        fclose(ev->log);
        ev->log = NULL;
    }
    changed(e, ev); /* the result, to everyone who follows it */
}

/* The move follows its job j (NULL: it failed before it had one). */
static void
follow(struct evacs *e, struct evac *ev, struct emove *m, const struct job *j)
{
    if (j != NULL) {
        enum job_state s = job_state(j);

        if (m->log == NULL && job_log(j) != NULL)
            m->log = xstrdup(job_log(j));
        if (s == JOB_RUNNING && m->state == EVM_QUEUED) {
            m->state = EVM_RUNNING;
            m->real_start_ms = elapsed(e, ev);
            log_event(e, ev, m, "started");
        } else if (s == JOB_ENDED && m->state <= EVM_RUNNING) {
            const struct runner_result *r = job_result(j);

            if (m->state == EVM_QUEUED)
                m->real_start_ms = elapsed(e, ev);
            m->real_ms = r ? (double)r->total_ms : 0;
            if (ev->a.virtual_time) {
                double end = m->real_start_ms + m->real_ms;

                ev->vnow = end;
                if (end > ev->vmax)
                    ev->vmax = end;
            }
            if (r != NULL && r->phase == PH_DONE) {
                m->state = EVM_DONE;
                m->real_downtime_ms = (double)r->downtime_ms;
                free(m->error);
                m->error = NULL;
            } else {
                m->state = r != NULL && r->phase == PH_CANCELLED
                               ? EVM_CANCELLED
                               : EVM_FAILED;
                free(m->error);
                m->error = xstrdup(job_reason(j));
            }
            log_event(e, ev, m, "ended");
        } else {
            return;
        }
    } else {
        log_event(e, ev, m, "ended");
    }
    /* a failure is tried once more, on the next-best host */
    if (m->state == EVM_FAILED && m->attempt == 1 && ev->state == ES_RUNNING)
        m->retry_due = true;
    changed(e, ev);
    if (!m->retry_due)
        finish_if_done(e, ev);
}

/* The second try of a move: placed again without the hosts tried. */
static void
retry(struct evacs *e, struct evac *ev, struct emove *m)
{
    struct placement p = {0};
    const char *name = m->vm;
    char *why = m->error ? xstrdup(m->error) : xstrdup("failed");

    m->retry_due = false;
    {
        char **whys = xcalloc(m->n_tried + 1, sizeof *whys);

        for (size_t i = 0; i < m->n_tried; i++)
            whys[i] = xasprintf("%s was tried already and failed",
                                m->tried[i]);
        place(e, ev, &name, 1, m->tried, whys, m->n_tried, &p);
        strv_free(whys, m->n_tried);
        confirm(e, ev, name, &p);
    }
    if (p.host != NULL) {
        struct evac_pred pr;
        struct ferry_err err;

        if (evac_predict(e->cfg.hv, policy_of(e, ev), ev->budget_ms, &p, &pr,
                         &err) == 0) {
            char *first = m->to;

            m->to = NULL;
            move_from(m, &p, &pr);
            free(m->reason);
            m->reason = xasprintf("%s failed (%s); then %s", first, why,
                                  p.reason);
            free(first);
            free(pr.how);
            m->tried = xrealloc(m->tried, (m->n_tried + 1) * sizeof *m->tried);
            m->tried[m->n_tried++] = xstrdup(p.host);
            m->attempt = 2;
            move_uses(e, m);
            free(m->log);
            m->log = NULL;
            m->real_ms = m->real_downtime_ms = NAN;
            log_event(e, ev, m, "retry");
            placement_fini(&p);
            free(why);
            submit(e, ev, m);
            return;
        }
    }
    free(m->error);
    m->error = xasprintf("%s; no other host to try: %s", why,
                         p.reason ? p.reason : "none");
    placement_fini(&p);
    free(why);
    changed(e, ev);
    finish_if_done(e, ev);
}

int
evacs_place(struct evacs *e, const char *vm, bool allow_storage,
            struct placement *out, struct ferry_err *err)
{
    struct evac ev = {0};
    const struct model_vm *v = model_vm(e->cfg.hv->model, vm);

    memset(out, 0, sizeof *out);
    if (v == NULL) {
        err_set(err, "no VM named '%s'", vm);
        return -1;
    }
    ev.a.allow_storage = allow_storage;
    place(e, &ev, &vm, 1, NULL, NULL, 0, out);
    confirm(e, &ev, vm, out);
    if (out->host == NULL) {
        err_set(err, "%s", out->reason);
        placement_fini(out);
        return -1;
    }
    return 0;
}

json_object *
evacs_plan(struct evacs *e, const struct evac_args *a, struct ferry_err *err)
{
    struct evac *ev = xcalloc(1, sizeof *ev);
    json_object *o;

    args_copy(&ev->a, a);
    if (plan(e, ev, err) < 0) {
        evac_free(ev);
        return NULL;
    }
    o = evac_obj(e, ev);
    evac_free(ev);
    return o;
}

long
evacs_start(struct evacs *e, const struct evac_args *a, struct ferry_err *err)
{
    struct evac *ev;

    for (size_t i = 0; i < e->n; i++)
        if (e->v[i]->state != ES_ENDED && a->host != NULL &&
            strcmp(e->v[i]->a.host, a->host) == 0) {
            err_set(err, "%s is being evacuated already (evacuation %ld)",
                    a->host, e->v[i]->id);
            return -1;
        }
    ev = xcalloc(1, sizeof *ev);
    args_copy(&ev->a, a);
    if (plan(e, ev, err) < 0) {
        evac_free(ev);
        return -1;
    }
    if (jobs_set_maintenance(e->cfg.jobs, ev->a.host, true, err) < 0) {
        evac_free(ev);
        return -1;
    }
    ev->id = e->next_id++;
    ev->state = ES_RUNNING;
    ev->t0 = e->now_ms ? e->now_ms : loop_now_ms();
    if (e->now_ms == 0)
        e->now_ms = ev->t0;
    ev->next_tick = ev->t0 + TICK_MS;
    e->v = xgrow(e->v, &e->cap, e->n + 1, sizeof *e->v);
    e->v[e->n++] = ev;
    log_open(e, ev);
    for (size_t i = 0; i < ev->n_mv && ev->state == ES_RUNNING; i++)
        submit(e, ev, &ev->mv[i]);
    changed(e, ev);
    finish_if_done(e, ev); /* nothing to move */
    return ev->id;
}

int
evacs_abort(struct evacs *e, long id, const char *host, struct ferry_err *err)
{
    struct evac *ev = NULL;

    if (id > 0)
        ev = find(e, id);
    else if (host != NULL)
        for (size_t i = e->n; i-- > 0;)
            if (strcmp(e->v[i]->a.host, host) == 0) {
                ev = e->v[i];
                break;
            }
    if (ev == NULL) {
        err_set(err, "no evacuation %s", host ? host : "with that id");
        return -1;
    }
    if (ev->state == ES_ENDED) {
        err_set(err, "the evacuation of %s has ended", ev->a.host);
        return -1;
    }
    ev->state = ES_ABORTING;
    for (size_t i = 0; i < ev->n_mv; i++) {
        struct emove *m = &ev->mv[i];
        struct ferry_err aerr;

        m->retry_due = false;
        if (m->state == EVM_PLANNED) {
            m->state = EVM_CANCELLED;
            m->error = xstrdup("the evacuation was aborted before it "
                               "started");
        } else if (m->state <= EVM_RUNNING && m->job > 0 &&
                   jobs_act(e->cfg.jobs, m->job, ACT_ABORT, 0, &aerr) < 0) {
            /* past the point of no return: it ends as it ends */
        }
        if (m->state <= EVM_RUNNING)
            log_event(e, ev, m, "abort");
    }
    changed(e, ev);
    finish_if_done(e, ev);
    return 0;
}

void
evacs_job_changed(struct evacs *e, const struct job *j)
{
    long id = job_id(j);

    for (size_t i = 0; i < e->n; i++) {
        struct evac *ev = e->v[i];

        if (ev->state == ES_ENDED)
            continue;
        for (size_t k = 0; k < ev->n_mv; k++)
            if (ev->mv[k].job == id && ev->mv[k].state <= EVM_RUNNING) {
                follow(e, ev, &ev->mv[k], j);
                return;
            }
    }
}

/* What is still predicted: running moves by the engine, waiting ones by
 * the plan, through the queue's order again. */
static double
live_end(struct evacs *e, struct evac *ev)
{
    size_t n = 0;
    double now = elapsed(e, ev), end = now;
    struct uses **up = xcalloc(ev->n_mv + 1, sizeof *up);
    double *dur = xcalloc(ev->n_mv + 1, sizeof *dur);
    double *st = xcalloc(ev->n_mv + 1, sizeof *st);
    double *en = xcalloc(ev->n_mv + 1, sizeof *en);
    size_t *order = xcalloc(ev->n_mv + 1, sizeof *order);

    for (size_t i = 0; i < ev->n_mv; i++) {
        const struct emove *mv = &ev->mv[i];
        const struct job *j;
        double left;

        if (mv->state > EVM_RUNNING && !mv->retry_due)
            continue;
        left = mv->predicted_ms;
        if (mv->state == EVM_RUNNING &&
            (j = jobs_find(e->cfg.jobs, mv->job)) != NULL) {
            double r = job_remaining_ms(j);

            left = isfinite(r) ? r
                               : fmax(0, mv->predicted_ms -
                                             (double)job_elapsed_ms(j));
        }
        up[n] = (struct uses *)&mv->use;
        dur[n++] = left;
    }
    /* in the order submitted: what runs is first */
    if (n > 0)
        end = now + schedule(up, dur, n, false, order, st, en, NULL);
    free(up);
    free(dur);
    free(st);
    free(en);
    free(order);
    return end;
}

void
evacs_tick(struct evacs *e, uint64_t now_ms)
{
    e->now_ms = now_ms;
    for (size_t i = 0; i < e->n; i++) {
        struct evac *ev = e->v[i];

        if (ev->state == ES_ENDED)
            continue;
        for (size_t k = 0; k < ev->n_mv; k++)
            if (ev->mv[k].retry_due && ev->state == ES_RUNNING)
                retry(e, ev, &ev->mv[k]);
        if (ev->state != ES_ENDED && now_ms >= ev->next_tick) {
            ev->next_tick = now_ms + TICK_MS;
            ev->live_end_ms = live_end(e, ev);
            changed(e, ev);
        }
    }
}

int
evacs_timeout_ms(const struct evacs *e, uint64_t now_ms)
{
    int best = -1;

    for (size_t i = 0; i < e->n; i++) {
        const struct evac *ev = e->v[i];
        int t;

        if (ev->state == ES_ENDED)
            continue;
        for (size_t k = 0; k < ev->n_mv; k++)
            if (ev->mv[k].retry_due)
                return 0;
        t = ev->next_tick > now_ms ? (int)(ev->next_tick - now_ms) : 0;
        if (best < 0 || t < best)
            best = t;
    }
    return best;
}

size_t
evacs_count(const struct evacs *e)
{
    return e->n;
}

long
evacs_id_at(const struct evacs *e, size_t i)
{
    return i < e->n ? e->v[i]->id : 0;
}

json_object *
evacs_json(const struct evacs *e, long id)
{
    const struct evac *ev = find(e, id);

    return ev != NULL ? evac_obj(e, ev) : NULL;
}

long
evacs_lookup(const struct evacs *e, const char *ref)
{
    char *end;
    long id;

    if (ref == NULL || ref[0] == '\0')
        return 0;
    for (size_t i = e->n; i-- > 0;)
        if (strcmp(e->v[i]->a.host, ref) == 0)
            return e->v[i]->id;
    errno = 0;
    id = strtol(ref, &end, 10);
    if (errno == 0 && *end == '\0' && find(e, id) != NULL)
        return id;
    return 0;
}

size_t
evacs_active(const struct evacs *e)
{
    size_t n = 0;

    for (size_t i = 0; i < e->n; i++)
        n += e->v[i]->state != ES_ENDED;
    return n;
}
