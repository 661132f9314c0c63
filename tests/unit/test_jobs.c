/* The jobs table without a server: requests checked, queued and run on the
 * demo datacenter, their records kept and read back, commands, look-ups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/flogread.h"
#include "ferry/hints.h"
#include "ferry/jobs.h"
#include "ferry/loop.h"
#include "ferry/sim.h"

struct fx {
    struct policy_set set;
    struct hv *hv;
    struct queue_cfg q;
    struct jobs *js;
    char dir[64];
    size_t records, changes;
    long last_changed;
};

static void
on_record(void *ctx, const struct job *j, const char *line, size_t len)
{
    struct fx *f = ctx;

    (void)j;
    assert_true(len > 0 && line[0] == '{' && line[len - 1] == '}');
    f->records++;
}

static void
on_change(void *ctx, const struct job *j)
{
    struct fx *f = ctx;

    f->changes++;
    f->last_changed = job_id(j);
}

static struct jobs *
table(struct fx *f, bool no_log)
{
    struct jobs_cfg c = {.hv = f->hv,
                         .policies = &f->set,
                         .queue = &f->q,
                         .log_dir = f->dir,
                         .no_log = no_log,
                         .on_record = on_record,
                         .on_change = on_change,
                         .ctx = f};

    jobs_free(f->js);
    f->js = jobs_new(&c);
    return f->js;
}

static int
setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    struct ferry_err err;
    struct sim_dc *dc;

    policy_set_init(&f->set);
    if (policy_set_builtin(&f->set, &err) < 0 ||
        (dc = sim_dc_demo(&err)) == NULL)
        return -1;
    f->hv = hv_sim_new(dc, true);
    queue_cfg_default(&f->q);
    snprintf(f->dir, sizeof f->dir, "/tmp/ferry-jobsXXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    table(f, false);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    jobs_free(f->js);
    hv_free(f->hv);
    policy_set_fini(&f->set);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void
req(struct job_req *rq, const char *vm, const char *host, bool virtual_time)
{
    job_req_init(rq);
    rq->vm = xstrdup(vm);
    rq->host = host ? xstrdup(host) : NULL;
    rq->kind = KIND_COMPUTE;
    rq->virtual_time = virtual_time;
}

/* Run the table until nothing is left to do (virtual time as fast as it
 * goes; real time driven by a clock we move ourselves). */
static void
run(struct jobs *js, uint64_t *now)
{
    for (int i = 0; i < 100000 && jobs_active(js) > 0; i++) {
        *now += 1000;
        jobs_tick(js, *now);
    }
    assert_int_equal(jobs_active(js), 0);
}

/* A move runs to its end; every record it emitted is kept, in order, and
 * reads back as the flight log it wrote. */
static void
a_move_runs_and_keeps_its_records(void **state)
{
    struct fx *f = *state;
    struct job_req rq;
    struct ferry_err err;
    const struct job *j;
    uint64_t now = loop_now_ms();
    size_t len, lines;
    const char *rec;
    struct flog_live *lv;
    struct flog_data *file;
    json_object *meta;

    req(&rq, "web-01", "hv-02", true);
    j = jobs_submit(f->js, &rq, NULL, &err);
    job_req_fini(&rq);
    assert_non_null(j);
    assert_int_equal(job_id(j), 1);
    assert_int_equal(job_state(j), JOB_RUNNING);
    run(f->js, &now);
    assert_int_equal(job_state(j), JOB_ENDED);
    rec = job_records(j, &len, &lines);
    assert_int_equal(lines, f->records);
    assert_true(strncmp(rec, "{\"type\":\"header\"", 16) == 0);
    assert_non_null(
        strstr(rec, "{\"type\":\"result\",\"outcome\":\"completed\""));

    /* the records are the flight log, line for line */
    meta = job_meta_json(f->js, j);
    file = flog_load(
        json_object_get_string(json_object_object_get(meta, "log")), &err);
    assert_non_null(file);
    lv = flog_live_new("job 1");
    for (const char *p = rec; *p;) {
        const char *nl = strchr(p, '\n');

        assert_int_equal(flog_live_add(lv, p, (size_t)(nl - p), &err), 0);
        p = nl + 1;
    }
    assert_int_equal(flog_live_data(lv)->n, file->n);
    assert_int_equal(flog_live_data(lv)->n_dec, file->n_dec);
    assert_true(flog_live_data(lv)->res.present);
    assert_int_equal(flog_live_data(lv)->res.downtime_ms,
                     file->res.downtime_ms);
    assert_false(flog_live_data(lv)->cut_short);
    assert_string_equal(
        json_object_get_string(json_object_object_get(meta, "outcome")),
        "completed");
    assert_string_equal(
        json_object_get_string(json_object_object_get(meta, "state")), "ended");
    json_object_put(meta);
    flog_live_free(lv);
    flog_data_free(file);
}

/* A request that fails a check is refused, naming the check; nothing is
 * queued. */
static void
a_failed_check_refuses_the_request(void **state)
{
    struct fx *f = *state;
    struct job_req rq;
    struct ferry_err err;
    struct checks c;

    checks_init(&c);
    req(&rq, "db-02", "hv-04", true);
    assert_null(jobs_submit(f->js, &rq, &c, &err));
    assert_non_null(strstr(err.msg, "avx512f"));
    assert_true(c.n > 0);
    assert_int_equal(checks_worst(c.v, c.n), CHECK_ERROR);
    checks_fini(&c);
    assert_int_equal(jobs_count(f->js), 0);
    job_req_fini(&rq);

    req(&rq, "nosuch", "hv-02", true);
    assert_null(jobs_submit(f->js, &rq, NULL, &err));
    assert_non_null(strstr(err.msg, "no VM named 'nosuch'"));
    job_req_fini(&rq);
    req(&rq, "web-01", "hv-02", true);
    rq.policy = xstrdup("yolo");
    assert_null(jobs_submit(f->js, &rq, NULL, &err));
    assert_non_null(strstr(err.msg, "no policy named 'yolo'"));
    job_req_fini(&rq);
}

/* Beyond the queue's limits a move waits, says what for, can be moved or
 * cancelled, and starts when a slot frees. */
static void
the_queue_admits_waits_and_cancels(void **state)
{
    struct fx *f = *state;
    struct job_req rq;
    struct ferry_err err;
    const struct job *a, *b, *c;
    uint64_t now = loop_now_ms();
    json_object *meta;
    char why[300];

    f->q.host_limit = 1;
    table(f, true);
    req(&rq, "web-01", "hv-02", false);
    a = jobs_submit(f->js, &rq, NULL, &err);
    job_req_fini(&rq);
    req(&rq, "web-02", "hv-02", false);
    jobs_queue_preview(f->js, &rq, why, sizeof why);
    assert_non_null(strstr(why, "host hv-0"));
    b = jobs_submit(f->js, &rq, NULL, &err);
    job_req_fini(&rq);
    req(&rq, "idle-01", "hv-02", false);
    c = jobs_submit(f->js, &rq, NULL, &err);
    job_req_fini(&rq);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_int_equal(job_state(a), JOB_RUNNING);
    assert_int_equal(job_state(b), JOB_QUEUED);
    meta = job_meta_json(f->js, b);
    assert_int_equal(
        json_object_get_int(json_object_object_get(meta, "queue_position")), 1);
    assert_non_null(strstr(
        json_object_get_string(json_object_object_get(meta, "waits_for")),
        "host hv-0"));
    json_object_put(meta);
    /* a queued job takes no operator command but abort */
    assert_int_equal(jobs_act(f->js, job_id(b), ACT_SWITCHOVER, 0, &err), -1);
    assert_non_null(strstr(err.msg, "queued"));
    assert_int_equal(jobs_queue_move(f->js, job_id(c), -1, &err), 0);
    meta = job_meta_json(f->js, c);
    assert_int_equal(
        json_object_get_int(json_object_object_get(meta, "queue_position")), 1);
    json_object_put(meta);
    assert_int_equal(jobs_act(f->js, job_id(c), ACT_ABORT, 0, &err), 0);
    assert_int_equal(job_state(c), JOB_ENDED);
    meta = job_meta_json(f->js, c);
    assert_string_equal(
        json_object_get_string(json_object_object_get(meta, "outcome")),
        "cancelled");
    assert_string_equal(
        json_object_get_string(json_object_object_get(meta, "reason")),
        "cancelled while queued");
    json_object_put(meta);
    /* real time: the clock we move runs the first, then the second */
    run(f->js, &now);
    assert_int_equal(job_state(a), JOB_ENDED);
    assert_int_equal(job_state(b), JOB_ENDED);
    meta = job_meta_json(f->js, b);
    assert_string_equal(
        json_object_get_string(json_object_object_get(meta, "outcome")),
        "completed");
    json_object_put(meta);
}

/* Jobs are found by number or by VM (the one that has not ended first);
 * the operator's budget is logged as a decision; abort-all ends all. */
static void
lookups_budget_and_abort_all(void **state)
{
    struct fx *f = *state;
    struct job_req rq;
    struct ferry_err err;
    const struct job *a, *b;
    uint64_t now = loop_now_ms();
    const char *rec;

    table(f, true);
    req(&rq, "web-01", "hv-02", true);
    a = jobs_submit(f->js, &rq, NULL, &err);
    job_req_fini(&rq);
    if (a == NULL)
        fail_msg("%s", err.msg);
    run(f->js, &now);
    req(&rq, "web-01", "hv-03", false);
    b = jobs_submit(f->js, &rq, NULL, &err);
    job_req_fini(&rq);
    if (b == NULL)
        fail_msg("%s", err.msg);
    assert_ptr_equal(jobs_lookup(f->js, "1", &err), a);
    assert_ptr_equal(jobs_lookup(f->js, "web-01", &err), b);
    assert_null(jobs_lookup(f->js, "9", &err));
    assert_non_null(strstr(err.msg, "no job 9"));
    assert_null(jobs_lookup(f->js, "db-07", &err));
    assert_int_equal(jobs_act(f->js, job_id(a), ACT_ABORT, 0, &err), -1);
    assert_non_null(strstr(err.msg, "has ended"));
    assert_int_equal(jobs_set_budget(f->js, job_id(b), 450, &err), 0);
    rec = job_records(b, NULL, NULL);
    assert_non_null(strstr(rec, "downtime budget set to 450 ms by the "
                                "operator"));
    {
        size_t nb;
        const char **busy = jobs_busy_vms(f->js, &nb);

        assert_int_equal(nb, 1);
        assert_string_equal(busy[0], "web-01");
        free(busy);
    }
    assert_int_equal(jobs_abort_all(f->js, "the server is stopping"), 1);
    now += 1000;
    jobs_tick(f->js, now);
    assert_int_equal(job_state(b), JOB_ENDED);
    assert_non_null(
        strstr(job_records(b, NULL, NULL), "\"outcome\":\"cancelled\""));
}

/* Requests travel as JSON: what one side writes the other reads, and a
 * wrong field is named. */
static void
requests_round_trip_as_json(void **state)
{
    struct job_req rq, back;
    struct ferry_err err;
    json_object *o;

    (void)state;
    req(&rq, "db-01", "hv-02", false);
    rq.kind = KIND_BOTH;
    rq.ds = xstrdup("ds-ssd-01");
    rq.budget_ms = 700;
    rq.restrict_escalations = true;
    rq.allow_postcopy = true;
    rq.prio = PRIO_HIGH;
    o = job_req_to_json(&rq);
    assert_int_equal(job_req_from_json(o, &back, &err), 0);
    assert_string_equal(back.vm, "db-01");
    assert_string_equal(back.host, "hv-02");
    assert_string_equal(back.ds, "ds-ssd-01");
    assert_int_equal(back.kind, KIND_BOTH);
    assert_int_equal(back.budget_ms, 700);
    assert_true(back.restrict_escalations && back.allow_postcopy);
    assert_false(back.allow_throttle);
    assert_int_equal(back.prio, PRIO_HIGH);
    json_object_put(o);
    job_req_fini(&back);
    job_req_fini(&rq);

    o = json_tokener_parse("{\"vm\":\"a\",\"host\":\"b\",\"budget_ms\":\"x\"}");
    assert_int_equal(job_req_from_json(o, &back, &err), -1);
    assert_non_null(strstr(err.msg, "budget_ms"));
    json_object_put(o);
    o = json_tokener_parse("{\"vm\":\"a\",\"kind\":\"storage\"}");
    assert_int_equal(job_req_from_json(o, &back, &err), -1);
    assert_non_null(strstr(err.msg, "datastore"));
    json_object_put(o);
    o = json_tokener_parse("{\"host\":\"b\"}");
    assert_int_equal(job_req_from_json(o, &back, &err), -1);
    assert_non_null(strstr(err.msg, "\"vm\" is missing"));
    json_object_put(o);
}

/* A VM name longer than a file name may be: the log's file name carries
 * its start and a hash (two long names that start alike differ), short
 * names go in whole. */
static void
log_file_names_fit_whatever_the_vm_name(void **state)
{
    char a[301], b[301], *pa, *pb, *ps;
    const char *base;

    (void)state;
    memset(a, 'v', 300);
    a[300] = '\0';
    memcpy(b, a, sizeof b);
    b[299] = 'w';
    pa = job_log_path("/tmp", a, 1);
    pb = job_log_path("/tmp", b, 1);
    ps = job_log_path("/tmp", "web-01", 7);
    base = strrchr(pa, '/') + 1;
    assert_true(strlen(base) <= 255);
    assert_non_null(strstr(base, "-vvvvvvvvvv"));
    assert_string_not_equal(strrchr(pa, '~'), strrchr(pb, '~'));
    assert_non_null(strstr(ps, "-web-01-7.jsonl"));
    free(pa);
    free(pb);
    free(ps);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_move_runs_and_keeps_its_records,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_check_refuses_the_request,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(the_queue_admits_waits_and_cancels,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(lookups_budget_and_abort_all, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(requests_round_trip_as_json, setup,
                                        teardown),
        cmocka_unit_test(log_file_names_fit_whatever_the_vm_name),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
