/* The fail-safe's pure part: the arm messages, the decision per
 * on_steering_lost and what the hosts showed, the records appended to a
 * flight log cut short by the server's death (read back as the replay
 * reads them), and the notice an earlier server's guard leaves becoming a
 * job the next server shows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/flogread.h"
#include "ferry/guard.h"
#include "ferry/jobs.h"
#include "ferry/loop.h"
#include "ferry/runner.h"
#include "ferry/sim.h"

static void
job(struct guard_job *j, enum guard_kind k, enum steer_lost mode)
{
    memset(j, 0, sizeof *j);
    j->id = xstrdup("42-1");
    j->kind = k;
    j->mode = mode;
    j->budget_ms = 300;
    j->vm = xstrdup("hot");
    j->src = xstrdup("lab-a");
    j->dst = xstrdup(k == GUARD_BLOCKCOPY ? "lab-a" : "lab-b");
    j->src_uri = xstrdup("qemu+tcp://10.0.0.1/system");
    j->dst_uri = xstrdup("qemu+tcp://10.0.0.2/system");
    j->t0_unix_ms = 1000000;
    if (k != GUARD_LIVE) {
        j->n_disks = 1;
        j->disks = xcalloc(2, sizeof *j->disks);
        j->disks[0] = xstrdup("vda");
        j->n_new = 1;
        j->new_vols = xcalloc(2, sizeof *j->new_vols);
        j->new_vols[0] = xstrdup("/var/lib/ferry/b/hot-vda.raw");
    }
}

static void
arm_messages_round_trip_and_bad_ones_say_what(void **state)
{
    struct guard_job a, b;
    struct ferry_err err;
    json_object *o;
    static const struct {
        const char *json, *says;
    } bad[] = {
        {"[]", "must be an object"},
        {"{\"id\":\"1\",\"kind\":\"live\",\"mode\":\"abort\",\"src\":\"a\","
         "\"src_uri\":\"u\"}",
         "vm"},
        {"{\"id\":\"1\",\"kind\":\"warp\",\"mode\":\"abort\",\"vm\":\"v\","
         "\"src\":\"a\",\"src_uri\":\"u\"}",
         "'warp' is not live, blockcopy or cold"},
        {"{\"id\":\"1\",\"kind\":\"live\",\"mode\":\"hope\",\"vm\":\"v\","
         "\"src\":\"a\",\"src_uri\":\"u\"}",
         "'hope' is not abort or budget"},
        {"{\"id\":\"1\",\"kind\":\"cold\",\"mode\":\"abort\",\"vm\":\"v\","
         "\"src\":\"a\",\"src_uri\":\"u\",\"new_volumes\":[1]}",
         "\"new_volumes\"[0]: not a string"},
    };

    (void)state;
    job(&a, GUARD_COLD, STEER_LOST_BUDGET);
    o = guard_job_to_json(&a);
    assert_int_equal(guard_job_from_json(o, &b, &err), 0);
    json_object_put(o);
    assert_string_equal(b.id, "42-1");
    assert_int_equal(b.kind, GUARD_COLD);
    assert_int_equal(b.mode, STEER_LOST_BUDGET);
    assert_int_equal(b.budget_ms, 300);
    assert_string_equal(b.dst_uri, a.dst_uri);
    assert_int_equal(b.t0_unix_ms, a.t0_unix_ms);
    assert_int_equal(b.n_new, 1);
    assert_string_equal(b.new_vols[0], a.new_vols[0]);
    assert_string_equal(b.disks[0], "vda");
    guard_job_fini(&a);
    guard_job_fini(&b);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = json_tokener_parse(bad[i].json);
        assert_int_equal(guard_job_from_json(o, &b, &err), -1);
        if (strstr(err.msg, bad[i].says) == NULL)
            fail_msg("%s: got \"%s\"", bad[i].json, err.msg);
        json_object_put(o);
    }
}

static enum guard_act
decide(const struct guard_job *j, const struct guard_seen *s, char *why)
{
    enum guard_act a = guard_decide(j, s, why, 600);

    assert_non_null(strstr(why, "steering lost: "));
    return a;
}

static void
the_decision_follows_on_steering_lost_and_what_runs(void **state)
{
    struct guard_job j;
    struct guard_seen s = {.reached = true, .job_active = true};
    char why[600];

    (void)state;
    /* live, abort (the default): aborted, the VM stays */
    job(&j, GUARD_LIVE, STEER_LOST_ABORT);
    assert_int_equal(decide(&j, &s, why), GA_ABORT);
    assert_non_null(strstr(why, "hot stays on lab-a"));
    assert_string_equal(guard_outcome(&j, &s, GA_ABORT, true), "cancelled");
    /* an abort that did not take: it still runs, nothing has ended */
    assert_string_equal(guard_outcome(&j, &s, GA_ABORT, false), "unknown");
    /* already over: nothing to do, and the outcome says which way */
    s.job_active = false;
    s.on_dst = true;
    assert_int_equal(decide(&j, &s, why), GA_NONE);
    assert_non_null(strstr(why, "already completed, hot runs on lab-b"));
    assert_string_equal(guard_outcome(&j, &s, GA_NONE, true), "completed");
    s.on_dst = false;
    assert_int_equal(decide(&j, &s, why), GA_NONE);
    assert_non_null(strstr(why, "still runs on lab-a"));
    assert_string_equal(guard_outcome(&j, &s, GA_NONE, true), "cancelled");
    guard_job_fini(&j);
    /* live, budget: QEMU gets the budget and the move goes on */
    job(&j, GUARD_LIVE, STEER_LOST_BUDGET);
    s.job_active = true;
    assert_int_equal(decide(&j, &s, why), GA_BUDGET);
    assert_non_null(strstr(why, "300 ms downtime budget"));
    assert_string_equal(guard_outcome(&j, &s, GA_BUDGET, true), "handed-over");
    /* a host that does not answer: nothing can be done, and it says so */
    s.reached = false;
    snprintf(s.error, sizeof s.error, "Connection refused");
    assert_int_equal(decide(&j, &s, why), GA_NONE);
    assert_non_null(strstr(why, "lab-a cannot be reached (Connection refused)"));
    assert_string_equal(guard_outcome(&j, &s, GA_NONE, false), "unknown");
    guard_job_fini(&j);
    /* a block copy, whatever the mode: cancelled without a pivot */
    memset(&s, 0, sizeof s);
    s.reached = s.job_active = true;
    job(&j, GUARD_BLOCKCOPY, STEER_LOST_BUDGET);
    assert_int_equal(decide(&j, &s, why), GA_CANCEL_COPY);
    assert_non_null(strstr(why, "without a pivot"));
    /* ... unless it pivoted already: then the new disks are its own */
    s.job_active = false;
    s.uses_new = true;
    assert_int_equal(decide(&j, &s, why), GA_NONE);
    assert_non_null(strstr(why, "old ones are kept"));
    assert_string_equal(guard_outcome(&j, &s, GA_NONE, true), "completed");
    guard_job_fini(&j);
    /* a cold copy: the partial volumes go, the source stays */
    memset(&s, 0, sizeof s);
    s.reached = true;
    job(&j, GUARD_COLD, STEER_LOST_ABORT);
    assert_int_equal(decide(&j, &s, why), GA_DELETE_PARTIAL);
    assert_non_null(strstr(why, "partial volumes on lab-b are deleted"));
    s.on_dst = true;
    assert_int_equal(decide(&j, &s, why), GA_NONE);
    assert_non_null(strstr(why, "source volumes are kept"));
    guard_job_fini(&j);
}

static const char *
field(json_object *o, const char *k)
{
    json_object *v;

    return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v)
                                                : "";
}

static void
records_say_what_the_guard_did(void **state)
{
    struct guard_job j;
    struct guard_seen s = {.reached = true, .job_active = true};
    json_object *r[3];
    char why[600];
    size_t n;

    (void)state;
    job(&j, GUARD_LIVE, STEER_LOST_ABORT);
    guard_decide(&j, &s, why, sizeof why);
    n = guard_records(&j, &s, GA_ABORT, true, NULL, why, 1000000 + 65000, r);
    assert_int_equal(n, 2);
    assert_string_equal(field(r[0], "type"), "decision");
    assert_string_equal(field(r[0], "action"), "abort");
    assert_string_equal(field(r[0], "t_ms"), "65000");
    assert_string_equal(field(r[1], "type"), "result");
    assert_string_equal(field(r[1], "outcome"), "cancelled");
    assert_non_null(strstr(field(r[1], "reason"), "steering lost"));
    for (size_t i = 0; i < n; i++)
        json_object_put(r[i]);
    /* the abort refused while it runs on: a decision and the error, no
     * result (the move has not ended) */
    n = guard_records(&j, &s, GA_ABORT, false, "abort refused: busy", why,
                      1000000 + 65000, r);
    assert_int_equal(n, 2);
    assert_string_equal(field(r[1], "type"), "error");
    assert_string_equal(field(r[1], "message"),
                        "steering lost: abort refused: busy");
    for (size_t i = 0; i < n; i++)
        json_object_put(r[i]);
    /* aborted, but its new volumes could not go: a failed result */
    s.job_active = false;
    n = guard_records(&j, &s, GA_ABORT, false, "cannot delete /v: busy", why,
                      1000000 + 65000, r);
    assert_int_equal(n, 3);
    assert_string_equal(field(r[2], "outcome"), "failed");
    for (size_t i = 0; i < n; i++)
        json_object_put(r[i]);
    s.job_active = true;
    guard_job_fini(&j);
    /* budget: the decision alone; the log stays open for the end or an
     * adopting server */
    job(&j, GUARD_LIVE, STEER_LOST_BUDGET);
    guard_decide(&j, &s, why, sizeof why);
    n = guard_records(&j, &s, GA_BUDGET, true, NULL, why, 1000000 + 1000, r);
    assert_int_equal(n, 1);
    assert_string_equal(field(r[0], "action"), "downtime");
    assert_string_equal(field(r[0], "value"), "300");
    json_object_put(r[0]);
    guard_job_fini(&j);
}

/* A log the server was writing when it died (a line cut short), its end
 * appended by the guard, read back as the replay reads it. */
static void
appended_records_end_a_cut_log_readably(void **state)
{
    struct sim_dc *dc;
    struct hv *hv;
    struct policy_set set;
    struct queue_cfg q;
    struct ferry_err err;
    struct jobs *js;
    struct job_req rq;
    const struct job *jb;
    struct guard_job j;
    struct guard_seen s = {.reached = true, .job_active = true};
    struct flog_data *d;
    json_object *meta, *r[3], *notice;
    char dir[64] = "/tmp/ferry-guardXXXXXX", why[600], *path, cmd[128];
    uint64_t now = loop_now_ms();
    size_t n;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    policy_set_init(&set);
    assert_int_equal(policy_set_builtin(&set, &err), 0);
    assert_non_null(dc = sim_dc_demo(&err));
    hv = hv_sim_new(dc, true);
    queue_cfg_default(&q);
    {
        struct jobs_cfg c = {
            .hv = hv, .policies = &set, .queue = &q, .log_dir = dir};

        js = jobs_new(&c);
    }
    job_req_init(&rq);
    rq.vm = xstrdup("cache-01");
    rq.host = xstrdup("hv-01");
    rq.kind = KIND_COMPUTE;
    jb = jobs_submit(js, &rq, NULL, &err);
    assert_non_null(jb);
    for (int i = 0; i < 30; i++) {
        now += 200;
        jobs_tick(js, now);
    }
    assert_int_equal(job_state(jb), JOB_RUNNING);
    meta = job_meta_json(js, jb);
    path = xstrdup(field(meta, "log"));
    json_object_put(meta);
    /* the server dies mid-write: no more ticks, a line cut short */
    f = fopen(path, "a");
    assert_non_null(f);
    fputs("{\"type\":\"sample\",\"t_ms\":99", f);
    fclose(f);
    job(&j, GUARD_LIVE, STEER_LOST_ABORT);
    free(j.vm);
    j.vm = xstrdup("cache-01");
    j.log = xstrdup(path);
    guard_decide(&j, &s, why, sizeof why);
    n = guard_records(&j, &s, GA_ABORT, true, NULL, why, 1000000 + 7000, r);
    assert_false(guard_log_ended(path));
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(guard_append(path, r[i], &err), 0);
        json_object_put(r[i]);
    }
    assert_true(guard_log_ended(path));
    d = flog_load(path, &err);
    assert_non_null(d);
    assert_true(d->res.present);
    assert_int_equal(d->res.phase, PH_CANCELLED);
    assert_non_null(strstr(d->res.reason, "steering lost"));
    assert_true(d->n_dec > 0);
    assert_int_equal(d->dec[d->n_dec - 1].action, ACT_ABORT);
    assert_int_equal(d->dec[d->n_dec - 1].t_ms, 7000);
    assert_true(d->n_problems >= 1); /* the cut line, reported, skipped */
    flog_data_free(d);
    /* a file that cannot be written: an error naming it */
    notice = json_object_new_object();
    assert_int_equal(guard_append("/nonexistent/x.jsonl", notice, &err), -1);
    json_object_put(notice);
    assert_non_null(strstr(err.msg, "/nonexistent/x.jsonl"));
    /* the next server: the notice becomes an ended job, marked */
    notice = guard_notice_json(&j, &s, GA_ABORT, true, NULL, why,
                               1000000 + 7000);
    jb = jobs_add_lost(js, notice, &err);
    json_object_put(notice);
    assert_non_null(jb);
    assert_int_equal(job_state(jb), JOB_ENDED);
    meta = job_meta_json(js, jb);
    assert_string_equal(field(meta, "outcome"), "cancelled");
    assert_string_equal(field(meta, "steering_lost"), "true");
    assert_string_equal(field(meta, "source"), "lab-a");
    assert_string_equal(field(meta, "log"), path);
    assert_non_null(strstr(field(meta, "reason"), "aborted and cache-01 stays"));
    json_object_put(meta);
    guard_job_fini(&j);
    /* budget handed over, and a malformed notice */
    job(&j, GUARD_LIVE, STEER_LOST_BUDGET);
    notice = guard_notice_json(&j, &s, GA_BUDGET, true, NULL, "steering lost: x",
                               1000000);
    jb = jobs_add_lost(js, notice, &err);
    json_object_put(notice);
    meta = job_meta_json(js, jb);
    assert_string_equal(field(meta, "outcome"), "handed-over");
    json_object_put(meta);
    notice = json_tokener_parse("{\"vm\":\"x\",\"kind\":\"live\"}");
    assert_null(jobs_add_lost(js, notice, &err));
    assert_non_null(strstr(err.msg, "src"));
    json_object_put(notice);
    guard_job_fini(&j);
    job_req_fini(&rq);
    jobs_free(js);
    hv_free(hv);
    policy_set_fini(&set);
    free(path);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static size_t
count_in(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0, n = 0;

    while (f != NULL && getline(&line, &cap, f) > 0)
        n += strstr(line, needle) != NULL;
    free(line);
    if (f != NULL)
        fclose(f);
    return n;
}

/* A server dies mid-move (its runner freed, no result written); the next
 * one adopts the move from the flight log: the engine re-fitted from the
 * log's samples, the same file appended to (one header, the gap noted),
 * steered to the end. */
static void
a_move_whose_server_died_is_adopted_from_its_log(void **state)
{
    struct sim_dc *dc;
    struct hv *hv;
    struct policy_set set;
    struct queue_cfg q;
    struct ferry_err err;
    struct jobs *js;
    struct job_req rq;
    const struct job *jb;
    struct flog_data *d0, *d1;
    struct job_sample last;
    struct estimate est;
    json_object *meta;
    char dir[64] = "/tmp/ferry-adoptXXXXXX", cmd[300], *path, *copy;
    const char *recs;
    size_t len, lines, n0;
    uint64_t now = loop_now_ms();

    (void)state;
    assert_non_null(mkdtemp(dir));
    policy_set_init(&set);
    assert_int_equal(policy_set_builtin(&set, &err), 0);
    assert_non_null(dc = sim_dc_demo(&err));
    hv = hv_sim_new(dc, true);
    queue_cfg_default(&q);
    struct jobs_cfg c = {.hv = hv, .policies = &set, .queue = &q,
                         .log_dir = dir};
    js = jobs_new(&c);
    job_req_init(&rq);
    rq.vm = xstrdup("cache-01");
    rq.host = xstrdup("hv-01");
    jb = jobs_submit(js, &rq, NULL, &err);
    assert_non_null(jb);
    for (int i = 0; i < 20; i++)
        jobs_tick(js, now += 200);
    assert_int_equal(job_state(jb), JOB_RUNNING);
    meta = job_meta_json(js, jb);
    path = xstrdup(field(meta, "log"));
    json_object_put(meta);
    jobs_free(js); /* the server dies: no result is written */
    assert_false(guard_log_ended(path));
    d0 = flog_load(path, &err);
    assert_non_null(d0);
    n0 = d0->n;
    if (n0 < 3)
        fail_msg("only %zu samples in %s", n0, path);
    assert_int_equal(flog_sample_full(d0, n0 - 1, &last, &est, &err), 0);

    /* the engine re-fitted: its estimate is the one the log ends with */
    copy = xasprintf("%s/copy.jsonl", dir);
    snprintf(cmd, sizeof cmd, "cp %s %s", path, copy);
    assert_int_equal(system(cmd), 0);
    {
        const struct policy *pol = policy_find(&set, d0->h.policy);
        struct runner_opts o = {.vm = "cache-01", .to = "hv-01",
                                .kind = KIND_COMPUTE, .policy = pol,
                                .budget_ms = 300, .sample_ms = 100,
                                .log_path = copy, .adopt = d0};
        struct runner *r;
        const struct estimate *e;

        /* the simulator's stand-in for a migration still running */
        hv_sim_external(hv, "cache-01", "hv-01");
        r = runner_new(hv, &o, NULL, 0, &err);

        assert_non_null(pol);
        assert_non_null(r);
        e = engine_estimate(runner_job(r));
        assert_true(e->dirty_known);
        assert_true(fabs(e->dirty_bps - est.dirty_bps) <=
                    1e-6 * est.dirty_bps + 1);
        assert_true(runner_time_ms(r) >= d0->pt[n0 - 1].t_ms);
        runner_free(r);
    }
    flog_data_free(d0);

    /* the next server adopts it */
    js = jobs_new(&c);
    hv_sim_external(hv, "cache-01", "hv-01");
    jb = jobs_adopt(js, path, &err);
    if (jb == NULL)
        fail_msg("%s", err.msg);
    assert_int_equal(job_state(jb), JOB_RUNNING);
    recs = job_records(jb, &len, &lines);
    assert_non_null(strstr(recs, "\"type\":\"header\""));
    assert_true(lines >= n0 + 2);
    meta = job_meta_json(js, jb);
    assert_string_equal(field(meta, "owner"), "adopted");
    assert_string_equal(field(meta, "log"), path);
    json_object_put(meta);
    /* a second adoption of the same move is refused */
    assert_null(jobs_adopt(js, path, &err));
    assert_non_null(strstr(err.msg, "has a job already"));
    for (int i = 0; i < 100000 && jobs_active(js) > 0; i++)
        jobs_tick(js, now += 200);
    assert_int_equal(job_state(jb), JOB_ENDED);
    d1 = flog_load(path, &err);
    assert_non_null(d1);
    assert_true(d1->res.present);
    assert_true(d1->n > n0);
    assert_int_equal(count_in(path, "\"type\":\"header\""), 1);
    assert_int_equal(count_in(path, "adopted by a new server"), 1);
    assert_int_equal(count_in(path, "ferry steers again"), 1);
    flog_data_free(d1);
    /* an ended move is not adopted */
    assert_null(jobs_adopt(js, path, &err));
    assert_non_null(strstr(err.msg, "has ended"));
    jobs_free(js);
    job_req_fini(&rq);
    hv_free(hv);
    policy_set_fini(&set);
    free(path);
    free(copy);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* Migrations ferry did not start: found on the hosts, watched as jobs
 * marked external (samples, no steering), taken over under a chosen
 * policy and budget, or aborted. */
static void
external_migrations_are_watched_taken_over_or_aborted(void **state)
{
    struct sim_dc *dc;
    struct hv *hv;
    struct policy_set set;
    struct queue_cfg q;
    struct ferry_err err;
    struct jobs *js;
    const struct job *a = NULL, *b = NULL;
    json_object *meta;
    const char *recs;
    size_t len, lines;
    char dir[64] = "/tmp/ferry-extXXXXXX", cmd[128];
    uint64_t now = loop_now_ms();

    (void)state;
    assert_non_null(mkdtemp(dir));
    policy_set_init(&set);
    assert_int_equal(policy_set_builtin(&set, &err), 0);
    assert_non_null(dc = sim_dc_demo(&err));
    hv = hv_sim_new(dc, true);
    queue_cfg_default(&q);
    struct jobs_cfg c = {.hv = hv, .policies = &set, .queue = &q,
                         .log_dir = dir};
    js = jobs_new(&c);
    hv_sim_external(hv, "cache-01", "hv-01");
    hv_sim_external(hv, "db-02", "hv-03");
    jobs_tick(js, now += 100);
    for (size_t i = 0; i < jobs_count(js); i++) {
        const struct job *j = jobs_at(js, i);

        if (strcmp(job_vm(j), "cache-01") == 0)
            a = j;
        if (strcmp(job_vm(j), "db-02") == 0)
            b = j;
    }
    assert_non_null(a);
    assert_non_null(b);
    meta = job_meta_json(js, a);
    assert_string_equal(field(meta, "owner"), "external");
    assert_string_equal(field(meta, "external"), "true");
    assert_string_equal(field(meta, "taken_over"), "false");
    assert_string_equal(field(meta, "state"), "running");
    assert_string_equal(field(meta, "destination"), "hv-01");
    json_object_put(meta);
    for (int i = 0; i < 20; i++)
        jobs_tick(js, now += 200);
    /* watched: samples for the dashboard, no decision of ferry's */
    recs = job_records(a, &len, &lines);
    assert_non_null(strstr(recs, "\"external\":true"));
    assert_non_null(strstr(recs, "\"type\":\"sample\""));
    assert_null(strstr(recs, "\"type\":\"decision\""));
    /* a second scan does not watch them twice */
    jobs_tick(js, now += 2500);
    assert_int_equal(jobs_count(js), 2);
    /* one is aborted, the other taken over and steered to its end */
    assert_int_equal(jobs_act(js, job_id(b), ACT_ABORT, 0, &err), 0);
    assert_int_equal(jobs_take_over(js, job_id(a), "nosuch", 0, &err), -1);
    assert_non_null(strstr(err.msg, "no policy named nosuch"));
    assert_int_equal(jobs_take_over(js, job_id(a), "ferry", 500, &err), 0);
    assert_int_equal(jobs_take_over(js, job_id(a), "ferry", 500, &err), -1);
    assert_non_null(strstr(err.msg, "steered by ferry already"));
    meta = job_meta_json(js, a);
    assert_string_equal(field(meta, "taken_over"), "true");
    assert_string_equal(field(meta, "policy"), "ferry");
    assert_string_equal(field(meta, "budget_ms"), "500");
    json_object_put(meta);
    recs = job_records(a, &len, &lines);
    assert_non_null(strstr(recs, "taken over: ferry steers this migration"));
    for (int i = 0; i < 100000 && jobs_active(js) > 0; i++)
        jobs_tick(js, now += 200);
    meta = job_meta_json(js, b);
    assert_string_equal(field(meta, "outcome"), "cancelled");
    json_object_put(meta);
    meta = job_meta_json(js, a);
    assert_string_equal(field(meta, "outcome"), "completed");
    json_object_put(meta);
    assert_string_equal(model_vm(hv->model, "cache-01")->host, "hv-01");
    jobs_free(js);
    hv_free(hv);
    policy_set_fini(&set);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arm_messages_round_trip_and_bad_ones_say_what),
        cmocka_unit_test(the_decision_follows_on_steering_lost_and_what_runs),
        cmocka_unit_test(records_say_what_the_guard_did),
        cmocka_unit_test(appended_records_end_a_cut_log_readably),
        cmocka_unit_test(a_move_whose_server_died_is_adopted_from_its_log),
        cmocka_unit_test(
            external_migrations_are_watched_taken_over_or_aborted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
