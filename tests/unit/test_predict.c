/* The predictor against the closed-form pre-copy model. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ferry/predict.h"
#include "ferry/units.h"

static void
dirtied_saturates_at_the_working_set(void **state)
{
    (void)state;
    assert_true(fabs(predict_dirtied(100, 0, 2) - 200) < 1e-9);
    assert_true(predict_dirtied(1e9, 1e6, 100) <= 1e6);
    assert_true(predict_dirtied(1e9, 1e6, 100) > 0.999e6);
    assert_true(predict_union(10, 10, 20) >= 10);
    assert_true(predict_union(10, 10, 0) == 20);
}

/* Unbounded working set: rounds shrink geometrically with ratio r = D/B;
 * the remainder after k rounds is M r^k and the time is the sum. */
static void
geometric_model_matches_closed_form(void **state)
{
    double m = 8.0 * GiB, b = 1.0 * GiB, d = 0.25 * GiB;
    struct predict_in in = {
        .remaining_bytes = m, .dirty_bps = d, .bw_bps = b, .final_bps = b,
        .overhead_ms = 0, .budget_ms = 100,
    };
    struct prediction p;
    double r = d / b, rem = m, t = 0;
    unsigned k = 0;

    (void)state;
    predict_run(&in, &p);
    assert_true(p.converges);
    /* Closed form: switch inside the round where rem(t) + D t <= B x 0.1. */
    while (rem * (1 + r) > b * 0.1) { /* end-of-round worst case */
        t += rem / b;
        rem *= r;
        k++;
    }
    assert_true(p.rounds >= k - 1 && p.rounds <= k);
    assert_true(p.total_ms / 1000.0 <= t + rem / b + 0.2);
    assert_true(p.total_ms / 1000.0 >= (m / b) * (1 - pow(r, k - 1)) /
                                           (1 - r));
    assert_true(p.downtime_ms <= 100.0 + 1e-6);
}

static void
dirtying_faster_than_the_link_does_not_converge(void **state)
{
    struct predict_in in = {
        .remaining_bytes = 4.0 * GiB, .dirty_bps = 2.0 * GiB,
        .wss_bytes = 3.0 * GiB, .bw_bps = 1.0 * GiB, .final_bps = 1.0 * GiB,
        .overhead_ms = 20, .budget_ms = 300,
    };
    struct prediction p;

    (void)state;
    predict_run(&in, &p);
    assert_false(p.converges);
    assert_true(p.stall_bytes > 1.0 * GiB);
    assert_true(p.stall_downtime_ms > 300);
    assert_true(isfinite(p.postcopy_ms));
}

static void
small_working_set_converges_even_above_the_link_rate(void **state)
{
    /* 2 GiB/s of writes into 64 MiB: the remainder floors at 64 MiB,
     * which moves in 62 ms at 1 GiB/s. */
    struct predict_in in = {
        .remaining_bytes = 4.0 * GiB, .dirty_bps = 2.0 * GiB,
        .wss_bytes = 64.0 * MiB, .bw_bps = 1.0 * GiB, .final_bps = 1.0 * GiB,
        .overhead_ms = 20, .budget_ms = 300,
    };
    struct prediction p;

    (void)state;
    predict_run(&in, &p);
    assert_true(p.converges);
    assert_true(p.downtime_ms <= 300);
}

static void
downtime_now_counts_overhead_and_fixed_bytes(void **state)
{
    struct predict_in in = {
        .remaining_bytes = 100.0 * MiB, .bw_bps = 100.0 * MiB,
        .final_bps = 100.0 * MiB, .overhead_ms = 25, .budget_ms = 10,
        .fixed_bytes = 10.0 * MiB,
    };
    struct prediction p;

    (void)state;
    predict_run(&in, &p);
    assert_true(fabs(p.downtime_now_ms - 1125) < 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dirtied_saturates_at_the_working_set),
        cmocka_unit_test(geometric_model_matches_closed_form),
        cmocka_unit_test(dirtying_faster_than_the_link_does_not_converge),
        cmocka_unit_test(small_working_set_converges_even_above_the_link_rate),
        cmocka_unit_test(downtime_now_counts_overhead_and_fixed_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
