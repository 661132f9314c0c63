/* The jobs table: requests checked and queued, runners stepped with the
 * clock, every record kept for the clients that attach later. */
#include "ferry/jobs.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ferry/flightlog.h"
#include "ferry/flogread.h"
#include "ferry/hints.h"
#include "ferry/jsonf.h"
#include "ferry/loop.h"
#include "ferry/runner.h"
#include "ferry/units.h"

#define REAL_SAMPLE_MS 100   /* engine tick in real time */
#define VIRTUAL_SAMPLE_MS 50 /* ... in virtual time (the CLI's) */
#define VIRTUAL_SLICE_MS 20  /* CPU for virtual-time jobs per tick */
#define CATCH_UP_STEPS 50    /* real time: steps per tick after a stall */
#define VIRTUAL_MAX_TIME_MS (10 * 60 * 1000)

struct job {
    struct jobs *js;
    long id;
    struct job_req rq;
    struct policy pol;
    bool has_pol;
    char *src, *dst, *ds;
    enum job_state state;
    struct runner *r;
    bool started; /* a runner was made (else: never started) */
    struct runner_result res;
    char *note; /* why it never started, or was cancelled queued */
    char *outcome; /* a fail-safe's notice: its own word ("handed-over") */
    bool steering_lost;
    bool external; /* a migration ferry did not start (watched) */
    bool taken_over; /* ... that ferry steers since the operator said so */
    char *log_path;
    uint64_t start_ms; /* wall clock (loop_now_ms) when it started */
    uint64_t job_ms;   /* job time stepped so far */
    time_t created;
    /* every record, one line each */
    char *rec;
    size_t rec_len, rec_cap, rec_lines;
};

struct jobs {
    struct jobs_cfg cfg;
    struct queue_cfg qcfg;
    struct queue q;
    char *log_dir;
    struct job **v;
    size_t n, cap;
    long next_id;
    uint64_t now_ms;
    uint64_t externals_due; /* when the hosts are looked at again */
    char **ignored;         /* VMs whose job could not be watched */
    size_t n_ignored;
    char **maint; /* hosts in maintenance */
    size_t n_maint, cap_maint;
};

/* ---- requests ------------------------------------------------------------ */

void
job_req_init(struct job_req *rq)
{
    memset(rq, 0, sizeof *rq);
    rq->prio = PRIO_NORMAL;
}

void
job_req_fini(struct job_req *rq)
{
    free(rq->vm);
    free(rq->host);
    free(rq->ds);
    free(rq->policy);
    free(rq->log_path);
    free(rq->owner);
    memset(rq, 0, sizeof *rq);
}

static char *
dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

static void
req_copy(struct job_req *dst, const struct job_req *src)
{
    *dst = *src;
    dst->vm = dup_or_null(src->vm);
    dst->host = dup_or_null(src->host);
    dst->ds = dup_or_null(src->ds);
    dst->policy = dup_or_null(src->policy);
    dst->log_path = dup_or_null(src->log_path);
    dst->owner = dup_or_null(src->owner);
}

int
job_req_from_json(json_object *o, struct job_req *rq, struct ferry_err *err)
{
    char *kind = NULL, *prio = NULL;
    int rc = -1;

    job_req_init(rq);
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        err_set(err, "a migration request must be an object");
        return -1;
    }
    if (jf_strdup(o, "vm", true, &rq->vm, err) < 0 ||
        jf_strdup(o, "kind", false, &kind, err) < 0 ||
        jf_strdup(o, "host", false, &rq->host, err) < 0 ||
        jf_strdup(o, "datastore", false, &rq->ds, err) < 0 ||
        jf_strdup(o, "policy", false, &rq->policy, err) < 0 ||
        jf_strdup(o, "priority", false, &prio, err) < 0 ||
        jf_strdup(o, "log", false, &rq->log_path, err) < 0 ||
        jf_strdup(o, "owner", false, &rq->owner, err) < 0 ||
        jf_u64(o, "budget_ms", false, &rq->budget_ms, err) < 0 ||
        jf_u64(o, "ceiling_ms", false, &rq->ceiling_ms, err) < 0 ||
        jf_u64(o, "bandwidth_cap_bps", false, &rq->bw_cap_bps, err) < 0 ||
        jf_u64(o, "max_time_ms", false, &rq->max_time_ms, err) < 0 ||
        jf_u64(o, "sample_ms", false, &rq->sample_ms, err) < 0 ||
        jf_bool(o, "restrict_escalations", false, &rq->restrict_escalations,
                err) < 0 ||
        jf_bool(o, "allow_throttle", false, &rq->allow_throttle, err) < 0 ||
        jf_bool(o, "allow_postcopy", false, &rq->allow_postcopy, err) < 0 ||
        jf_bool(o, "allow_pause", false, &rq->allow_pause, err) < 0 ||
        jf_bool(o, "keep_source", false, &rq->keep_source, err) < 0 ||
        jf_bool(o, "no_log", false, &rq->no_log, err) < 0 ||
        jf_bool(o, "virtual_time", false, &rq->virtual_time, err) < 0)
        goto out;
    rq->kind = KIND_COMPUTE;
    if (kind != NULL && job_kind_lookup(kind, &rq->kind) < 0) {
        err_set(err, "\"kind\": '%s' is not compute, storage or both", kind);
        goto out;
    }
    if (prio != NULL && queue_priority_lookup(prio, &rq->prio) < 0) {
        err_set(err, "\"priority\": '%s' is not low, normal or high", prio);
        goto out;
    }
    if (rq->kind != KIND_STORAGE && rq->host == NULL) {
        err_set(err, "a %s migration needs \"host\"", job_kind_name(rq->kind));
        goto out;
    }
    if (rq->kind != KIND_COMPUTE && rq->ds == NULL) {
        err_set(err, "a %s migration needs \"datastore\"",
                job_kind_name(rq->kind));
        goto out;
    }
    if (rq->sample_ms > 0 && (rq->sample_ms < 10 || rq->sample_ms > 10000)) {
        err_set(err, "\"sample_ms\": between 10 and 10000, not %llu",
                (unsigned long long)rq->sample_ms);
        goto out;
    }
    rc = 0;
out:
    free(kind);
    free(prio);
    if (rc < 0)
        job_req_fini(rq);
    return rc;
}

json_object *
job_req_to_json(const struct job_req *rq)
{
    json_object *o = json_object_new_object();

    jf_add_str(o, "vm", rq->vm);
    jf_add_str(o, "kind", job_kind_name(rq->kind));
    jf_add_str(o, "host", rq->kind != KIND_STORAGE ? rq->host : NULL);
    jf_add_str(o, "datastore", rq->kind != KIND_COMPUTE ? rq->ds : NULL);
    jf_add_str(o, "policy", rq->policy);
    jf_add_u64(o, "budget_ms", rq->budget_ms);
    jf_add_u64(o, "ceiling_ms", rq->ceiling_ms);
    jf_add_u64(o, "bandwidth_cap_bps", rq->bw_cap_bps);
    jf_add_bool(o, "restrict_escalations", rq->restrict_escalations);
    if (rq->restrict_escalations) {
        json_object_object_add(o, "allow_throttle",
                               json_object_new_boolean(rq->allow_throttle));
        json_object_object_add(o, "allow_postcopy",
                               json_object_new_boolean(rq->allow_postcopy));
        json_object_object_add(o, "allow_pause",
                               json_object_new_boolean(rq->allow_pause));
    }
    if (rq->prio != PRIO_NORMAL)
        jf_add_str(o, "priority", queue_priority_name(rq->prio));
    jf_add_bool(o, "keep_source", rq->keep_source);
    jf_add_bool(o, "no_log", rq->no_log);
    jf_add_str(o, "log", rq->log_path);
    jf_add_bool(o, "virtual_time", rq->virtual_time);
    jf_add_u64(o, "max_time_ms", rq->max_time_ms);
    jf_add_u64(o, "sample_ms", rq->sample_ms);
    jf_add_str(o, "owner", rq->owner);
    return o;
}

struct mig_request
job_req_request(const struct job_req *rq)
{
    struct mig_request req = {
        .vm = rq->vm,
        .kind = rq->kind,
        .dst_host = rq->kind != KIND_STORAGE ? rq->host : NULL,
        .dst_ds = rq->kind != KIND_COMPUTE ? rq->ds : NULL,
    };

    return req;
}

static const char *const state_names[] = {"queued", "running", "ended"};

const char *
job_state_name(enum job_state s)
{
    return (unsigned)s < ARRAY_SIZE(state_names) ? state_names[s] : "?";
}

int
job_state_lookup(const char *s, enum job_state *out)
{
    for (size_t i = 0; i < ARRAY_SIZE(state_names); i++)
        if (strcmp(state_names[i], s) == 0) {
            *out = (enum job_state)i;
            return 0;
        }
    return -1;
}

/* ---- the table ----------------------------------------------------------- */

struct jobs *
jobs_new(const struct jobs_cfg *cfg)
{
    struct jobs *js = xcalloc(1, sizeof *js);

    js->cfg = *cfg;
    if (cfg->queue != NULL)
        queue_cfg_copy(&js->qcfg, cfg->queue);
    else
        queue_cfg_default(&js->qcfg);
    queue_init(&js->q);
    js->log_dir = cfg->log_dir ? xstrdup(cfg->log_dir) : flog_default_dir();
    js->next_id = 1;
    js->now_ms = loop_now_ms();
    return js;
}

void
jobs_reconfigure(struct jobs *js, const char *default_policy,
                 uint64_t default_budget_ms, const struct queue_cfg *queue)
{
    js->cfg.default_policy = default_policy;
    js->cfg.default_budget_ms = default_budget_ms;
    if (queue != NULL && queue != &js->qcfg) {
        queue_cfg_fini(&js->qcfg);
        queue_cfg_copy(&js->qcfg, queue);
    }
}

static void
job_free(struct job *j)
{
    runner_free(j->r);
    if (j->has_pol)
        policy_copy_free(&j->pol);
    job_req_fini(&j->rq);
    free(j->src);
    free(j->dst);
    free(j->ds);
    free(j->note);
    free(j->outcome);
    free(j->log_path);
    free(j->rec);
    free(j);
}

void
jobs_free(struct jobs *js)
{
    if (js == NULL)
        return;
    for (size_t i = 0; i < js->n; i++)
        job_free(js->v[i]);
    free(js->v);
    queue_fini(&js->q);
    queue_cfg_fini(&js->qcfg);
    free(js->log_dir);
    for (size_t i = 0; i < js->n_ignored; i++)
        free(js->ignored[i]);
    free(js->ignored);
    for (size_t i = 0; i < js->n_maint; i++)
        free(js->maint[i]);
    free(js->maint);
    free(js);
}

/* ---- maintenance ----------------------------------------------------------- */

bool
jobs_in_maintenance(const struct jobs *js, const char *host)
{
    for (size_t i = 0; i < js->n_maint; i++)
        if (strcmp(js->maint[i], host) == 0)
            return true;
    return false;
}

int
jobs_set_maintenance(struct jobs *js, const char *host, bool on,
                     struct ferry_err *err)
{
    if (host == NULL || host[0] == '\0') {
        err_set(err, "a host's name is needed");
        return -1;
    }
    for (size_t i = 0; i < js->n_maint; i++)
        if (strcmp(js->maint[i], host) == 0) {
            if (!on) {
                free(js->maint[i]);
                memmove(&js->maint[i], &js->maint[i + 1],
                        (js->n_maint - i - 1) * sizeof *js->maint);
                js->n_maint--;
            }
            jobs_maintenance_apply(js, js->cfg.hv->model);
            return 0;
        }
    if (on) {
        js->maint = xgrow(js->maint, &js->cap_maint, js->n_maint + 1,
                          sizeof *js->maint);
        js->maint[js->n_maint++] = xstrdup(host);
    }
    jobs_maintenance_apply(js, js->cfg.hv->model);
    return 0;
}

size_t
jobs_maintenance(const struct jobs *js, const char *const **hosts)
{
    if (hosts != NULL)
        *hosts = (const char *const *)js->maint;
    return js->n_maint;
}

void
jobs_maintenance_apply(const struct jobs *js, struct model *m)
{
    for (size_t i = 0; i < m->n_hosts; i++)
        m->hosts[i].maintenance = jobs_in_maintenance(js, m->hosts[i].name);
}

static void
changed(struct jobs *js, const struct job *j)
{
    if (js->cfg.on_change != NULL)
        js->cfg.on_change(js->cfg.ctx, j);
}

/* A record the runner emitted: kept, and handed on. */
static void
record(struct job *j, const char *line, size_t len)
{
    struct jobs *js = j->js;

    j->rec = xgrow(j->rec, &j->rec_cap, j->rec_len + len + 2, 1);
    memcpy(j->rec + j->rec_len, line, len);
    j->rec_len += len;
    j->rec[j->rec_len++] = '\n';
    j->rec[j->rec_len] = '\0';
    j->rec_lines++;
    if (js->cfg.on_record != NULL)
        js->cfg.on_record(js->cfg.ctx, j, line, len);
}

static void
on_event(void *ctx, json_object *obj)
{
    size_t len;
    const char *s =
        json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &len);

    record(ctx, s, len);
}

/* ---- look-ups ------------------------------------------------------------ */

size_t
jobs_count(const struct jobs *js)
{
    return js->n;
}

const struct job *
jobs_at(const struct jobs *js, size_t i)
{
    return i < js->n ? js->v[i] : NULL;
}

static struct job *
find(const struct jobs *js, long id)
{
    for (size_t i = 0; i < js->n; i++)
        if (js->v[i]->id == id)
            return js->v[i];
    return NULL;
}

const struct job *
jobs_find(const struct jobs *js, long id)
{
    return find(js, id);
}

const struct job *
jobs_lookup(const struct jobs *js, const char *ref, struct ferry_err *err)
{
    const struct job *best = NULL;
    char *end;
    long id;

    if (ref == NULL || ref[0] == '\0') {
        err_set(err, "which job? (a number from ferry jobs, or a VM)");
        return NULL;
    }
    id = strtol(ref, &end, 10);
    if (*end == '\0' && id > 0) {
        if ((best = find(js, id)) == NULL)
            err_set(err, "no job %ld (ferry jobs lists them)", id);
        return best;
    }
    for (size_t i = 0; i < js->n; i++) {
        const struct job *j = js->v[i];

        if (strcmp(j->rq.vm, ref) != 0)
            continue;
        /* the newest, and one that has not ended before any that has */
        if (best == NULL || j->state != JOB_ENDED || best->state == JOB_ENDED)
            best = j;
    }
    if (best == NULL)
        err_set(err, "no job for '%s' (ferry jobs lists them)", ref);
    return best;
}

size_t
jobs_active(const struct jobs *js)
{
    size_t n = 0;

    for (size_t i = 0; i < js->n; i++)
        n += js->v[i]->state != JOB_ENDED;
    return n;
}

size_t
jobs_stoppable(const struct jobs *js)
{
    size_t n = 0;

    for (size_t i = 0; i < js->n; i++) {
        const struct job *j = js->v[i];

        if (j->state == JOB_QUEUED ||
            (j->state == JOB_RUNNING &&
             !(j->external && !j->taken_over) &&
             (j->r == NULL || !runner_released(j->r))))
            n++;
    }
    return n;
}

const char **
jobs_busy_vms(const struct jobs *js, size_t *n)
{
    const char **v = xcalloc(js->n + 1, sizeof *v);

    *n = 0;
    for (size_t i = 0; i < js->n; i++)
        if (js->v[i]->state != JOB_ENDED)
            v[(*n)++] = js->v[i]->rq.vm;
    return v;
}

long
job_id(const struct job *j)
{
    return j->id;
}

const struct runner_result *
job_result(const struct job *j)
{
    return j->state == JOB_ENDED ? &j->res : NULL;
}

const char *
job_reason(const struct job *j)
{
    return j->note != NULL ? j->note : j->res.reason;
}

const char *
job_log(const struct job *j)
{
    return j->log_path;
}

const char *
job_dst(const struct job *j)
{
    return j->dst;
}

bool
job_external(const struct job *j)
{
    return j->external && !j->taken_over;
}

uint64_t
job_elapsed_ms(const struct job *j)
{
    return j->job_ms;
}

double
job_remaining_ms(const struct job *j)
{
    const struct engine_job *ej;
    const struct prediction *p;

    if (j->state != JOB_RUNNING || j->r == NULL ||
        (ej = runner_job(j->r)) == NULL || (p = engine_prediction(ej)) == NULL)
        return NAN;
    return p->converges || isfinite(p->total_ms) ? p->total_ms : NAN;
}

enum job_state
job_state(const struct job *j)
{
    return j->state;
}

const char *
job_vm(const struct job *j)
{
    return j->rq.vm;
}

const char *
job_records(const struct job *j, size_t *len, size_t *n_lines)
{
    if (len != NULL)
        *len = j->rec_len;
    if (n_lines != NULL)
        *n_lines = j->rec_lines;
    return j->rec ? j->rec : "";
}

/* ---- starting ------------------------------------------------------------ */

/* Every check of a request, with the busy VMs (skip: this job's own). */
static size_t
run_checks(struct jobs *js, const struct job_req *rq, const struct job *skip,
           struct checks *out)
{
    struct mig_request req = job_req_request(rq);
    size_t nb, n;
    const char **busy = jobs_busy_vms(js, &nb);

    jobs_maintenance_apply(js, js->cfg.hv->model);
    for (size_t i = 0; i < nb; i++)
        if (skip != NULL && busy[i] == skip->rq.vm)
            busy[i] = "";
    n = runner_checks(js->cfg.hv, &req, busy, nb, out);
    free(busy);
    return n;
}

static void end_unstarted(struct jobs *js, struct job *j, enum job_phase ph,
                          const char *fmt, ...) FERRY_PRINTF(4, 5);

/* A job that ends without having run: not started, or cancelled while
 * queued. */
static void
end_unstarted(struct jobs *js, struct job *j, enum job_phase ph,
              const char *fmt, ...)
{
    va_list ap;
    char *buf;

    va_start(ap, fmt);
    buf = xvasprintf(fmt, ap);
    va_end(ap);
    free(j->note);
    j->note = buf; /* whole; res.reason has room for what fits */
    j->state = JOB_ENDED;
    j->res.phase = ph;
    snprintf(j->res.reason, sizeof j->res.reason, "%.*s",
             (int)sizeof j->res.reason - 1, buf);
    queue_remove(&js->q, (int)j->id);
    changed(js, j);
}

/* Start a job the queue admitted: checks again (the world may have moved
 * while it waited), then the runner. */
static bool
launch(struct jobs *js, struct job *j)
{
    struct checks ck;
    struct check_result *checks;
    struct runner_opts o = {0};
    struct ferry_err err;
    size_t n;

    checks_init(&ck);
    n = run_checks(js, &j->rq, j, &ck);
    checks = ck.v;
    for (size_t i = 0; i < n; i++)
        if (checks[i].status == CHECK_ERROR) {
            end_unstarted(js, j, PH_FAILED, "not started: %s",
                          checks[i].message);
            checks_fini(&ck);
            return false;
        }
    o.vm = j->rq.vm;
    o.kind = j->rq.kind;
    o.to = j->rq.kind != KIND_STORAGE ? j->rq.host : NULL;
    o.datastore = j->rq.kind != KIND_COMPUTE ? j->rq.ds : NULL;
    o.policy = &j->pol;
    o.budget_ms = j->rq.budget_ms;
    o.ceiling_ms = j->rq.ceiling_ms;
    o.bw_cap_bps = j->rq.bw_cap_bps;
    o.keep_source = j->rq.keep_source;
    o.hints_dir = js->log_dir;
    o.sample_ms = j->rq.sample_ms      ? j->rq.sample_ms
                  : j->rq.virtual_time ? VIRTUAL_SAMPLE_MS
                                       : REAL_SAMPLE_MS;
    o.max_time_ms = j->rq.max_time_ms;
    if (j->rq.virtual_time && o.max_time_ms == 0)
        o.max_time_ms = VIRTUAL_MAX_TIME_MS;
    if (!js->cfg.no_log && !j->rq.no_log)
        j->log_path = j->rq.log_path
                          ? xstrdup(j->rq.log_path)
                          : job_log_path(js->log_dir, j->rq.vm, j->id);
    o.log_path = j->log_path;
    o.on_event = on_event;
    o.ctx = j;
    j->state = JOB_RUNNING; /* the header arrives while it is made */
    j->start_ms = js->now_ms;
    j->r = runner_new(js->cfg.hv, &o, checks, n, &err);
    checks_fini(&ck);
    if (j->r == NULL) {
        end_unstarted(js, j, PH_FAILED, "not started: %s", err.msg);
        return false;
    }
    j->started = true;
    changed(js, j);
    return true;
}

/* Start whatever the queue admits now. */
static void
pump(struct jobs *js)
{
    int id;

    while ((id = queue_start_next(&js->q)) >= 0) {
        struct job *j = find(js, id);

        if (j != NULL)
            launch(js, j);
        else
            queue_remove(&js->q, id);
    }
}

const struct job *
jobs_submit(struct jobs *js, const struct job_req *rq,
            struct checks *checks_out, struct ferry_err *err)
{
    const struct model *m = js->cfg.hv->model;
    const struct model_vm *vm = rq->vm ? model_vm(m, rq->vm) : NULL;
    const char *pname = rq->policy               ? rq->policy
                        : js->cfg.default_policy ? js->cfg.default_policy
                                                 : "ferry";
    const struct policy *pol = policy_find(js->cfg.policies, pname);
    struct checks own, *ck = checks_out ? checks_out : &own;
    struct check_result *checks;
    struct mig_request req;
    struct queue_use *u;
    size_t n, nu;
    struct job *j;

    checks_init(&own);
    if (checks_out != NULL)
        checks_clear(checks_out);
    if (vm == NULL) {
        err_set(err, "no VM named '%s'", rq->vm ? rq->vm : "");
        return NULL;
    }
    if (rq->kind != KIND_STORAGE &&
        (rq->host == NULL || model_host(m, rq->host) == NULL)) {
        err_set(err, "no host named '%s'", rq->host ? rq->host : "");
        return NULL;
    }
    if (rq->kind != KIND_COMPUTE &&
        (rq->ds == NULL || model_ds(m, rq->ds) == NULL)) {
        err_set(err, "no datastore named '%s'", rq->ds ? rq->ds : "");
        return NULL;
    }
    if (pol == NULL) {
        err_set(err, "no policy named '%s'", pname);
        return NULL;
    }
    if (rq->virtual_time && js->cfg.hv->ops->realtime) {
        err_set(err, "%s hosts run in real time only", js->cfg.hv->ops->name);
        return NULL;
    }
    n = run_checks(js, rq, NULL, ck);
    checks = ck->v;
    for (size_t i = 0; i < n; i++)
        if (checks[i].status == CHECK_ERROR) {
            err_set(err, "%s: %s", checks[i].name, checks[i].message);
            checks_fini(&own);
            return NULL;
        }
    checks_fini(&own); /* what follows reads none of them */
    j = xcalloc(1, sizeof *j);
    j->js = js;
    j->id = js->next_id++;
    req_copy(&j->rq, rq);
    free(j->rq.policy);
    j->rq.policy = xstrdup(pol->name);
    if (j->rq.budget_ms == 0)
        j->rq.budget_ms =
            js->cfg.default_budget_ms ? js->cfg.default_budget_ms : 300;
    if (j->rq.ceiling_ms < j->rq.budget_ms)
        j->rq.ceiling_ms = j->rq.budget_ms;
    if (rq->restrict_escalations)
        policy_copy_restricted(pol, &j->pol, rq->allow_throttle,
                               rq->allow_postcopy, rq->allow_pause);
    else
        policy_copy(pol, &j->pol);
    j->has_pol = true;
    j->src = xstrdup(vm->host);
    j->dst = xstrdup(rq->kind != KIND_STORAGE ? rq->host : vm->host);
    j->ds = rq->kind != KIND_COMPUTE ? xstrdup(rq->ds) : NULL;
    j->state = JOB_QUEUED;
    j->created = time(NULL);
    js->v = xgrow(js->v, &js->cap, js->n + 1, sizeof *js->v);
    js->v[js->n++] = j;
    req = job_req_request(&j->rq);
    nu = queue_uses(m, &js->qcfg, &req, &u);
    queue_add(&js->q, (int)j->id, j->rq.vm, j->rq.prio, u, nu);
    queue_uses_free(u, nu);
    changed(js, j);
    pump(js);
    return j;
}

/* A move an earlier server steered, as its fail-safe left it. */
const struct job *
jobs_add_lost(struct jobs *js, json_object *notice, struct ferry_err *err)
{
    const char *vm = NULL, *kind = NULL, *src = NULL, *dst = NULL;
    const char *action = NULL, *what = NULL, *error = NULL, *log = NULL;
    const char *mode = NULL, *outcome = NULL;
    bool ok = false;
    int64_t at = 0;
    uint64_t budget = 0;
    struct job *j;

    if (notice == NULL || !json_object_is_type(notice, json_type_object)) {
        err_set(err, "a fail-safe notice must be an object");
        return NULL;
    }
    if (jf_str(notice, "vm", true, &vm, err) < 0 ||
        jf_str(notice, "kind", true, &kind, err) < 0 ||
        jf_str(notice, "src", true, &src, err) < 0 ||
        jf_str(notice, "dst", false, &dst, err) < 0 ||
        jf_str(notice, "mode", false, &mode, err) < 0 ||
        jf_str(notice, "action", true, &action, err) < 0 ||
        jf_str(notice, "what", true, &what, err) < 0 ||
        jf_str(notice, "outcome", false, &outcome, err) < 0 ||
        jf_str(notice, "error", false, &error, err) < 0 ||
        jf_str(notice, "log", false, &log, err) < 0 ||
        jf_bool(notice, "ok", false, &ok, err) < 0 ||
        jf_u64(notice, "budget_ms", false, &budget, err) < 0 ||
        jf_i64(notice, "unix_ms", false, &at, err) < 0)
        return NULL;
    j = xcalloc(1, sizeof *j);
    j->js = js;
    j->id = js->next_id++;
    job_req_init(&j->rq);
    j->rq.vm = xstrdup(vm);
    j->rq.kind = strcmp(kind, "blockcopy") == 0 ? KIND_STORAGE
                 : strcmp(kind, "cold") == 0 && dst != NULL &&
                         strcmp(dst, src) == 0
                     ? KIND_STORAGE
                     : KIND_COMPUTE;
    j->rq.budget_ms = budget;
    j->rq.owner = xstrdup("fail-safe");
    j->src = xstrdup(src);
    j->dst = xstrdup(dst != NULL ? dst : src);
    j->state = JOB_ENDED;
    j->started = true;
    j->steering_lost = true;
    j->created = at > 0 ? (time_t)(at / 1000) : time(NULL);
    j->log_path = log != NULL ? xstrdup(log) : NULL;
    j->note = !ok ? xasprintf("%s; the fail-safe could not act: %s", what,
                              error != NULL ? error : "unknown")
                  : xstrdup(what);
    if (outcome == NULL)
        outcome = ok ? "cancelled" : "failed";
    j->res.phase = strcmp(outcome, "completed") == 0   ? PH_DONE
                   : strcmp(outcome, "cancelled") == 0 ? PH_CANCELLED
                                                       : PH_FAILED;
    if (strcmp(outcome, "completed") != 0 &&
        strcmp(outcome, "cancelled") != 0 && strcmp(outcome, "failed") != 0)
        j->outcome = xstrdup(outcome); /* handed-over, unknown */
    snprintf(j->res.reason, sizeof j->res.reason, "%s", j->note);
    js->v = xgrow(js->v, &js->cap, js->n + 1, sizeof *js->v);
    js->v[js->n++] = j;
    changed(js, j);
    return j;
}

/* A running job for a compute move already under way (adopted from a
 * log, or someone else's, watched): its runner made from the job's request
 * with o's mode (adopt or watch) and added to the table. NULL with err
 * (j is freed). */
static const struct job *
add_running(struct jobs *js, struct job *j, struct runner_opts *o,
            struct ferry_err *err)
{
    o->vm = j->rq.vm;
    o->kind = KIND_COMPUTE;
    o->to = j->rq.host;
    o->policy = &j->pol;
    o->budget_ms = j->rq.budget_ms;
    o->ceiling_ms = j->rq.ceiling_ms;
    o->bw_cap_bps = j->rq.bw_cap_bps;
    o->sample_ms = REAL_SAMPLE_MS;
    o->log_path = j->log_path;
    o->on_event = on_event;
    o->ctx = j;
    j->state = JOB_RUNNING;
    j->start_ms = js->now_ms;
    j->created = time(NULL);
    j->r = runner_new(js->cfg.hv, o, NULL, 0, err);
    if (j->r == NULL) {
        job_free(j);
        return NULL;
    }
    j->started = true;
    js->v = xgrow(js->v, &js->cap, js->n + 1, sizeof *js->v);
    js->v[js->n++] = j;
    /* another's migration, or one adopted: it takes its share of the
     * hosts, the link and the datastores like any move ferry started */
    {
        struct mig_request req = job_req_request(&j->rq);
        struct queue_use *u;
        size_t nu = queue_uses(js->cfg.hv->model, &js->qcfg, &req, &u);

        queue_add(&js->q, (int)j->id, j->rq.vm, j->rq.prio, u, nu);
        queue_force(&js->q, (int)j->id);
        queue_uses_free(u, nu);
    }
    changed(js, j);
    return j;
}

/* Every whole line of a log file, as the job's records (a client
 * attaching sees the move from its start). */
static void
preload_records(struct job *j, const char *path)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;

    while (f != NULL && (len = getline(&line, &cap, f)) > 0) {
        if (line[len - 1] != '\n')
            break; /* cut short */
        if (len > 1)
            record(j, line, (size_t)len - 1);
    }
    free(line);
    if (f != NULL)
        fclose(f);
}

const struct job *
jobs_adopt(struct jobs *js, const char *log_path, struct ferry_err *err)
{
    struct flog_data *d = flog_load(log_path, err);
    const struct model_vm *vm;
    const struct policy *pol;
    struct runner_opts o = {0};
    struct job *j;
    uint64_t last_t = 0;
    struct stat st;

    if (d == NULL)
        return NULL;
    if (d->res.present) {
        err_set(err, "%s: the move has ended (%s)", log_path, d->res.outcome);
        goto bad;
    }
    if (d->h.vm == NULL || d->h.destination == NULL ||
        d->h.kind != KIND_COMPUTE) {
        err_set(err, "%s: only a live compute move can be adopted", log_path);
        goto bad;
    }
    for (size_t i = 0; i < js->n; i++) {
        struct job *o2 = js->v[i];

        if (o2->state == JOB_ENDED || o2->rq.vm == NULL ||
            strcmp(o2->rq.vm, d->h.vm) != 0)
            continue;
        if (o2->external && !o2->taken_over && o2->r != NULL) {
            /* seen as someone else's before its notice came: it is ours,
             * the watch ends (letting it go touches nothing) */
            runner_free(o2->r);
            o2->r = NULL;
            o2->state = JOB_ENDED;
            o2->res.phase = PH_CANCELLED;
            free(o2->outcome);
            o2->outcome = xstrdup("adopted");
            free(o2->note);
            o2->note = xasprintf("watched until this server adopted it "
                                 "from %s",
                                 log_path);
            changed(js, o2);
            continue;
        }
        err_set(err, "%s has a job already (#%ld)", d->h.vm, o2->id);
        goto bad;
    }
    vm = model_vm(js->cfg.hv->model, d->h.vm);
    if (vm == NULL) {
        err_set(err, "%s: no VM named %s on these hosts", log_path, d->h.vm);
        goto bad;
    }
    pol = d->h.policy != NULL ? policy_find(js->cfg.policies, d->h.policy)
                              : NULL;
    if (pol == NULL)
        pol = policy_find(js->cfg.policies, js->cfg.default_policy
                                                ? js->cfg.default_policy
                                                : "ferry");
    if (pol == NULL) {
        err_set(err, "%s: its policy %s is not known here", log_path,
                d->h.policy ? d->h.policy : "?");
        goto bad;
    }
    if (d->n > 0)
        last_t = d->pt[d->n - 1].t_ms;
    if (d->n_dec > 0)
        last_t = MAX(last_t, d->dec[d->n_dec - 1].t_ms);
    for (size_t i = 0; i < d->n_err; i++)
        last_t = MAX(last_t, d->err[i].t_ms);
    j = xcalloc(1, sizeof *j);
    j->js = js;
    j->id = js->next_id++;
    job_req_init(&j->rq);
    j->rq.vm = xstrdup(d->h.vm);
    j->rq.kind = KIND_COMPUTE;
    j->rq.host = xstrdup(d->h.destination);
    j->rq.policy = xstrdup(pol->name);
    j->rq.budget_ms = flog_budget_at(d, last_t);
    if (j->rq.budget_ms == 0)
        j->rq.budget_ms = d->h.budget_ms ? d->h.budget_ms : 300;
    j->rq.ceiling_ms = MAX(d->h.ceiling_ms, j->rq.budget_ms);
    j->rq.bw_cap_bps = d->h.cap_bps;
    j->rq.owner = xstrdup("adopted");
    policy_copy(pol, &j->pol);
    j->has_pol = true;
    j->src = xstrdup(vm->host);
    j->dst = xstrdup(d->h.destination);
    j->log_path = xstrdup(log_path);
    preload_records(j, log_path);
    o.adopt = d;
    o.adopt_t0_unix_ms =
        stat(log_path, &st) == 0
            ? (int64_t)st.st_mtim.tv_sec * 1000 +
                  st.st_mtim.tv_nsec / 1000000 - (int64_t)last_t
            : 0;
    if (add_running(js, j, &o, err) == NULL)
        goto bad;
    flog_data_free(d);
    return j;
bad:
    flog_data_free(d);
    return NULL;
}

/* ---- migrations ferry did not start --------------------------------------- */

static bool
has_job(const struct jobs *js, const char *vm)
{
    for (size_t i = 0; i < js->n; i++)
        if (js->v[i]->state != JOB_ENDED && js->v[i]->rq.vm != NULL &&
            strcmp(js->v[i]->rq.vm, vm) == 0)
            return true;
    return false;
}

static bool
ignored(const struct jobs *js, const char *vm, size_t *at)
{
    for (size_t i = 0; i < js->n_ignored; i++)
        if (strcmp(js->ignored[i], vm) == 0) {
            if (at != NULL)
                *at = i;
            return true;
        }
    return false;
}

const struct job *
jobs_watch(struct jobs *js, const char *vm_name, const char *dst,
           struct ferry_err *err)
{
    const struct model_vm *vm = model_vm(js->cfg.hv->model, vm_name);
    const char *pname =
        js->cfg.default_policy ? js->cfg.default_policy : "ferry";
    const struct policy *pol = policy_find(js->cfg.policies, pname);
    struct runner_opts o = {0};
    struct job *j;

    if (vm == NULL) {
        err_set(err, "no VM named %s", vm_name);
        return NULL;
    }
    if (has_job(js, vm_name)) {
        err_set(err, "%s has a job already", vm_name);
        return NULL;
    }
    if (pol == NULL) {
        err_set(err, "no policy %s", pname);
        return NULL;
    }
    j = xcalloc(1, sizeof *j);
    j->js = js;
    j->id = js->next_id++;
    job_req_init(&j->rq);
    j->rq.vm = xstrdup(vm_name);
    j->rq.kind = KIND_COMPUTE;
    j->rq.host = xstrdup(dst);
    j->rq.policy = xstrdup(pol->name);
    j->rq.budget_ms =
        js->cfg.default_budget_ms ? js->cfg.default_budget_ms : 300;
    j->rq.ceiling_ms = j->rq.budget_ms;
    j->rq.owner = xstrdup("external");
    j->external = true;
    policy_copy(pol, &j->pol);
    j->has_pol = true;
    j->src = xstrdup(vm->host);
    j->dst = xstrdup(dst);
    if (!js->cfg.no_log)
        j->log_path = job_log_path(js->log_dir, vm_name, j->id);
    o.watch = true;
    return add_running(js, j, &o, err);
}

/* The hosts' migrations that no job here stands for: each is watched as
 * an external job (a VM whose job cannot be is not tried again until its
 * job ends). */
static void
scan_externals(struct jobs *js)
{
    struct hv *hv = js->cfg.hv;
    const struct model *m = hv->model;
    size_t cap = 256;
    char *dst;
    struct ferry_err err;

    if (hv->ops->external == NULL)
        return;
    dst = xmalloc(cap);
    for (size_t i = 0; i < js->n_ignored;) {
        const struct model_vm *v = model_vm(m, js->ignored[i]);

        if (v == NULL || !v->migrating) {
            free(js->ignored[i]);
            js->ignored[i] = js->ignored[--js->n_ignored];
            continue;
        }
        i++;
    }
    for (size_t i = 0; i < m->n_vms; i++) {
        const struct model_vm *v = &m->vms[i];
        bool ok;

        if (!v->migrating || has_job(js, v->name) || ignored(js, v->name, NULL))
            continue;
        /* the op fills a buffer: twice as large until the name fits */
        for (;;) {
            ok = hv->ops->external(hv, v->name, dst, cap);
            if (!ok || strlen(dst) + 1 < cap)
                break;
            dst = xrealloc(dst, cap *= 2);
        }
        if (!ok || !dst[0])
            continue;
        if (jobs_watch(js, v->name, dst, &err) == NULL) {
            js->ignored = xrealloc(js->ignored,
                                   (js->n_ignored + 1) * sizeof *js->ignored);
            js->ignored[js->n_ignored++] = xstrdup(v->name);
        }
    }
    free(dst);
}

int
jobs_take_over(struct jobs *js, long id, const char *policy,
               uint64_t budget_ms, struct ferry_err *err)
{
    struct job *j = find(js, id);
    const struct policy *pol;
    struct policy old;

    if (j == NULL || j->state != JOB_RUNNING || j->r == NULL) {
        err_set(err, "job %ld is not running", id);
        return -1;
    }
    if (!runner_watching(j->r)) {
        err_set(err, "job %ld is steered by ferry already", id);
        return -1;
    }
    pol = policy_find(js->cfg.policies, policy != NULL ? policy
                                        : js->cfg.default_policy
                                            ? js->cfg.default_policy
                                            : "ferry");
    if (pol == NULL) {
        err_set(err, "no policy named %s", policy ? policy : "?");
        return -1;
    }
    if (budget_ms == 0)
        budget_ms = js->cfg.default_budget_ms ? js->cfg.default_budget_ms : 300;
    /* the runner keeps a pointer to the job's copy: replaced in place */
    old = j->pol;
    policy_copy(pol, &j->pol);
    if (runner_take_over(j->r, &j->pol, budget_ms, err) < 0) {
        policy_copy_free(&j->pol);
        j->pol = old;
        return -1;
    }
    policy_copy_free(&old);
    j->taken_over = true;
    free(j->rq.policy);
    j->rq.policy = xstrdup(pol->name);
    j->rq.budget_ms = j->rq.ceiling_ms = budget_ms;
    changed(js, j);
    return 0;
}

/* ---- running ------------------------------------------------------------- */

static void
finish(struct jobs *js, struct job *j)
{
    j->state = JOB_ENDED;
    j->res = *runner_result(j->r);
    j->job_ms = j->res.total_ms;
    /* the data plane and its memory go now: the records stay */
    runner_free(j->r);
    j->r = NULL;
    queue_remove(&js->q, (int)j->id);
    changed(js, j);
}

/* One engine tick; false once the job has ended. */
static bool
step(struct jobs *js, struct job *j)
{
    bool more = runner_step(j->r);

    j->job_ms = runner_time_ms(j->r);
    /* Real hosts keep their own clock, which starts when the migration
     * does: follow it, or the catch-up in jobs_tick would never end. */
    if (js->cfg.hv->ops->realtime)
        j->start_ms = js->now_ms - MIN(j->job_ms, js->now_ms);
    if (!more)
        finish(js, j);
    return more;
}

void
jobs_tick(struct jobs *js, uint64_t now_ms)
{
    bool ended = false;
    uint64_t slice_end = loop_now_ms() + VIRTUAL_SLICE_MS;

    js->now_ms = now_ms;
    if (now_ms >= js->externals_due) {
        js->externals_due = now_ms + 2000;
        scan_externals(js);
    }
    for (size_t i = 0; i < js->n; i++) {
        struct job *j = js->v[i];
        uint64_t sample;
        int guard = 0;

        if (j->state != JOB_RUNNING || j->r == NULL)
            continue;
        sample = runner_sample_ms(j->r);
        if (j->rq.virtual_time) {
            /* as fast as it goes, a slice at a time: the loop serves the
             * clients in between */
            while (step(js, j) && loop_now_ms() < slice_end)
                ;
        } else {
            /* job time follows the wall clock; catch up after a stall,
             * but never spin for long */
            while (j->start_ms + j->job_ms + sample <= now_ms &&
                   guard++ < CATCH_UP_STEPS && step(js, j))
                ;
        }
        ended |= j->state == JOB_ENDED;
    }
    if (ended)
        pump(js); /* a slot is free */
}

int
jobs_timeout_ms(const struct jobs *js, uint64_t now_ms)
{
    int64_t best = -1;

    for (size_t i = 0; i < js->n; i++) {
        const struct job *j = js->v[i];
        int64_t due;

        if (j->state != JOB_RUNNING || j->r == NULL)
            continue;
        if (j->rq.virtual_time)
            return 0;
        due = (int64_t)(j->start_ms + j->job_ms + runner_sample_ms(j->r)) -
              (int64_t)now_ms;
        if (due < 0)
            due = 0;
        if (best < 0 || due < best)
            best = due;
    }
    return (int)MIN(best, INT32_MAX);
}

/* ---- commands ------------------------------------------------------------ */

static struct job *
live_job(struct jobs *js, long id, struct ferry_err *err)
{
    struct job *j = find(js, id);

    if (j == NULL)
        err_set(err, "no job %ld", id);
    else if (j->state == JOB_ENDED)
        err_set(err, "%s: the migration has ended", j->rq.vm);
    else
        return j;
    return NULL;
}

int
jobs_act(struct jobs *js, long id, enum action_kind a, uint64_t value,
         struct ferry_err *err)
{
    struct job *j = live_job(js, id, err);

    if (j == NULL)
        return -1;
    if (j->state == JOB_QUEUED) {
        if (a != ACT_ABORT) {
            err_set(err, "%s is queued: it has not started yet", j->rq.vm);
            return -1;
        }
        end_unstarted(js, j, PH_CANCELLED, "cancelled while queued");
        pump(js); /* others may have waited behind it */
        return 0;
    }
    return runner_request(j->r, a, value, err) ? 0 : -1;
}

int
jobs_set_budget(struct jobs *js, long id, uint64_t budget_ms,
                struct ferry_err *err)
{
    struct job *j = live_job(js, id, err);

    if (j == NULL)
        return -1;
    if (budget_ms < 1 || budget_ms > 60000) {
        err_set(err, "a budget is 1 to 60000 ms, not %llu",
                (unsigned long long)budget_ms);
        return -1;
    }
    if (j->state == JOB_QUEUED) {
        j->rq.budget_ms = budget_ms;
        if (j->rq.ceiling_ms < budget_ms)
            j->rq.ceiling_ms = budget_ms;
        changed(js, j);
        return 0;
    }
    runner_set_budget(j->r, budget_ms);
    return 0;
}

int
jobs_queue_move(struct jobs *js, long id, int delta, struct ferry_err *err)
{
    struct job *j = live_job(js, id, err);

    if (j == NULL)
        return -1;
    if (j->state != JOB_QUEUED) {
        err_set(err, "%s is not queued", j->rq.vm);
        return -1;
    }
    if (!queue_move(&js->q, (int)id, delta)) {
        err_set(err, "%s is already %s of the queue", j->rq.vm,
                delta < 0 ? "at the head" : "at the end");
        return -1;
    }
    /* every waiting job's position may have changed */
    for (size_t i = 0; i < js->n; i++)
        if (js->v[i]->state == JOB_QUEUED)
            changed(js, js->v[i]);
    pump(js);
    return 0;
}

char *
jobs_queue_why(const struct jobs *js, const struct job_req *rq)
{
    struct mig_request req = job_req_request(rq);
    struct queue_use *u;
    size_t nu = queue_uses(js->cfg.hv->model, &js->qcfg, &req, &u);
    struct queue tmp;
    char *why;

    /* the queue as it is, plus this move */
    queue_init(&tmp);
    for (size_t i = 0; i < js->q.n; i++) {
        queue_add(&tmp, js->q.v[i].id, js->q.v[i].label, js->q.v[i].prio,
                  js->q.v[i].use, js->q.v[i].n_use);
        if (js->q.v[i].running)
            queue_force(&tmp, js->q.v[i].id);
    }
    queue_add(&tmp, -1, rq->vm ? rq->vm : "", rq->prio, u, nu);
    why = queue_why(&tmp, -1);
    queue_fini(&tmp);
    queue_uses_free(u, nu);
    return why;
}

void
jobs_queue_preview(const struct jobs *js, const struct job_req *rq, char *buf,
                   size_t n)
{
    char *why = jobs_queue_why(js, rq);

    if (n > 0)
        snprintf(buf, n, "%s", why);
    free(why);
}

size_t
jobs_abort_all(struct jobs *js, const char *reason)
{
    size_t running = 0;
    struct ferry_err err;

    for (size_t i = 0; i < js->n; i++) {
        struct job *j = js->v[i];

        if (j->state == JOB_QUEUED) {
            end_unstarted(js, j, PH_CANCELLED, "%s", reason);
        } else if (j->state == JOB_RUNNING) {
            if (j->external && !j->taken_over)
                continue; /* someone else's: watched, never ended by us */
            running++;
            /* on_steering_lost = budget: handed over, not aborted */
            if (!runner_release(j->r))
                runner_request(j->r, ACT_ABORT, 0, &err);
        }
    }
    return running;
}

/* ---- what clients see ---------------------------------------------------- */

json_object *
job_meta_json(const struct jobs *js, const struct job *j)
{
    json_object *o = json_object_new_object();
    char stamp[32];
    struct tm tm;

    json_object_object_add(o, "id", json_object_new_int64(j->id));
    jf_add_str(o, "vm", j->rq.vm);
    jf_add_str(o, "kind", job_kind_name(j->rq.kind));
    jf_add_str(o, "source", j->src);
    jf_add_str(o, "destination", j->dst);
    jf_add_str(o, "datastore", j->ds);
    jf_add_str(o, "policy", j->rq.policy);
    json_object_object_add(o, "budget_ms",
                           json_object_new_int64((int64_t)j->rq.budget_ms));
    jf_add_str(o, "state", job_state_name(j->state));
    gmtime_r(&j->created, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    jf_add_str(o, "created", stamp);
    jf_add_str(o, "owner", j->rq.owner);
    if (j->external) {
        json_object_object_add(o, "external", json_object_new_boolean(1));
        json_object_object_add(o, "taken_over",
                               json_object_new_boolean(j->taken_over));
    }
    if (j->rq.virtual_time)
        json_object_object_add(o, "virtual_time", json_object_new_boolean(1));
    if (j->state == JOB_QUEUED) {
        char *why = queue_why(&js->q, (int)j->id);

        json_object_object_add(
            o, "queue_position",
            json_object_new_int(queue_position(&js->q, (int)j->id)));
        jf_add_str(o, "waits_for", why[0] ? why : "its turn");
        free(why);
    }
    if (j->r != NULL) {
        const struct engine_job *e = runner_job(j->r);

        jf_add_str(o, "phase", job_phase_name(engine_phase(e)));
        json_object_object_add(o, "elapsed_ms",
                               json_object_new_int64((int64_t)j->job_ms));
        json_object_object_add(
            o, "progress",
            json_object_new_double(sample_progress(runner_sample(j->r))));
        json_object_object_add(
            o, "budget_ms",
            json_object_new_int64((int64_t)engine_budget_ms(e)));
    } else if (j->started) {
        jf_add_str(o, "phase", job_phase_name(j->res.phase));
        json_object_object_add(o, "elapsed_ms",
                               json_object_new_int64((int64_t)j->job_ms));
        json_object_object_add(
            o, "progress",
            json_object_new_double(j->res.phase == PH_DONE ? 100.0 : 0.0));
    }
    if (j->state == JOB_ENDED) {
        jf_add_str(o, "outcome",
                   j->outcome != NULL              ? j->outcome
                   : j->res.phase == PH_DONE        ? "completed"
                   : j->res.phase == PH_CANCELLED ? "cancelled"
                                                  : "failed");
        if (j->steering_lost)
            json_object_object_add(o, "steering_lost",
                                   json_object_new_boolean(1));
        if (j->res.phase != PH_DONE || j->steering_lost)
            jf_add_str(o, "reason", j->note ? j->note : j->res.reason);
        else
            json_object_object_add(
                o, "downtime_ms",
                json_object_new_int64((int64_t)j->res.downtime_ms));
        if (!j->started)
            json_object_object_add(o, "started", json_object_new_boolean(0));
    }
    jf_add_str(o, "log", j->log_path);
    json_object_object_add(o, "records",
                           json_object_new_int64((int64_t)j->rec_lines));
    return o;
}
