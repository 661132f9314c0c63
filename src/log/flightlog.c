/* Flight log writer and the JSON shapes shared with `migrate --json`. */
#include "ferry/flightlog.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct flog {
    FILE *fp;
    char *path;
};

struct flog *
flog_open(const char *path, struct ferry_err *err)
{
    struct flog *f;
    FILE *fp;

    if (mkdir_parents(path, 0755, err) < 0)
        return NULL;
    fp = fopen(path, "w");
    if (fp == NULL) {
        err_set(err, "%s: cannot write the flight log: %s", path,
                strerror(errno));
        return NULL;
    }
    f = xcalloc(1, sizeof *f);
    f->fp = fp;
    f->path = xstrdup(path);
    return f;
}

struct flog *
flog_open_append(const char *path, struct ferry_err *err)
{
    struct flog *f;
    FILE *fp = fopen(path, "a+");
    long end;

    if (fp == NULL) {
        err_set(err, "%s: cannot append to the flight log: %s", path,
                strerror(errno));
        return NULL;
    }
    /* a line cut short by a writer that died is ended first */
    end = fseek(fp, -1, SEEK_END) == 0 ? fgetc(fp) : '\n';
    fseek(fp, 0, SEEK_END); /* between a read and a write */
    if (end != EOF && end != '\n')
        fputc('\n', fp);
    f = xcalloc(1, sizeof *f);
    f->fp = fp;
    f->path = xstrdup(path);
    return f;
}

int
flog_write(struct flog *f, json_object *obj)
{
    const char *s;

    if (f == NULL)
        return 0;
    s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
    if (fputs(s, f->fp) == EOF || fputc('\n', f->fp) == EOF ||
        fflush(f->fp) == EOF)
        return -1;
    return 0;
}

int
flog_close(struct flog *f)
{
    int rc;

    if (f == NULL)
        return 0;
    rc = fclose(f->fp);
    free(f->path);
    free(f);
    return rc == 0 ? 0 : -1;
}

const char *
flog_path(const struct flog *f)
{
    return f->path;
}

char *
flog_default_dir(void)
{
    const char *state = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");

    if (state != NULL && state[0] == '/')
        return xasprintf("%s/ferry/logs", state);
    return xasprintf("%s/.local/state/ferry/logs", home ? home : ".");
}

static json_object *
num(double v)
{
    if (!isfinite(v))
        return NULL; /* JSON null: unknown or never */
    return json_object_new_int64((int64_t)llround(v));
}

json_object *
flog_prediction_json(const struct prediction *p)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "converges",
                           json_object_new_boolean(p->converges));
    json_object_object_add(o, "total_ms", num(p->total_ms));
    json_object_object_add(o, "downtime_ms",
                           num(p->converges ? p->downtime_ms
                                            : p->stall_downtime_ms));
    json_object_object_add(o, "rounds", json_object_new_int64(p->rounds));
    json_object_object_add(o, "bytes", num(p->bytes));
    if (!p->converges) {
        json_object_object_add(o, "stall_bytes", num(p->stall_bytes));
        json_object_object_add(o, "postcopy_ms", num(p->postcopy_ms));
    }
    return o;
}

json_object *
flog_sample_json(const struct job_sample *s, enum job_phase ph,
                 const struct estimate *e, const struct prediction *p)
{
    json_object *o = json_object_new_object(), *est, *pr;

    json_object_object_add(o, "type", json_object_new_string("sample"));
    json_object_object_add(o, "t_ms", json_object_new_int64(
                                          (int64_t)sample_get(s,
                                                              SF_TIME_ELAPSED,
                                                              0)));
    json_object_object_add(o, "phase",
                           json_object_new_string(job_phase_name(ph)));
    json_object_object_add(o, "status",
                           json_object_new_string(hv_status_name(s->status)));
    json_object_object_add(o, "stage",
                           json_object_new_string(hv_stage_name(s->stage)));
    if (s->guest_paused)
        json_object_object_add(o, "guest_paused",
                               json_object_new_boolean(true));
    for (int f = 0; f < SF_COUNT; f++) {
        if (f == SF_TIME_ELAPSED || !sample_has(s, (enum sample_field)f))
            continue;
        json_object_object_add(o, sample_field_names[f],
                               json_object_new_int64((int64_t)s->v[f]));
    }
    est = json_object_new_object();
    if (e->dirty_known) {
        json_object_object_add(est, "dirty_bps", num(e->dirty_bps));
        json_object_object_add(est, "unique_bps", num(e->unique_bps));
        json_object_object_add(est, "wss_bytes", num(e->wss_bytes));
    }
    if (e->bw_known)
        json_object_object_add(est, "bw_bps", num(e->bw_bps));
    json_object_object_add(o, "est", est);
    if (p != NULL && isfinite(p->downtime_now_ms)) {
        pr = json_object_new_object();
        json_object_object_add(pr, "downtime_now_ms",
                               num(p->downtime_now_ms));
        json_object_object_add(pr, "converges",
                               json_object_new_boolean(p->converges));
        json_object_object_add(pr, "eta_ms", num(p->total_ms));
        json_object_object_add(pr, "downtime_ms",
                               num(p->converges ? p->downtime_ms
                                                : p->stall_downtime_ms));
        json_object_object_add(o, "pred", pr);
    }
    return o;
}

json_object *
flog_decision_json(const struct decision *d)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "type", json_object_new_string("decision"));
    json_object_object_add(o, "t_ms", json_object_new_int64((int64_t)d->t_ms));
    json_object_object_add(o, "action",
                           json_object_new_string(action_name(d->action)));
    json_object_object_add(o, "value",
                           json_object_new_int64((int64_t)d->value));
    json_object_object_add(o, "reason", json_object_new_string(d->reason));
    return o;
}

json_object *
flog_phase_json(uint64_t t_ms, enum job_phase from, enum job_phase to)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "type", json_object_new_string("phase"));
    json_object_object_add(o, "t_ms", json_object_new_int64((int64_t)t_ms));
    json_object_object_add(o, "from",
                           json_object_new_string(job_phase_name(from)));
    json_object_object_add(o, "to", json_object_new_string(job_phase_name(to)));
    return o;
}

json_object *
flog_checks_json(const struct check_result *r, size_t n)
{
    json_object *a = json_object_new_array();

    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_new_object();

        json_object_object_add(c, "name", json_object_new_string(r[i].name));
        json_object_object_add(
            c, "status", json_object_new_string(check_status_name(r[i].status)));
        json_object_object_add(c, "message",
                               json_object_new_string(r[i].message));
        json_object_array_add(a, c);
    }
    return a;
}
