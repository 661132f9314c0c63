/* The client's view of an evacuation (ferry/evacview.h): the evacuation
 * object read whole and refused field by field, and summary logs read
 * back: header, plan, events and result; a log cut mid-line; a flight
 * log that is not one; a log without its plan. */
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

#include "ferry/evacview.h"

static const char full[] =
    "{\"id\":7,\"host\":\"hv-02\",\"state\":\"ended\",\"policy\":\"ferry\","
    "\"budget_ms\":300,\"include_shutoff\":false,\"allow_storage\":true,"
    "\"parallel\":2,\"planned_ms\":20000,\"elapsed_ms\":23500,"
    "\"predicted_end_ms\":23500,"
    "\"moves\":[{\"vm\":\"web-01\",\"to\":\"hv-03\",\"ds\":null,"
    "\"kind\":\"compute\",\"cold\":false,\"order\":1,\"start_ms\":0,"
    "\"end_ms\":8000,\"predicted_ms\":8000,\"predicted_downtime_ms\":120,"
    "\"converges\":true,\"how\":\"converges in 4 rounds\","
    "\"reason\":\"hv-03 has the most free memory\",\"state\":\"done\","
    "\"job\":11,\"attempt\":1,\"tried\":[],\"real_ms\":8900,"
    "\"real_downtime_ms\":64,\"log\":\"/logs/web-01.jsonl\"},"
    "{\"vm\":\"files-01\",\"to\":\"hv-05\",\"ds\":\"ds-ssd-02\","
    "\"kind\":\"both\",\"order\":2,\"start_ms\":8000,\"end_ms\":16000,"
    "\"state\":\"failed\",\"attempt\":2,\"tried\":[\"hv-04\"],"
    "\"error\":\"ds-ssd-02: no space left\"}],"
    "\"stays\":[{\"vm\":\"gpu-01\",\"reason\":\"a passed-through device\","
    "\"shutoff\":false},{\"vm\":\"old-01\",\"shutoff\":true}],"
    "\"remaining\":[\"files-01\",\"gpu-01\",\"old-01\"],"
    "\"log\":\"/logs/evac-hv-02.jsonl\","
    "\"result\":{\"empty\":false,\"moved\":1,\"failed\":1,"
    "\"left\":[{\"vm\":\"files-01\",\"reason\":\"failed twice\"}]}}";

static int
view_of(const char *text, struct evac_view *v, struct ferry_err *err)
{
    json_object *o = json_tokener_parse(text);
    int rc;

    assert_non_null(o);
    rc = evac_view_read(o, v, err);
    json_object_put(o);
    return rc;
}

static void
a_full_object_reads_into_every_field(void **state)
{
    struct evac_view v;
    struct ferry_err err;
    const struct evac_move_view *m;

    (void)state;
    evac_view_init(&v);
    assert_int_equal(view_of(full, &v, &err), 0);
    assert_int_equal(v.id, 7);
    assert_string_equal(v.host, "hv-02");
    assert_string_equal(v.state, "ended");
    assert_string_equal(v.policy, "ferry");
    assert_int_equal(v.budget_ms, 300);
    assert_false(v.include_shutoff);
    assert_true(v.allow_storage);
    assert_int_equal(v.parallel, 2);
    assert_true(v.planned_ms == 20000 && v.elapsed_ms == 23500);
    assert_string_equal(v.log, "/logs/evac-hv-02.jsonl");
    assert_int_equal(v.n_moves, 2);
    m = evac_view_move(&v, "web-01");
    assert_non_null(m);
    assert_string_equal(m->to, "hv-03");
    assert_null(m->ds);
    assert_int_equal(m->order, 1);
    assert_true(m->end_ms == 8000 && m->predicted_downtime_ms == 120);
    assert_true(m->converges);
    assert_int_equal(m->state, EVM_DONE);
    assert_int_equal(m->job, 11);
    assert_true(m->real_ms == 8900 && m->real_downtime_ms == 64);
    assert_string_equal(m->log, "/logs/web-01.jsonl");
    m = evac_view_move(&v, "files-01");
    assert_non_null(m);
    assert_string_equal(m->kind, "both");
    assert_string_equal(m->ds, "ds-ssd-02");
    assert_int_equal(m->state, EVM_FAILED);
    assert_int_equal(m->attempt, 2);
    assert_int_equal(m->n_tried, 1);
    assert_string_equal(m->tried[0], "hv-04");
    assert_true(isnan(m->predicted_ms) && isnan(m->real_ms)); /* absent */
    assert_string_equal(m->error, "ds-ssd-02: no space left");
    assert_null(evac_view_move(&v, "gpu-01"));
    assert_int_equal(v.n_stays, 2);
    assert_string_equal(v.stays[0].reason, "a passed-through device");
    assert_string_equal(v.stays[1].reason, ""); /* none given */
    assert_true(v.stays[1].shutoff);
    assert_int_equal(v.n_remaining, 3);
    assert_true(v.ended);
    assert_false(v.empty);
    assert_int_equal(v.moved, 1);
    assert_int_equal(v.failed, 1);
    assert_int_equal(v.n_left, 1);
    assert_string_equal(v.left[0].reason, "failed twice");
    /* read again over itself: the old contents go */
    assert_int_equal(view_of("{\"host\":\"hv-01\"}", &v, &err), 0);
    assert_string_equal(v.host, "hv-01");
    assert_string_equal(v.state, "planned");
    assert_int_equal(v.n_moves, 0);
    assert_false(v.ended);
    evac_view_fini(&v);
}

/* Empty texts are what a writer puts for "none": no error, no log. */
static void
empty_texts_are_none(void **state)
{
    struct evac_view v;
    struct ferry_err err;

    (void)state;
    evac_view_init(&v);
    assert_int_equal(view_of("{\"host\":\"h\",\"log\":\"\",\"moves\":[{"
                             "\"vm\":\"a\",\"error\":\"\",\"log\":\"\","
                             "\"how\":\"\",\"reason\":\"\"}],"
                             "\"stays\":[{\"vm\":\"b\",\"reason\":\"\"}]}",
                             &v, &err),
                     0);
    assert_null(v.log);
    assert_null(v.moves[0].error);
    assert_null(v.moves[0].log);
    assert_string_equal(v.stays[0].reason, "");
    evac_view_fini(&v);
}

static void
bad_input_names_the_field(void **state)
{
    static const struct {
        const char *text, *says;
    } cases[] = {
        {"[1]", "an evacuation must be an object"},
        {"{\"state\":\"ended\"}", "\"host\" is missing"},
        {"{\"host\":3}", "\"host\" must be a non-empty string"},
        {"{\"host\":\"h\",\"budget_ms\":\"soon\"}", "budget_ms"},
        {"{\"host\":\"h\",\"moves\":{}}", "moves"},
        {"{\"host\":\"h\",\"moves\":[{\"to\":\"x\"}]}",
         "moves[0]: \"vm\" is missing"},
        {"{\"host\":\"h\",\"moves\":[{\"vm\":\"a\"},{\"vm\":\"b\","
         "\"state\":\"flying\"}]}",
         "moves[1]: state 'flying' is none of planned"},
        {"{\"host\":\"h\",\"moves\":[{\"vm\":\"a\",\"tried\":[1]}]}",
         "moves[0]: tried[0] must be a string"},
        {"{\"host\":\"h\",\"moves\":[{\"vm\":\"a\",\"error\":5}]}",
         "moves[0]: \"error\" must be a string"},
        {"{\"host\":\"h\",\"stays\":[{\"reason\":\"x\"}]}",
         "stays[0]: \"vm\" is missing"},
        {"{\"host\":\"h\",\"remaining\":[null]}", "remaining[0]"},
        {"{\"host\":\"h\",\"result\":{\"moved\":\"all\"}}", "result: "},
        {"{\"host\":\"h\",\"result\":{\"left\":[{}]}}",
         "result: left[0]: \"vm\" is missing"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct evac_view v;
        struct ferry_err err;

        evac_view_init(&v);
        assert_int_equal(view_of(cases[i].text, &v, &err), -1);
        if (strstr(err.msg, cases[i].says) == NULL)
            fail_msg("%s: '%s' does not say '%s'", cases[i].text, err.msg,
                     cases[i].says);
        assert_null(v.host); /* nothing half read is kept */
        evac_view_fini(&v);
    }
}

/* A file with text; returns its path (static). */
static const char *
write_file(const char *text)
{
    static char path[64];
    FILE *f;
    int fd;

    snprintf(path, sizeof path, "/tmp/ferry-evacviewXXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

#define HEADER "{\"type\":\"evac_header\",\"version\":1,\"host\":\"hv-02\"," \
               "\"unix_ms\":1767225600000,\"id\":7}\n"
#define PLAN "{\"type\":\"evac_plan\",\"evac\":{\"id\":7,\"host\":\"hv-02\"," \
             "\"planned_ms\":9000,\"moves\":[{\"vm\":\"web-01\"," \
             "\"to\":\"hv-03\",\"end_ms\":9000}]}}\n"
#define EVENTS                                                              \
    "{\"type\":\"evac_event\",\"t_ms\":0,\"vm\":\"web-01\","               \
    "\"event\":\"queued\"}\n"                                               \
    "{\"type\":\"evac_event\",\"t_ms\":200,\"vm\":\"web-01\","             \
    "\"event\":\"started\",\"to\":\"hv-03\",\"job\":11,"                    \
    "\"log\":\"web-01.jsonl\"}\n"                                           \
    "{\"type\":\"evac_event\",\"t_ms\":9100,\"vm\":\"web-01\","            \
    "\"event\":\"ended\",\"to\":\"hv-03\",\"job\":11,"                      \
    "\"outcome\":\"completed\",\"real_ms\":8900,\"downtime_ms\":64,"        \
    "\"error\":\"\"}\n"
#define RESULT "{\"type\":\"evac_result\",\"t_ms\":9200,\"evac\":{\"id\":7," \
               "\"host\":\"hv-02\",\"state\":\"ended\",\"elapsed_ms\":9200," \
               "\"result\":{\"empty\":true,\"moved\":1,\"failed\":0}}}\n"

static void
a_summary_log_reads_header_plan_events_and_result(void **state)
{
    const char *path = write_file(HEADER PLAN EVENTS
                                  "{\"type\":\"evac_later\",\"x\":1}\n"
                                  "\n" RESULT);
    struct evac_log l;
    struct ferry_err err;

    (void)state;
    assert_true(evac_log_is(path));
    assert_int_equal(evac_log_read(path, &l, &err), 0);
    assert_string_equal(l.host, "hv-02");
    assert_true(l.unix_ms == 1767225600000LL);
    assert_string_equal(l.plan.host, "hv-02");
    assert_true(l.plan.planned_ms == 9000);
    assert_int_equal(l.plan.n_moves, 1);
    assert_int_equal(l.n_events, 3);
    assert_string_equal(l.events[0].event, "queued");
    assert_true(l.events[1].t_ms == 200);
    assert_string_equal(l.events[1].to, "hv-03");
    assert_int_equal(l.events[1].job, 11);
    assert_string_equal(l.events[1].log, "web-01.jsonl");
    assert_true(isnan(l.events[1].real_ms));
    assert_string_equal(l.events[2].outcome, "completed");
    assert_true(l.events[2].real_ms == 8900 && l.events[2].downtime_ms == 64);
    assert_null(l.events[2].error);
    assert_true(l.has_result);
    assert_true(l.result.ended && l.result.empty);
    assert_int_equal(l.result.moved, 1);
    evac_log_fini(&l);
    unlink(path);
}

/* Killed while writing: the last line, without its newline, is left
 * out; what came before reads. */
static void
a_log_cut_mid_line_reads_up_to_it(void **state)
{
    const char *path = write_file(HEADER PLAN EVENTS
                                  "{\"type\":\"evac_event\",\"t_ms\":9300,"
                                  "\"vm\":\"cache-");
    struct evac_log l;
    struct ferry_err err;

    (void)state;
    assert_int_equal(evac_log_read(path, &l, &err), 0);
    assert_int_equal(l.n_events, 3);
    assert_false(l.has_result);
    evac_log_fini(&l);
    unlink(path);
}

static void
a_flight_log_is_not_a_summary_log(void **state)
{
    const char *path = write_file(
        "{\"type\":\"header\",\"format\":\"ferry-flightlog\",\"version\":1}\n"
        "{\"type\":\"sample\",\"t_ms\":0}\n");
    struct evac_log l;
    struct ferry_err err;

    (void)state;
    assert_false(evac_log_is(path));
    assert_int_equal(evac_log_read(path, &l, &err), -1);
    assert_non_null(strstr(err.msg, ":1: not an evacuation's summary log"));
    assert_non_null(strstr(err.msg, "'header'"));
    assert_int_equal(strncmp(err.msg, path, strlen(path)), 0);
    unlink(path);
    assert_false(evac_log_is("/nonexistent/evac.jsonl"));
    assert_int_equal(evac_log_read("/nonexistent/evac.jsonl", &l, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/evac.jsonl: "));
}

static void
a_log_without_its_plan_is_refused(void **state)
{
    const char *path = write_file(HEADER EVENTS);
    struct evac_log l;
    struct ferry_err err;

    (void)state;
    assert_int_equal(evac_log_read(path, &l, &err), -1);
    assert_non_null(strstr(err.msg, ": no plan"));
    unlink(path);
}

/* A bad line says its file, its line and the field. */
static void
a_bad_line_says_where_and_what(void **state)
{
    const char *path = write_file(HEADER PLAN
                                  "{\"type\":\"evac_event\",\"t_ms\":1,"
                                  "\"event\":\"started\"}\n");
    struct evac_log l;
    struct ferry_err err;
    char want[128];

    (void)state;
    assert_int_equal(evac_log_read(path, &l, &err), -1);
    snprintf(want, sizeof want, "%s:3: \"vm\" is missing", path);
    assert_string_equal(err.msg, want);
    unlink(path);
    path = write_file(HEADER "{not json}\n");
    assert_int_equal(evac_log_read(path, &l, &err), -1);
    snprintf(want, sizeof want, "%s:2: not a JSON object", path);
    assert_string_equal(err.msg, want);
    unlink(path);
    path = write_file(HEADER "{\"type\":\"evac_plan\",\"evac\":{\"host\":"
                             "\"hv-02\",\"moves\":[{\"vm\":\"a\","
                             "\"state\":\"x\"}]}}\n");
    assert_int_equal(evac_log_read(path, &l, &err), -1);
    snprintf(want, sizeof want, "%s:2: moves[0]: state 'x'", path);
    assert_int_equal(strncmp(err.msg, want, strlen(want)), 0);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_full_object_reads_into_every_field),
        cmocka_unit_test(empty_texts_are_none),
        cmocka_unit_test(bad_input_names_the_field),
        cmocka_unit_test(a_summary_log_reads_header_plan_events_and_result),
        cmocka_unit_test(a_log_cut_mid_line_reads_up_to_it),
        cmocka_unit_test(a_flight_log_is_not_a_summary_log),
        cmocka_unit_test(a_log_without_its_plan_is_refused),
        cmocka_unit_test(a_bad_line_says_where_and_what),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
