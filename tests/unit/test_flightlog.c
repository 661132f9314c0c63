/* A migration's flight log: header first, samples, decisions, phases,
 * result last; every line is a JSON object. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/flightlog.h"
#include "ferry/runner_sim.h"

static void
log_of_a_simulated_migration_is_complete(void **state)
{
    struct policy_set set;
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_demo(&err);
    char dir[] = "/tmp/ferry-flogXXXXXX", path[256], line[65536];
    struct runner_opts o = {.vm = "web-01", .to = "hv-02",
                            .kind = KIND_COMPUTE, .budget_ms = 300};
    struct runner *r;
    FILE *f;
    size_t n = 0, samples = 0, decisions = 0, phases = 0;
    json_object *last = NULL;

    (void)state;
    policy_set_init(&set);
    policy_set_builtin(&set, &err);
    o.policy = policy_find(&set, "ferry");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/sub/dir/web-01.jsonl", dir);
    o.log_path = path;
    r = runner_new_sim(dc, &o, NULL, 0, &err);
    assert_non_null(r);
    while (runner_step(r))
        ;
    runner_free(r);

    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof line, f) != NULL) {
        json_object *o2 = json_tokener_parse(line);
        const char *type;

        assert_non_null(o2);
        type = json_object_get_string(json_object_object_get(o2, "type"));
        if (n == 0) {
            assert_string_equal(type, "header");
            assert_string_equal(json_object_get_string(json_object_object_get(
                                    o2, "format")),
                                FLOG_FORMAT);
            assert_int_equal(json_object_get_int(
                                 json_object_object_get(o2, "version")),
                             FLOG_VERSION);
            assert_non_null(json_object_object_get(o2, "prediction"));
            assert_non_null(json_object_object_get(o2, "policy"));
        }
        samples += strcmp(type, "sample") == 0;
        decisions += strcmp(type, "decision") == 0;
        phases += strcmp(type, "phase") == 0;
        if (last)
            json_object_put(last);
        last = o2;
        n++;
    }
    fclose(f);
    assert_true(samples > 10);
    assert_true(decisions >= 2); /* initial limit, switchover */
    assert_true(phases >= 5);
    assert_string_equal(json_object_get_string(json_object_object_get(last,
                                                                      "type")),
                        "result");
    assert_string_equal(json_object_get_string(json_object_object_get(
                            last, "outcome")),
                        "completed");
    assert_true(json_object_get_boolean(json_object_object_get(last,
                                                               "verified")));
    {
        /* what the move measured, for the next plan of the same VM */
        json_object *obs = json_object_object_get(last, "observed");

        assert_non_null(obs);
        assert_true(json_object_get_int64(json_object_object_get(
                        obs, "first_round_bytes")) > 0);
        assert_true(json_object_get_int64(
                        json_object_object_get(obs, "bw_bps")) > 0);
        assert_non_null(json_object_object_get(obs, "dirty_bps"));
    }
    json_object_put(last);
    unlink(path);
    policy_set_fini(&set);
    sim_dc_free(dc);
}

static void
unwritable_log_is_a_clear_error(void **state)
{
    struct ferry_err err;

    (void)state;
    assert_null(flog_open("/proc/ferry/cannot.jsonl", &err));
    assert_non_null(strstr(err.msg, "/proc/ferry"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(log_of_a_simulated_migration_is_complete),
        cmocka_unit_test(unwritable_log_is_a_clear_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
