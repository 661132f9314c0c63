/* The pre-copy controller: job state machine, estimator and policies. */
#include "ferry/engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ferry/units.h"

#define MAX_OBS 8
#define EWMA 0.3
#define SWITCH_MARGIN 0.75
/* Throttle only while it costs little time against post-copy. */
#define THROTTLE_VS_POSTCOPY 1.5
/* XBZRLE: what a rewrite costs when nothing says (a fifth of a page is
 * QEMU's own example workloads' order: counters and small records), the
 * share of the predicted time it must save to be worth its CPU, and the
 * largest cache the engine takes without being told (QEMU's default is
 * 64 MiB; the cache lives in the source QEMU's memory). */
#define XBZRLE_DELTA_GUESS 0.25
#define XBZRLE_MIN_GAIN 0.10
#define XBZRLE_CACHE_MIN (64ull * 1024 * 1024)
#define XBZRLE_CACHE_MAX (4ull * 1024 * 1024 * 1024)
/* QEMU sends a zero page as its header and one byte. */
#define ZERO_PAGE_WIRE 8.0
#define PAGE_BYTES 4096.0

struct round_obs {
    double t_s;  /* round length */
    double bytes; /* dirtied during it */
};

/* One data stream as the engine sees it: memory, disk, or both summed. */
struct view {
    double remaining, processed, total, bps, dirty_bps;
    uint64_t iteration;
    bool has_iteration;
    bool has_sync;
    uint64_t sync_t_ms, sync_period_ms;
    double sync_dirty;
    bool stage_memory;
};

struct engine_job {
    struct job_params p;
    enum job_phase phase;
    char reason[320];
    uint64_t t_ms;
    uint64_t budget_ms, ceiling_ms;
    uint64_t switch_ms; /* ferry: switch when predicted downtime <= this */
    uint64_t limit_ms;  /* the hypervisor's downtime limit in force */
    double throttle;
    bool started;
    bool switch_requested, postcopy_requested, paused, abort_requested;

    struct estimate est;
    struct prediction pred;
    struct round_obs obs[MAX_OBS];
    size_t n_obs;
    enum hv_stage obs_stage;
    uint64_t iteration;     /* last seen */
    uint64_t iter_t_ms;     /* job time at which it was seen */
    uint64_t last_sync_ms;
    uint64_t fit_t_ms;
    double prev_processed;
    uint64_t prev_t_ms;
    bool have_prev;

    /* progress: the low-water mark of remaining */
    double lowmark;
    uint64_t lowmark_t_ms;
    unsigned rounds_since_low;
    double round_start_remaining, prev_round_start_remaining;

    /* schedule */
    bool *fired;
    size_t seq_next;
    uint64_t seq_last_round;
    uint64_t esc_round; /* round of the last escalation */

    /* transport: XBZRLE as chosen at the start */
    bool xbzrle;
    uint64_t xbzrle_cache_bytes;
    double xbzrle_delta;   /* learned from the compression counters */
    /* round one's pages so far: zero (constant) and normal, and the
     * zero share of the pages scanned lately */
    uint64_t zero_pages, normal_pages;
    double zero_share, zero_weight;
    bool zero_known;

    struct decision *dec;
    size_t n_dec, cap_dec;
    uint64_t *ph_t;
    enum job_phase *ph;
    size_t n_ph, cap_ph;
};

static const char *const phase_names[] = {
    [PH_PRECHECK] = "precheck",   [PH_PREPARE] = "prepare",
    [PH_BULK] = "bulk",           [PH_ITERATE] = "iterate",
    [PH_SWITCHOVER] = "switchover", [PH_CLEANUP] = "cleanup",
    [PH_DONE] = "done",           [PH_FAILED] = "failed",
    [PH_CANCELLED] = "cancelled",
};

const char *
job_phase_name(enum job_phase p)
{
    return (unsigned)p < ARRAY_SIZE(phase_names) ? phase_names[p] : "?";
}

bool
job_phase_final(enum job_phase p)
{
    return p == PH_DONE || p == PH_FAILED || p == PH_CANCELLED;
}

const char *
job_kind_name(enum job_kind k)
{
    switch (k) {
    case KIND_COMPUTE:
        return "compute";
    case KIND_STORAGE:
        return "storage";
    case KIND_BOTH:
        return "both";
    }
    return "?";
}

int
job_kind_lookup(const char *name, enum job_kind *out)
{
    static const enum job_kind kinds[] = {KIND_COMPUTE, KIND_STORAGE,
                                          KIND_BOTH};

    for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
        if (strcasecmp(name, job_kind_name(kinds[i])) == 0) {
            *out = kinds[i];
            return 0;
        }
    }
    return -1;
}

static void
set_phase(struct engine_job *j, enum job_phase ph)
{
    if (j->phase == ph && j->n_ph > 0)
        return;
    j->phase = ph;
    j->ph_t = xgrow(j->ph_t, &j->cap_ph, j->n_ph + 1, sizeof *j->ph_t);
    j->ph = xrealloc(j->ph, j->cap_ph * sizeof *j->ph);
    j->ph_t[j->n_ph] = j->t_ms;
    j->ph[j->n_ph++] = ph;
}

static void decide(struct engine_job *j, enum action_kind a, uint64_t v,
                   const char *fmt, ...) FERRY_PRINTF(4, 5);

/* Record a decision with the reason a person will read. */
static void
decide(struct engine_job *j, enum action_kind a, uint64_t v, const char *fmt,
       ...)
{
    struct decision *d;
    va_list ap;

    j->dec = xgrow(j->dec, &j->cap_dec, j->n_dec + 1, sizeof *j->dec);
    d = &j->dec[j->n_dec++];
    d->t_ms = j->t_ms;
    d->action = a;
    d->value = v;
    va_start(ap, fmt);
    vsnprintf(d->reason, sizeof d->reason, fmt, ap);
    va_end(ap);
}

static void plan_with(const struct job_params *p, bool xz, uint64_t cache,
                      struct prediction *out);
static void xbzrle_input(const struct job_params *p, uint64_t cache,
                         double delta, struct predict_in *in);

/* XBZRLE's choice for a job: whether, the cache, and why. */
struct xz_choice {
    bool on, log;
    uint64_t cache_bytes;
    char reason[320];
};

/* The time a plan expects: the converging copy's, or post-copy's when
 * it does not converge and the policy may go there (as the runner's
 * runner_expected_total_ms); INFINITY otherwise. */
static double
plan_time(const struct prediction *pr, const struct policy *pol)
{
    if (pr->converges)
        return pr->total_ms;
    if (pol->postcopy && pr->postcopy_ms > 0)
        return pr->postcopy_ms;
    return INFINITY;
}

/* Smaller is better: the expected time, then (neither ending) where the
 * copy stalls, which the escalations must make up for. */
static bool
plan_better(const struct prediction *a, const struct prediction *b,
            const struct policy *pol, double gain)
{
    double ta = plan_time(a, pol), tb = plan_time(b, pol);

    if (isfinite(ta) || isfinite(tb))
        return ta < (1 - gain) * tb;
    return a->stall_downtime_ms < (1 - gain) * b->stall_downtime_ms;
}

/* The largest power of two that is at most v (v >= 1). */
static uint64_t
pow2_floor(uint64_t v)
{
    uint64_t p = 1;

    while (p <= v / 2)
        p *= 2;
    return p;
}

/* Decide XBZRLE before the start from what the params know: it pays when
 * the copy re-sends pages that the cache can hold (the predictor counts a
 * hit as its delta, a miss as a page, the encoder's ceiling as time) and
 * that saves a tenth of the time or makes the copy converge at all. */
static void
xbzrle_choose(const struct job_params *p, struct xz_choice *c)
{
    const struct policy *pol = p->policy;
    char a[32], b[32], d[32], e[32], f[32], g[32];
    struct prediction off, on;
    uint64_t hot, afford, lo, hi, best_cache = 0;
    double delta;

    memset(c, 0, sizeof *c);
    if (pol->xbzrle == XBZRLE_FORBID)
        return;
    c->log = true;
    if (p->kind == KIND_STORAGE || p->memory_bytes == 0) {
        snprintf(c->reason, sizeof c->reason,
                 "XBZRLE not used: no memory moves");
        return;
    }
    if (!p->xbzrle_ok) {
        if (p->parallel > 1)
            snprintf(c->reason, sizeof c->reason,
                     "XBZRLE not possible: the move uses %u parallel "
                     "connections, and QEMU does not combine XBZRLE with "
                     "multifd",
                     p->parallel);
        else
            snprintf(c->reason, sizeof c->reason,
                     "XBZRLE not possible: the backend cannot use it for "
                     "this move");
        return;
    }
    /* the cache: the policy's, else the hot set's next power of two */
    hot = p->hint_wss_bytes;
    if (p->hint_hot_fraction > 0 && p->hint_hot_fraction < 1)
        hot = (uint64_t)((double)p->hint_wss_bytes * p->hint_hot_fraction);
    afford = MAX(XBZRLE_CACHE_MIN,
                 MIN(XBZRLE_CACHE_MAX, pow2_floor(MAX(p->memory_bytes / 4,
                                                      1))));
    if (pol->xbzrle_cache_bytes > 0) {
        lo = hi = pol->xbzrle_cache_bytes;
    } else {
        lo = XBZRLE_CACHE_MIN;
        hi = afford;
    }
    delta = p->hint_xbzrle_delta > 0 ? p->hint_xbzrle_delta
                                     : XBZRLE_DELTA_GUESS;
    if (pol->xbzrle == XBZRLE_ALWAYS) {
        uint64_t want = lo;

        while (want < hot && want * 2 <= hi)
            want *= 2;
        c->on = true;
        c->cache_bytes = want;
        snprintf(c->reason, sizeof c->reason,
                 "XBZRLE on (policy %s: always), cache %s", pol->name,
                 units_fmt_bytes(a, sizeof a, want));
        return;
    }
    if (p->hint_dirty_bps == 0 || p->hint_wss_bytes == 0) {
        snprintf(c->reason, sizeof c->reason,
                 "XBZRLE off: nothing is known of the guest's writes (no "
                 "measurement, no earlier flight log), and it can only be "
                 "chosen at the start");
        return;
    }
    plan_with(p, false, 0, &off);
    /* every cache size from the smallest to what it can afford: the
     * smallest one that predicts the best time */
    for (uint64_t cs = lo; cs <= hi && cs > 0; cs *= 2) {
        struct prediction pr;

        plan_with(p, true, cs, &pr);
        if (best_cache == 0 || plan_better(&pr, &on, pol, 0.01)) {
            on = pr;
            best_cache = cs;
        }
        if (cs > UINT64_MAX / 2)
            break;
    }
    units_fmt_bytes(a, sizeof a, hot);
    units_fmt_bytes(b, sizeof b, p->hint_wss_bytes);
    units_fmt_bytes(d, sizeof d, best_cache);
    units_fmt_ms(e, sizeof e, plan_time(&off, pol));
    units_fmt_ms(f, sizeof f, plan_time(&on, pol));
    if (plan_better(&on, &off, pol, XBZRLE_MIN_GAIN)) {
        c->on = true;
        c->cache_bytes = best_cache;
        if (!isfinite(plan_time(&on, pol)))
            snprintf(c->reason, sizeof c->reason,
                     "XBZRLE on, cache %s: the copy does not converge either "
                     "way, but re-sent pages (hot set %s of a %s working "
                     "set) costing %.0f%% of themselves lower where it "
                     "stalls from %s to %s of downtime",
                     d, a, b, delta * 100,
                     units_fmt_ms(e, sizeof e, off.stall_downtime_ms),
                     units_fmt_ms(f, sizeof f, on.stall_downtime_ms));
        else
            snprintf(c->reason, sizeof c->reason,
                     "XBZRLE on, cache %s: the hot set (%s of a %s working "
                     "set) is re-sent round after round and fits; a re-sent "
                     "page costs %.0f%% of itself; predicted %s%s without, "
                     "%s with",
                     d, a, b, delta * 100,
                     isfinite(plan_time(&off, pol)) ? e : "no convergence",
                     !off.converges && isfinite(plan_time(&off, pol))
                         ? " (post-copy)"
                         : "",
                     f);
        return;
    }
    if (!isfinite(plan_time(&on, pol)) && !isfinite(plan_time(&off, pol)))
        snprintf(c->reason, sizeof c->reason,
                 "XBZRLE off: the copy does not converge either way (hot "
                 "set %s of a %s working set, a cache of up to %s)",
                 a, b, units_fmt_bytes(g, sizeof g, hi));
    else if (off.converges && off.rounds <= 2)
        snprintf(c->reason, sizeof c->reason,
                 "XBZRLE off: the copy converges fast anyway (%u round%s, "
                 "%s); with a %s cache %s",
                 off.rounds, off.rounds == 1 ? "" : "s", e, d,
                 isfinite(plan_time(&on, pol)) ? f : "no convergence");
    else
        snprintf(c->reason, sizeof c->reason,
                 "XBZRLE off: it does not pay here (hot set %s of a %s "
                 "working set, a cache of up to %s): predicted %s%s "
                 "without, %s at best with (cache %s)",
                 a, b, units_fmt_bytes(g, sizeof g, hi),
                 isfinite(plan_time(&off, pol)) ? e : "no convergence",
                 !off.converges && isfinite(plan_time(&off, pol))
                     ? " by post-copy"
                     : "",
                 isfinite(plan_time(&on, pol)) ? f : "no convergence", d);
}

struct engine_job *
engine_job_new(const struct job_params *p)
{
    struct engine_job *j = xcalloc(1, sizeof *j);

    j->p = *p;
    j->budget_ms = p->budget_ms;
    j->ceiling_ms = MAX(p->ceiling_ms, p->budget_ms);
    j->switch_ms = p->budget_ms;
    j->fired = xcalloc(p->policy->n_steps + 1, sizeof *j->fired);
    j->lowmark = INFINITY;
    j->pred.total_ms = INFINITY;
    j->pred.downtime_now_ms = INFINITY;
    if (p->hint_dirty_bps > 0) {
        j->est.dirty_known = true;
        j->est.dirty_bps = (double)p->hint_dirty_bps;
        j->est.wss_bytes = (double)p->hint_wss_bytes;
        j->est.unique_bps = j->est.dirty_bps;
    }
    if (p->bw_bps > 0) {
        j->est.bw_bps = (double)p->bw_bps;
    }
    set_phase(j, PH_PRECHECK);
    {
        struct xz_choice c;

        xbzrle_choose(p, &c);
        j->xbzrle = c.on;
        j->xbzrle_cache_bytes = c.cache_bytes;
        if (c.log)
            decide(j, ACT_NONE, c.cache_bytes, "%s", c.reason);
    }
    return j;
}

bool
engine_xbzrle(const struct engine_job *j, uint64_t *cache_bytes)
{
    if (cache_bytes != NULL)
        *cache_bytes = j->xbzrle ? j->xbzrle_cache_bytes : 0;
    return j->xbzrle;
}

void
engine_job_free(struct engine_job *j)
{
    if (j == NULL)
        return;
    free(j->fired);
    free(j->dec);
    free(j->ph_t);
    free(j->ph);
    free(j);
}

size_t
engine_start(struct engine_job *j, struct engine_action *out, size_t max)
{
    const struct policy *pol = j->p.policy;
    char sum[160];

    if (max < 1)
        return 0;
    j->started = true;
    set_phase(j, PH_PREPARE);
    j->limit_ms = pol->downtime_limit_ms;
    policy_summary(pol, sum, sizeof sum);
    if (pol->mode == POLICY_ADAPTIVE)
        decide(j, ACT_SET_DOWNTIME, j->limit_ms,
               "policy %s (%s): hypervisor limit kept at %llu ms so that "
               "ferry decides the switchover; budget %llu ms",
               pol->name, sum, (unsigned long long)j->limit_ms,
               (unsigned long long)j->budget_ms);
    else
        decide(j, ACT_SET_DOWNTIME, j->limit_ms,
               "policy %s (%s): initial downtime limit %llu ms", pol->name,
               sum, (unsigned long long)j->limit_ms);
    out[0].kind = ACT_SET_DOWNTIME;
    out[0].value = j->limit_ms;
    return 1;
}

/* Build the engine's view of the stream that matters now. */
static void
make_view(const struct engine_job *j, const struct job_sample *s,
          struct view *v)
{
    bool disk = j->p.kind == KIND_STORAGE ||
                (j->p.kind == KIND_BOTH && s->stage == STAGE_DISK);

    /* The same six fields for each stream. */
    static const enum sample_field f[2][6] = {
        {SF_MEMORY_REMAINING, SF_MEMORY_PROCESSED, SF_MEMORY_TOTAL,
         SF_MEMORY_BPS, SF_MEMORY_DIRTY_RATE, SF_MEMORY_ITERATION},
        {SF_DISK_REMAINING, SF_DISK_PROCESSED, SF_DISK_TOTAL, SF_DISK_BPS,
         SF_DISK_DIRTY_RATE, SF_DISK_ITERATION},
    };
    const enum sample_field *k = f[disk];

    memset(v, 0, sizeof *v);
    v->stage_memory = !disk;
    v->remaining = (double)sample_get(s, k[0], 0);
    v->processed = (double)sample_get(s, k[1], 0);
    v->total = (double)sample_get(s, k[2], 0);
    v->bps = (double)sample_get(s, k[3], 0);
    v->dirty_bps = (double)sample_get(s, k[4], 0);
    v->has_iteration = sample_has(s, k[5]);
    v->iteration = sample_get(s, k[5], 0);
    /* Both at once: the mirror's delta moves at switchover too. */
    if (!disk && j->p.kind == KIND_BOTH)
        v->remaining += (double)sample_get(s, SF_DISK_REMAINING, 0);
    v->has_sync = sample_has(s, SF_SYNC_TIME) && sample_has(s, SF_SYNC_DIRTY);
    v->sync_t_ms = sample_get(s, SF_SYNC_TIME, 0);
    v->sync_dirty = (double)sample_get(s, SF_SYNC_DIRTY, 0);
    v->sync_period_ms = sample_get(s, SF_SYNC_PERIOD, 0);
}

/* The write rate that dirties `bytes` of a working set w in t seconds.
 * The dirtied bytes are a concave, increasing function of the rate, so
 * Newton's method from zero climbs to the root without overshooting it. */
static double
solve_rate(double bytes, double w, double hf, double hs, double t)
{
    double wp[2], sp[2], d = 0;

    if (hf <= 0 || hf >= 1)
        return -w / t * log1p(-MIN(bytes / w, 0.999));
    if (bytes >= 0.999 * w)
        bytes = 0.999 * w;
    if (bytes <= 0 || t <= 0)
        return 0;
    wp[0] = w * hf;
    wp[1] = w - wp[0];
    sp[0] = hs;
    sp[1] = 1 - hs;
    for (int i = 0; i < 100; i++) {
        double f = 0, df = 0, step;

        for (int k = 0; k < 2; k++) {
            double em1 = expm1(-d * sp[k] * t / wp[k]);

            f += wp[k] * -em1;
            df += sp[k] * t * (1 + em1);
        }
        if (f >= bytes * (1 - 1e-13) || df <= 0)
            break;
        step = (bytes - f) / df;
        d += step;
        if (step <= d * 1e-14)
            break;
    }
    return d;
}

/* Fit the raw write rate D and working set W to the round observations:
 * for each candidate W, solve D from every round; the (W, D) whose rounds
 * agree best wins. A rate measured before the move is a short-time-scale
 * observation of D itself: it is tried beside the fitted one with a small
 * prior weight, so that one long round (which only shows the working set)
 * is read correctly, and later rounds override a stale measurement. */
static void
fit_dirty(struct engine_job *j)
{
    struct estimate *e = &j->est;
    double umax = 0, best_err = INFINITY, best_w = 0, best_d = 0;
    bool storage = j->p.kind == KIND_STORAGE ||
                   (j->p.kind == KIND_BOTH && j->obs_stage == STAGE_DISK);
    double hint_w = (double)(storage ? j->p.hint_disk_wss_bytes
                                     : j->p.hint_wss_bytes);
    double hint_d = (double)(storage ? j->p.hint_disk_dirty_bps
                                     : j->p.hint_dirty_bps);
    double hf = storage ? 0 : j->p.hint_hot_fraction;
    double hs = storage ? 0 : j->p.hint_hot_share;

    if (j->n_obs == 0)
        return;
    for (size_t i = 0; i < j->n_obs; i++)
        umax = MAX(umax, j->obs[i].bytes);
    for (int c = -1; c < 60; c++) {
        double w = c < 0 ? 0 : umax * pow(1.08, c) * 1.0001;
        double dsum = 0, cand[2];
        int nc = 0;

        if (w > 0 && w < 1)
            continue;
        for (size_t i = 0; i < j->n_obs; i++) {
            const struct round_obs *o = &j->obs[i];

            if (w <= 0)
                dsum += o->bytes / o->t_s;
            else
                dsum += solve_rate(o->bytes, w, hf, hs, o->t_s);
        }
        cand[nc++] = dsum / (double)j->n_obs;
        if (hint_d > 0)
            cand[nc++] = hint_d;
        for (int k = 0; k < nc; k++) {
            double d = cand[k], err = 0;

            for (size_t i = 0; i < j->n_obs; i++) {
                const struct round_obs *o = &j->obs[i];
                double rel =
                    (predict_dirtied_skew(d, w, hf, hs, o->t_s) - o->bytes) /
                    MAX(o->bytes, 4096.0);

                err += rel * rel;
            }
            if (hint_d > 0)
                err += 2e-3 * fabs(log(MAX(d, 1.0) / hint_d));
            if (hint_w > 0)
                err += w > 0 ? 1e-4 * fabs(log(w / hint_w)) : 1e-3;
            if (err < best_err - 1e-12) {
                best_err = err;
                best_w = w;
                best_d = d;
            }
        }
    }
    if (j->n_obs == 1 && hint_w <= 0 && hint_d <= 0) {
        /* One round cannot separate rate and working set: take the
         * classic unbounded model, D from the round. */
        best_w = 0;
        best_d = j->obs[0].bytes / j->obs[0].t_s;
    }
    e->dirty_known = true;
    e->dirty_bps = best_d;
    e->wss_bytes = best_w;
}

/* Estimator: bandwidth every sample, dirt at every new round. */
static void
estimate(struct engine_job *j, const struct job_sample *s,
         const struct view *v)
{
    struct estimate *e = &j->est;
    double bw = v->bps;

    if (bw <= 0 && j->have_prev && j->t_ms > j->prev_t_ms)
        bw = (v->processed - j->prev_processed) /
             ((double)(j->t_ms - j->prev_t_ms) / 1000.0);
    if (bw > 0 && !s->guest_paused) {
        e->bw_bps = e->bw_known ? (1 - EWMA) * e->bw_bps + EWMA * bw : bw;
        e->bw_known = true;
    }
    j->prev_processed = v->processed;
    j->prev_t_ms = j->t_ms;
    j->have_prev = true;

    /* Round one's zero and normal pages so far (QEMU's counters run over
     * the whole migration: only round one's say what round one holds). */
    if (v->stage_memory && (!v->has_iteration || v->iteration <= 1) &&
        sample_has(s, SF_MEMORY_CONSTANT) && sample_has(s, SF_MEMORY_NORMAL)) {
        uint64_t zp = sample_get(s, SF_MEMORY_CONSTANT, 0);
        uint64_t np = sample_get(s, SF_MEMORY_NORMAL, 0);
        double dz = (double)(zp - MIN(zp, j->zero_pages));
        double dn = (double)(np - MIN(np, j->normal_pages));

        /* Memory is not uniform (a working set here, free pages there):
         * the pages scanned lately say most about those to come, so the
         * share is weighted over the last 2% of memory scanned. */
        if (dz + dn > 0) {
            double window = MAX(256.0, 0.02 * (double)j->p.memory_bytes /
                                           PAGE_BYTES);
            double a = MIN(1.0, (dz + dn) / window);

            j->zero_share = j->zero_weight > 0
                                ? (1 - a) * j->zero_share +
                                      a * dz / (dz + dn)
                                : dz / (dz + dn);
            j->zero_weight += dz + dn;
        }
        j->zero_pages = zp;
        j->normal_pages = np;
        j->zero_known = true;
    }
    /* What a page XBZRLE encoded took: its delta, learned. */
    if (j->xbzrle && sample_get(s, SF_COMPRESSION_PAGES, 0) >= 64 &&
        sample_has(s, SF_COMPRESSION_BYTES)) {
        double per = (double)sample_get(s, SF_COMPRESSION_BYTES, 0) /
                     (double)sample_get(s, SF_COMPRESSION_PAGES, 0);

        j->xbzrle_delta = MAX(0.001, MIN(1.0, (per -
                                               PREDICT_XBZRLE_HEADER_BYTES) /
                                                  PAGE_BYTES));
    }

    if (s->stage != j->obs_stage) {
        /* A new stream (disk then memory): start over. */
        j->obs_stage = s->stage;
        j->n_obs = 0;
        j->iteration = 0;
        j->lowmark = INFINITY;
        j->rounds_since_low = 0;
    }
    if (!v->has_iteration)
        return;
    if (j->iteration == 0) {
        j->iteration = v->iteration;
        j->iter_t_ms = j->t_ms;
        j->last_sync_ms = j->t_ms;
        j->round_start_remaining = v->remaining;
        return;
    }
    if (v->iteration > j->iteration) {
        struct round_obs o;

        if (v->has_sync && v->sync_period_ms > 0) {
            o.t_s = (double)v->sync_period_ms / 1000.0;
            o.bytes = v->sync_dirty;
            j->last_sync_ms = v->sync_t_ms;
        } else {
            o.t_s = (double)(j->t_ms - j->iter_t_ms) / 1000.0;
            o.bytes = v->remaining;
            j->last_sync_ms = j->t_ms;
        }
        if (o.t_s > 0.001) {
            if (j->n_obs == MAX_OBS) {
                memmove(j->obs, j->obs + 1, (MAX_OBS - 1) * sizeof *j->obs);
                j->n_obs--;
            }
            j->obs[j->n_obs++] = o;
            e->unique_bps = o.bytes / o.t_s;
            /* Near the end QEMU syncs on every pass: fitting twice a
             * second is plenty. */
            if (j->n_obs <= 2 || j->t_ms >= j->fit_t_ms + 500) {
                fit_dirty(j);
                j->fit_t_ms = j->t_ms;
            }
        }
        j->prev_round_start_remaining = j->round_start_remaining;
        j->round_start_remaining = v->remaining;
        if (v->remaining < j->lowmark * 0.97) {
            j->lowmark = v->remaining;
            j->lowmark_t_ms = j->t_ms;
            j->rounds_since_low = 0;
        } else {
            j->rounds_since_low += (unsigned)(v->iteration - j->iteration);
        }
        j->iteration = v->iteration;
        j->iter_t_ms = j->t_ms;
    }
}

/* Fill the predictor's inputs from the current view and estimate. */
static void
predict_input(const struct engine_job *j, const struct view *v, double dirty,
              double budget_ms, struct predict_in *in)
{
    const struct estimate *e = &j->est;

    memset(in, 0, sizeof *in);
    in->remaining_bytes = v->remaining;
    in->since_sync_s = (double)(j->t_ms - MIN(j->t_ms, j->last_sync_ms)) /
                       1000.0;
    in->dirty_bps = dirty;
    in->wss_bytes = e->wss_bytes;
    if (v->stage_memory) {
        in->hot_fraction = j->p.hint_hot_fraction;
        in->hot_share = j->p.hint_hot_share;
    }
    in->bw_bps = e->bw_bps > 0 ? e->bw_bps : (double)j->p.bw_bps;
    in->final_bps = j->p.final_bps > 0 ? (double)j->p.final_bps : in->bw_bps;
    /* Uncapped, the rounds already run at the link's real speed: the
     * stop-and-copy cannot beat what was measured (a configured link
     * speed may be optimistic). */
    if (e->bw_bps > 0 && j->p.final_bps <= j->p.bw_bps)
        in->final_bps = MIN(in->final_bps, e->bw_bps);
    in->overhead_ms = (double)j->p.overhead_ms;
    in->budget_ms = budget_ms;
    if (!v->stage_memory)
        return;
    if (j->iteration <= 1) {
        /* Round one: zero pages take a few bytes of the wire. What share
         * of the pages so far were zero says how fast the rest goes; until
         * enough are seen, the plan's first-round bytes say it. */
        double mem = (double)j->p.memory_bytes / PAGE_BYTES;

        if (j->zero_known && j->zero_weight >= MAX(256.0, 0.01 * mem)) {
            double z = j->zero_share;

            in->cur_wire_ratio = (1 - z) + z * ZERO_PAGE_WIRE / PAGE_BYTES;
        } else if (j->p.memory_bytes > 0 && j->p.memory_wire_bytes > 0) {
            in->cur_wire_ratio = (double)j->p.memory_wire_bytes /
                                 (double)j->p.memory_bytes;
        }
        if (j->xbzrle)
            xbzrle_input(&j->p, j->xbzrle_cache_bytes, j->xbzrle_delta, in);
        return;
    }
    if (j->xbzrle) {
        xbzrle_input(&j->p, j->xbzrle_cache_bytes, j->xbzrle_delta, in);
        in->cur_xbzrle = true;
        in->xbzrle_rounds = (unsigned)(j->iteration - 2);
    }
}

static double
data_gib(const struct engine_job *j)
{
    double gib = (double)j->p.memory_bytes / (double)GiB;

    if (gib < j->p.policy->data_gib_min)
        gib = j->p.policy->data_gib_min;
    if (j->p.kind != KIND_COMPUTE)
        gib += (double)j->p.disk_bytes / (double)GiB;
    return gib;
}

static size_t
emit(struct engine_action *out, size_t max, size_t n, enum action_kind a,
     uint64_t v)
{
    if (n < max) {
        out[n].kind = a;
        out[n].value = v;
        n++;
    }
    return n;
}

/* Is a schedule step's trigger true now? */
static bool
step_due(const struct engine_job *j, const struct policy_step *st,
         uint64_t rounds)
{
    switch (st->trig) {
    case TRIG_ROUNDS:
        return (double)rounds > st->value;
    case TRIG_ELAPSED:
        return (double)j->t_ms >
               st->value * (st->per_gib ? data_gib(j) : 1.0);
    case TRIG_NO_PROGRESS:
        return j->lowmark_t_ms > 0 &&
               (double)(j->t_ms - j->lowmark_t_ms) > st->value;
    case TRIG_SLOW_ROUND:
        if (rounds < 2 || j->prev_round_start_remaining <= 0)
            return false;
        return (j->prev_round_start_remaining - j->round_start_remaining) *
                   100.0 / j->prev_round_start_remaining <
               st->value;
    }
    return false;
}

static const char *
trigger_text(const struct policy_step *st, char *buf, size_t n)
{
    char d[32];

    switch (st->trig) {
    case TRIG_ROUNDS:
        snprintf(buf, n, "rounds > %g", st->value);
        break;
    case TRIG_ELAPSED:
        snprintf(buf, n, "elapsed > %s%s",
                 units_fmt_ms(d, sizeof d, st->value),
                 st->per_gib ? " per GiB" : "");
        break;
    case TRIG_NO_PROGRESS:
        snprintf(buf, n, "no progress for %s",
                 units_fmt_ms(d, sizeof d, st->value));
        break;
    case TRIG_SLOW_ROUND:
        snprintf(buf, n, "round progress < %g%%", st->value);
        break;
    }
    return buf;
}

/* Apply a step's action: bookkeeping plus the backend action. */
static size_t
apply_step(struct engine_job *j, const struct policy_step *st,
           struct engine_action *out, size_t max, size_t n,
           const struct job_sample *s)
{
    char trig[96];
    const char *pn = j->p.policy->name;

    trigger_text(st, trig, sizeof trig);
    switch (st->action) {
    case ACT_SET_DOWNTIME:
        j->limit_ms = st->arg;
        decide(j, ACT_SET_DOWNTIME, st->arg,
               "%s schedule: %s, downtime limit raised to %llu ms", pn, trig,
               (unsigned long long)st->arg);
        return emit(out, max, n, ACT_SET_DOWNTIME, st->arg);
    case ACT_POSTCOPY:
        if (!j->p.policy->postcopy || s->stage != STAGE_MEMORY) {
            decide(j, ACT_NONE, 0, "%s schedule: %s, post-copy not possible "
                   "here", pn, trig);
            return n;
        }
        j->postcopy_requested = true;
        decide(j, ACT_POSTCOPY, 0, "%s schedule: %s, switching to post-copy",
               pn, trig);
        return emit(out, max, n, ACT_POSTCOPY, 0);
    case ACT_THROTTLE:
        j->throttle = (double)st->arg;
        decide(j, ACT_THROTTLE, st->arg, "%s schedule: %s, throttle %llu%%",
               pn, trig, (unsigned long long)st->arg);
        return emit(out, max, n, ACT_THROTTLE, st->arg);
    case ACT_PAUSE:
        j->paused = true;
        decide(j, ACT_PAUSE, 0, "%s schedule: %s, pausing the guest", pn,
               trig);
        return emit(out, max, n, ACT_PAUSE, 0);
    case ACT_SWITCHOVER:
        j->switch_requested = true;
        decide(j, ACT_SWITCHOVER, 0, "%s schedule: %s, switching over", pn,
               trig);
        return emit(out, max, n, ACT_SWITCHOVER, 0);
    case ACT_ABORT:
        j->abort_requested = true;
        snprintf(j->reason, sizeof j->reason,
                 "aborted by policy %s: %s (remaining %.0f MiB did not fit "
                 "the %llu ms limit)",
                 pn, trig, j->round_start_remaining / (double)MiB,
                 (unsigned long long)j->limit_ms);
        decide(j, ACT_ABORT, 0, "%s", j->reason);
        return emit(out, max, n, ACT_ABORT, 0);
    case ACT_NONE:
        break;
    }
    return n;
}

/* Reference schedules: fire steps; the hypervisor switches by itself. */
static size_t
schedule_tick(struct engine_job *j, const struct job_sample *s,
              struct engine_action *out, size_t max)
{
    const struct policy *pol = j->p.policy;
    uint64_t rounds = j->iteration > 0 ? j->iteration - 1 : 0;
    size_t n = 0;

    if (j->p.kind == KIND_STORAGE && s->disk_ready && !j->switch_requested) {
        j->switch_requested = true;
        decide(j, ACT_SWITCHOVER, 0,
               "block copy in sync: pivot, as virsh blockcopy --pivot does "
               "(%s has no storage schedule)",
               pol->name);
        return emit(out, max, n, ACT_SWITCHOVER, 0);
    }
    if (pol->sequential) {
        /* VDSM: the head item only, only when a new round started. */
        if (j->seq_next < pol->n_steps && rounds > j->seq_last_round) {
            const struct policy_step *st = &pol->steps[j->seq_next];

            j->seq_last_round = rounds;
            if (step_due(j, st, rounds)) {
                j->seq_next++;
                n = apply_step(j, st, out, max, n, s);
            }
        }
        return n;
    }
    for (size_t i = 0; i < pol->n_steps && n < max; i++) {
        if (j->fired[i] || !step_due(j, &pol->steps[i], rounds))
            continue;
        j->fired[i] = true;
        n = apply_step(j, &pol->steps[i], out, max, n, s);
        if (j->abort_requested)
            break;
    }
    return n;
}

/* The least throttle (in steps of 5 %) that makes the copy converge within
 * the budget, or -1. */
static double
throttle_needed(const struct engine_job *j, const struct view *v,
                double budget_ms, double *total_ms)
{
    const struct policy *pol = j->p.policy;

    for (double t = MAX(10.0, j->throttle + 5); t <= pol->throttle_max + 1e-9;
         t += 5) {
        struct predict_in in;
        struct prediction pr;

        predict_input(j, v, j->est.dirty_bps * (1 - t / 100.0) /
                                MAX(0.01, 1 - j->throttle / 100.0),
                      budget_ms, &in);
        predict_run(&in, &pr);
        if (pr.converges) {
            *total_ms = pr.total_ms;
            return t;
        }
    }
    return -1;
}

/* ferry's adaptive policy. */
static size_t
adaptive_tick(struct engine_job *j, const struct job_sample *s,
              const struct view *v, struct engine_action *out, size_t max)
{
    const struct policy *pol = j->p.policy;
    struct predict_in in;
    char a[32], b[32], c[32], d[32];
    size_t n = 0;
    bool first_round = j->iteration <= 1;
    bool stalled, wont;

    if (j->switch_requested || j->postcopy_requested)
        return 0;
    if (!j->est.dirty_known && first_round)
        return 0; /* nothing to predict with until round one ends */
    /* The verdict uses the threshold the switch uses: a little inside the
     * limit, since the estimate has noise. */
    predict_input(j, v, j->est.dirty_bps, SWITCH_MARGIN * (double)j->switch_ms,
                  &in);
    predict_run(&in, &j->pred);
    /* Moving both, the disks first reach sync and are then mirrored while
     * memory moves: the switchover belongs to the memory rounds. */
    if (j->p.kind == KIND_BOTH && s->stage != STAGE_MEMORY)
        return 0;

    if (!first_round &&
        j->pred.downtime_now_ms <= SWITCH_MARGIN * (double)j->switch_ms) {
        j->switch_requested = true;
        decide(j, ACT_SWITCHOVER, 0,
               "predicted downtime %s fits the %s %llu ms: %s left, "
               "dirtying %s, link %s",
               units_fmt_ms(a, sizeof a, j->pred.downtime_now_ms),
               j->switch_ms > j->budget_ms ? "raised limit" : "budget",
               (unsigned long long)j->switch_ms,
               units_fmt_bytes(b, sizeof b, (uint64_t)v->remaining),
               units_fmt_rate(c, sizeof c, j->est.unique_bps),
               units_fmt_rate(d, sizeof d, in.bw_bps));
        return emit(out, max, n, ACT_SWITCHOVER, 0);
    }
    if (first_round || j->iteration <= j->esc_round)
        return 0; /* let a round pass after each escalation */
    stalled = j->rounds_since_low >= pol->stall_rounds;
    wont = !j->pred.converges;
    if (!stalled && !wont)
        return 0;
    j->esc_round = j->iteration;

    for (size_t i = 0; i < pol->n_escalation; i++) {
        enum action_kind act = pol->escalation[i];

        if (act == ACT_SET_DOWNTIME) {
            double need = j->pred.stall_downtime_ms * 1.1;

            if (j->switch_ms >= j->ceiling_ms)
                continue;
            if (!(need <= (double)j->ceiling_ms))
                continue;
            j->switch_ms = (uint64_t)MAX(need, (double)j->budget_ms);
            decide(j, ACT_SET_DOWNTIME, j->switch_ms,
                   "%s: the copy stalls near %s (downtime %s over the "
                   "%llu ms budget); switching at up to %llu ms, within the "
                   "%llu ms ceiling",
                   stalled ? "no progress" : "will not converge",
                   units_fmt_bytes(a, sizeof a,
                                   (uint64_t)j->pred.stall_bytes),
                   units_fmt_ms(b, sizeof b, j->pred.stall_downtime_ms),
                   (unsigned long long)j->budget_ms,
                   (unsigned long long)j->switch_ms,
                   (unsigned long long)j->ceiling_ms);
            return n; /* the switchover check fires next tick */
        }
        if (act == ACT_THROTTLE) {
            double total = INFINITY;
            double t = throttle_needed(
                j, v, SWITCH_MARGIN * (double)j->switch_ms, &total);

            if (t < 0)
                continue;
            /* A long throttle hurts the guest more than a short post-copy
             * when the policy allows both. */
            if (policy_allows(pol, ACT_POSTCOPY) && pol->postcopy &&
                s->stage == STAGE_MEMORY &&
                total > THROTTLE_VS_POSTCOPY * j->pred.postcopy_ms)
                continue;
            j->throttle = t;
            decide(j, ACT_THROTTLE, (uint64_t)t,
                   "%s: guest dirties %s against a %s link; throttling vCPUs "
                   "to %.0f%% is predicted to converge within the budget",
                   stalled ? "no progress" : "will not converge",
                   units_fmt_rate(a, sizeof a, j->est.unique_bps),
                   units_fmt_rate(b, sizeof b, in.bw_bps), t);
            return emit(out, max, n, ACT_THROTTLE, (uint64_t)t);
        }
        if (act == ACT_POSTCOPY) {
            if (!pol->postcopy || s->stage != STAGE_MEMORY)
                continue;
            j->postcopy_requested = true;
            decide(j, ACT_POSTCOPY, 0,
                   "%s: pre-copy stalls at %s (downtime %s); post-copy "
                   "switches now and pulls the rest in about %s",
                   stalled ? "no progress" : "will not converge",
                   units_fmt_bytes(a, sizeof a,
                                   (uint64_t)MAX(j->pred.stall_bytes,
                                                 v->remaining)),
                   units_fmt_ms(b, sizeof b, j->pred.stall_downtime_ms),
                   units_fmt_ms(c, sizeof c, j->pred.postcopy_ms));
            return emit(out, max, n, ACT_POSTCOPY, 0);
        }
        if (act == ACT_PAUSE) {
            j->paused = true;
            j->switch_requested = true;
            decide(j, ACT_PAUSE, 0,
                   "%s: pausing the guest and copying the rest; downtime "
                   "will be about %s",
                   stalled ? "no progress" : "will not converge",
                   units_fmt_ms(a, sizeof a, j->pred.downtime_now_ms));
            n = emit(out, max, n, ACT_PAUSE, 0);
            return emit(out, max, n, ACT_SWITCHOVER, 0);
        }
    }
    j->abort_requested = true;
    snprintf(j->reason, sizeof j->reason,
             "cannot converge: guest dirties %s against %s; the copy stalls "
             "near %s, downtime %s over the %llu ms budget, and policy %s "
             "allows no further escalation",
             units_fmt_rate(a, sizeof a, j->est.unique_bps),
             units_fmt_rate(b, sizeof b, in.bw_bps),
             units_fmt_bytes(c, sizeof c, (uint64_t)j->pred.stall_bytes),
             units_fmt_ms(d, sizeof d, j->pred.stall_downtime_ms),
             (unsigned long long)j->ceiling_ms, pol->name);
    decide(j, ACT_ABORT, 0, "%s", j->reason);
    return emit(out, max, n, ACT_ABORT, 0);
}

/* Phase from what the backend reports. */
static void
track_phase(struct engine_job *j, const struct job_sample *s,
            const struct view *v)
{
    switch (s->status) {
    case HV_SETUP:
        set_phase(j, PH_PREPARE);
        break;
    case HV_ACTIVE:
        if (j->switch_requested && s->guest_paused)
            set_phase(j, PH_SWITCHOVER);
        else if (!v->has_iteration || v->iteration <= 1)
            set_phase(j, PH_BULK);
        else
            set_phase(j, PH_ITERATE);
        break;
    case HV_POSTCOPY:
        set_phase(j, PH_SWITCHOVER);
        break;
    case HV_COMPLETED:
        if (j->phase != PH_SWITCHOVER)
            set_phase(j, PH_SWITCHOVER);
        set_phase(j, PH_CLEANUP);
        set_phase(j, PH_DONE);
        break;
    case HV_FAILED:
        set_phase(j, PH_FAILED);
        break;
    case HV_CANCELLED:
        if (j->reason[0] == '\0')
            snprintf(j->reason, sizeof j->reason, "cancelled");
        set_phase(j, PH_CANCELLED);
        break;
    }
}

size_t
engine_step(struct engine_job *j, const struct job_sample *s,
            struct engine_action *out, size_t max)
{
    struct view v;
    size_t n = 0;

    if (job_phase_final(j->phase))
        return 0;
    j->t_ms = sample_get(s, SF_TIME_ELAPSED, j->t_ms);
    make_view(j, s, &v);
    estimate(j, s, &v);
    track_phase(j, s, &v);
    if (s->status != HV_ACTIVE || j->abort_requested)
        return 0;
    if (j->p.max_time_ms > 0 && j->t_ms > j->p.max_time_ms) {
        char a[32];

        j->abort_requested = true;
        snprintf(j->reason, sizeof j->reason,
                 "did not complete within %s (the safety limit); policy %s "
                 "never switched over",
                 units_fmt_ms(a, sizeof a, (double)j->p.max_time_ms),
                 j->p.policy->name);
        decide(j, ACT_ABORT, 0, "%s", j->reason);
        return emit(out, max, n, ACT_ABORT, 0);
    }
    if (j->p.policy->mode == POLICY_ADAPTIVE)
        return adaptive_tick(j, s, &v, out, max);
    n = schedule_tick(j, s, out, max);
    if (j->est.dirty_known || j->est.bw_known) {
        struct predict_in in;

        predict_input(j, &v, j->est.dirty_bps, (double)j->limit_ms, &in);
        predict_run(&in, &j->pred);
    }
    return n;
}

enum action_kind
engine_request(struct engine_job *j, enum action_kind a, uint64_t value,
               struct engine_action *out, struct ferry_err *err)
{
    out->kind = ACT_NONE;
    out->value = value;
    if (job_phase_final(j->phase)) {
        err_set(err, "the migration has already ended (%s)",
                job_phase_name(j->phase));
        return ACT_NONE;
    }
    switch (a) {
    case ACT_ABORT:
        if (j->phase == PH_SWITCHOVER && j->postcopy_requested) {
            err_set(err, "post-copy has started: the guest runs on the "
                         "destination and cannot go back");
            return ACT_NONE;
        }
        j->abort_requested = true;
        snprintf(j->reason, sizeof j->reason, "aborted by the operator");
        decide(j, ACT_ABORT, 0, "aborted by the operator");
        break;
    case ACT_SWITCHOVER:
        j->switch_requested = true;
        decide(j, ACT_SWITCHOVER, 0,
               "switchover forced by the operator (predicted downtime %.0f "
               "ms)",
               j->pred.downtime_now_ms);
        break;
    case ACT_POSTCOPY:
        if (!j->p.policy->postcopy) {
            err_set(err, "policy %s did not enable post-copy at the start",
                    j->p.policy->name);
            return ACT_NONE;
        }
        if (j->p.kind == KIND_STORAGE) {
            err_set(err, "post-copy applies to memory, not to a storage "
                         "migration");
            return ACT_NONE;
        }
        j->postcopy_requested = true;
        decide(j, ACT_POSTCOPY, 0, "post-copy started by the operator");
        break;
    case ACT_THROTTLE:
        if (value > 99) {
            err_set(err, "a throttle is between 0 and 99 %%");
            return ACT_NONE;
        }
        j->throttle = (double)value;
        decide(j, ACT_THROTTLE, value, "throttle set to %llu%% by the operator",
               (unsigned long long)value);
        break;
    case ACT_PAUSE:
        j->paused = true;
        decide(j, ACT_PAUSE, 0, "guest paused by the operator");
        break;
    default:
        err_set(err, "'%s' is not an operator command", action_name(a));
        return ACT_NONE;
    }
    out->kind = a;
    return a;
}

void
engine_set_budget(struct engine_job *j, uint64_t budget_ms)
{
    j->budget_ms = budget_ms;
    if (j->ceiling_ms < budget_ms)
        j->ceiling_ms = budget_ms;
    j->switch_ms = budget_ms;
    decide(j, ACT_NONE, budget_ms, "downtime budget set to %llu ms by the "
           "operator", (unsigned long long)budget_ms);
}

void
engine_fail(struct engine_job *j, uint64_t t_ms, const char *reason)
{
    if (job_phase_final(j->phase))
        return;
    j->t_ms = MAX(j->t_ms, t_ms);
    snprintf(j->reason, sizeof j->reason, "%s", reason);
    set_phase(j, PH_FAILED);
}

enum job_phase
engine_phase(const struct engine_job *j)
{
    return j->phase;
}

const char *
engine_reason(const struct engine_job *j)
{
    return j->reason;
}

const struct job_params *
engine_params(const struct engine_job *j)
{
    return &j->p;
}

const struct estimate *
engine_estimate(const struct engine_job *j)
{
    return &j->est;
}

const struct prediction *
engine_prediction(const struct engine_job *j)
{
    return &j->pred;
}

const struct decision *
engine_decisions(const struct engine_job *j, size_t *n)
{
    *n = j->n_dec;
    return j->dec;
}

uint64_t
engine_budget_ms(const struct engine_job *j)
{
    return j->budget_ms;
}

size_t
engine_phase_log(const struct engine_job *j, const uint64_t **t,
                 const enum job_phase **ph)
{
    *t = j->ph_t;
    *ph = j->ph;
    return j->n_ph;
}

void
engine_plan(const struct job_params *p, struct prediction *out)
{
    struct xz_choice c;

    xbzrle_choose(p, &c);
    plan_with(p, c.on, c.cache_bytes, out);
}

/* The XBZRLE inputs of the predictor for a job that uses it. */
static void
xbzrle_input(const struct job_params *p, uint64_t cache, double delta,
             struct predict_in *in)
{
    in->xbzrle = true;
    in->xbzrle_cache_bytes = (double)cache;
    in->xbzrle_delta = delta > 0 ? delta
                       : p->hint_xbzrle_delta > 0 ? p->hint_xbzrle_delta
                                                  : XBZRLE_DELTA_GUESS;
    in->xbzrle_bps = (double)p->xbzrle_bps;
}

/* Whole-migration prediction before the start: round one sends the memory
 * (zero pages cheaply), then the model runs round by round; with XBZRLE
 * (xz) from round two on, when the cache starts filling. */
static void
plan_with(const struct job_params *p, bool xz, uint64_t cache,
          struct prediction *out)
{
    struct predict_in in;
    struct prediction mem;
    double bw = (double)p->bw_bps;
    double dbw = p->disk_bw_bps ? (double)p->disk_bw_bps : bw;
    double budget = (double)p->budget_ms;
    double disk_ms = 0, disk_bytes = 0;

    memset(out, 0, sizeof *out);
    if (p->kind != KIND_COMPUTE) {
        struct prediction dp;

        memset(&in, 0, sizeof in);
        in.remaining_bytes = (double)p->disk_bytes;
        in.dirty_bps = (double)p->hint_disk_dirty_bps;
        in.wss_bytes = (double)p->hint_disk_wss_bytes;
        in.bw_bps = dbw;
        in.final_bps = dbw;
        in.overhead_ms = (double)p->overhead_ms;
        in.budget_ms = budget;
        /* Round one copies the whole disk; switchover cannot happen in
         * it, so predict from its end. */
        in.since_sync_s = (double)p->disk_bytes / dbw;
        in.remaining_bytes = predict_dirtied(in.dirty_bps, in.wss_bytes,
                                             in.since_sync_s);
        in.since_sync_s = 0;
        predict_run(&in, &dp);
        disk_ms = (double)p->disk_bytes / dbw * 1000.0;
        disk_bytes = (double)p->disk_bytes;
        if (p->kind == KIND_STORAGE) {
            *out = dp;
            out->total_ms += disk_ms;
            out->bytes += disk_bytes;
            out->rounds += 1;
            return;
        }
        if (!dp.converges) {
            *out = dp;
            return;
        }
        /* Both: the disks reach sync, then memory moves; the mirror keeps
         * the disks in sync meanwhile (its dirt shares the link). */
        disk_ms += dp.total_ms - dp.downtime_ms;
        disk_bytes += dp.bytes;
        bw -= MIN(bw * 0.5, (double)p->hint_disk_dirty_bps);
    }
    memset(&in, 0, sizeof in);
    in.dirty_bps = (double)p->hint_dirty_bps;
    in.wss_bytes = (double)p->hint_wss_bytes;
    in.hot_fraction = p->hint_hot_fraction;
    in.hot_share = p->hint_hot_share;
    in.bw_bps = bw;
    in.final_bps = p->final_bps ? (double)p->final_bps : bw;
    in.overhead_ms = (double)p->overhead_ms;
    in.budget_ms = budget;
    if (xz) {
        xbzrle_input(p, cache, 0, &in);
        in.cur_xbzrle = true; /* round two: the cache is still empty */
    }
    {
        double wire = p->memory_wire_bytes ? (double)p->memory_wire_bytes
                                           : (double)p->memory_bytes;
        double t1 = wire / bw;

        in.remaining_bytes = predict_dirtied_skew(
            in.dirty_bps, in.wss_bytes, in.hot_fraction, in.hot_share, t1);
        predict_run(&in, &mem);
        *out = mem;
        out->total_ms += t1 * 1000.0 + disk_ms;
        out->bytes += wire + disk_bytes;
        out->rounds += 1;
        out->postcopy_ms += t1 * 1000.0 + disk_ms;
    }
}
