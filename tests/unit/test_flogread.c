/* Reading flight logs back: a simulated migration's log replays to the
 * same samples, decisions and result; logs cut short, corrupt lines,
 * unknown versions and files that are not logs; the cursor; the summary;
 * CSV; what-if runs that reproduce the recorded outcome. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/flightlog.h"
#include "ferry/flogread.h"
#include "ferry/runner_sim.h"
#include "ferry/whatif.h"

struct capture {
    json_object *samples; /* array of the sample events, as emitted */
};

static void
on_event(void *ctx, json_object *obj)
{
    struct capture *c = ctx;
    json_object *t;

    if (json_object_object_get_ex(obj, "type", &t) &&
        strcmp(json_object_get_string(t), "sample") == 0)
        json_object_array_add(c->samples, json_object_get(obj));
}

struct fixture {
    struct policy_set set;
    struct sim_dc *dc;
    char dir[64];
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    struct ferry_err err;

    policy_set_init(&f->set);
    if (policy_set_builtin(&f->set, &err) < 0)
        return -1;
    f->dc = sim_dc_demo(&err);
    snprintf(f->dir, sizeof f->dir, "/tmp/ferry-flogreadXXXXXX");
    if (f->dc == NULL || mkdtemp(f->dir) == NULL)
        return -1;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    sim_dc_free(f->dc);
    policy_set_fini(&f->set);
    free(f);
    return 0;
}

/* Run one simulated migration with a log; returns its path (static). */
static const char *
migrate(struct fixture *f, const char *vm, const char *to, const char *ds,
        enum job_kind kind, const char *policy, struct runner_result *res,
        struct capture *cap, struct decision **dec, size_t *n_dec)
{
    static char path[256];
    struct ferry_err err;
    struct runner_opts o = {.vm = vm, .to = to, .datastore = ds,
                            .kind = kind, .budget_ms = 300,
                            .max_time_ms = 600000};
    struct runner *r;
    const struct decision *d;

    /* a fresh datacenter: every move starts from the demo's placement */
    sim_dc_free(f->dc);
    f->dc = sim_dc_demo(&err);
    assert_non_null(f->dc);
    snprintf(path, sizeof path, "%s/%s-%s.jsonl", f->dir, vm, policy);
    o.policy = policy_find(&f->set, policy);
    o.log_path = path;
    if (cap != NULL) {
        o.on_event = on_event;
        o.ctx = cap;
    }
    r = runner_new_sim(f->dc, &o, NULL, 0, &err);
    assert_non_null(r);
    while (runner_step(r))
        ;
    *res = *runner_result(r);
    if (dec != NULL) {
        d = engine_decisions(runner_job(r), n_dec);
        *dec = malloc((*n_dec + 1) * sizeof **dec);
        memcpy(*dec, d, *n_dec * sizeof **dec);
    }
    runner_free(r);
    return path;
}

/* A compute move under ferry's policy, its log loaded back. */
static struct flog_data *
moved(struct fixture *f, const char *vm, const char *to)
{
    struct runner_result res;
    struct ferry_err err;
    struct flog_data *d = flog_load(migrate(f, vm, to, NULL, KIND_COMPUTE,
                                            "ferry", &res, NULL, NULL, NULL),
                                    &err);

    assert_non_null(d);
    return d;
}

static void
replays_to_the_same_samples_decisions_and_result(void **state)
{
    struct fixture *f = *state;
    struct capture cap = {json_object_new_array()};
    struct runner_result res;
    struct decision *dec;
    size_t n_dec;
    const char *path = migrate(f, "db-01", "hv-02", NULL, KIND_COMPUTE,
                               "ferry", &res, &cap, &dec, &n_dec);
    struct ferry_err err;
    struct flog_data *d = flog_load(path, &err);

    assert_non_null(d);
    assert_int_equal(d->n_problems, 0);
    assert_false(d->cut_short);
    assert_int_equal(d->partial_line, 0);
    assert_string_equal(d->h.vm, "db-01");
    assert_string_equal(d->h.source, "hv-01");
    assert_string_equal(d->h.destination, "hv-02");
    assert_string_equal(d->h.backend, "sim");
    assert_int_equal(d->h.budget_ms, 300);
    /* every sample, field for field */
    assert_int_equal(d->n, json_object_array_length(cap.samples));
    for (size_t i = 0; i < d->n; i++) {
        json_object *o = json_object_array_get_idx(cap.samples, i), *v;
        struct job_sample s;
        struct estimate e;

        assert_int_equal(flog_sample_full(d, i, &s, &e, &err), 0);
        assert_true(json_object_object_get_ex(o, "t_ms", &v));
        assert_int_equal(d->pt[i].t_ms, json_object_get_int64(v));
        for (int k = 1; k < SF_COUNT; k++) {
            bool has = json_object_object_get_ex(o, sample_field_names[k],
                                                 &v);

            assert_int_equal(sample_has(&s, (enum sample_field)k), has);
            if (has)
                assert_int_equal(s.v[k], json_object_get_int64(v));
        }
        assert_true(json_object_object_get_ex(o, "phase", &v));
        assert_string_equal(job_phase_name((enum job_phase)d->pt[i].phase),
                            json_object_get_string(v));
    }
    /* the decisions, with their reasons */
    assert_int_equal(d->n_dec, n_dec);
    for (size_t i = 0; i < n_dec; i++) {
        assert_int_equal(d->dec[i].t_ms, dec[i].t_ms);
        assert_int_equal(d->dec[i].action, dec[i].action);
        assert_int_equal(d->dec[i].value, dec[i].value);
        assert_string_equal(d->dec[i].reason, dec[i].reason);
    }
    /* the result */
    assert_true(d->res.present);
    assert_int_equal(d->res.phase, res.phase);
    assert_int_equal(d->res.total_ms, res.total_ms);
    assert_int_equal(d->res.downtime_ms, res.downtime_ms);
    assert_int_equal(d->res.rounds, res.rounds);
    assert_int_equal(d->res.bytes_sent, res.bytes_sent);
    assert_true(d->n_rounds >= 2);
    assert_true(d->n_ph >= 5);
    free(dec);
    json_object_put(cap.samples);
    flog_data_free(d);
}

/* The file's text with a transformation applied, loaded from memory. */
static char *
slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "r");
    char *buf;

    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    *len = (size_t)ftell(fp);
    rewind(fp);
    buf = malloc(*len + 1);
    assert_int_equal(fread(buf, 1, *len, fp), *len);
    buf[*len] = '\0';
    fclose(fp);
    return buf;
}

/* Offset of the start of line n (1-based). */
static size_t
line_at(const char *s, size_t n)
{
    size_t off = 0;

    for (size_t l = 1; l < n; l++)
        off = (size_t)(strchr(s + off, '\n') - s) + 1;
    return off;
}

static void
a_log_cut_short_replays_up_to_its_last_complete_line(void **state)
{
    struct fixture *f = *state;
    struct runner_result res;
    const char *path = migrate(f, "web-01", "hv-02", NULL, KIND_COMPUTE,
                               "ferry", &res, NULL, NULL, NULL);
    size_t len, cut;
    char *text = slurp(path, &len);
    struct ferry_err err;
    struct flog_data *d;
    char *summary;

    /* the writer died in the middle of line 20 */
    cut = line_at(text, 20) + 17;
    d = flog_load_mem("cut.jsonl", text, cut, &err);
    assert_non_null(d);
    assert_true(d->cut_short);
    assert_int_equal(d->partial_line, 20);
    assert_int_equal(d->n_problems, 0);
    assert_false(d->res.present);
    assert_true(d->n > 5 && d->n < 19);
    summary = flog_summary(d);
    assert_non_null(strstr(summary, "cut short"));
    assert_non_null(strstr(summary, "line 20 was cut off"));
    free(summary);
    flog_data_free(d);
    free(text);
}

static void
corrupt_lines_are_reported_with_their_numbers_and_skipped(void **state)
{
    struct fixture *f = *state;
    struct runner_result res;
    const char *path = migrate(f, "web-02", "hv-02", NULL, KIND_COMPUTE,
                               "ferry", &res, NULL, NULL, NULL);
    size_t len, n_ok;
    char *text = slurp(path, &len), *bad;
    struct ferry_err err;
    struct flog_data *d = flog_load_mem("ok.jsonl", text, len, &err);
    size_t l5 = line_at(text, 5), l9 = line_at(text, 9);
    FILE *m;
    size_t blen;

    assert_non_null(d);
    n_ok = d->n;
    flog_data_free(d);
    /* line 5 becomes garbage, line 9 loses its time, one line added */
    m = open_memstream(&bad, &blen);
    fwrite(text, 1, l5, m);
    fputs("{\"type\":\"sample\",\"t_ms\":\"soon\",\"phase\":\"bulk\"}\n", m);
    fwrite(text + line_at(text, 6), 1, l9 - line_at(text, 6), m);
    fputs("not json at all\n", m);
    fputs(text + line_at(text, 10), m);
    fputs("{\"type\":\"telemetry\",\"t_ms\":1}\n", m);
    fclose(m);
    d = flog_load_mem("bad.jsonl", bad, blen, &err);
    assert_non_null(d);
    assert_int_equal(d->n_problems, 3);
    assert_int_equal(d->problems[0].line, 5);
    assert_non_null(strstr(d->problems[0].message, "t_ms"));
    assert_int_equal(d->problems[1].line, 9);
    assert_non_null(strstr(d->problems[1].message, "not JSON"));
    assert_non_null(strstr(d->problems[2].message, "telemetry"));
    assert_true(d->res.present); /* the rest is read */
    assert_true(d->n >= n_ok - 2 && d->n < n_ok);
    flog_data_free(d);
    free(bad);
    free(text);
}

static void
what_is_not_a_readable_log_is_refused_clearly(void **state)
{
    struct ferry_err err;
    const char *v2 = "{\"type\":\"header\",\"format\":\"ferry-flightlog\","
                     "\"version\":2}\n";
    const char *other = "{\"type\":\"header\",\"format\":\"other\"}\n";

    (void)state;
    assert_null(flog_load_mem("v2.jsonl", v2, strlen(v2), &err));
    assert_non_null(strstr(err.msg, "v2.jsonl: flight log format version "
                                    "2; this ferry reads version 1"));
    assert_null(flog_load_mem("o.jsonl", other, strlen(other), &err));
    assert_non_null(strstr(err.msg, "not a ferry flight log"));
    assert_null(flog_load_mem("t.txt", "hello\n", 6, &err));
    assert_non_null(strstr(err.msg, "t.txt: not a ferry flight log"));
    assert_null(flog_load_mem("e.jsonl", "", 0, &err));
    assert_non_null(strstr(err.msg, "empty"));
    assert_null(flog_load_mem("b.bin", "\x7f" "ELF\0\1", 6, &err));
    assert_non_null(strstr(err.msg, "binary"));
    assert_null(flog_load("/nonexistent/x.jsonl", &err));
    assert_non_null(strstr(err.msg, "/nonexistent/x.jsonl: cannot read"));
}

static void
the_cursor_finds_samples_and_events_by_time(void **state)
{
    struct flog_data *d = moved(*state, "cache-01", "hv-01");
    uint64_t t, end;
    size_t k;

    end = flog_end_ms(d);
    assert_int_equal(flog_index_at(d, 0), 0);
    assert_int_equal(flog_index_at(d, end), d->n - 1);
    assert_int_equal(flog_index_at(d, end + 100000), d->n - 1);
    k = flog_index_at(d, end / 2);
    assert_true(d->pt[k].t_ms <= end / 2);
    assert_true(k + 1 == d->n || d->pt[k + 1].t_ms > end / 2);
    /* the post-copy decision is an event; from the start, forward */
    assert_true(flog_next_event(d, 0, 1, &t));
    assert_true(t > 0);
    while (flog_decisions_at(d, t) < d->n_dec &&
           flog_next_event(d, t, 1, &t))
        ;
    assert_int_equal(flog_decisions_at(d, t), d->n_dec);
    assert_int_equal(d->dec[d->n_dec - 1].action, ACT_POSTCOPY);
    assert_true(flog_next_event(d, t, -1, &t));
    assert_false(flog_next_event(d, 0, -1, &t));
    assert_int_equal(flog_rounds_at(d, 0), d->pt[0].iter > 0 ? 1 : 0);
    assert_int_equal(flog_rounds_at(d, d->n - 1), d->n_rounds);
    flog_data_free(d);
}

static void
the_summary_explains_a_stall(void **state)
{
    struct flog_data *d = moved(*state, "cache-01", "hv-01");
    char *s = flog_summary(d), stall[400];

    assert_non_null(strstr(s, "completed in"));
    assert_non_null(strstr(s, "budget 300 ms (within)"));
    assert_non_null(strstr(s, "pages fetched on demand"));
    assert_non_null(strstr(s, "postcopy"));
    flog_stall(d, stall, sizeof stall);
    /* the cache rewrites memory faster than 10 GbE copies it */
    assert_non_null(strstr(stall, "dirtied memory at"));
    assert_non_null(strstr(stall, "could not converge"));
    free(s);
    flog_data_free(d);
    /* a web server converges: no stall */
    d = moved(*state, "web-03", "hv-01");
    flog_stall(d, stall, sizeof stall);
    assert_string_equal(stall, "");
    flog_data_free(d);
}

static void
csv_has_a_row_per_sample(void **state)
{
    struct flog_data *d = moved(*state, "web-01", "hv-02");
    struct ferry_err err;
    char *buf;
    size_t len, rows = 0;
    FILE *m = open_memstream(&buf, &len);

    assert_int_equal(flog_export_csv(d, m, &err), 0);
    fclose(m);
    for (char *p = buf; *p; p++)
        rows += *p == '\n';
    assert_int_equal(rows, d->n + 1);
    assert_true(strncmp(buf, "t_ms,phase,status,stage,guest_paused,"
                             "data_total,", 37) == 0);
    assert_non_null(strstr(buf, "\n50,bulk,active,memory,0,"));
    free(buf);
    flog_data_free(d);
}

/* What-if with the log's own policy: the same outcome, to the byte. */
static void
whatif_with_its_own_policy_reproduces_the_outcome(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *vm, *to, *ds, *policy;
        enum job_kind kind;
    } cases[] = {
        {"db-01", "hv-02", NULL, "ferry", KIND_COMPUTE},
        {"cache-01", "hv-01", NULL, "ferry", KIND_COMPUTE},
        {"batch-01", "hv-03", NULL, "ovirt-postcopy", KIND_COMPUTE},
        {"files-01", NULL, "ds-shared", "ferry", KIND_STORAGE},
        {"web-01", "hv-02", "ds-ssd-02", "ferry", KIND_BOTH},
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        struct runner_result res;
        struct decision *dec;
        size_t n_dec;
        const char *path = migrate(f, cases[i].vm, cases[i].to, cases[i].ds,
                                   cases[i].kind, cases[i].policy, &res,
                                   NULL, &dec, &n_dec);
        struct ferry_err err;
        struct flog_data *d = flog_load(path, &err);
        struct policy *own;
        const struct policy *pol = whatif_policy(d, &f->set, d->h.policy,
                                                 &own, &err);
        struct whatif w;

        /* the definition the log recorded, not the configured one */
        assert_non_null(own);
        assert_ptr_equal(pol, own);
        assert_int_equal(whatif_run(d, pol, 0, &w, &err), 0);
        assert_true(w.exact);
        assert_int_equal(w.res.phase, res.phase);
        assert_int_equal(w.res.total_ms, res.total_ms);
        assert_int_equal(w.res.downtime_ms, res.downtime_ms);
        assert_int_equal(w.res.rounds, res.rounds);
        assert_int_equal(w.res.bytes_sent, res.bytes_sent);
        assert_int_equal(w.n_dec, n_dec);
        for (size_t k = 0; k < n_dec; k++)
            assert_string_equal(w.dec[k].reason, dec[k].reason);
        whatif_fini(&w);
        whatif_policy_free(own);
        flog_data_free(d);
        free(dec);
    }
}

/* Another policy on the same workload gives another outcome; a log
 * without the simulator's datacenter runs from its recorded rates. */
static void
whatif_compares_policies_and_runs_real_host_logs(void **state)
{
    struct fixture *f = *state;
    struct runner_result res;
    const char *path = migrate(f, "cache-01", "hv-01", NULL, KIND_COMPUTE,
                               "ferry", &res, NULL, NULL, NULL);
    struct ferry_err err;
    struct flog_data *d = flog_load(path, &err);
    struct whatif w;
    char *cmp;
    size_t len;
    char *text, *nl;
    json_object *h;

    assert_int_equal(whatif_run(d, policy_find(&f->set, "qemu-default"), 0,
                                &w, &err),
                     0);
    /* QEMU alone never converges on this cache: it gives up */
    assert_int_not_equal(w.res.phase, PH_DONE);
    cmp = whatif_compare(d, &w);
    assert_non_null(strstr(cmp, "recorded: ferry, 300 ms"));
    assert_non_null(strstr(cmp, "what-if: qemu-default, 300 ms"));
    free(cmp);
    whatif_fini(&w);
    flog_data_free(d);

    /* the same log as a real host would write it: no sim_ini */
    text = slurp(path, &len);
    nl = strchr(text, '\n');
    *nl = '\0';
    h = json_tokener_parse(text);
    json_object_object_del(h, "sim_ini");
    {
        const char *hs = json_object_to_json_string_ext(
            h, JSON_C_TO_STRING_PLAIN);
        char *full = xasprintf("%s\n%s", hs, nl + 1);

        d = flog_load_mem("real.jsonl", full, strlen(full), &err);
        free(full);
    }
    json_object_put(h);
    assert_non_null(d);
    assert_int_equal(whatif_run(d, policy_find(&f->set, "ferry"), 0, &w,
                                &err),
                     0);
    assert_false(w.exact);
    /* the recorded workload does not converge either: ferry escalates */
    assert_int_equal(w.res.phase, PH_DONE);
    assert_true(w.n_dec >= 2);
    assert_int_equal(w.dec[w.n_dec - 1].action, ACT_POSTCOPY);
    whatif_fini(&w);
    /* and a larger budget does not make a 1.8 GiB/s cache converge */
    assert_int_equal(whatif_run(d, policy_find(&f->set, "ferry"), 2000, &w,
                                &err),
                     0);
    assert_int_equal(w.budget_ms, 2000);
    whatif_fini(&w);
    flog_data_free(d);
    free(text);
}

static void
policies_survive_their_ini_round_trip(void **state)
{
    struct fixture *f = *state;

    for (size_t i = 0; i < f->set.n; i++) {
        const struct policy *p = &f->set.v[i];
        char *ini = policy_to_ini(p), a[200], b[200];
        struct ferry_err err;
        struct ini_doc *doc = ini_load_string("rt", ini, &err);
        struct policy_set one;

        assert_non_null(doc);
        policy_set_init(&one);
        assert_int_equal(policy_set_load(&one, doc, &err), 0);
        assert_int_equal(one.n, 1);
        assert_string_equal(one.v[0].name, p->name);
        assert_int_equal(one.v[0].n_steps, p->n_steps);
        for (size_t k = 0; k < p->n_steps; k++) {
            assert_int_equal(one.v[0].steps[k].trig, p->steps[k].trig);
            assert_true(one.v[0].steps[k].value == p->steps[k].value);
            assert_int_equal(one.v[0].steps[k].action, p->steps[k].action);
            assert_int_equal(one.v[0].steps[k].arg, p->steps[k].arg);
        }
        policy_summary(p, a, sizeof a);
        policy_summary(&one.v[0], b, sizeof b);
        assert_string_equal(a, b);
        assert_int_equal(one.v[0].n_escalation, p->n_escalation);
        assert_true(one.v[0].throttle_max == p->throttle_max);
        policy_set_fini(&one);
        ini_free(doc);
        free(ini);
    }
}

/* A name of n characters: prefix, then a letter repeated. Caller frees. */
static char *
long_name(const char *prefix, char fill, size_t n)
{
    char *s = malloc(n + 1);
    size_t k = strlen(prefix);

    memcpy(s, prefix, k);
    memset(s + k, fill, n - k);
    s[n] = '\0';
    return s;
}

/* Names as long as libvirt allows (255 characters and more) go into the
 * log whole and come back whole: the header, the brief of a list of
 * logs, the summary. */
static void
long_names_survive_the_log_its_brief_and_its_summary(void **state)
{
    struct fixture *f = *state;
    char *vm = long_name("vm-", 'v', 300), *src = long_name("src-", 's', 260),
         *dst = long_name("dst-", 'd', 255), *ds = long_name("ds-", 'x', 280);
    char *ini, *path, *sum;
    struct ferry_err err;
    struct sim_dc *dc;
    struct runner *r;
    struct flog_data *d;
    struct flog_brief b, *list;
    size_t n;

    (void)state;
    if (asprintf(&ini,
                 "[sim]\nseed = 3\nlink_bandwidth = 10Gbit\n"
                 "[host %s]\nmemory = 64GiB\n[host %s]\nmemory = 64GiB\n"
                 "[datastore %s]\nhosts = *\ncapacity = 1TiB\n"
                 "[vm %s]\nhost = %s\nmemory = 1GiB\ndisks = vda:%s:10GiB\n"
                 "workload = web\n",
                 src, dst, ds, vm, src, ds) < 0 ||
        asprintf(&path, "%s/long.jsonl", f->dir) < 0)
        fail();
    dc = sim_dc_load_string("long.ini", ini, &err);
    if (dc == NULL)
        fail_msg("%s", err.msg);
    {
        struct runner_opts o = {.vm = vm, .to = dst, .kind = KIND_COMPUTE,
                                .budget_ms = 300, .max_time_ms = 600000,
                                .policy = policy_find(&f->set, "ferry"),
                                .log_path = path};

        r = runner_new_sim(dc, &o, NULL, 0, &err);
        if (r == NULL)
            fail_msg("%s", err.msg);
        while (runner_step(r))
            ;
        runner_free(r);
    }
    d = flog_load(path, &err);
    assert_non_null(d);
    assert_string_equal(d->h.vm, vm);
    assert_string_equal(d->h.source, src);
    assert_string_equal(d->h.destination, dst);
    assert_true(d->res.present);
    sum = flog_summary(d);
    assert_non_null(strstr(sum, vm));
    assert_non_null(strstr(sum, src));
    assert_non_null(strstr(sum, dst));
    free(sum);
    flog_data_free(d);

    flog_peek(path, &b);
    assert_true(b.ok);
    assert_string_equal(b.path, path);
    assert_string_equal(b.vm, vm);
    assert_string_equal(b.source, src);
    assert_string_equal(b.destination, dst);
    assert_string_equal(b.outcome, "completed");
    assert_string_equal(b.error, "");
    flog_brief_fini(&b);
    flog_brief_fini(&b); /* fini twice is harmless */

    n = flog_list(f->dir, &list, &err);
    assert_true(n >= 1);
    {
        bool seen = false;

        for (size_t i = 0; i < n; i++)
            if (strcmp(list[i].path, path) == 0) {
                seen = true;
                assert_string_equal(list[i].vm, vm);
                assert_string_equal(list[i].source, src);
                assert_string_equal(list[i].destination, dst);
                assert_string_equal(list[i].kind, "compute");
            }
        assert_true(seen);
    }
    free(list); /* one block: the briefs and their strings */
    unlink(path);
    sim_dc_free(dc);
    free(ini);
    free(path);
    free(vm);
    free(src);
    free(dst);
    free(ds);
}

/* A result line longer than any tail read at once is still found. */
static void
the_last_line_is_read_whatever_its_length(void **state)
{
    struct fixture *f = *state;
    char *path, *big = long_name("", 'r', 100000);
    struct flog_brief b;
    json_object *o;
    FILE *fp;

    if (asprintf(&path, "%s/bigtail.jsonl", f->dir) < 0)
        fail();
    fp = fopen(path, "w");
    assert_non_null(fp);
    fprintf(fp, "{\"type\":\"header\",\"format\":\"ferry-flightlog\","
                "\"version\":1,\"job\":{\"vm\":\"v\"}}\n"
                "{\"type\":\"result\",\"outcome\":\"failed\","
                "\"reason\":\"%s\",\"total_ms\":5}\n", big);
    fclose(fp);
    o = flog_last_line(path);
    assert_non_null(o);
    json_object_put(o);
    flog_peek(path, &b);
    assert_true(b.ok);
    assert_string_equal(b.outcome, "failed");
    assert_true(b.total_ms == 5);
    flog_brief_fini(&b);
    /* a file that is not a log: the reason, without the path */
    fp = fopen(path, "w");
    fputs("hello\n", fp);
    fclose(fp);
    flog_peek(path, &b);
    assert_false(b.ok);
    assert_non_null(strstr(b.error, "not a ferry flight log"));
    assert_null(strstr(b.error, path));
    assert_string_equal(b.vm, "");
    flog_brief_fini(&b);
    unlink(path);
    free(path);
    free(big);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replays_to_the_same_samples_decisions_and_result),
        cmocka_unit_test(a_log_cut_short_replays_up_to_its_last_complete_line),
        cmocka_unit_test(
            corrupt_lines_are_reported_with_their_numbers_and_skipped),
        cmocka_unit_test(what_is_not_a_readable_log_is_refused_clearly),
        cmocka_unit_test(the_cursor_finds_samples_and_events_by_time),
        cmocka_unit_test(the_summary_explains_a_stall),
        cmocka_unit_test(csv_has_a_row_per_sample),
        cmocka_unit_test(whatif_with_its_own_policy_reproduces_the_outcome),
        cmocka_unit_test(whatif_compares_policies_and_runs_real_host_logs),
        cmocka_unit_test(policies_survive_their_ini_round_trip),
        cmocka_unit_test(long_names_survive_the_log_its_brief_and_its_summary),
        cmocka_unit_test(the_last_line_is_read_whatever_its_length),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
