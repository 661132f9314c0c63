/* Evacuations without a server: plans on the demo datacenter and crafted
 * ones, the queue's order and the predicted end against the simulated
 * one, retries, aborts, maintenance, and others' migrations counting
 * against the limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/evac.h"
#include "ferry/evacview.h"
#include "ferry/loop.h"
#include "ferry/sim.h"

struct fx {
    struct policy_set set;
    struct hv *hv;
    struct queue_cfg q;
    struct jobs *js;
    struct evacs *ev;
    char dir[64];
    size_t evac_changes;
};

static void
on_job(void *ctx, const struct job *j)
{
    struct fx *f = ctx;

    if (f->ev != NULL)
        evacs_job_changed(f->ev, j);
}

static void
on_evac(void *ctx, long id)
{
    struct fx *f = ctx;

    (void)id;
    f->evac_changes++;
}

static void
make(struct fx *f, struct sim_dc *dc)
{
    struct jobs_cfg jc = {.hv = NULL, .policies = &f->set, .queue = &f->q,
                          .log_dir = f->dir, .on_change = on_job, .ctx = f};
    struct evacs_cfg ec = {.policies = &f->set, .queue = &f->q,
                           .log_dir = f->dir, .on_change = on_evac,
                           .ctx = f};

    evacs_free(f->ev);
    f->ev = NULL;
    jobs_free(f->js);
    hv_free(f->hv);
    f->hv = hv_sim_new(dc, true);
    jc.hv = f->hv;
    f->js = jobs_new(&jc);
    ec.jobs = f->js;
    ec.hv = f->hv;
    f->ev = evacs_new(&ec);
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
    queue_cfg_default(&f->q);
    snprintf(f->dir, sizeof f->dir, "/tmp/ferry-evacXXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    make(f, dc);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fx *f = *state;
    char cmd[128];

    evacs_free(f->ev);
    jobs_free(f->js);
    hv_free(f->hv);
    queue_cfg_fini(&f->q);
    policy_set_fini(&f->set);
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void
args(struct evac_args *a, const char *host)
{
    evac_args_init(a);
    a->host = xstrdup(host);
    a->virtual_time = true;
}

/* Run until no evacuation is active (virtual time as fast as it goes). */
static void
run(struct fx *f, uint64_t *now)
{
    for (int i = 0; i < 200000 && (evacs_active(f->ev) > 0 ||
                                   jobs_active(f->js) > 0);
         i++) {
        *now += 100;
        jobs_tick(f->js, *now);
        evacs_tick(f->ev, *now);
    }
    assert_int_equal(evacs_active(f->ev), 0);
    assert_int_equal(jobs_active(f->js), 0);
}

static void
view(struct fx *f, long id, struct evac_view *v)
{
    json_object *o = evacs_json(f->ev, id);
    struct ferry_err err;

    evac_view_init(v);
    assert_non_null(o);
    if (evac_view_read(o, v, &err) < 0)
        fail_msg("%s", err.msg);
    json_object_put(o);
}

/* Each demo host emptied: every VM that can move ends on its planned
 * host (or the retry's), the rest stay with reasons, the host is in
 * maintenance, and the predicted time until empty is within 20% of the
 * simulated one. */
static void
each_demo_host_empties_as_predicted(void **state)
{
    struct fx *f = *state;
    const char *hosts[] = {"hv-01", "hv-02", "hv-03", "hv-04"};

    for (size_t h = 0; h < 4; h++) {
        struct ferry_err err;
        struct evac_args a;
        struct evac_view v;
        struct sim_dc *dc = sim_dc_demo(&err);
        uint64_t now = loop_now_ms();
        long id;
        double ratio;

        assert_non_null(dc);
        make(f, dc);
        args(&a, hosts[h]);
        a.include_shutoff = true;
        id = evacs_start(f->ev, &a, &err);
        if (id < 0)
            fail_msg("%s: %s", hosts[h], err.msg);
        assert_true(jobs_in_maintenance(f->js, hosts[h]));
        run(f, &now);
        view(f, id, &v);
        assert_true(v.ended);
        for (size_t i = 0; i < v.n_moves; i++) {
            const struct evac_move_view *m = &v.moves[i];
            const struct model_vm *vm = model_vm(f->hv->model, m->vm);

            if (m->state != EVM_DONE)
                fail_msg("%s: %s %s: %s", hosts[h], m->vm,
                         evac_move_state_name(m->state),
                         m->error ? m->error : "");
            assert_string_equal(vm->host, m->to);
            /* within the budget, or by the policy's escalation (a copy
             * that cannot converge goes post-copy) */
            if (!m->cold && m->real_downtime_ms > (double)v.budget_ms &&
                strstr(m->how, "post-copy") == NULL)
                fail_msg("%s: %s down %.0f ms over a %llu ms budget (%s)",
                         hosts[h], m->vm, m->real_downtime_ms,
                         (unsigned long long)v.budget_ms, m->how);
            assert_non_null(m->reason);
            assert_true(m->reason[0] != '\0');
        }
        for (size_t i = 0; i < v.n_stays; i++) {
            assert_true(strlen(v.stays[i].reason) > 10);
            assert_string_equal(model_vm(f->hv->model, v.stays[i].vm)->host,
                                hosts[h]);
        }
        assert_int_equal(v.moved, v.n_moves);
        assert_true(v.empty == (v.n_stays == 0));
        ratio = v.planned_ms / v.elapsed_ms;
        printf("  %s: %zu moves, %zu stay, parallel %u, planned %.0f ms, "
               "simulated %.0f ms (%.2fx)\n",
               hosts[h], v.n_moves, v.n_stays, v.parallel, v.planned_ms,
               v.elapsed_ms, ratio);
        if (v.n_moves > 0 && (ratio < 0.8 || ratio > 1.2))
            fail_msg("%s: planned %.0f ms, simulated %.0f ms", hosts[h],
                     v.planned_ms, v.elapsed_ms);
        /* the summary log reads back: plan, an event per step, result */
        {
            struct evac_log lg;

            assert_non_null(v.log);
            if (evac_log_read(v.log, &lg, &err) < 0)
                fail_msg("%s", err.msg);
            assert_true(lg.has_result);
            assert_int_equal(lg.plan.n_moves, v.n_moves);
            assert_true(lg.n_events >= 3 * v.n_moves);
            evac_log_fini(&lg);
        }
        /* in maintenance until the operator ends it: nothing goes there */
        {
            struct job_req rq;

            job_req_init(&rq);
            rq.vm = xstrdup(h == 0 ? "idle-01" : "web-01");
            rq.host = xstrdup(hosts[h]);
            rq.kind = KIND_COMPUTE;
            rq.virtual_time = true;
            assert_null(jobs_submit(f->js, &rq, NULL, &err));
            assert_non_null(strstr(err.msg, "maintenance"));
            job_req_fini(&rq);
        }
        evac_view_fini(&v);
        evac_args_fini(&a);
    }
}

/* Longest first, each as soon as the queue admits it. */
static void
the_schedule_is_longest_first_within_the_limits(void **state)
{
    struct fx *f = *state;
    struct queue_cfg c;
    struct mig_request r[4] = {
        {.vm = "web-03", .dst_host = "hv-03", .kind = KIND_COMPUTE},
        {.vm = "db-02", .dst_host = "hv-03", .kind = KIND_COMPUTE},
        {.vm = "cache-01", .dst_host = "hv-03", .kind = KIND_COMPUTE},
        {.vm = "ci-01", .dst_host = "hv-03", .kind = KIND_COMPUTE},
    };
    double dur[4] = {4000, 10000, 6000, 8000}, st[4], en[4], total;
    size_t order[4];
    unsigned par;

    queue_cfg_default(&c);
    c.link_limit = c.link_limit_fast = 2;
    total = evac_schedule(f->hv->model, &c, r, dur, 4, order, st, en, &par);
    assert_int_equal(par, 2);
    assert_int_equal(order[1], 0); /* db-02, the longest, first */
    assert_int_equal(order[3], 1);
    assert_int_equal(order[2], 2);
    assert_int_equal(order[0], 3);
    assert_true(st[1] == 0 && st[3] == 0);
    assert_true(st[2] == 8000 && st[0] == 10000);
    assert_true(total == 14000);
    /* no limit in the way: all at once, the longest is the end */
    c.link_limit = c.link_limit_fast = 8;
    total = evac_schedule(f->hv->model, &c, r, dur, 4, order, st, en, &par);
    assert_int_equal(par, 4);
    assert_true(total == 10000);
    queue_cfg_fini(&c);
}

static const char crafted[] =
    "[sim]\nseed = 3\n"
    "[host src]\ncpu_model = x\ncpu_flags = sse4_2, avx2\ncores = 16\n"
    "memory = 64GiB\nnetworks = prod\n"
    "[host a]\ncpu_model = x\ncpu_flags = sse4_2, avx2\ncores = 16\n"
    "memory = 64GiB\nnetworks = prod\n"
    "[host b]\ncpu_model = x\ncpu_flags = sse4_2, avx2\ncores = 16\n"
    "memory = 64GiB\nnetworks = prod\n"
    "[datastore shared]\ntype = nfs\ncapacity = 10TiB\nhosts = src, a, b\n"
    "shared = yes\n"
    "[vm v1]\nhost = src\nmemory = 4GiB\nvcpus = 2\nnetworks = prod\n"
    "disks = vda:shared:20GiB:2GiB\nworkload = idle\n"
    "[vm v2]\nhost = src\nmemory = 2GiB\nvcpus = 2\nnetworks = prod\n"
    "disks = vda:shared:20GiB:2GiB\nworkload = idle\n";

/* A move that cannot start on its host is tried once more on the next
 * best, with the first failure in its reason. */
static void
a_failed_move_is_retried_on_the_next_best_host(void **state)
{
    struct fx *f = *state;
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_load_string("crafted", crafted, &err);
    struct evac_args a;
    struct evac_view v;
    uint64_t now = loop_now_ms();
    const struct evac_move_view *m2;
    long id;

    assert_non_null(dc);
    f->q.host_limit = 1; /* one move at a time: the second waits */
    make(f, dc);
    args(&a, "src");
    id = evacs_start(f->ev, &a, &err);
    assert_true(id > 0);
    view(f, id, &v);
    assert_int_equal(v.n_moves, 2);
    m2 = &v.moves[1];
    assert_int_equal(m2->state, EVM_QUEUED);
    /* its host goes away while it waits */
    model_host(f->hv->model, m2->to)->up = false;
    {
        char *first = xstrdup(m2->to);

        run(f, &now);
        evac_view_fini(&v);
        view(f, id, &v);
        m2 = evac_view_move(&v, first == NULL ? "" : v.moves[1].vm);
        assert_int_equal(m2->state, EVM_DONE);
        assert_int_equal(m2->attempt, 2);
        assert_int_equal(m2->n_tried, 2);
        assert_string_equal(m2->tried[0], first);
        assert_string_not_equal(m2->to, first);
        assert_non_null(strstr(m2->reason, "failed"));
        assert_true(v.empty);
        free(first);
    }
    f->q.host_limit = 8;
    evac_view_fini(&v);
    evac_args_fini(&a);
}

/* Abort: what waits is cancelled, what runs is aborted, every VM is on a
 * host the view names, and nothing runs afterwards. */
static void
abort_leaves_every_vm_somewhere_known(void **state)
{
    struct fx *f = *state;
    struct ferry_err err;
    struct evac_args a;
    struct evac_view v;
    uint64_t now = loop_now_ms();
    long id;

    f->q.host_limit = 1;
    make(f, sim_dc_demo(&err));
    args(&a, "hv-02");
    id = evacs_start(f->ev, &a, &err);
    assert_true(id > 0);
    now += 100;
    jobs_tick(f->js, now);
    assert_int_equal(evacs_abort(f->ev, id, NULL, &err), 0);
    run(f, &now);
    view(f, id, &v);
    assert_true(v.ended);
    assert_false(v.empty);
    for (size_t i = 0; i < v.n_moves; i++) {
        const struct model_vm *vm = model_vm(f->hv->model, v.moves[i].vm);

        if (v.moves[i].state == EVM_DONE)
            assert_string_equal(vm->host, v.moves[i].to);
        else
            assert_string_equal(vm->host, "hv-02");
        assert_false(vm->migrating);
    }
    assert_true(v.n_left > 0);
    /* an ended evacuation cannot be aborted again */
    assert_int_equal(evacs_abort(f->ev, id, NULL, &err), -1);
    f->q.host_limit = 8;
    evac_view_fini(&v);
    evac_args_fini(&a);
}

/* Bad input says what is wrong. */
static void
bad_input_is_refused_with_reasons(void **state)
{
    struct fx *f = *state;
    struct ferry_err err;
    struct evac_args a;

    make(f, sim_dc_demo(&err));
    args(&a, "hv-99");
    assert_null(evacs_plan(f->ev, &a, &err));
    assert_non_null(strstr(err.msg, "no host named 'hv-99'"));
    evac_args_fini(&a);
    args(&a, "hv-02");
    a.to = xcalloc(1, sizeof *a.to);
    a.to[a.n_to++] = xstrdup("hv-02");
    assert_null(evacs_plan(f->ev, &a, &err));
    assert_non_null(strstr(err.msg, "is the host being evacuated"));
    evac_args_fini(&a);
    args(&a, "hv-02");
    a.policy = xstrdup("nope");
    assert_int_equal(evacs_start(f->ev, &a, &err), -1);
    assert_non_null(strstr(err.msg, "no policy named 'nope'"));
    assert_false(jobs_in_maintenance(f->js, "hv-02"));
    evac_args_fini(&a);
}

/* A dry run plans with reasons and starts nothing. */
static void
a_plan_starts_nothing(void **state)
{
    struct fx *f = *state;
    struct ferry_err err;
    struct evac_args a;
    struct evac_view v;
    json_object *o;

    make(f, sim_dc_demo(&err));
    args(&a, "hv-01");
    o = evacs_plan(f->ev, &a, &err);
    assert_non_null(o);
    evac_view_init(&v);
    assert_int_equal(evac_view_read(o, &v, &err), 0);
    json_object_put(o);
    assert_string_equal(v.state, "planned");
    assert_true(v.n_moves > 0);
    assert_true(v.planned_ms > 0);
    assert_true(v.parallel >= 1);
    for (size_t i = 0; i < v.n_moves; i++) {
        assert_int_equal(v.moves[i].order, (int)i + 1);
        assert_true(v.moves[i].predicted_ms > 0);
        assert_non_null(v.moves[i].how);
    }
    assert_int_equal(jobs_count(f->js), 0);
    assert_false(jobs_in_maintenance(f->js, "hv-01"));
    evac_view_fini(&v);
    evac_args_fini(&a);
}

/* `migrate --to auto`: the best host with its reason. */
static void
one_vm_is_placed_with_a_reason(void **state)
{
    struct fx *f = *state;
    struct ferry_err err;
    struct placement p;

    make(f, sim_dc_demo(&err));
    assert_int_equal(evacs_place(f->ev, "web-03", false, &p, &err), 0);
    assert_non_null(p.host);
    assert_string_not_equal(p.host, "hv-02");
    assert_non_null(p.reason);
    placement_fini(&p);
    assert_int_equal(evacs_place(f->ev, "nope", false, &p, &err), -1);
}

/* Another tool's migration takes its share of the link: a move over the
 * same link waits for it. */
static void
others_migrations_count_against_the_limits(void **state)
{
    struct fx *f = *state;
    struct ferry_err err;
    struct job_req rq;
    char *why;

    f->q.link_limit = f->q.link_limit_fast = 1;
    make(f, sim_dc_demo(&err));
    hv_sim_external(f->hv, "web-01", "hv-03");
    model_vm(f->hv->model, "web-01")->migrating = true;
    jobs_tick(f->js, loop_now_ms() + 5000);
    assert_int_equal(jobs_count(f->js), 1);
    job_req_init(&rq);
    rq.vm = xstrdup("db-01");
    rq.host = xstrdup("hv-03");
    rq.kind = KIND_COMPUTE;
    why = jobs_queue_why(f->js, &rq);
    assert_non_null(strstr(why, "link hv-01<->hv-03"));
    free(why);
    job_req_fini(&rq);
    f->q.link_limit = 4;
    f->q.link_limit_fast = 8;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_demo_host_empties_as_predicted),
        cmocka_unit_test(the_schedule_is_longest_first_within_the_limits),
        cmocka_unit_test(a_failed_move_is_retried_on_the_next_best_host),
        cmocka_unit_test(abort_leaves_every_vm_somewhere_known),
        cmocka_unit_test(bad_input_is_refused_with_reasons),
        cmocka_unit_test(a_plan_starts_nothing),
        cmocka_unit_test(one_vm_is_placed_with_a_reason),
        cmocka_unit_test(others_migrations_count_against_the_limits),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
