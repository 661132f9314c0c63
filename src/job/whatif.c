/* What-if: a flight log's workload through the simulator again, under
 * another policy or budget (see whatif.h). */
#include "ferry/whatif.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/ini.h"
#include "ferry/runner_sim.h"
#include "ferry/sim.h"
#include "ferry/units.h"

#define SCHED_POINTS 4000
#define WHATIF_MIN_LIMIT_MS (10 * 60 * 1000)

/* The policy section a log recorded, loaded; NULL if it does not load. */
static struct policy *
recorded_policy(const char *ini)
{
    struct ferry_err err;
    struct ini_doc *doc = ini_load_string("the log's policy", ini, &err);
    struct policy_set one;
    struct policy *p = NULL;

    policy_set_init(&one);
    if (doc != NULL && policy_set_load(&one, doc, &err) == 0 && one.n == 1) {
        p = xmalloc(sizeof *p);
        *p = one.v[0];
        one.n = 0; /* moved */
    }
    policy_set_fini(&one);
    ini_free(doc);
    return p;
}

const struct policy *
whatif_policy(const struct flog_data *d, const struct policy_set *set,
              const char *name, struct policy **own, struct ferry_err *err)
{
    const struct policy *p;

    *own = NULL;
    if (strcmp(name, d->h.policy) == 0 && d->h.policy_ini != NULL &&
        (*own = recorded_policy(d->h.policy_ini)) != NULL)
        return *own;
    p = set ? policy_find(set, name) : NULL;
    if (p == NULL)
        err_set(err, "no policy named '%s' (ferry policies lists them)",
                name);
    return p;
}

void
whatif_policy_free(struct policy *p)
{
    if (p == NULL)
        return;
    policy_copy_free(p);
    free(p);
}

/* A two-host datacenter from what a real host's log recorded. */
static char *
synthesize(const struct flog_data *d)
{
    const struct flog_header *h = &d->h;
    const struct flog_result *r = &d->res;
    char *out;
    size_t len;
    FILE *f = open_memstream(&out, &len);
    uint64_t link = h->link_bps ? h->link_bps
                    : isfinite(r->obs_bw_bps) && r->obs_bw_bps > 0
                        ? (uint64_t)r->obs_bw_bps
                        : 125000000;
    uint64_t mem = h->memory_bytes ? h->memory_bytes : 1 << 30;
    uint64_t disk = h->disk_bytes ? h->disk_bytes : 1 << 30;
    double wss = isfinite(r->obs_wss_bytes) && r->obs_wss_bytes > 0
                     ? r->obs_wss_bytes
                     : (double)mem / 4;
    double dirty = isfinite(r->obs_dirty_bps) ? r->obs_dirty_bps : 0;
    const char *dst_ds = h->datastore[0] ? h->datastore : "recorded-dst";
    bool same = strcmp(h->source, h->destination) == 0;

    if (f == NULL)
        fatal("out of memory");
    fprintf(f, "[sim]\nseed = 1\nlink_bandwidth = %lluB/s\n"
            "link_latency_us = 0\nswitchover_overhead = %llums\n"
            "pivot_overhead = %llums\ndevice_state = 0\n",
            (unsigned long long)link, (unsigned long long)h->overhead_ms,
            (unsigned long long)h->overhead_ms);
    for (int i = 0; i < (same ? 1 : 2); i++)
        fprintf(f, "[host %s]\ncores = 1024\nmemory = %llu\n",
                i == 0 ? h->source : h->destination,
                (unsigned long long)(mem * 4));
    /* the copy rate of the recorded block job, or the link's */
    fprintf(f, "[datastore recorded-src]\ntype = recorded\ncapacity = %llu\n"
            "throughput = %lluB/s\nhosts = %s%s%s\n",
            (unsigned long long)(disk * 4), (unsigned long long)link,
            h->source, same ? "" : ", ", same ? "" : h->destination);
    if (h->kind != KIND_COMPUTE)
        fprintf(f, "[datastore %s]\ntype = recorded\ncapacity = %llu\n"
                "throughput = %lluB/s\nhosts = %s\n",
                dst_ds, (unsigned long long)(disk * 4),
                (unsigned long long)link, h->destination);
    fprintf(f, "[vm %s]\nhost = %s\nmemory = %llu\n"
            "disks = vda:recorded-src:%llu:%llu\nworkload = idle\n"
            "wss = %llu\ndirty_rate = %lluB/s\nhot_fraction = 1\n"
            "hot_share = 1\njitter = 0\nzero_fraction = 0\n"
            "disk_write_rate = 0B/s\n",
            h->vm, h->source, (unsigned long long)mem,
            (unsigned long long)disk, (unsigned long long)disk,
            (unsigned long long)MIN((double)mem, wss),
            (unsigned long long)dirty);
    fclose(f);
    return out;
}

/* The recorded dirty rate and link rate over time, as steps. */
static int
schedule(const struct flog_data *d, struct sim_dc *dc, struct ferry_err *err)
{
    size_t n = MIN(d->n, (size_t)SCHED_POINTS), k = 0;
    uint64_t *t = xcalloc(MAX(n, 1), sizeof *t);
    double *dirty = xcalloc(MAX(n, 1), sizeof *dirty);
    double *bw = xcalloc(MAX(n, 1), sizeof *bw);
    FILE *fp = d->mem ? NULL : fopen(d->path, "r");
    int rc = 0;

    for (size_t j = 0; j < n; j++) {
        size_t i = n > 1 ? j * (d->n - 1) / (n - 1) : 0;
        struct job_sample s;
        struct estimate e;
        bool disk;

        if (flog_sample_read(d, fp, i, &s, &e, err) < 0) {
            rc = -1;
            break;
        }
        disk = s.stage == STAGE_DISK;
        t[k] = d->pt[i].t_ms;
        dirty[k] = e.dirty_known ? e.dirty_bps
                   : sample_has(&s, SF_MEMORY_DIRTY_RATE)
                       ? (double)s.v[SF_MEMORY_DIRTY_RATE]
                       : -1;
        bw[k] = sample_has(&s, disk ? SF_DISK_BPS : SF_MEMORY_BPS)
                    ? (double)s.v[disk ? SF_DISK_BPS : SF_MEMORY_BPS]
                    : -1;
        k++;
    }
    if (fp)
        fclose(fp);
    if (rc == 0)
        rc = sim_dc_set_schedule(dc, d->h.vm, t, dirty, bw, k, err);
    free(t);
    free(dirty);
    free(bw);
    return rc;
}

/* Run it; between steps, stop when *cancel is set and publish the
 * simulated time reached in *sim_ms (either may be NULL). */
static int
run(const struct flog_data *d, const struct policy *pol, uint64_t budget_ms,
    struct whatif *out, struct ferry_err *err, const atomic_bool *cancel,
    _Atomic uint64_t *sim_ms, _Atomic uint64_t *limit_ms)
{
    const struct flog_header *h = &d->h;
    const char *ini = h->sim_ini;
    char *text = ini ? xstrdup(ini) : synthesize(d);
    struct sim_dc *dc = sim_dc_load_string("the log's datacenter", text, err);
    struct runner_opts o = {0};
    struct runner *r;
    uint64_t recorded = d->res.present ? d->res.total_ms : flog_end_ms(d);
    size_t n;
    const struct decision *dec;

    free(text);
    memset(out, 0, sizeof *out);
    if (dc == NULL)
        return -1;
    out->exact = ini != NULL;
    if (out->exact && h->seed)
        sim_dc_set_seed(dc, h->seed);
    if (!out->exact && schedule(d, dc, err) < 0) {
        sim_dc_free(dc);
        return -1;
    }
    o.vm = h->vm;
    o.kind = h->kind;
    o.to = h->kind == KIND_STORAGE ? NULL : h->destination;
    o.datastore = h->datastore[0] ? h->datastore : NULL;
    if (!out->exact && h->kind != KIND_COMPUTE && !h->datastore[0])
        o.datastore = "recorded-dst";
    o.policy = pol;
    o.budget_ms = budget_ms ? budget_ms : h->budget_ms;
    /* a ceiling above the budget stays; none stays none */
    o.ceiling_ms = h->ceiling_ms > h->budget_ms
                       ? MAX(h->ceiling_ms, o.budget_ms)
                       : o.budget_ms;
    o.bw_cap_bps = h->cap_bps;
    o.sample_ms = h->sample_ms;
    o.max_time_ms = h->max_time_ms
                        ? h->max_time_ms
                        : MAX(recorded * 10, (uint64_t)WHATIF_MIN_LIMIT_MS);
    r = runner_new_sim(dc, &o, NULL, 0, err);
    if (r == NULL) {
        sim_dc_free(dc);
        return -1;
    }
    if (limit_ms != NULL)
        atomic_store(limit_ms, o.max_time_ms);
    while (runner_step(r)) {
        if (sim_ms != NULL)
            atomic_store(sim_ms, runner_time_ms(r));
        if (cancel != NULL && atomic_load(cancel)) {
            err_set(err, "the what-if under %s was cancelled at %s of "
                    "simulated time", pol->name,
                    units_fmt_ms((char[32]){0}, 32,
                                 (double)runner_time_ms(r)));
            runner_free(r);
            sim_dc_free(dc);
            return -1;
        }
    }
    out->res = *runner_result(r);
    dec = engine_decisions(runner_job(r), &n);
    out->dec = xcalloc(MAX(n, 1), sizeof *out->dec);
    memcpy(out->dec, dec, n * sizeof *dec);
    out->n_dec = n;
    snprintf(out->policy, sizeof out->policy, "%s", pol->name);
    out->budget_ms = o.budget_ms;
    snprintf(out->how, sizeof out->how, "%s",
             out->exact ? "the simulator's datacenter and workload as the "
                          "log recorded them"
                        : "the recorded memory, link rate, dirty rate and "
                          "working set over time (a two-host simulation)");
    runner_free(r);
    sim_dc_free(dc);
    return 0;
}

int
whatif_run(const struct flog_data *d, const struct policy *pol,
           uint64_t budget_ms, struct whatif *out, struct ferry_err *err)
{
    return run(d, pol, budget_ms, out, err, NULL, NULL, NULL);
}

struct whatif_task {
    pthread_t th;
    const struct flog_data *d;
    const struct policy *pol;
    struct policy *own;
    uint64_t budget_ms;
    void (*wake)(void *);
    void *wake_opaque;
    atomic_bool cancel, done;
    _Atomic uint64_t sim_ms, limit_ms;
    int rc;
    struct whatif out;
    struct ferry_err err;
};

static void *
task_main(void *arg)
{
    struct whatif_task *t = arg;

    t->rc = run(t->d, t->pol, t->budget_ms, &t->out, &t->err, &t->cancel,
                &t->sim_ms, &t->limit_ms);
    atomic_store(&t->done, true);
    if (t->wake != NULL)
        t->wake(t->wake_opaque);
    return NULL;
}

struct whatif_task *
whatif_task_start(const struct flog_data *d, const struct policy *pol,
                  struct policy *own, uint64_t budget_ms,
                  void (*wake)(void *), void *wake_opaque,
                  struct ferry_err *err)
{
    struct whatif_task *t = xcalloc(1, sizeof *t);
    int e;

    t->d = d;
    t->pol = pol;
    t->own = own;
    t->budget_ms = budget_ms;
    t->wake = wake;
    t->wake_opaque = wake_opaque;
    atomic_init(&t->cancel, false);
    atomic_init(&t->done, false);
    atomic_init(&t->sim_ms, 0);
    atomic_init(&t->limit_ms, 0);
    if ((e = pthread_create(&t->th, NULL, task_main, t)) != 0) {
        err_set(err, "what-if: cannot start a thread: %s", strerror(e));
        whatif_policy_free(own);
        free(t);
        return NULL;
    }
    return t;
}

bool
whatif_task_done(const struct whatif_task *t)
{
    return atomic_load(&t->done);
}

void
whatif_task_progress(const struct whatif_task *t, uint64_t *sim_ms,
                     uint64_t *limit_ms)
{
    *sim_ms = atomic_load(&t->sim_ms);
    *limit_ms = atomic_load(&t->limit_ms);
}

void
whatif_task_cancel(struct whatif_task *t)
{
    atomic_store(&t->cancel, true);
}

int
whatif_task_take(struct whatif_task *t, struct whatif *out,
                 struct ferry_err *err)
{
    if (!atomic_load(&t->done)) {
        err_set(err, "the what-if is still running");
        return -1;
    }
    if (t->rc < 0) {
        *err = t->err;
        return -1;
    }
    *out = t->out;
    memset(&t->out, 0, sizeof t->out);
    return 0;
}

void
whatif_task_free(struct whatif_task *t)
{
    if (t == NULL)
        return;
    /* The worker looks at the flag after every simulated step, so the
     * join below is a few milliseconds away at most. */
    atomic_store(&t->cancel, true);
    pthread_join(t->th, NULL);
    whatif_fini(&t->out);
    whatif_policy_free(t->own);
    free(t);
}

void
whatif_fini(struct whatif *w)
{
    free(w->dec);
    w->dec = NULL;
    w->n_dec = 0;
}

static void
row(FILE *f, const char *label, const char *a, const char *b)
{
    fprintf(f, "%-13s %-28s %s\n", label, a, b);
}

static const char *
outcome(char *buf, size_t n, enum job_phase ph, bool present,
        const char *reason)
{
    if (!present)
        snprintf(buf, n, "unknown (log cut short)");
    else if (ph == PH_DONE)
        snprintf(buf, n, "completed");
    else
        snprintf(buf, n, "%s: %s", ph == PH_CANCELLED ? "cancelled"
                                                      : "failed",
                 reason);
    return buf;
}

char *
whatif_compare(const struct flog_data *d, const struct whatif *w)
{
    const struct flog_result *r = &d->res;
    const struct runner_result *x = &w->res;
    char *out, a[400], b[400], t[32];
    size_t len;
    FILE *f = open_memstream(&out, &len);

    if (f == NULL)
        fatal("out of memory");
    snprintf(a, sizeof a, "recorded: %s, %llu ms", d->h.policy,
             (unsigned long long)d->h.budget_ms);
    snprintf(b, sizeof b, "what-if: %s, %llu ms", w->policy,
             (unsigned long long)w->budget_ms);
    row(f, "", a, b);
    outcome(a, sizeof a, r->phase, r->present, r->reason);
    outcome(b, sizeof b, x->phase, true, x->reason);
    /* reasons can be long: each on its own row when they differ */
    if (strlen(a) > 28 || strlen(b) > 40) {
        fprintf(f, "%-13s %s\n", "outcome", a);
        fprintf(f, "%-13s %s\n", "  what-if", b);
    } else {
        row(f, "outcome", a, b);
    }
    snprintf(a, sizeof a, "%s", units_fmt_ms(t, sizeof t,
                                             (double)(r->present ? r->total_ms
                                                                 : flog_end_ms(
                                                                       d))));
    snprintf(b, sizeof b, "%s", units_fmt_ms(t, sizeof t,
                                             (double)x->total_ms));
    row(f, "total time", a, b);
    snprintf(a, sizeof a, "%s", r->present && r->phase == PH_DONE
                                    ? units_fmt_ms(t, sizeof t,
                                                   (double)r->downtime_ms)
                                    : "-");
    snprintf(b, sizeof b, "%s", x->phase == PH_DONE
                                    ? units_fmt_ms(t, sizeof t,
                                                   (double)x->downtime_ms)
                                    : "-");
    row(f, "downtime", a, b);
    snprintf(a, sizeof a, "%llu", (unsigned long long)r->rounds);
    snprintf(b, sizeof b, "%llu", (unsigned long long)x->rounds);
    row(f, "rounds", a, b);
    units_fmt_bytes(a, sizeof a, r->bytes_sent);
    units_fmt_bytes(b, sizeof b, x->bytes_sent);
    row(f, "data sent", a, b);
    snprintf(a, sizeof a, "%llu", (unsigned long long)r->postcopy_requests);
    snprintf(b, sizeof b, "%llu", (unsigned long long)x->postcopy_requests);
    row(f, "post-copy", a, b);
    snprintf(a, sizeof a, "%zu", d->n_dec);
    snprintf(b, sizeof b, "%zu", w->n_dec);
    row(f, "decisions", a, b);
    fprintf(f, "what-if decisions\n");
    for (size_t i = 0; i < w->n_dec; i++)
        fprintf(f, " %7s %-9s %s\n",
                units_fmt_ms(t, sizeof t, (double)w->dec[i].t_ms),
                action_name(w->dec[i].action), w->dec[i].reason);
    fprintf(f, "workload: %s\n", w->how);
    fclose(f);
    return out;
}
