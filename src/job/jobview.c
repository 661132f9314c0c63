/* Jobs as clients see them (jobview.h). */
#include "ferry/jobview.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/jsonf.h"

struct job_view *
job_view_new(long id)
{
    struct job_view *v = xcalloc(1, sizeof *v);
    char name[32];

    v->id = id;
    v->phase = PH_PRECHECK;
    v->started = true;
    v->progress = NAN;
    snprintf(name, sizeof name, "job %ld", id);
    v->live = flog_live_new(name);
    return v;
}

void
job_view_free(struct job_view *v)
{
    if (v == NULL)
        return;
    free(v->vm);
    free(v->src);
    free(v->dst);
    free(v->ds);
    free(v->policy);
    free(v->owner);
    free(v->log);
    free(v->outcome);
    free(v->reason);
    free(v->waits_for);
    free(v->created);
    flog_live_free(v->live);
    free(v);
}

static int
phase_lookup(const char *s, enum job_phase *out)
{
    for (int k = 0; k <= PH_CANCELLED; k++)
        if (strcmp(job_phase_name((enum job_phase)k), s) == 0) {
            *out = (enum job_phase)k;
            return 0;
        }
    return -1;
}

/* An optional string member into *field (NULL when not given). */
static int
str_field(json_object *o, const char *key, char **field, struct ferry_err *err)
{
    char *s = NULL;

    if (jf_strdup(o, key, false, &s, err) < 0)
        return -1;
    free(*field);
    *field = s;
    return 0;
}

int
job_view_meta(struct job_view *v, json_object *meta, struct ferry_err *err)
{
    const char *kind = "compute", *state = NULL, *phase = NULL;
    int64_t pos = 0;
    bool started = true, vt = false, ext = false, taken = false, lost = false;
    uint64_t budget = v->budget_ms, down = 0, recs = 0;
    double el = v->elapsed_ms, prog = NAN;

    if (str_field(meta, "vm", &v->vm, err) < 0 ||
        str_field(meta, "source", &v->src, err) < 0 ||
        str_field(meta, "destination", &v->dst, err) < 0 ||
        str_field(meta, "datastore", &v->ds, err) < 0 ||
        str_field(meta, "policy", &v->policy, err) < 0 ||
        str_field(meta, "owner", &v->owner, err) < 0 ||
        str_field(meta, "log", &v->log, err) < 0 ||
        str_field(meta, "outcome", &v->outcome, err) < 0 ||
        str_field(meta, "reason", &v->reason, err) < 0 ||
        str_field(meta, "waits_for", &v->waits_for, err) < 0 ||
        str_field(meta, "created", &v->created, err) < 0 ||
        jf_str(meta, "kind", false, &kind, err) < 0 ||
        jf_str(meta, "state", true, &state, err) < 0 ||
        jf_str(meta, "phase", false, &phase, err) < 0 ||
        jf_i64(meta, "queue_position", false, &pos, err) < 0 ||
        jf_u64(meta, "budget_ms", false, &budget, err) < 0 ||
        jf_u64(meta, "downtime_ms", false, &down, err) < 0 ||
        jf_u64(meta, "records", false, &recs, err) < 0 ||
        jf_double(meta, "elapsed_ms", false, &el, err) < 0 ||
        jf_double(meta, "progress", false, &prog, err) < 0 ||
        jf_bool(meta, "started", false, &started, err) < 0 ||
        jf_bool(meta, "virtual_time", false, &vt, err) < 0 ||
        jf_bool(meta, "external", false, &ext, err) < 0 ||
        jf_bool(meta, "taken_over", false, &taken, err) < 0 ||
        jf_bool(meta, "steering_lost", false, &lost, err) < 0)
        return -1;
    if (v->vm == NULL) {
        err_set(err, "a job without \"vm\"");
        return -1;
    }
    if (job_kind_lookup(kind, &v->kind) < 0 ||
        job_state_lookup(state, &v->state) < 0 ||
        (phase != NULL && phase_lookup(phase, &v->phase) < 0)) {
        err_set(err, "job %ld: unknown kind, state or phase", v->id);
        return -1;
    }
    v->queue_pos = (int)MAX(MIN(pos, INT32_MAX), 0);
    v->budget_ms = budget;
    v->downtime_ms = down;
    v->elapsed_ms = el;
    v->progress = prog;
    v->started = started;
    v->virtual_time = vt;
    v->external = ext;
    v->taken_over = taken;
    v->steering_lost = lost;
    v->n_records = recs;
    if (v->state == JOB_QUEUED)
        v->phase = PH_PRECHECK;
    return 0;
}

int
job_view_record(struct job_view *v, const char *line, size_t len,
                struct ferry_err *err)
{
    const struct flog_data *d;

    if (flog_live_add(v->live, line, len, err) < 0)
        return -1;
    d = flog_live_data(v->live);
    /* the newest phase and budget, from the records themselves */
    if (d->n_ph > 0 && v->state != JOB_ENDED)
        v->phase = d->ph[d->n_ph - 1].to;
    if (d->n > 0) {
        const struct flog_point *p = &d->pt[d->n - 1];

        v->elapsed_ms = (double)p->t_ms;
        v->progress = p->progress;
        if (v->state != JOB_ENDED)
            v->phase = (enum job_phase)p->phase;
    }
    if (d->h.obj != NULL)
        v->budget_ms = flog_budget_at(d, UINT64_MAX);
    if (d->res.present) {
        v->phase = d->res.phase;
        v->elapsed_ms = (double)d->res.total_ms;
        v->downtime_ms = d->res.downtime_ms;
        if (d->res.phase == PH_DONE)
            v->progress = 100;
    }
    return 0;
}

const struct flog_data *
job_view_data(const struct job_view *v)
{
    const struct flog_data *d = flog_live_data(v->live);

    return d->h.obj != NULL ? d : NULL;
}

bool
job_view_ended(const struct job_view *v)
{
    return v->state == JOB_ENDED;
}
