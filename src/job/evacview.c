/* Evacuations as clients see them (evacview.h). */
#include "ferry/evacview.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/jsonf.h"

static const char *const move_states[] = {
    [EVM_PLANNED] = "planned", [EVM_QUEUED] = "queued",
    [EVM_RUNNING] = "running", [EVM_DONE] = "done",
    [EVM_FAILED] = "failed",   [EVM_CANCELLED] = "cancelled",
};

const char *
evac_move_state_name(enum evac_move_state s)
{
    return (size_t)s < sizeof move_states / sizeof *move_states
               ? move_states[s]
               : "?";
}

void
evac_view_init(struct evac_view *v)
{
    memset(v, 0, sizeof *v);
}

static void
stays_free(struct evac_stay_view *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(s[i].vm);
        free(s[i].reason);
    }
    free(s);
}

void
evac_view_fini(struct evac_view *v)
{
    for (size_t i = 0; i < v->n_moves; i++) {
        struct evac_move_view *m = &v->moves[i];

        free(m->vm);
        free(m->to);
        free(m->ds);
        free(m->kind);
        free(m->how);
        free(m->reason);
        free(m->error);
        free(m->log);
        strv_free(m->tried, m->n_tried);
    }
    free(v->moves);
    stays_free(v->stays, v->n_stays);
    stays_free(v->left, v->n_left);
    strv_free(v->remaining, v->n_remaining);
    free(v->host);
    free(v->state);
    free(v->policy);
    free(v->log);
    evac_view_init(v);
}

/* A number field as a double (absent: dflt). */
static int
num(json_object *o, const char *k, double dflt, double *out,
    struct ferry_err *err)
{
    *out = dflt;
    return jf_double(o, k, false, out, err) < 0 ? -1 : 0;
}

/* An optional text that may be empty ("error":"" is no error): absent,
 * null or "" leave *out NULL; anything but a string is an error. */
static int
text(json_object *o, const char *k, char **out, struct ferry_err *err)
{
    json_object *v;

    if (!json_object_object_get_ex(o, k, &v) || v == NULL)
        return 0;
    if (!json_object_is_type(v, json_type_string)) {
        err_set(err, "\"%s\" must be a string", k);
        return -1;
    }
    free(*out);
    *out = json_object_get_string_len(v) > 0
               ? xstrdup(json_object_get_string(v))
               : NULL;
    return 0;
}

static int
strv_read(json_object *o, const char *k, char ***v, size_t *n,
          struct ferry_err *err)
{
    json_object *a = NULL;
    size_t len;

    if (jf_array(o, k, false, &a, err) < 0)
        return -1;
    if (a == NULL)
        return 0;
    len = json_object_array_length(a);
    *v = xcalloc(len ? len : 1, sizeof **v);
    for (size_t i = 0; i < len; i++) {
        json_object *s = json_object_array_get_idx(a, i);

        if (!json_object_is_type(s, json_type_string)) {
            err_set(err, "%s[%zu] must be a string", k, i);
            return -1;
        }
        (*v)[(*n)++] = xstrdup(json_object_get_string(s));
    }
    return 0;
}

static int
stays_read(json_object *o, const char *k, struct evac_stay_view **v,
           size_t *n, struct ferry_err *err)
{
    json_object *a = NULL;
    size_t len;

    if (jf_array(o, k, false, &a, err) < 0)
        return -1;
    if (a == NULL)
        return 0;
    len = json_object_array_length(a);
    *v = xcalloc(len ? len : 1, sizeof **v);
    for (size_t i = 0; i < len; i++) {
        json_object *s = json_object_array_get_idx(a, i);
        struct evac_stay_view *st = &(*v)[(*n)++];

        if (!json_object_is_type(s, json_type_object)) {
            err_set(err, "%s[%zu] must be an object", k, i);
            return -1;
        }
        if (jf_strdup(s, "vm", true, &st->vm, err) < 0 ||
            text(s, "reason", &st->reason, err) < 0 ||
            jf_bool(s, "shutoff", false, &st->shutoff, err) < 0) {
            err_prefix(err, "%s[%zu]: ", k, i);
            return -1;
        }
        if (st->reason == NULL)
            st->reason = xstrdup("");
    }
    return 0;
}

static int
move_read(json_object *o, struct evac_move_view *m, struct ferry_err *err)
{
    const char *state = NULL;
    int64_t job = 0, order = 0, attempt = 1;

    if (!json_object_is_type(o, json_type_object)) {
        err_set(err, "must be an object");
        return -1;
    }
    if (jf_strdup(o, "vm", true, &m->vm, err) < 0 ||
        jf_strdup(o, "to", false, &m->to, err) < 0 ||
        text(o, "ds", &m->ds, err) < 0 ||
        text(o, "kind", &m->kind, err) < 0 ||
        text(o, "how", &m->how, err) < 0 ||
        text(o, "reason", &m->reason, err) < 0 ||
        text(o, "error", &m->error, err) < 0 ||
        text(o, "log", &m->log, err) < 0 ||
        jf_bool(o, "cold", false, &m->cold, err) < 0 ||
        jf_bool(o, "converges", false, &m->converges, err) < 0 ||
        jf_i64(o, "order", false, &order, err) < 0 ||
        jf_i64(o, "attempt", false, &attempt, err) < 0 ||
        jf_i64(o, "job", false, &job, err) < 0 ||
        jf_str(o, "state", false, &state, err) < 0 ||
        num(o, "start_ms", 0, &m->start_ms, err) < 0 ||
        num(o, "end_ms", 0, &m->end_ms, err) < 0 ||
        num(o, "predicted_ms", NAN, &m->predicted_ms, err) < 0 ||
        num(o, "predicted_downtime_ms", NAN, &m->predicted_downtime_ms,
            err) < 0 ||
        num(o, "real_ms", NAN, &m->real_ms, err) < 0 ||
        num(o, "real_downtime_ms", NAN, &m->real_downtime_ms, err) < 0 ||
        strv_read(o, "tried", &m->tried, &m->n_tried, err) < 0)
        return -1;
    m->order = (int)order;
    m->attempt = (int)attempt;
    m->job = (long)job;
    m->state = EVM_PLANNED;
    if (state != NULL) {
        size_t k;

        for (k = 0; k < sizeof move_states / sizeof *move_states; k++)
            if (strcmp(state, move_states[k]) == 0)
                break;
        if (k == sizeof move_states / sizeof *move_states) {
            err_set(err, "state '%s' is none of planned, queued, running, "
                         "done, failed, cancelled",
                    state);
            return -1;
        }
        m->state = (enum evac_move_state)k;
    }
    if (m->kind == NULL)
        m->kind = xstrdup("compute");
    return 0;
}

int
evac_view_read(json_object *o, struct evac_view *v, struct ferry_err *err)
{
    json_object *moves = NULL, *result = NULL;
    int64_t id = 0, parallel = 0;

    evac_view_fini(v);
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        err_set(err, "an evacuation must be an object");
        return -1;
    }
    if (jf_i64(o, "id", false, &id, err) < 0 ||
        jf_strdup(o, "host", true, &v->host, err) < 0 ||
        jf_strdup(o, "state", false, &v->state, err) < 0 ||
        jf_strdup(o, "policy", false, &v->policy, err) < 0 ||
        text(o, "log", &v->log, err) < 0 ||
        jf_u64(o, "budget_ms", false, &v->budget_ms, err) < 0 ||
        jf_bool(o, "include_shutoff", false, &v->include_shutoff, err) < 0 ||
        jf_bool(o, "allow_storage", false, &v->allow_storage, err) < 0 ||
        jf_i64(o, "parallel", false, &parallel, err) < 0 ||
        num(o, "planned_ms", NAN, &v->planned_ms, err) < 0 ||
        num(o, "elapsed_ms", 0, &v->elapsed_ms, err) < 0 ||
        num(o, "predicted_end_ms", NAN, &v->predicted_end_ms, err) < 0 ||
        jf_array(o, "moves", false, &moves, err) < 0 ||
        stays_read(o, "stays", &v->stays, &v->n_stays, err) < 0 ||
        strv_read(o, "remaining", &v->remaining, &v->n_remaining, err) < 0 ||
        jf_obj(o, "result", false, &result, err) < 0)
        goto bad;
    v->id = (long)id;
    v->parallel = parallel > 0 ? (unsigned)parallel : 0;
    if (v->state == NULL)
        v->state = xstrdup("planned");
    if (moves != NULL) {
        size_t n = json_object_array_length(moves);

        v->moves = xcalloc(n ? n : 1, sizeof *v->moves);
        for (size_t i = 0; i < n; i++) {
            if (move_read(json_object_array_get_idx(moves, i),
                          &v->moves[v->n_moves++], err) < 0) {
                err_prefix(err, "moves[%zu]: ", i);
                goto bad;
            }
        }
    }
    if (result != NULL) {
        int64_t moved = 0, failed = 0;

        if (jf_bool(result, "empty", false, &v->empty, err) < 0 ||
            jf_i64(result, "moved", false, &moved, err) < 0 ||
            jf_i64(result, "failed", false, &failed, err) < 0 ||
            stays_read(result, "left", &v->left, &v->n_left, err) < 0) {
            err_prefix(err, "result: ");
            goto bad;
        }
        v->moved = moved > 0 ? (unsigned)moved : 0;
        v->failed = failed > 0 ? (unsigned)failed : 0;
        v->ended = true;
    }
    return 0;
bad:
    evac_view_fini(v);
    return -1;
}

const struct evac_move_view *
evac_view_move(const struct evac_view *v, const char *vm)
{
    for (size_t i = 0; i < v->n_moves; i++)
        if (strcmp(v->moves[i].vm, vm) == 0)
            return &v->moves[i];
    return NULL;
}

/* ---- summary logs ---------------------------------------------------------- */

void
evac_log_fini(struct evac_log *l)
{
    free(l->host);
    evac_view_fini(&l->plan);
    evac_view_fini(&l->result);
    for (size_t i = 0; i < l->n_events; i++) {
        struct evac_event *e = &l->events[i];

        free(e->vm);
        free(e->event);
        free(e->to);
        free(e->log);
        free(e->outcome);
        free(e->error);
    }
    free(l->events);
    memset(l, 0, sizeof *l);
}

static int
event_read(json_object *o, struct evac_event *e, struct ferry_err *err)
{
    int64_t job = 0;

    if (num(o, "t_ms", 0, &e->t_ms, err) < 0 ||
        jf_strdup(o, "vm", true, &e->vm, err) < 0 ||
        jf_strdup(o, "event", true, &e->event, err) < 0 ||
        jf_strdup(o, "to", false, &e->to, err) < 0 ||
        text(o, "log", &e->log, err) < 0 ||
        text(o, "outcome", &e->outcome, err) < 0 ||
        text(o, "error", &e->error, err) < 0 ||
        jf_i64(o, "job", false, &job, err) < 0 ||
        num(o, "real_ms", NAN, &e->real_ms, err) < 0 ||
        num(o, "downtime_ms", NAN, &e->downtime_ms, err) < 0)
        return -1;
    e->job = (long)job;
    return 0;
}

int
evac_log_read(const char *path, struct evac_log *out, struct ferry_err *err)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, lineno = 0, cap_ev = 0;
    ssize_t len;
    bool has_plan = false;

    memset(out, 0, sizeof *out);
    if (f == NULL) {
        err_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    while ((len = getline(&line, &cap, f)) > 0) {
        json_object *o, *ev = NULL;
        const char *type = NULL;
        int rc = 0;

        lineno++;
        if (line[len - 1] != '\n')
            break; /* the last line, cut short while written: left out */
        if (len == 1)
            continue;
        o = json_tokener_parse(line);
        if (o == NULL || !json_object_is_type(o, json_type_object)) {
            json_object_put(o);
            err_set(err, "%s:%zu: not a JSON object", path, lineno);
            goto bad;
        }
        if (jf_str(o, "type", true, &type, err) < 0)
            rc = -1;
        else if (lineno == 1 && strcmp(type, "evac_header") != 0) {
            err_set(err, "not an evacuation's summary log (its first line "
                         "is a '%s', not an 'evac_header')",
                    type);
            rc = -1;
        } else if (strcmp(type, "evac_header") == 0)
            rc = jf_strdup(o, "host", true, &out->host, err) < 0 ||
                         jf_i64(o, "unix_ms", false, &out->unix_ms, err) < 0
                     ? -1
                     : 0;
        else if (strcmp(type, "evac_plan") == 0)
            rc = jf_obj(o, "evac", true, &ev, err) < 0 ||
                         evac_view_read(ev, &out->plan, err) < 0
                     ? -1
                     : (has_plan = true, 0);
        else if (strcmp(type, "evac_event") == 0) {
            out->events = xgrow(out->events, &cap_ev, out->n_events + 1,
                                sizeof *out->events);
            memset(&out->events[out->n_events], 0, sizeof *out->events);
            rc = event_read(o, &out->events[out->n_events++], err);
        } else if (strcmp(type, "evac_result") == 0)
            rc = jf_obj(o, "evac", true, &ev, err) < 0 ||
                         evac_view_read(ev, &out->result, err) < 0
                     ? -1
                     : (out->has_result = true, 0);
        /* other types: a later version's, skipped */
        json_object_put(o);
        if (rc < 0) {
            err_prefix(err, "%s:%zu: ", path, lineno);
            goto bad;
        }
    }
    if (lineno == 0 || out->host == NULL) {
        err_set(err, "%s: empty, not an evacuation's summary log", path);
        goto bad;
    }
    if (!has_plan) {
        err_set(err, "%s: no plan (the evacuation's second line)", path);
        goto bad;
    }
    free(line);
    fclose(f);
    return 0;
bad:
    free(line);
    fclose(f);
    evac_log_fini(out);
    return -1;
}

bool
evac_log_is(const char *path)
{
    FILE *f = fopen(path, "r");
    char buf[256];
    bool is = false;

    if (f == NULL)
        return false;
    if (fgets(buf, sizeof buf, f) != NULL)
        is = strstr(buf, "\"type\":\"evac_header\"") != NULL ||
             strstr(buf, "\"type\": \"evac_header\"") != NULL;
    fclose(f);
    return is;
}
