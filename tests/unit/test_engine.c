/* Each policy's decisions on crafted sample streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "ferry/engine.h"
#include "ferry/units.h"

static struct policy_set set;

static int
setup(void **state)
{
    struct ferry_err err;

    (void)state;
    policy_set_init(&set);
    return policy_set_builtin(&set, &err);
}

static int
teardown(void **state)
{
    (void)state;
    policy_set_fini(&set);
    return 0;
}

static struct engine_job *
job(const char *policy, uint64_t mem)
{
    struct job_params p = {
        .kind = KIND_COMPUTE,
        .policy = policy_find(&set, policy),
        .memory_bytes = mem,
        .budget_ms = 300,
        .bw_bps = 1 * GiB,
        .overhead_ms = 20,
    };
    struct engine_action a[4];
    struct engine_job *j = engine_job_new(&p);

    engine_start(j, a, 4);
    return j;
}

/* A round-based stream: each round sends what the last one dirtied. */
static void
sample(struct job_sample *s, uint64_t t_ms, uint64_t iter, uint64_t remaining,
       uint64_t sync_dirty, uint64_t period_ms)
{
    memset(s, 0, sizeof *s);
    s->status = HV_ACTIVE;
    s->stage = STAGE_MEMORY;
    sample_set(s, SF_TIME_ELAPSED, t_ms);
    sample_set(s, SF_MEMORY_REMAINING, remaining);
    sample_set(s, SF_MEMORY_ITERATION, iter);
    sample_set(s, SF_MEMORY_BPS, 1 * GiB);
    if (iter > 1) {
        sample_set(s, SF_SYNC_TIME, t_ms);
        sample_set(s, SF_SYNC_DIRTY, sync_dirty);
        sample_set(s, SF_SYNC_PERIOD, period_ms);
    }
}

static bool
has(const struct engine_action *a, size_t n, enum action_kind k)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].kind == k)
            return true;
    return false;
}

static void
ferry_switches_when_predicted_downtime_fits(void **state)
{
    struct engine_job *j = job("ferry", 4 * GiB);
    struct engine_action a[4];
    struct job_sample s;
    size_t n;

    (void)state;
    sample(&s, 100, 1, 4 * GiB, 0, 0);
    assert_int_equal(engine_step(j, &s, a, 4), 0);
    assert_int_equal(engine_phase(j), PH_BULK);
    /* Round one (4 s) dirtied 40 MiB: the rest moves in ~60 ms. */
    sample(&s, 4000, 2, 40 * MiB, 40 * MiB, 4000);
    n = engine_step(j, &s, a, 4);
    assert_true(has(a, n, ACT_SWITCHOVER));
    assert_int_equal(engine_phase(j), PH_ITERATE);
    engine_job_free(j);
}

static void
ferry_does_not_switch_while_downtime_exceeds_budget(void **state)
{
    struct engine_job *j = job("ferry", 8 * GiB);
    struct engine_action a[4];
    struct job_sample s;

    (void)state;
    sample(&s, 100, 1, 8 * GiB, 0, 0);
    engine_step(j, &s, a, 4);
    /* 2 GiB left after an 8 s round: 2 s of downtime, but converging. */
    sample(&s, 8000, 2, 2 * GiB, 2 * GiB, 8000);
    assert_false(has(a, engine_step(j, &s, a, 4), ACT_SWITCHOVER));
    assert_true(engine_prediction(j)->converges);
    engine_job_free(j);
}

static void
ferry_escalates_to_postcopy_when_it_will_not_converge(void **state)
{
    struct engine_job *j = job("ferry", 16 * GiB);
    struct engine_action a[4];
    struct job_sample s;
    size_t n, nd;
    const struct decision *d;

    (void)state;
    sample(&s, 100, 1, 16 * GiB, 0, 0);
    engine_step(j, &s, a, 4);
    /* The guest re-dirties 10 GiB in every round, whatever its length. */
    sample(&s, 16000, 2, 10 * GiB, 10 * GiB, 16000);
    n = engine_step(j, &s, a, 4);
    if (!has(a, n, ACT_POSTCOPY)) {
        sample(&s, 26000, 3, 9 * GiB, 9 * GiB, 10000);
        n = engine_step(j, &s, a, 4);
    }
    assert_true(has(a, n, ACT_POSTCOPY));
    d = engine_decisions(j, &nd);
    assert_non_null(strstr(d[nd - 1].reason, "post-copy"));
    engine_job_free(j);
}

static void
ferry_aborts_with_a_reason_when_nothing_is_allowed(void **state)
{
    struct policy p = *policy_find(&set, "ferry");
    struct job_params jp = {
        .kind = KIND_COMPUTE, .policy = &p, .memory_bytes = 16 * GiB,
        .budget_ms = 300, .bw_bps = 1 * GiB, .overhead_ms = 20,
    };
    struct engine_action a[4];
    struct job_sample s;
    struct engine_job *j;
    size_t n = 0;

    (void)state;
    p.n_escalation = 0;
    p.postcopy = false;
    j = engine_job_new(&jp);
    engine_start(j, a, 4);
    sample(&s, 100, 1, 16 * GiB, 0, 0);
    engine_step(j, &s, a, 4);
    for (uint64_t r = 2; r < 8 && !has(a, n, ACT_ABORT); r++) {
        sample(&s, 16000 * r, r, 10 * GiB, 10 * GiB, 10000);
        n = engine_step(j, &s, a, 4);
    }
    assert_true(has(a, n, ACT_ABORT));
    assert_non_null(strstr(engine_reason(j), "cannot converge"));
    engine_job_free(j);
}

static void
ovirt_raises_downtime_one_step_per_round_then_aborts(void **state)
{
    struct engine_job *j = job("ovirt-minimal-downtime", 8 * GiB);
    struct engine_action a[4];
    struct job_sample s;
    /* VDSM counts iterations since the first one it saw (libvirt's 1):
     * item "limit N" fires on the first new iteration with count > N. */
    uint64_t expect[] = {0, 0, 0, 150, 200, 300, 400, 0};
    size_t n;

    (void)state;
    sample(&s, 100, 1, 8 * GiB, 0, 0);
    assert_int_equal(engine_step(j, &s, a, 4), 0);
    for (uint64_t it = 2; it <= 7; it++) {
        sample(&s, it * 1000, it, 1 * GiB, 1 * GiB, 1000);
        n = engine_step(j, &s, a, 4);
        if (expect[it] == 0) {
            assert_int_equal(n, 0);
        } else {
            assert_int_equal(n, 1);
            assert_int_equal(a[0].kind, ACT_SET_DOWNTIME);
            assert_int_equal(a[0].value, expect[it]);
        }
    }
    sample(&s, 8000, 8, 1 * GiB, 1 * GiB, 1000);
    n = engine_step(j, &s, a, 4);
    assert_int_equal(a[0].kind, ACT_SET_DOWNTIME);
    assert_int_equal(a[0].value, 500);
    sample(&s, 9000, 9, 1 * GiB, 1 * GiB, 1000);
    n = engine_step(j, &s, a, 4);
    assert_true(has(a, n, ACT_ABORT));
    engine_job_free(j);
}

static void
nova_steps_downtime_with_time_per_gib_and_aborts_on_timeout(void **state)
{
    /* 1 GiB of RAM counts as Nova's minimum of 2 GiB. */
    struct engine_job *j = job("nova", 1 * GiB);
    struct engine_action a[16];
    struct job_sample s;
    size_t n;

    (void)state;
    sample(&s, 149000, 3, 512 * MiB, 512 * MiB, 1000);
    n = engine_step(j, &s, a, 16);
    assert_int_equal(n, 0);
    sample(&s, 151000, 3, 512 * MiB, 512 * MiB, 1000);
    n = engine_step(j, &s, a, 16);
    assert_int_equal(n, 1);
    assert_int_equal(a[0].value, 95);
    sample(&s, 1601000, 4, 512 * MiB, 512 * MiB, 1000);
    n = engine_step(j, &s, a, 16);
    assert_true(has(a, n, ACT_ABORT));
    engine_job_free(j);
}

static void
kubevirt_aborts_after_no_progress(void **state)
{
    struct engine_job *j = job("kubevirt", 64 * GiB);
    struct engine_action a[4];
    struct job_sample s;
    size_t n = 0;

    (void)state;
    sample(&s, 1000, 1, 64 * GiB, 0, 0);
    engine_step(j, &s, a, 4);
    sample(&s, 2000, 2, 5 * GiB, 5 * GiB, 1000);
    engine_step(j, &s, a, 4);
    for (uint64_t t = 3; t < 160 && !has(a, n, ACT_ABORT); t++) {
        sample(&s, t * 1000, t, 5 * GiB, 5 * GiB, 1000);
        n = engine_step(j, &s, a, 4);
    }
    assert_true(has(a, n, ACT_ABORT));
    assert_non_null(strstr(engine_reason(j), "no progress"));
    engine_job_free(j);
}

static void
qemu_default_never_escalates(void **state)
{
    struct engine_job *j = job("qemu-default", 16 * GiB);
    struct engine_action a[4];
    struct job_sample s;

    (void)state;
    for (uint64_t t = 1; t < 500; t++) {
        sample(&s, t * 1000, t, 10 * GiB, 10 * GiB, 1000);
        assert_int_equal(engine_step(j, &s, a, 4), 0);
    }
    engine_job_free(j);
}

static void
phases_follow_the_backend_to_done(void **state)
{
    struct engine_job *j = job("qemu-default", 1 * GiB);
    struct engine_action a[4];
    struct job_sample s;

    (void)state;
    assert_int_equal(engine_phase(j), PH_PREPARE);
    sample(&s, 10, 1, 1 * GiB, 0, 0);
    engine_step(j, &s, a, 4);
    assert_int_equal(engine_phase(j), PH_BULK);
    s.status = HV_COMPLETED;
    engine_step(j, &s, a, 4);
    assert_int_equal(engine_phase(j), PH_DONE);
    assert_true(job_phase_final(engine_phase(j)));
    engine_job_free(j);
}

static void
operator_cannot_abort_after_postcopy_started(void **state)
{
    struct engine_job *j = job("ovirt-postcopy", 1 * GiB);
    struct engine_action a[4], out;
    struct job_sample s;
    struct ferry_err err;

    (void)state;
    sample(&s, 10, 1, 1 * GiB, 0, 0);
    engine_step(j, &s, a, 4);
    assert_int_equal(engine_request(j, ACT_POSTCOPY, 0, &out, &err),
                     ACT_POSTCOPY);
    s.status = HV_POSTCOPY;
    engine_step(j, &s, a, 4);
    assert_int_equal(engine_request(j, ACT_ABORT, 0, &out, &err), ACT_NONE);
    assert_non_null(strstr(err.msg, "post-copy"));
    engine_job_free(j);
}

/* A move whose params say what a measurement before it said. */
static struct job_params
xz_params(const struct policy *pol, uint64_t mem, uint64_t wss, double hf,
          uint64_t dirty, uint64_t bw)
{
    struct job_params p = {
        .kind = KIND_COMPUTE, .policy = pol, .memory_bytes = mem,
        .memory_wire_bytes = mem, .budget_ms = 300, .ceiling_ms = 300,
        .bw_bps = bw, .overhead_ms = 30, .hint_dirty_bps = dirty,
        .hint_wss_bytes = wss, .hint_hot_fraction = hf,
        .hint_hot_share = hf > 0 ? 0.95 : 0, .xbzrle_ok = true,
        .parallel = 1, .hint_xbzrle_delta = 0.1, .xbzrle_bps = 1 * GiB,
    };

    return p;
}

/* The decision XBZRLE logged at time 0, or NULL. */
static const char *
xz_reason(const struct engine_job *j)
{
    size_t n;
    const struct decision *d = engine_decisions(j, &n);

    for (size_t i = 0; i < n; i++)
        if (d[i].t_ms == 0 && strstr(d[i].reason, "XBZRLE") != NULL)
            return d[i].reason;
    return NULL;
}

/* It pays: a hot set rewritten faster than the link moves it, which a
 * cache holds, under ferry without post-copy. The plan converges with it,
 * not without. With post-copy allowed, post-copy would end it sooner. */
static void
xbzrle_pays_when_a_hot_set_is_resent_and_fits(void **state)
{
    struct policy ferry;
    struct job_params p;
    struct engine_job *j;
    struct policy no;
    struct prediction with, without;
    uint64_t cache = 0;

    (void)state;
    policy_copy_restricted(policy_find(&set, "ferry"), &ferry, true, false,
                           false);
    p = xz_params(&ferry, 2 * GiB, 512 * MiB, 0.125, 300 * MiB, 125000000);
    j = engine_job_new(&p);
    assert_true(engine_xbzrle(j, &cache));
    assert_true(cache >= 64 * MiB);
    assert_true((cache & (cache - 1)) == 0); /* QEMU: a power of two */
    assert_non_null(xz_reason(j));
    assert_non_null(strstr(xz_reason(j), "XBZRLE on, cache 64.0 MiB"));
    assert_non_null(strstr(xz_reason(j), "no convergence without"));
    print_message("    %s\n", xz_reason(j));
    engine_plan(&p, &with);
    policy_copy(&ferry, &no);
    no.xbzrle = XBZRLE_FORBID;
    p.policy = &no;
    engine_plan(&p, &without);
    assert_true(with.converges);
    assert_false(without.converges);
    policy_copy_free(&no);
    engine_job_free(j);
    /* the shipped ferry may end it by post-copy: compared on time */
    p.policy = policy_find(&set, "ferry");
    j = engine_job_new(&p);
    assert_non_null(xz_reason(j));
    print_message("    %s\n", xz_reason(j));
    engine_job_free(j);
    policy_copy_free(&ferry);
}

/* It does not pay: the copy converges fast anyway; or the working set is
 * far larger than any cache it can afford (misses cost CPU, gain
 * nothing). */
static void
xbzrle_does_not_pay_for_fast_copies_or_huge_working_sets(void **state)
{
    const struct policy *ferry = policy_find(&set, "ferry");
    struct job_params fast = xz_params(ferry, 8 * GiB, 1 * GiB, 0.25,
                                       20 * MiB, 1250000000);
    struct job_params huge = xz_params(ferry, 256 * GiB, 128 * GiB, 0,
                                       900 * MiB, 1250000000);
    struct engine_job *j;

    (void)state;
    j = engine_job_new(&fast);
    assert_false(engine_xbzrle(j, NULL));
    assert_non_null(strstr(xz_reason(j), "XBZRLE off: the copy converges "
                                         "fast anyway"));
    print_message("    %s\n", xz_reason(j));
    engine_job_free(j);
    j = engine_job_new(&huge);
    assert_false(engine_xbzrle(j, NULL));
    assert_non_null(strstr(xz_reason(j), "XBZRLE off"));
    assert_non_null(strstr(xz_reason(j), "4.00 GiB"));
    print_message("    %s\n", xz_reason(j));
    engine_job_free(j);
}

/* Forbidden by the policy (no decision at all), impossible with parallel
 * connections, always where it is possible, never without a measurement
 * under auto. */
static void
xbzrle_forbidden_impossible_always_and_unknown(void **state)
{
    const struct policy *ferry = policy_find(&set, "ferry");
    struct job_params p = xz_params(policy_find(&set, "qemu-default"),
                                    2 * GiB, 512 * MiB, 0.125, 300 * MiB,
                                    125000000);
    struct engine_job *j;
    struct policy always;
    uint64_t cache = 1;

    (void)state;
    j = engine_job_new(&p);
    assert_false(engine_xbzrle(j, &cache));
    assert_int_equal(cache, 0);
    assert_null(xz_reason(j));
    engine_job_free(j);

    p.policy = ferry;
    p.xbzrle_ok = false;
    p.parallel = 4;
    j = engine_job_new(&p);
    assert_false(engine_xbzrle(j, NULL));
    assert_non_null(strstr(xz_reason(j), "4 parallel connections"));
    engine_job_free(j);

    policy_copy(ferry, &always);
    always.xbzrle = XBZRLE_ALWAYS;
    p.policy = &always;
    j = engine_job_new(&p);
    assert_false(engine_xbzrle(j, NULL)); /* still not with multifd */
    engine_job_free(j);
    p = xz_params(&always, 8 * GiB, 1 * GiB, 0.25, 20 * MiB, 1250000000);
    always.xbzrle_cache_bytes = 256 * MiB;
    j = engine_job_new(&p);
    assert_true(engine_xbzrle(j, &cache));
    assert_int_equal(cache, 256 * MiB);
    engine_job_free(j);
    policy_copy_free(&always);

    p = xz_params(ferry, 2 * GiB, 0, 0, 0, 125000000);
    j = engine_job_new(&p);
    assert_false(engine_xbzrle(j, NULL));
    assert_non_null(strstr(xz_reason(j), "nothing is known"));
    engine_job_free(j);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ferry_switches_when_predicted_downtime_fits),
        cmocka_unit_test(ferry_does_not_switch_while_downtime_exceeds_budget),
        cmocka_unit_test(ferry_escalates_to_postcopy_when_it_will_not_converge),
        cmocka_unit_test(ferry_aborts_with_a_reason_when_nothing_is_allowed),
        cmocka_unit_test(ovirt_raises_downtime_one_step_per_round_then_aborts),
        cmocka_unit_test(
            nova_steps_downtime_with_time_per_gib_and_aborts_on_timeout),
        cmocka_unit_test(kubevirt_aborts_after_no_progress),
        cmocka_unit_test(qemu_default_never_escalates),
        cmocka_unit_test(phases_follow_the_backend_to_done),
        cmocka_unit_test(operator_cannot_abort_after_postcopy_started),
        cmocka_unit_test(xbzrle_pays_when_a_hot_set_is_resent_and_fits),
        cmocka_unit_test(
            xbzrle_does_not_pay_for_fast_copies_or_huge_working_sets),
        cmocka_unit_test(xbzrle_forbidden_impossible_always_and_unknown),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
