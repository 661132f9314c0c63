/* Drive one migration with the engine on any backend, and emit its events. */
#include "ferry/runner.h"
#include "ferry/runner_sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ferry/flightlog.h"
#include "ferry/flogread.h"
#include "ferry/hints.h"
#include "ferry/units.h"

struct runner {
    struct runner_opts o;
    enum steer_lost on_lost; /* what the fail-safe does if we die */
    bool released;           /* handed to QEMU and the fail-safe */
    bool watching;           /* another's migration: seen, not steered */
    struct hv *hv;
    struct hv *own_hv; /* runner_new_sim's wrapper */
    void *mig;
    struct engine_job *job;
    struct flog *log;
    char *vm, *to, *ds, *src_host;
    struct job_sample sample;
    uint64_t t_ms, sample_ms;
    size_t dec_seen;
    size_t ph_seen;
    bool done;
    struct runner_result res;
    uint64_t oracle_ms;
    double oracle_downtime;
    uint64_t first_round_bytes; /* memory on the wire in round one */
    uint64_t setup_ms;          /* job time when the first bytes moved */
    /* the policy without post-copy, for a move over parallel connections */
    struct policy pol;
    bool own_pol;
};

/* Write an event to the log and hand it to the caller. */
static void
emit(struct runner *r, json_object *obj)
{
    flog_write(r->log, obj);
    if (r->o.on_event != NULL)
        r->o.on_event(r->o.ctx, obj);
    json_object_put(obj);
}

int
runner_plan(struct hv *hv, const struct runner_opts *o,
            struct job_params *jp, struct prediction *pred,
            struct ferry_err *err)
{
    struct model *m = hv->model;
    const struct model_vm *vm = model_vm(m, o->vm);
    const char *dst = o->to ? o->to : (vm ? vm->host : NULL);
    struct hv_mig_params mp;
    struct hv_plan hp;

    if (vm == NULL) {
        err_set(err, "no VM named %s", o->vm);
        return -1;
    }
    if (model_host(m, dst) == NULL) {
        err_set(err, "no host named %s", dst);
        return -1;
    }
    if (o->kind != KIND_COMPUTE &&
        (o->datastore == NULL || model_ds(m, o->datastore) == NULL)) {
        err_set(err, "no datastore named %s",
                o->datastore ? o->datastore : "(none given)");
        return -1;
    }
    runner_mig_params(o, &mp);
    if (hv->ops->plan(hv, vm, &mp, &hp, err) < 0)
        return -1;
    job_hints_apply(o->hints_dir, vm->name, &hp);
    memset(jp, 0, sizeof *jp);
    jp->kind = o->kind;
    /* the policy says, else the source host, else abort */
    jp->on_steering_lost = o->policy->on_steering_lost != STEER_LOST_UNSET
                               ? o->policy->on_steering_lost
                           : hp.on_steering_lost != STEER_LOST_UNSET
                               ? hp.on_steering_lost
                               : STEER_LOST_ABORT;
    jp->policy = o->policy;
    jp->memory_bytes = vm->memory_bytes;
    jp->memory_wire_bytes = hp.memory_wire_bytes ? hp.memory_wire_bytes
                                                 : vm->memory_bytes;
    jp->disk_bytes = 0;
    if (o->kind != KIND_COMPUTE)
        for (size_t i = 0; i < vm->n_disks; i++)
            if (o->datastore == NULL ||
                strcmp(vm->disks[i].datastore, o->datastore) != 0)
                jp->disk_bytes += vm->disks[i].allocated_bytes;
    jp->budget_ms = o->budget_ms;
    jp->ceiling_ms = MAX(o->ceiling_ms, o->budget_ms);
    jp->bw_bps = o->kind == KIND_STORAGE ? hp.disk_bw_bps : hp.link_bps;
    jp->final_bps = o->kind == KIND_STORAGE ? hp.disk_bw_bps : hp.final_bps;
    jp->disk_bw_bps = hp.disk_bw_bps;
    jp->overhead_ms = hp.overhead_ms;
    jp->hint_dirty_bps = hp.hint_dirty_bps;
    jp->hint_wss_bytes = hp.hint_wss_bytes;
    jp->hint_hot_fraction = hp.hint_hot_fraction;
    jp->hint_hot_share = hp.hint_hot_share;
    jp->hint_disk_dirty_bps = hp.hint_disk_dirty_bps;
    jp->hint_disk_wss_bytes = hp.hint_disk_wss_bytes;
    jp->max_time_ms = o->max_time_ms;
    /* how the backend will run it: the engine decides XBZRLE from it */
    jp->xbzrle_ok = hp.xbzrle_ok;
    jp->parallel = hp.parallel;
    jp->hint_xbzrle_delta = hp.hint_xbzrle_delta;
    jp->xbzrle_bps = hp.xbzrle_bps;
    if (hp.cold) {
        /* a cold move: only the disks travel, nothing dirties them */
        jp->memory_bytes = jp->memory_wire_bytes = 0;
        jp->hint_dirty_bps = jp->hint_wss_bytes = 0;
        jp->hint_disk_dirty_bps = jp->hint_disk_wss_bytes = 0;
        jp->bw_bps = jp->final_bps = hp.disk_bw_bps ? hp.disk_bw_bps
                                                    : hp.link_bps;
        jp->overhead_ms = 0;
        jp->xbzrle_ok = false;
    }
    if (pred != NULL) {
        engine_plan(jp, pred);
        /* the backend's start-up (a destination QEMU to launch) comes
         * before the engine's clock has anything to predict */
        pred->total_ms += (double)hp.setup_ms;
        if (pred->postcopy_ms > 0)
            pred->postcopy_ms += (double)hp.setup_ms;
    }
    return 0;
}

size_t
runner_checks(struct hv *hv, const struct mig_request *req,
              const char *const *migrating, size_t n_migrating,
              struct checks *out)
{
    checks_run(hv->model, req, migrating, n_migrating, out);
    if (hv->ops->checks != NULL && model_vm(hv->model, req->vm) != NULL)
        hv->ops->checks(hv, req, out);
    return out->n;
}

double
runner_expected_total_ms(const struct prediction *p, const struct policy *pol)
{
    if (p->converges)
        return p->total_ms;
    /* a copy that does not converge ends in post-copy where allowed */
    if (pol != NULL && pol->postcopy && p->postcopy_ms > 0)
        return p->postcopy_ms;
    return INFINITY;
}

void
runner_mig_params(const struct runner_opts *o, struct hv_mig_params *mp)
{
    memset(mp, 0, sizeof *mp);
    mp->budget_ms = o->budget_ms;
    mp->log_path = o->log_path;
    mp->vm = o->vm;
    mp->dst_host = o->to;
    mp->dst_ds = o->datastore;
    mp->kind = o->kind;
    mp->bandwidth_cap_bps = o->bw_cap_bps;
    mp->auto_converge = o->policy->auto_converge;
    mp->ac_initial = o->policy->ac_initial;
    mp->ac_increment = o->policy->ac_increment;
    mp->postcopy = o->policy->postcopy;
    mp->downtime_limit_ms = o->policy->downtime_limit_ms;
    mp->keep_source = o->keep_source;
    /* the policy's transport; 0 leaves it to the hosts' entries */
    mp->tls = o->policy->tls;
    mp->parallel = o->policy->parallel;
    /* the policy's steering mode, if it names one (the runner sets the
     * final one before the start): the backend's route depends on it */
    mp->on_steering_lost = o->policy->on_steering_lost;
}

static void
header(struct runner *r, const struct job_params *jp,
       const struct check_result *checks, size_t n_checks)
{
    json_object *h = json_object_new_object(), *job, *pol;
    /* a policy's summary is fixed words and at most six actions' names
     * (policy_summary); the stamp a date */
    char sum[200], stamp[32], *id;
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    id = xasprintf("%s-%04d%02d%02d%02d%02d%02d", r->vm, tm.tm_year + 1900,
                   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                   tm.tm_sec);
    json_object_object_add(h, "type", json_object_new_string("header"));
    json_object_object_add(h, "format", json_object_new_string(FLOG_FORMAT));
    json_object_object_add(h, "version", json_object_new_int(FLOG_VERSION));
    json_object_object_add(h, "ferry_version",
                           json_object_new_string(FERRY_VERSION_STRING));
    json_object_object_add(h, "created", json_object_new_string(stamp));
    job = json_object_new_object();
    json_object_object_add(job, "id", json_object_new_string(id));
    free(id);
    json_object_object_add(job, "vm", json_object_new_string(r->vm));
    json_object_object_add(job, "kind",
                           json_object_new_string(job_kind_name(r->o.kind)));
    json_object_object_add(job, "source",
                           json_object_new_string(r->src_host));
    json_object_object_add(job, "destination",
                           json_object_new_string(r->to ? r->to
                                                        : r->src_host));
    if (r->ds != NULL)
        json_object_object_add(job, "datastore",
                               json_object_new_string(r->ds));
    json_object_object_add(job, "memory_bytes",
                           json_object_new_int64((int64_t)jp->memory_bytes));
    json_object_object_add(job, "disk_bytes",
                           json_object_new_int64((int64_t)jp->disk_bytes));
    json_object_object_add(h, "job", job);
    json_object_object_add(h, "backend",
                           json_object_new_string(r->hv->ops->name));
    if (r->hv->ops->header != NULL)
        r->hv->ops->header(r->hv, r->vm, h);
    pol = json_object_new_object();
    policy_summary(r->o.policy, sum, sizeof sum);
    json_object_object_add(pol, "name",
                           json_object_new_string(r->o.policy->name));
    json_object_object_add(
        pol, "mode",
        json_object_new_string(r->o.policy->mode == POLICY_ADAPTIVE
                                   ? "adaptive"
                                   : "schedule"));
    json_object_object_add(pol, "summary", json_object_new_string(sum));
    /* the whole definition: a what-if replays with exactly this policy */
    {
        char *ini = policy_to_ini(r->o.policy);

        json_object_object_add(pol, "ini", json_object_new_string(ini));
        free(ini);
    }
    json_object_object_add(h, "policy", pol);
    json_object_object_add(h, "budget_ms",
                           json_object_new_int64((int64_t)jp->budget_ms));
    json_object_object_add(
        h, "on_steering_lost",
        json_object_new_string(steer_lost_name(jp->on_steering_lost)));
    json_object_object_add(h, "ceiling_ms",
                           json_object_new_int64((int64_t)jp->ceiling_ms));
    json_object_object_add(h, "bandwidth_cap_bps",
                           json_object_new_int64((int64_t)r->o.bw_cap_bps));
    json_object_object_add(h, "link_bps",
                           json_object_new_int64((int64_t)jp->final_bps));
    json_object_object_add(h, "overhead_ms",
                           json_object_new_int64((int64_t)jp->overhead_ms));
    json_object_object_add(h, "sample_ms",
                           json_object_new_int64((int64_t)r->sample_ms));
    if (r->o.max_time_ms)
        json_object_object_add(h, "max_time_ms",
                               json_object_new_int64(
                                   (int64_t)r->o.max_time_ms));
    if (r->watching)
        json_object_object_add(h, "external", json_object_new_boolean(1));
    json_object_object_add(h, "prediction",
                           flog_prediction_json(&r->res.predicted));
    json_object_object_add(h, "checks", flog_checks_json(checks, n_checks));
    emit(r, h);
}

/* Hand an engine action to the data plane; a refusal is logged. */
static void
apply(struct runner *r, const struct engine_action *a)
{
    struct ferry_err err;

    if (a->kind == ACT_NONE)
        return;
    if (r->hv->ops->mig_act(r->mig, a, &err) < 0) {
        json_object *o = json_object_new_object();

        json_object_object_add(o, "type", json_object_new_string("error"));
        json_object_object_add(o, "t_ms",
                               json_object_new_int64((int64_t)r->t_ms));
        json_object_object_add(o, "message", json_object_new_string(err.msg));
        emit(r, o);
    }
}

/* Emit decisions and phase changes the engine made since last time. */
static void
flush_events(struct runner *r)
{
    size_t n;
    const struct decision *d = engine_decisions(r->job, &n);
    const uint64_t *pt;
    const enum job_phase *ph;
    size_t np = engine_phase_log(r->job, &pt, &ph);

    for (; r->ph_seen < np; r->ph_seen++)
        if (r->ph_seen > 0)
            emit(r, flog_phase_json(pt[r->ph_seen], ph[r->ph_seen - 1],
                                    ph[r->ph_seen]));
    for (; r->dec_seen < n; r->dec_seen++)
        emit(r, flog_decision_json(&d[r->dec_seen]));
}

/* An adopted migration: the engine goes through the log's samples again
 * (the same engine on the same samples: the same estimates and the state
 * its dead server had, without acting on them), then steers from now on;
 * the gap without steering is a record of its own. */
/* Feed a log's samples to an engine without acting on them; the last
 * downtime limit it asked for goes to *limit (0: none). Returns the job
 * time of the last sample. */
static uint64_t
replay_samples(struct engine_job *job, const struct flog_data *d,
               uint64_t *limit, struct job_sample *last)
{
    struct engine_action acts[8];
    struct ferry_err err;
    uint64_t last_t = 0;
    size_t n = engine_start(job, acts, ARRAY_SIZE(acts));
    FILE *fp = d->path != NULL ? fopen(d->path, "r") : NULL;

    for (size_t i = 0; i < n; i++)
        if (acts[i].kind == ACT_SET_DOWNTIME)
            *limit = acts[i].value;
    for (size_t i = 0; i < d->n; i++) {
        struct job_sample s;
        struct estimate e;

        if (flog_sample_read(d, fp, i, &s, &e, &err) < 0)
            continue;
        n = engine_step(job, &s, acts, ARRAY_SIZE(acts));
        for (size_t k = 0; k < n; k++)
            if (acts[k].kind == ACT_SET_DOWNTIME)
                *limit = acts[k].value;
        *last = s;
        last_t = d->pt[i].t_ms;
    }
    if (fp != NULL)
        fclose(fp);
    return last_t;
}

static void
resume(struct runner *r, const struct flog_data *d)
{
    struct engine_action a = {ACT_SET_DOWNTIME, 0};
    uint64_t limit = 0, last_t;
    json_object *o;
    char msg[400];

    last_t = replay_samples(r->job, d, &limit, &r->sample);
    /* what the engine had decided is in the log already */
    engine_decisions(r->job, &r->dec_seen);
    {
        const uint64_t *pt;
        const enum job_phase *ph;

        r->ph_seen = engine_phase_log(r->job, &pt, &ph);
    }
    r->hv->ops->mig_sample(r->mig, &r->sample);
    r->t_ms = MAX(sample_get(&r->sample, SF_TIME_ELAPSED, 0), last_t);
    snprintf(msg, sizeof msg,
             "steering lost for %.1f s (job time %.1f s to %.1f s): adopted "
             "by a new server, the engine resumes from this log (%zu samples)",
             (double)(r->t_ms - MIN(last_t, r->t_ms)) / 1000.0,
             (double)last_t / 1000.0, (double)r->t_ms / 1000.0, d->n);
    o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string("error"));
    json_object_object_add(o, "t_ms", json_object_new_int64((int64_t)r->t_ms));
    json_object_object_add(o, "message", json_object_new_string(msg));
    json_object_object_add(o, "adopted", json_object_new_boolean(1));
    json_object_object_add(o, "gap_from_ms",
                           json_object_new_int64((int64_t)last_t));
    emit(r, o);
    /* its limit again: a budget the fail-safe gave QEMU is taken back */
    a.value = limit > 0 ? limit : 1;
    apply(r, &a);
    {
        struct decision dc = {.t_ms = r->t_ms, .action = ACT_SET_DOWNTIME,
                              .value = a.value};

        snprintf(dc.reason, sizeof dc.reason,
                 "adopted: ferry steers again, the hypervisor limit is back "
                 "at %llu ms",
                 (unsigned long long)a.value);
        emit(r, flog_decision_json(&dc));
    }
}

struct runner *
runner_new(struct hv *hv, const struct runner_opts *o,
           const struct check_result *checks, size_t n_checks,
           struct ferry_err *err)
{
    struct runner *r;
    struct job_params jp;
    struct hv_mig_params mp;
    struct engine_action acts[4];
    size_t n;
    const struct model_vm *vm;

    r = xcalloc(1, sizeof *r);
    r->o = *o;
    r->hv = hv;
    r->sample_ms = o->sample_ms ? o->sample_ms : (hv->ops->realtime ? 200 : 50);
    if (o->oracle && hv_sim_dc(hv) == NULL) {
        err_set(err, "oracle runs need the simulator");
        free(r);
        return NULL;
    }
    if (runner_plan(hv, o, &jp, &r->res.predicted, err) < 0) {
        free(r);
        return NULL;
    }
    vm = model_vm(hv->model, o->vm);
    r->vm = xstrdup(o->vm);
    r->src_host = xstrdup(vm->host);
    r->to = o->to ? xstrdup(o->to) : NULL;
    r->ds = o->datastore ? xstrdup(o->datastore) : NULL;
    r->o.vm = r->vm;
    r->o.to = r->to;
    r->o.datastore = r->ds;

    /* QEMU 7.2 lets multifd and post-copy be enabled together but loses
     * pages switching to post-copy over parallel connections (fixed only
     * by disallowing it, then by QEMU 10's multifd post-copy): a move
     * over them is never a post-copy one */
    if (jp.parallel > 1 && o->adopt == NULL && !o->watch &&
        (o->policy->postcopy || policy_allows(o->policy, ACT_POSTCOPY))) {
        policy_copy_restricted(o->policy, &r->pol,
                               policy_allows(o->policy, ACT_THROTTLE) ||
                                   o->policy->auto_converge,
                               false, policy_allows(o->policy, ACT_PAUSE));
        r->own_pol = true;
        r->o.policy = jp.policy = &r->pol;
    }
    runner_mig_params(&r->o, &mp);
    mp.on_steering_lost = r->on_lost = jp.on_steering_lost;
    if (o->adopt != NULL) {
        mp.adopt = true;
        mp.t0_unix_ms = o->adopt_t0_unix_ms;
    }
    if (o->watch) {
        mp.adopt = true; /* it runs already: from ferry's first sight */
        mp.watch = true;
        r->watching = true;
    }
    /* XBZRLE is chosen before the start: the engine decides (and logs
     * why) when its job is made */
    r->job = engine_job_new(&jp);
    if (o->adopt == NULL && !o->watch)
        mp.xbzrle = engine_xbzrle(r->job, &mp.xbzrle_cache_bytes);
    r->mig = hv->ops->mig_new(hv, &mp, err);
    if (r->mig == NULL) {
        runner_free(r);
        return NULL;
    }
    if (o->oracle)
        sim_mig_never_switch(r->mig);
    if (o->log_path != NULL) {
        r->log = o->adopt != NULL ? flog_open_append(o->log_path, err)
                                  : flog_open(o->log_path, err);
        if (r->log == NULL) {
            runner_free(r);
            return NULL;
        }
    }
    if (o->adopt != NULL) {
        resume(r, o->adopt);
        return r;
    }
    header(r, &jp, checks, n_checks);
    if (r->watching) {
        /* the engine estimates and predicts for the dashboard; the
         * migration's owner steers it */
        engine_start(r->job, acts, ARRAY_SIZE(acts));
        engine_decisions(r->job, &r->dec_seen);
        return r;
    }
    n = engine_start(r->job, acts, ARRAY_SIZE(acts));
    for (size_t i = 0; i < n; i++)
        apply(r, &acts[i]);
    flush_events(r);
    return r;
}

void
runner_free(struct runner *r)
{
    if (r == NULL)
        return;
    if (r->mig != NULL)
        r->hv->ops->mig_free(r->mig);
    hv_free(r->own_hv);
    engine_job_free(r->job);
    flog_close(r->log);
    if (r->own_pol)
        policy_copy_free(&r->pol);
    free(r->vm);
    free(r->to);
    free(r->ds);
    free(r->src_host);
    free(r);
}

static void
finish(struct runner *r)
{
    struct hv_result sr;
    json_object *o;
    enum job_phase ph = engine_phase(r->job);
    const char *outcome;

    r->hv->ops->mig_finished(r->mig, &sr);
    r->done = true;
    r->res.phase = ph;
    r->res.total_ms = sr.total_ms;
    r->res.downtime_ms = sr.downtime_ms;
    r->res.bytes_sent = sr.bytes_sent;
    r->res.rounds = sr.rounds;
    r->res.postcopy_requests = sr.postcopy_requests;
    r->res.verified = sr.verified;
    if (ph == PH_FAILED)
        snprintf(r->res.reason, sizeof r->res.reason, "%s",
                 sr.reason[0] ? sr.reason : engine_reason(r->job));
    else if (ph == PH_CANCELLED)
        snprintf(r->res.reason, sizeof r->res.reason, "%s; %s",
                 engine_reason(r->job)[0] ? engine_reason(r->job)
                                          : "cancelled",
                 sr.reason);
    outcome = ph == PH_DONE ? "completed"
              : ph == PH_FAILED ? "failed"
                                : "cancelled";
    o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string("result"));
    json_object_object_add(o, "outcome", json_object_new_string(outcome));
    json_object_object_add(o, "reason",
                           ph == PH_DONE
                               ? NULL
                               : json_object_new_string(r->res.reason));
    json_object_object_add(o, "total_ms",
                           json_object_new_int64((int64_t)sr.total_ms));
    json_object_object_add(o, "downtime_ms",
                           json_object_new_int64((int64_t)sr.downtime_ms));
    json_object_object_add(
        o, "downtime_budget_ms",
        json_object_new_int64((int64_t)engine_budget_ms(r->job)));
    json_object_object_add(o, "rounds",
                           json_object_new_int64((int64_t)sr.rounds));
    json_object_object_add(o, "bytes_sent",
                           json_object_new_int64((int64_t)sr.bytes_sent));
    json_object_object_add(o, "policy",
                           json_object_new_string(r->o.policy->name));
    json_object_object_add(o, "postcopy_requests",
                           json_object_new_int64(
                               (int64_t)sr.postcopy_requests));
    json_object_object_add(o, "verified", json_object_new_boolean(sr.verified));
    {
        double pt = runner_expected_total_ms(&r->res.predicted, r->o.policy);

        json_object_object_add(o, "predicted_total_ms",
                               isfinite(pt) ? json_object_new_int64(
                                                  (int64_t)llround(pt))
                                            : NULL);
    }
    if (r->o.kind != KIND_STORAGE && r->first_round_bytes > 0) {
        /* what this migration measured: the next plan starts from it */
        const struct estimate *e = engine_estimate(r->job);
        json_object *obs = json_object_new_object();

        json_object_object_add(
            obs, "first_round_bytes",
            json_object_new_int64((int64_t)r->first_round_bytes));
        json_object_object_add(obs, "dirty_bps",
                               json_object_new_int64((int64_t)e->dirty_bps));
        json_object_object_add(obs, "wss_bytes",
                               json_object_new_int64((int64_t)e->wss_bytes));
        json_object_object_add(obs, "bw_bps",
                               json_object_new_int64((int64_t)e->bw_bps));
        json_object_object_add(obs, "setup_ms",
                               json_object_new_int64((int64_t)r->setup_ms));
        json_object_object_add(o, "observed", obs);
    }
    emit(r, o);
}

bool
runner_step(struct runner *r)
{
    struct engine_action acts[8];
    size_t n;

    if (r->done)
        return false;
    if (r->released)
        return true; /* the fail-safe's now: nothing more to steer or log */
    r->t_ms += r->sample_ms;
    {
        uint64_t t = r->hv->ops->mig_advance(r->mig, r->t_ms);

        /* the simulator: a switchover took time; real hosts: the clock */
        if (t > r->t_ms || r->hv->ops->realtime)
            r->t_ms = t;
    }
    r->hv->ops->mig_sample(r->mig, &r->sample);
    if (r->setup_ms == 0 && r->sample.status == HV_ACTIVE &&
        sample_get(&r->sample, SF_MEMORY_PROCESSED, 0) +
                sample_get(&r->sample, SF_DISK_PROCESSED, 0) >
            0)
        r->setup_ms = r->t_ms;
    if (sample_get(&r->sample, SF_MEMORY_ITERATION, 0) == 1)
        r->first_round_bytes =
            sample_get(&r->sample, SF_MEMORY_PROCESSED, r->first_round_bytes);
    if (r->o.oracle && r->oracle_ms == 0 && r->sample.status == HV_ACTIVE &&
        sample_get(&r->sample, SF_MEMORY_ITERATION, 0) > 1) {
        double c = sim_mig_switch_cost_ms(r->mig);

        if (c <= (double)r->o.budget_ms) {
            r->oracle_ms = r->t_ms;
            r->oracle_downtime = c;
        }
    }
    n = engine_step(r->job, &r->sample, acts, ARRAY_SIZE(acts));
    if (r->watching)
        engine_decisions(r->job, &r->dec_seen); /* not ours to decide */
    else
        for (size_t i = 0; i < n; i++)
            apply(r, &acts[i]);
    if (r->log != NULL || r->o.on_event != NULL) /* a what-if: nobody */
        emit(r, flog_sample_json(&r->sample, engine_phase(r->job),
                                 engine_estimate(r->job),
                                 engine_prediction(r->job)));
    flush_events(r);
    if (r->o.oracle && r->oracle_ms > 0) {
        struct engine_action a = {.kind = ACT_ABORT};

        apply(r, &a);
    }
    if (r->hv->ops->mig_finished(r->mig, NULL)) {
        /* Let the engine see the final state, then report. */
        r->hv->ops->mig_sample(r->mig, &r->sample);
        engine_step(r->job, &r->sample, acts, ARRAY_SIZE(acts));
        if (r->sample.status == HV_FAILED) {
            struct hv_result sr;

            r->hv->ops->mig_finished(r->mig, &sr);
            engine_fail(r->job, r->t_ms, sr.reason);
        }
        flush_events(r);
        finish(r);
        return false;
    }
    return true;
}

bool
runner_request(struct runner *r, enum action_kind a, uint64_t value,
               struct ferry_err *err)
{
    struct engine_action act;

    if (r->done) {
        err_set(err, "the migration has ended");
        return false;
    }
    if (engine_request(r->job, a, value, &act, err) == ACT_NONE)
        return false;
    if (r->hv->ops->mig_act(r->mig, &act, err) < 0)
        return false;
    flush_events(r);
    return true;
}

void
runner_set_budget(struct runner *r, uint64_t budget_ms)
{
    if (r->done)
        return;
    engine_set_budget(r->job, budget_ms);
    r->o.budget_ms = budget_ms;
    /* the fail-safe hands QEMU the budget of now */
    if (!r->watching && r->hv->ops->mig_take != NULL)
        r->hv->ops->mig_take(r->mig, r->on_lost, budget_ms);
    flush_events(r);
}

const struct runner_result *
runner_result(const struct runner *r)
{
    return &r->res;
}

const struct job_sample *
runner_sample(const struct runner *r)
{
    return &r->sample;
}

const struct engine_job *
runner_job(const struct runner *r)
{
    return r->job;
}

uint64_t
runner_time_ms(const struct runner *r)
{
    return r->t_ms;
}

uint64_t
runner_sample_ms(const struct runner *r)
{
    return r->sample_ms;
}

uint64_t
runner_oracle_ms(const struct runner *r, double *downtime_ms)
{
    if (downtime_ms != NULL)
        *downtime_ms = r->oracle_downtime;
    return r->oracle_ms;
}

bool
runner_released(const struct runner *r)
{
    return r->released;
}

bool
runner_watching(const struct runner *r)
{
    return r->watching;
}

int
runner_take_over(struct runner *r, const struct policy *pol,
                 uint64_t budget_ms, struct ferry_err *err)
{
    struct job_params jp;
    struct prediction pred;
    struct engine_action acts[4];
    struct runner_opts o = r->o;
    struct engine_job *job;
    size_t n;

    if (r->done) {
        err_set(err, "the migration has ended");
        return -1;
    }
    if (!r->watching) {
        err_set(err, "ferry steers this migration already");
        return -1;
    }
    o.policy = pol;
    o.budget_ms = budget_ms;
    o.ceiling_ms = MAX(o.ceiling_ms, budget_ms);
    if (runner_plan(r->hv, &o, &jp, &pred, err) < 0)
        return -1;
    /* a new engine under the chosen policy, fitted to what was seen
     * (the samples in this job's log), unless going through them makes it
     * decide a switch in the past: then from what it sees now */
    job = engine_job_new(&jp);
    n = engine_start(job, acts, ARRAY_SIZE(acts));
    if (r->log != NULL) {
        struct ferry_err lerr;
        struct flog_data *d = flog_load(flog_path(r->log), &lerr);
        struct engine_job *fit = engine_job_new(&jp);
        struct job_sample last;
        uint64_t limit = 0;

        if (d != NULL && d->n > 0) {
            replay_samples(fit, d, &limit, &last);
            if (engine_phase(fit) <= PH_ITERATE) {
                engine_job_free(job);
                job = fit;
                fit = NULL;
                n = 1;
                acts[0].kind = ACT_SET_DOWNTIME;
                acts[0].value = limit > 0 ? limit : 1;
            }
        }
        engine_job_free(fit);
        flog_data_free(d);
    }
    engine_job_free(r->job);
    r->job = job;
    r->o.policy = pol;
    r->o.budget_ms = budget_ms;
    r->o.ceiling_ms = o.ceiling_ms;
    r->watching = false;
    r->on_lost = jp.on_steering_lost;
    if (r->hv->ops->mig_take != NULL)
        r->hv->ops->mig_take(r->mig, r->on_lost, budget_ms);
    {
        const uint64_t *pt;
        const enum job_phase *ph;

        r->ph_seen = engine_phase_log(r->job, &pt, &ph);
    }
    {
        struct decision dc = {.t_ms = r->t_ms, .action = ACT_NONE};

        snprintf(dc.reason, sizeof dc.reason,
                 "taken over: ferry steers this migration from now on, "
                 "under policy %s with a %llu ms downtime budget",
                 pol->name, (unsigned long long)budget_ms);
        emit(r, flog_decision_json(&dc));
    }
    /* the new engine's own decisions from now on (a fitted one's came
     * from samples it did not act on) */
    engine_decisions(r->job, &r->dec_seen);
    for (size_t i = 0; i < n; i++)
        apply(r, &acts[i]);
    flush_events(r);
    return 0;
}

bool
runner_release(struct runner *r)
{
    if (r->done || r->watching || r->on_lost != STEER_LOST_BUDGET ||
        r->hv->ops->mig_release == NULL || !r->hv->ops->mig_release(r->mig))
        return false;
    r->released = true;
    return true;
}

enum steer_lost
runner_on_steering_lost(const struct runner *r)
{
    return r->on_lost;
}

const char *
runner_log_path(const struct runner *r)
{
    return r->log ? flog_path(r->log) : NULL;
}

struct runner *
runner_new_sim(struct sim_dc *dc, const struct runner_opts *o,
               const struct check_result *checks, size_t n_checks,
               struct ferry_err *err)
{
    struct hv *hv = hv_sim_new(dc, false);
    struct runner *r = runner_new(hv, o, checks, n_checks, err);

    if (r == NULL)
        hv_free(hv);
    else
        r->own_hv = hv;
    return r;
}
