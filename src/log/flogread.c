/* Flight log reader. A log of an hour at 10 samples/s has 36,000 sample
 * lines and a long one a million (570 MB): json-c builds a tree per line
 * and needed 4.6 s for a million, so sample lines are tokenized with jsmn
 * (Debian's libjsmn-dev, header only, no allocation: 1.0 s) and read
 * straight into compact arrays; the few other lines (header, decisions,
 * phases, result) go through json-c. */
#include "ferry/flogread.h"

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/flightlog.h"
#include "ferry/policy.h"

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

#define MAX_TOKENS 256
#define MAX_LINE (1u << 20) /* a longer line is not ferry's */

/* ---- tokens --------------------------------------------------------- */

struct line {
    const char *s;
    int len;
    jsmntok_t t[MAX_TOKENS];
    int n;
};

static inline __attribute__((always_inline)) bool
tok_is(const struct line *l, int i, const char *str)
{
    size_t n = strlen(str); /* a literal at every call: folded */

    return l->t[i].type == JSMN_STRING &&
           (size_t)(l->t[i].end - l->t[i].start) == n &&
           memcmp(l->s + l->t[i].start, str, n) == 0;
}

/* The index after token i and everything inside it. */
static int
tok_skip(const struct line *l, int i)
{
    int pending = 1;

    while (pending > 0 && i < l->n) {
        pending += l->t[i].size - 1;
        i++;
    }
    return i;
}

/* A number token; false for null, strings and junk. Whole numbers (all
 * that ferry writes) are read digit by digit: strtod was half the time of
 * opening a long log. */
static bool
tok_num(const struct line *l, int i, double *out)
{
    char buf[40], *end;
    const char *p = l->s + l->t[i].start;
    int len = l->t[i].end - l->t[i].start, k = p[0] == '-';
    uint64_t v = 0;

    if (l->t[i].type != JSMN_PRIMITIVE || len <= k || len >= (int)sizeof buf)
        return false;
    if (len - k <= 18) {
        for (; k < len && p[k] >= '0' && p[k] <= '9'; k++)
            v = v * 10 + (uint64_t)(p[k] - '0');
        if (k == len && (p[0] != '-' || len > 1)) {
            *out = p[0] == '-' ? -(double)v : (double)v;
            return true;
        }
    }
    if (p[0] != '-' && (p[0] < '0' || p[0] > '9'))
        return false;
    memcpy(buf, p, (size_t)len);
    buf[len] = '\0';
    errno = 0;
    *out = strtod(buf, &end);
    return *end == '\0' && errno == 0 && isfinite(*out);
}

static bool
tok_uint(const struct line *l, int i, uint64_t *out)
{
    double v;

    if (!tok_num(l, i, &v) || v < 0 || v > 1.8e19)
        return false;
    *out = (uint64_t)v;
    return true;
}

static bool
tok_bool(const struct line *l, int i)
{
    return l->t[i].type == JSMN_PRIMITIVE &&
           l->t[i].end - l->t[i].start == 4 &&
           memcmp(l->s + l->t[i].start, "true", 4) == 0;
}

/* Index of the value of key in the object at token obj, or -1. */
static int
tok_get(const struct line *l, int obj, const char *key)
{
    int i = obj + 1, end;

    if (obj < 0 || l->t[obj].type != JSMN_OBJECT)
        return -1;
    end = tok_skip(l, obj);
    while (i + 1 < end) {
        if (tok_is(l, i, key))
            return i + 1;
        i = tok_skip(l, i + 1);
    }
    return -1;
}

static int
name_lookup(const struct line *l, int i, const char *(*name)(int), int n)
{
    if (i < 0)
        return -1;
    for (int k = 0; k < n; k++)
        if (tok_is(l, i, name(k)))
            return k;
    return -1;
}

static const char *
phase_n(int k)
{
    return job_phase_name((enum job_phase)k);
}

static const char *
status_n(int k)
{
    return hv_status_name((enum hv_status)k);
}

static const char *
stage_n(int k)
{
    return hv_stage_name((enum hv_stage)k);
}

/* Tokenize one line; false with why when it is not one JSON object. */
static bool
tokenize(struct line *l, const char *s, int len, const char **why)
{
    jsmn_parser p;

    l->s = s;
    l->len = len;
    jsmn_init(&p);
    l->n = jsmn_parse(&p, s, (size_t)len, l->t, MAX_TOKENS);
    if (l->n == JSMN_ERROR_NOMEM) {
        *why = "too many fields";
        return false;
    }
    if (l->n < 1) {
        *why = l->n == JSMN_ERROR_PART ? "incomplete JSON" : "not JSON";
        return false;
    }
    if (l->t[0].type != JSMN_OBJECT) {
        *why = "not a JSON object";
        return false;
    }
    if (tok_skip(l, 0) != l->n) {
        *why = "more than one JSON value";
        return false;
    }
    for (int i = l->t[0].end; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
            *why = "text after the JSON object";
            return false;
        }
    return true;
}

/* ---- samples -------------------------------------------------------- */

struct full {
    uint64_t t_ms;
    int phase, status, stage;
    bool paused;
    struct job_sample s;
    struct estimate e;
    bool pred, converges;
    double downtime_now_ms, eta_ms;
};

static void
est_field(const struct line *l, int k, struct estimate *e)
{
    double v;

    if (!tok_num(l, k + 1, &v))
        return;
    if (tok_is(l, k, "dirty_bps")) {
        e->dirty_known = true;
        e->dirty_bps = v;
    } else if (tok_is(l, k, "unique_bps")) {
        e->unique_bps = v;
    } else if (tok_is(l, k, "wss_bytes")) {
        e->wss_bytes = v;
    } else if (tok_is(l, k, "bw_bps")) {
        e->bw_known = true;
        e->bw_bps = v;
    }
}

/* A sample field by name (not NUL-terminated): lengths first. */
static int
field_lookup(const char *k, int klen)
{
    static int len[SF_COUNT];

    if (len[0] == 0)
        for (int f = 0; f < SF_COUNT; f++)
            len[f] = (int)strlen(sample_field_names[f]);
    for (int f = 0; f < SF_COUNT; f++)
        if (len[f] == klen && memcmp(sample_field_names[f], k,
                                     (size_t)klen) == 0)
            return f;
    return -1;
}

/* A sample line into f; NULL, or why it cannot be used. */
static const char *
parse_sample(const struct line *l, struct full *f)
{
    int i = 1, end = l->n;

    memset(f, 0, sizeof *f);
    f->phase = f->status = f->stage = -1;
    f->eta_ms = f->downtime_now_ms = NAN;
    while (i + 1 < end) {
        int v = i + 1;
        const char *k = l->s + l->t[i].start;
        int klen = l->t[i].end - l->t[i].start;

        if (l->t[i].type != JSMN_STRING)
            return "a key is not a string";
        if (tok_is(l, i, "t_ms")) {
            if (!tok_uint(l, v, &f->t_ms))
                return "t_ms is not a number";
        } else if (tok_is(l, i, "phase")) {
            f->phase = name_lookup(l, v, phase_n, PH_CANCELLED + 1);
        } else if (tok_is(l, i, "status")) {
            f->status = name_lookup(l, v, status_n, HV_CANCELLED + 1);
        } else if (tok_is(l, i, "stage")) {
            f->stage = name_lookup(l, v, stage_n, STAGE_MEMORY + 1);
        } else if (tok_is(l, i, "guest_paused")) {
            f->paused = tok_bool(l, v);
        } else if (tok_is(l, i, "est") && l->t[v].type == JSMN_OBJECT) {
            for (int j = v + 1; j + 1 < tok_skip(l, v); j = tok_skip(l, j + 1))
                est_field(l, j, &f->e);
        } else if (tok_is(l, i, "pred") && l->t[v].type == JSMN_OBJECT) {
            int c = tok_get(l, v, "converges"), x;

            f->pred = true;
            f->converges = c >= 0 && tok_bool(l, c);
            if ((x = tok_get(l, v, "downtime_now_ms")) >= 0)
                tok_num(l, x, &f->downtime_now_ms);
            if ((x = tok_get(l, v, "eta_ms")) >= 0)
                tok_num(l, x, &f->eta_ms);
        } else if (klen > 0 && k[0] >= 'a' && k[0] <= 'z') {
            int fi = field_lookup(k, klen);
            uint64_t u;

            if (fi > 0 && tok_uint(l, v, &u))
                sample_set(&f->s, (enum sample_field)fi, u);
        }
        i = tok_skip(l, v);
    }
    if (f->phase < 0)
        return "no known phase";
    if (f->status < 0)
        f->status = HV_ACTIVE;
    if (f->stage < 0)
        f->stage = STAGE_NONE;
    sample_set(&f->s, SF_TIME_ELAPSED, f->t_ms);
    f->s.status = (enum hv_status)f->status;
    f->s.stage = (enum hv_stage)f->stage;
    f->s.guest_paused = f->paused;
    return NULL;
}

/* ---- the loader ----------------------------------------------------- */

struct loader {
    struct flog_data *d;
    size_t cap_pt, cap_rounds, cap_dec, cap_ph, cap_err;
    uint64_t last_iter;
    bool have_header;
    struct line l;
};

static void FERRY_PRINTF(3, 4)
problem(struct loader *ld, size_t line, const char *fmt, ...)
{
    struct flog_data *d = ld->d;
    va_list ap;

    if (d->n_problems < FLOG_PROBLEMS_KEPT) {
        struct flog_problem *p = &d->problems[d->n_problems];

        p->line = line;
        va_start(ap, fmt);
        vsnprintf(p->message, sizeof p->message, fmt, ap);
        va_end(ap);
    }
    d->n_problems++;
}

static const char *
jstr(json_object *o, const char *key, const char *dflt)
{
    json_object *v;

    if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return dflt;
    return json_object_get_string(v);
}

/* A number; NAN when absent or null (an unknown). */
static double
jnum(json_object *o, const char *key)
{
    json_object *v;

    if (o == NULL || !json_object_object_get_ex(o, key, &v))
        return NAN;
    if (!json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double))
        return NAN;
    return json_object_get_double(v);
}

static uint64_t
juint(json_object *o, const char *key)
{
    double v = jnum(o, key);

    return isfinite(v) && v > 0 && v < 1.8e19 ? (uint64_t)v : 0;
}

static json_object *
jobj(json_object *o, const char *key)
{
    json_object *v;

    if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
        !json_object_is_type(v, json_type_object))
        return NULL;
    return v;
}

/* Why line 1 is not a flight log header this ferry reads, or NULL when
 * it is. Caller frees. */
static char *
header_why(json_object *o)
{
    json_object *v = NULL;

    if (o == NULL || !json_object_is_type(o, json_type_object) ||
        strcmp(jstr(o, "format", ""), FLOG_FORMAT) != 0 ||
        strcmp(jstr(o, "type", ""), "header") != 0)
        return xasprintf("not a ferry flight log (line 1 is not a \"%s\" "
                         "header)", FLOG_FORMAT);
    if (!json_object_object_get_ex(o, "version", &v) ||
        !json_object_is_type(v, json_type_int) ||
        json_object_get_int(v) != FLOG_VERSION)
        return xasprintf("flight log format version %s; this ferry reads "
                         "version %d (a newer ferry wrote it?)",
                         v ? json_object_to_json_string(v) : "missing",
                         FLOG_VERSION);
    return NULL;
}

/* Line 1 as a flight log header this ferry reads; err says why not. */
static bool
header_ok(json_object *o, const char *path, struct ferry_err *err)
{
    char *why = header_why(o);

    if (why == NULL)
        return true;
    err_set(err, "%s: %s", path, why);
    free(why);
    return false;
}

static int
read_header(struct loader *ld, const char *s, size_t len,
            struct ferry_err *err)
{
    struct flog_data *d = ld->d;
    struct flog_header *h = &d->h;
    json_tokener *tok = json_tokener_new();
    json_object *o, *job, *pol, *pred, *v = NULL;
    const char *kind;

    o = json_tokener_parse_ex(tok, s, (int)len);
    if (o == NULL && json_tokener_get_error(tok) == json_tokener_continue)
        o = json_tokener_parse_ex(tok, "", 1); /* the line has no end */
    json_tokener_free(tok);
    if (!header_ok(o, d->path, err)) {
        json_object_put(o);
        return -1;
    }
    h->obj = o;
    h->version = FLOG_VERSION;
    job = jobj(o, "job");
    h->id = jstr(job, "id", "");
    h->vm = jstr(job, "vm", "?");
    h->source = jstr(job, "source", "?");
    h->destination = jstr(job, "destination", h->source);
    h->datastore = jstr(job, "datastore", "");
    kind = jstr(job, "kind", "compute");
    if (job_kind_lookup(kind, &h->kind) < 0)
        h->kind = KIND_COMPUTE;
    h->memory_bytes = juint(job, "memory_bytes");
    h->disk_bytes = juint(job, "disk_bytes");
    h->backend = jstr(o, "backend", "?");
    h->created = jstr(o, "created", "");
    pol = jobj(o, "policy");
    h->policy = jstr(pol, "name", "?");
    h->policy_summary = jstr(pol, "summary", "");
    h->policy_ini = jstr(pol, "ini", NULL);
    h->sim_ini = jstr(o, "sim_ini", NULL);
    h->seed = juint(o, "seed");
    h->max_time_ms = juint(o, "max_time_ms");
    h->budget_ms = juint(o, "budget_ms");
    h->ceiling_ms = juint(o, "ceiling_ms");
    h->cap_bps = juint(o, "bandwidth_cap_bps");
    h->link_bps = juint(o, "link_bps");
    h->overhead_ms = juint(o, "overhead_ms");
    h->sample_ms = juint(o, "sample_ms");
    pred = jobj(o, "prediction");
    h->pred_converges = pred && json_object_object_get_ex(pred, "converges",
                                                          &v) &&
                        json_object_get_boolean(v);
    h->pred_total_ms = jnum(pred, "total_ms");
    h->pred_downtime_ms = jnum(pred, "downtime_ms");
    h->pred_bytes = jnum(pred, "bytes");
    h->pred_rounds = juint(pred, "rounds");
    ld->have_header = true;
    return 0;
}

static void
add_sample(struct loader *ld, const struct line *l, size_t lineno, off_t off)
{
    struct flog_data *d = ld->d;
    struct full f;
    const char *why = parse_sample(l, &f);
    struct flog_point *p;
    uint64_t rem;

    if (why != NULL) {
        problem(ld, lineno, "sample skipped: %s", why);
        return;
    }
    if (d->n > 0 && f.t_ms < d->pt[d->n - 1].t_ms) {
        problem(ld, lineno, "sample skipped: its time (%llu ms) is before "
                "the one above it", (unsigned long long)f.t_ms);
        return;
    }
    if (d->n == ld->cap_pt) {
        ld->cap_pt = ld->cap_pt ? ld->cap_pt * 2 : 1024;
        d->pt = xrealloc(d->pt, ld->cap_pt * sizeof *d->pt);
        d->dirty = xrealloc(d->dirty, ld->cap_pt * sizeof *d->dirty);
        d->bw = xrealloc(d->bw, ld->cap_pt * sizeof *d->bw);
        d->dt = xrealloc(d->dt, ld->cap_pt * sizeof *d->dt);
    }
    p = &d->pt[d->n];
    p->t_ms = f.t_ms;
    p->offset = off;
    p->line = (uint32_t)MIN(lineno, UINT32_MAX);
    /* the round the dashboard shows, as the live one does */
    p->iter = (uint32_t)MIN(sample_get(&f.s, d->h.kind == KIND_STORAGE
                                                 ? SF_DISK_ITERATION
                                                 : SF_MEMORY_ITERATION,
                                       0),
                            UINT32_MAX);
    p->progress = (float)sample_progress(&f.s);
    p->eta_ms = (float)f.eta_ms;
    p->pred_downtime_ms = (float)f.downtime_now_ms;
    p->phase = (uint8_t)f.phase;
    p->status = (uint8_t)f.status;
    p->stage = (uint8_t)f.stage;
    p->flags = (uint8_t)((f.paused ? FP_PAUSED : 0) | (f.pred ? FP_PRED : 0) |
                         (f.converges ? FP_CONVERGES : 0));
    d->dirty[d->n] = f.e.dirty_known ? f.e.unique_bps : NAN;
    d->bw[d->n] = f.e.bw_known ? f.e.bw_bps : NAN;
    d->dt[d->n] = f.downtime_now_ms;
    if (sample_new_round(&f.s, d->h.kind, &ld->last_iter, &rem)) {
        d->rounds = xgrow(d->rounds, &ld->cap_rounds, d->n_rounds + 1,
                          sizeof *d->rounds);
        d->round_at = xrealloc(d->round_at,
                               ld->cap_rounds * sizeof *d->round_at);
        d->rounds[d->n_rounds] = (double)rem;
        d->round_at[d->n_rounds++] = d->n;
    }
    d->n++;
}

static int
phase_of(const char *name)
{
    for (int k = 0; k <= PH_CANCELLED; k++)
        if (strcmp(job_phase_name((enum job_phase)k), name) == 0)
            return k;
    return -1;
}

/* Decisions, phase changes, errors and the result: json-c. */
static void
add_event(struct loader *ld, const char *type, const char *s, size_t len,
          size_t lineno)
{
    struct flog_data *d = ld->d;
    json_object *o = json_tokener_parse(s), *obs;
    uint64_t t;

    (void)len;
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        problem(ld, lineno, "%s skipped: not valid JSON", type);
        json_object_put(o);
        return;
    }
    t = juint(o, "t_ms");
    if (strcmp(type, "decision") == 0) {
        enum action_kind a = action_lookup(jstr(o, "action", ""));
        struct decision *dc;

        if (a == ACT_NONE && strcmp(jstr(o, "action", ""), "none") != 0) {
            problem(ld, lineno, "decision skipped: unknown action \"%s\"",
                    jstr(o, "action", ""));
        } else {
            d->dec = xgrow(d->dec, &ld->cap_dec, d->n_dec + 1,
                           sizeof *d->dec);
            dc = &d->dec[d->n_dec++];
            dc->t_ms = t;
            dc->action = a;
            dc->value = juint(o, "value");
            snprintf(dc->reason, sizeof dc->reason, "%s",
                     jstr(o, "reason", ""));
        }
    } else if (strcmp(type, "phase") == 0) {
        int from = phase_of(jstr(o, "from", "")), to = phase_of(jstr(o, "to",
                                                                     ""));

        if (from < 0 || to < 0) {
            problem(ld, lineno, "phase change skipped: unknown phase");
        } else {
            d->ph = xgrow(d->ph, &ld->cap_ph, d->n_ph + 1, sizeof *d->ph);
            d->ph[d->n_ph].t_ms = t;
            d->ph[d->n_ph].from = (enum job_phase)from;
            d->ph[d->n_ph++].to = (enum job_phase)to;
        }
    } else if (strcmp(type, "error") == 0) {
        d->err = xgrow(d->err, &ld->cap_err, d->n_err + 1, sizeof *d->err);
        d->err[d->n_err].t_ms = t;
        d->err[d->n_err++].message = xstrdup(jstr(o, "message", ""));
    } else if (strcmp(type, "result") == 0) {
        struct flog_result *r = &d->res;
        const char *out = jstr(o, "outcome", "");

        r->present = true;
        r->phase = strcmp(out, "completed") == 0  ? PH_DONE
                   : strcmp(out, "cancelled") == 0 ? PH_CANCELLED
                                                   : PH_FAILED;
        snprintf(r->outcome, sizeof r->outcome, "%s", out[0] ? out : "?");
        snprintf(r->reason, sizeof r->reason, "%s", jstr(o, "reason", ""));
        r->total_ms = juint(o, "total_ms");
        r->downtime_ms = juint(o, "downtime_ms");
        r->budget_ms = juint(o, "downtime_budget_ms");
        r->rounds = juint(o, "rounds");
        r->bytes_sent = juint(o, "bytes_sent");
        r->postcopy_requests = juint(o, "postcopy_requests");
        r->verified = json_object_object_get_ex(o, "verified", &obs) &&
                      json_object_get_boolean(obs);
        r->predicted_total_ms = jnum(o, "predicted_total_ms");
        obs = jobj(o, "observed");
        r->obs_dirty_bps = jnum(obs, "dirty_bps");
        r->obs_wss_bytes = jnum(obs, "wss_bytes");
        r->obs_bw_bps = jnum(obs, "bw_bps");
    } else {
        problem(ld, lineno, "unknown record type \"%s\" skipped", type);
    }
    json_object_put(o);
}

/* One line (without its newline). complete: it ended with a newline. */
static int
load_line(struct loader *ld, const char *s, size_t len, off_t off,
          size_t lineno, bool complete, struct ferry_err *err)
{
    struct line *l = &ld->l;
    const char *why;
    int ti;

    while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' '))
        len--;
    if (lineno == 1)
        return read_header(ld, s, len, err);
    if (len == 0)
        return 0;
    if (len > MAX_LINE) {
        problem(ld, lineno, "line skipped: longer than %u bytes", MAX_LINE);
        return 0;
    }
    if (!tokenize(l, s, (int)len, &why)) {
        if (!complete)
            ld->d->partial_line = lineno; /* cut short while writing */
        else
            problem(ld, lineno, "line skipped: %s", why);
        return 0;
    }
    ti = tok_get(l, 0, "type");
    if (ti < 0 || l->t[ti].type != JSMN_STRING) {
        problem(ld, lineno, "line skipped: no \"type\"");
    } else if (tok_is(l, ti, "sample")) {
        add_sample(ld, l, lineno, off);
    } else {
        char type[24];
        int tl = l->t[ti].end - l->t[ti].start;

        snprintf(type, sizeof type, "%.*s", MIN(tl, 20), s + l->t[ti].start);
        if (tok_is(l, ti, "header")) {
            problem(ld, lineno, "a second header skipped");
        } else {
            char *z = xstrndup(s, len);

            add_event(ld, type, z, len, lineno);
            free(z);
        }
    }
    return 0;
}

static struct flog_data *
finish(struct loader *ld, size_t lines, struct ferry_err *err)
{
    struct flog_data *d = ld->d;

    if (!ld->have_header) {
        err_set(err, "%s: empty: not a ferry flight log", d->path);
        flog_data_free(d);
        return NULL;
    }
    d->lines = lines;
    d->cut_short = !d->res.present;
    return d;
}

static struct flog_data *
data_new(const char *path)
{
    struct flog_data *d = xcalloc(1, sizeof *d);

    d->path = xstrdup(path);
    d->res.predicted_total_ms = NAN;
    d->res.obs_dirty_bps = d->res.obs_wss_bytes = d->res.obs_bw_bps = NAN;
    return d;
}

struct flog_data *
flog_load(const char *path, struct ferry_err *err)
{
    struct loader ld = {0};
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    off_t off = 0;

    if (f == NULL) {
        err_set(err, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    ld.d = data_new(path);
    while ((n = getline(&buf, &cap, f)) > 0) {
        bool complete = buf[n - 1] == '\n';

        lineno++;
        if (memchr(buf, '\0', (size_t)n) != NULL) {
            if (lineno == 1) {
                err_set(err, "%s: binary data: not a ferry flight log", path);
                goto fail;
            }
            problem(&ld, lineno, "line skipped: binary data");
        } else if (load_line(&ld, buf, (size_t)n - complete, off, lineno,
                             complete, err) < 0) {
            goto fail;
        }
        off += n;
    }
    if (ferror(f)) {
        err_set(err, "%s: read error: %s", path, strerror(errno));
        goto fail;
    }
    free(buf);
    fclose(f);
    return finish(&ld, lineno, err);
fail:
    free(buf);
    fclose(f);
    flog_data_free(ld.d);
    return NULL;
}

struct flog_data *
flog_load_mem(const char *name, const char *buf, size_t len,
              struct ferry_err *err)
{
    struct loader ld = {0};
    size_t lineno = 0, pos = 0;

    ld.d = data_new(name);
    ld.d->mem = xmalloc(len + 1);
    memcpy(ld.d->mem, buf, len);
    ld.d->mem[len] = '\0';
    ld.d->mem_len = len;
    while (pos < len) {
        const char *s = ld.d->mem + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;

        lineno++;
        if (memchr(s, '\0', n) != NULL) {
            if (lineno == 1) {
                err_set(err, "%s: binary data: not a ferry flight log", name);
                flog_data_free(ld.d);
                return NULL;
            }
            problem(&ld, lineno, "line skipped: binary data");
        } else if (load_line(&ld, s, n, (off_t)pos, lineno, nl != NULL,
                             err) < 0) {
            flog_data_free(ld.d);
            return NULL;
        }
        pos += n + (nl != NULL);
    }
    return finish(&ld, lineno, err);
}

/* ---- a log that grows ------------------------------------------------ */

struct flog_live {
    struct loader ld;
    size_t lineno;
    bool have_last;
    struct full last; /* the newest sample, whole */
};

struct flog_live *
flog_live_new(const char *name)
{
    struct flog_live *lv = xcalloc(1, sizeof *lv);

    lv->ld.d = data_new(name);
    lv->ld.d->cut_short = true; /* until its result arrives */
    return lv;
}

int
flog_live_add(struct flog_live *lv, const char *line, size_t len,
              struct ferry_err *err)
{
    struct loader *ld = &lv->ld;
    size_t before = ld->d->n;

    if (memchr(line, '\0', len) != NULL) {
        if (lv->lineno == 0) {
            err_set(err, "%s: binary data: not a ferry flight log",
                    ld->d->path);
            return -1;
        }
        problem(ld, ++lv->lineno, "line skipped: binary data");
        return 0;
    }
    if (lv->lineno == 0 && len > 0 && line[len - 1] == '\n')
        len--;
    if (load_line(ld, line, len, 0, lv->lineno + 1, true, err) < 0)
        return -1;
    lv->lineno++;
    ld->d->lines = lv->lineno;
    ld->d->cut_short = !ld->d->res.present;
    if (ld->d->n > before && parse_sample(&ld->l, &lv->last) == NULL)
        lv->have_last = true;
    return 0;
}

const struct flog_data *
flog_live_data(const struct flog_live *lv)
{
    return lv->ld.d;
}

bool
flog_live_last(const struct flog_live *lv, struct job_sample *s,
               struct estimate *e, double *eta_ms, double *downtime_now_ms)
{
    if (!lv->have_last)
        return false;
    if (s != NULL)
        *s = lv->last.s;
    if (e != NULL)
        *e = lv->last.e;
    if (eta_ms != NULL)
        *eta_ms = lv->last.pred && lv->last.converges ? lv->last.eta_ms
                                                      : INFINITY;
    if (downtime_now_ms != NULL)
        *downtime_now_ms = lv->last.downtime_now_ms;
    return true;
}

void
flog_live_free(struct flog_live *lv)
{
    if (lv == NULL)
        return;
    flog_data_free(lv->ld.d);
    free(lv);
}

uint64_t
flog_budget_at(const struct flog_data *d, uint64_t t_ms)
{
    uint64_t b = d->h.budget_ms;

    for (size_t i = 0; i < d->n_dec && d->dec[i].t_ms <= t_ms; i++)
        if (d->dec[i].action == ACT_NONE && d->dec[i].value > 0)
            b = d->dec[i].value; /* the operator set it */
    return b;
}

void
flog_data_free(struct flog_data *d)
{
    if (d == NULL)
        return;
    json_object_put(d->h.obj);
    free(d->pt);
    free(d->dirty);
    free(d->bw);
    free(d->dt);
    free(d->rounds);
    free(d->round_at);
    free(d->dec);
    free(d->ph);
    for (size_t i = 0; i < d->n_err; i++)
        free(d->err[i].message);
    free(d->err);
    free(d->mem);
    free(d->path);
    free(d);
}

int
flog_sample_read(const struct flog_data *d, FILE *fp, size_t i,
                 struct job_sample *s, struct estimate *e,
                 struct ferry_err *err)
{
    struct line *l;
    struct full f;
    char *buf = NULL;
    const char *text, *why = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = -1;

    if (i >= d->n) {
        err_set(err, "%s: no sample %zu", d->path, i);
        return -1;
    }
    if (d->mem != NULL) {
        const char *nl;

        text = d->mem + d->pt[i].offset;
        nl = memchr(text, '\n', d->mem_len - (size_t)d->pt[i].offset);
        n = nl ? nl - text : (ssize_t)(d->mem_len - (size_t)d->pt[i].offset);
    } else {
        if (fp == NULL || fseeko(fp, d->pt[i].offset, SEEK_SET) < 0 ||
            (n = getline(&buf, &cap, fp)) <= 0) {
            err_set(err, "%s: cannot read line %u again: %s", d->path,
                    d->pt[i].line, fp ? strerror(errno) : "not open");
            free(buf);
            return -1;
        }
        text = buf;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            n--;
    }
    l = xmalloc(sizeof *l);
    if (!tokenize(l, text, (int)n, &why) || (why = parse_sample(l, &f))) {
        err_set(err, "%s:%u: the file changed since it was read (%s)",
                d->path, d->pt[i].line, why);
    } else {
        *s = f.s;
        *e = f.e;
        rc = 0;
    }
    free(buf);
    free(l);
    return rc;
}

int
flog_sample_full(const struct flog_data *d, size_t i, struct job_sample *s,
                 struct estimate *e, struct ferry_err *err)
{
    FILE *fp = NULL;
    int rc;

    if (d->mem == NULL && (fp = fopen(d->path, "r")) == NULL) {
        err_set(err, "%s: cannot read: %s", d->path, strerror(errno));
        return -1;
    }
    rc = flog_sample_read(d, fp, i, s, e, err);
    if (fp)
        fclose(fp);
    return rc;
}

/* ---- the cursor ----------------------------------------------------- */

size_t
flog_index_at(const struct flog_data *d, uint64_t t_ms)
{
    size_t k = count_le_u64(d->pt, d->n, sizeof *d->pt,
                            offsetof(struct flog_point, t_ms), t_ms);

    return k > 0 ? k - 1 : 0;
}

size_t
flog_decisions_at(const struct flog_data *d, uint64_t t_ms)
{
    return count_le_u64(d->dec, d->n_dec, sizeof *d->dec,
                        offsetof(struct decision, t_ms), t_ms);
}

size_t
flog_phases_at(const struct flog_data *d, uint64_t t_ms)
{
    return count_le_u64(d->ph, d->n_ph, sizeof *d->ph,
                        offsetof(struct flog_phase, t_ms), t_ms);
}

size_t
flog_rounds_at(const struct flog_data *d, size_t i)
{
    return count_le_u64(d->round_at, d->n_rounds, sizeof *d->round_at, 0,
                        (uint64_t)i);
}

bool
flog_next_event(const struct flog_data *d, uint64_t t_ms, int dir,
                uint64_t *out)
{
    bool found = false;
    uint64_t best = 0;

#define CONSIDER(t)                                                          \
    do {                                                                     \
        uint64_t t_ = (t);                                                   \
        if ((dir > 0 && t_ > t_ms && (!found || t_ < best)) ||               \
            (dir < 0 && t_ < t_ms && (!found || t_ > best))) {               \
            best = t_;                                                       \
            found = true;                                                    \
        }                                                                    \
    } while (0)
    for (size_t i = 0; i < d->n_dec; i++)
        CONSIDER(d->dec[i].t_ms);
    for (size_t i = 0; i < d->n_ph; i++)
        CONSIDER(d->ph[i].t_ms);
#undef CONSIDER
    if (found)
        *out = best;
    return found;
}

uint64_t
flog_start_ms(const struct flog_data *d)
{
    return d->n ? d->pt[0].t_ms : 0;
}

uint64_t
flog_end_ms(const struct flog_data *d)
{
    return d->n ? d->pt[d->n - 1].t_ms : 0;
}

/* ---- lists of logs -------------------------------------------------- */

json_object *
flog_last_line(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t want = 16384;
    char *buf = NULL, *last = NULL;
    json_object *o;
    off_t size;

    if (f == NULL)
        return NULL;
    if (fseeko(f, 0, SEEK_END) != 0 || (size = ftello(f)) < 0) {
        fclose(f);
        return NULL;
    }
    /* a tail that holds the whole last line: twice as much until it does */
    for (;;) {
        off_t from = size > (off_t)want ? size - (off_t)want : 0;
        size_t got = 0, n;

        buf = xrealloc(buf, (size_t)(size - from) + 1);
        if (fseeko(f, from, SEEK_SET) == 0)
            got = fread(buf, 1, (size_t)(size - from), f);
        buf[n = got] = '\0';
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        last = strrchr(buf, '\n');
        if (last != NULL || from == 0 || got < (size_t)(size - from))
            break;
        want *= 2;
    }
    fclose(f);
    o = json_tokener_parse(last ? last + 1 : buf);
    free(buf);
    return o;
}

/* The strings of a brief, for copying and freeing them alike. */
static const size_t brief_strs[] = {
    offsetof(struct flog_brief, path),        offsetof(struct flog_brief, vm),
    offsetof(struct flog_brief, source),
    offsetof(struct flog_brief, destination),
    offsetof(struct flog_brief, datastore),   offsetof(struct flog_brief, kind),
    offsetof(struct flog_brief, created),
    offsetof(struct flog_brief, outcome),     offsetof(struct flog_brief, error),
};

static char **
brief_str(struct flog_brief *b, size_t k)
{
    return (char **)(void *)((char *)b + brief_strs[k]);
}

void
flog_brief_fini(struct flog_brief *b)
{
    for (size_t k = 0; k < ARRAY_SIZE(brief_strs); k++) {
        free(*brief_str(b, k));
        *brief_str(b, k) = NULL;
    }
}

void
flog_peek(const char *path, struct flog_brief *b)
{
    FILE *f = fopen(path, "r");
    char *line = NULL, *why = NULL;
    size_t cap = 0;
    ssize_t len;
    json_object *h = NULL, *r = NULL, *job;

    memset(b, 0, sizeof *b);
    b->path = xstrdup(path);
    b->total_ms = b->downtime_ms = NAN;
    if (f == NULL) {
        b->error = xasprintf("cannot read: %s", strerror(errno));
        goto out;
    }
    len = getline(&line, &cap, f);
    if (len > 0)
        h = json_tokener_parse(line);
    free(line);
    fclose(f);
    /* the list shows the file's name already: the reason alone */
    if ((why = header_why(h)) != NULL) {
        b->error = why;
        goto out;
    }
    b->ok = true;
    job = jobj(h, "job");
    b->vm = xstrdup(jstr(job, "vm", "?"));
    b->source = xstrdup(jstr(job, "source", "?"));
    b->destination = xstrdup(jstr(job, "destination", "?"));
    b->datastore = xstrdup(jstr(job, "datastore", ""));
    b->kind = xstrdup(jstr(job, "kind", "?"));
    b->created = xstrdup(jstr(h, "created", ""));
    /* the result is the last line: read the tail, not an hour of samples */
    r = flog_last_line(path);
    if (r != NULL && strcmp(jstr(r, "type", ""), "result") == 0) {
        b->outcome = xstrdup(jstr(r, "outcome", "?"));
        b->total_ms = jnum(r, "total_ms");
        if (strcmp(b->outcome, "completed") == 0)
            b->downtime_ms = jnum(r, "downtime_ms");
    } else {
        b->outcome = xstrdup("cut short");
    }
out:
    /* every string is there, empty when it does not apply */
    for (size_t k = 0; k < ARRAY_SIZE(brief_strs); k++)
        if (*brief_str(b, k) == NULL)
            *brief_str(b, k) = xstrdup("");
    json_object_put(h);
    json_object_put(r);
}

static int
brief_cmp(const void *a, const void *b)
{
    const struct flog_brief *x = a, *y = b;

    return strcmp(y->path, x->path);
}

/* The briefs and their strings in one block, so that one free() frees
 * the list (the console frees it so). The briefs in v are emptied. */
static struct flog_brief *
brief_pack(struct flog_brief *v, size_t n)
{
    size_t size = n * sizeof *v;
    struct flog_brief *out;
    char *s;

    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < ARRAY_SIZE(brief_strs); k++)
            size += strlen(*brief_str(&v[i], k)) + 1;
    out = xmalloc(size);
    s = (char *)(out + n);
    for (size_t i = 0; i < n; i++) {
        out[i] = v[i];
        for (size_t k = 0; k < ARRAY_SIZE(brief_strs); k++) {
            size_t len = strlen(*brief_str(&v[i], k)) + 1;

            memcpy(s, *brief_str(&v[i], k), len);
            *brief_str(&out[i], k) = s;
            s += len;
        }
        flog_brief_fini(&v[i]);
    }
    return out;
}

size_t
flog_list(const char *dir, struct flog_brief **out, struct ferry_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    struct flog_brief *v = NULL;
    size_t n = 0, cap = 0;

    *out = NULL;
    if (d == NULL) {
        err_set(err, "%s: %s", dir, strerror(errno));
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        char *path;

        if (len < 6 || strcmp(e->d_name + len - 6, ".jsonl") != 0)
            continue;
        v = xgrow(v, &cap, n + 1, sizeof *v);
        path = xasprintf("%s/%s", dir, e->d_name);
        flog_peek(path, &v[n++]);
        free(path);
    }
    closedir(d);
    if (n > 1)
        qsort(v, n, sizeof *v, brief_cmp);
    if (n > 0)
        *out = brief_pack(v, n);
    free(v);
    return n;
}
