/* Pre-flight checks on the demo datacenter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ferry/checks.h"
#include "ferry/sim.h"

static struct sim_dc *dc;

static int
setup(void **state)
{
    struct ferry_err err;

    (void)state;
    dc = sim_dc_demo(&err);
    return dc == NULL;
}

static int
teardown(void **state)
{
    (void)state;
    sim_dc_free(dc);
    return 0;
}

/* Results live here between checks (reachable, freed at exit). */
static struct checks ck;

static const struct check_result *
find(const char *vm, const char *to, const char *ds, enum job_kind k,
     const char *name, struct checks *r)
{
    struct mig_request req = {.vm = vm, .dst_host = to, .dst_ds = ds,
                              .kind = k};
    size_t n = checks_run(sim_dc_model(dc), &req, NULL, 0, r);

    for (size_t i = 0; i < n; i++)
        if (strcmp(r->v[i].name, name) == 0)
            return &r->v[i];
    return NULL;
}

/* However long the names and however many there are, a result says them
 * all, and any number of results can be set. */
static void
results_hold_long_names_and_any_count(void **state)
{
    struct ferry_err err;
    char host[301], *nets = xstrdup(""), *text;
    struct sim_dc *d;
    struct mig_request req = {.vm = "v", .kind = KIND_COMPUTE};
    struct checks c;
    const struct check_result *net = NULL;
    char names[40][8];

    (void)state;
    memset(host, 'h', 300);
    host[300] = '\0';
    for (int i = 0; i < 40; i++) {
        char *n;

        snprintf(names[i], sizeof names[i], "net%02d", i);
        n = xasprintf("%s%s%s", nets, i ? ", " : "", names[i]);
        free(nets);
        nets = n;
    }
    text = xasprintf("[host a]\nmemory = 64GiB\n[host %s]\nmemory = 64GiB\n"
                     "[vm v]\nhost = a\nmemory = 1GiB\nnetworks = %s\n",
                     host, nets);
    d = sim_dc_load_string("long.ini", text, &err);
    assert_non_null(d);
    req.dst_host = host;
    checks_init(&c);
    checks_run(sim_dc_model(d), &req, NULL, 0, &c);
    for (size_t i = 0; i < c.n; i++)
        if (strcmp(c.v[i].name, "networks") == 0)
            net = &c.v[i];
    assert_non_null(net);
    assert_int_equal(net->status, CHECK_ERROR);
    assert_non_null(strstr(net->message, host));
    for (int i = 0; i < 40; i++)
        assert_non_null(strstr(net->message, names[i]));
    /* far more results than the checks give, each kept */
    for (int i = 0; i < 100; i++)
        checks_set(&c, names[i % 40], CHECK_OK, "%d", i);
    assert_true(c.n >= 40);
    checks_fini(&c);
    sim_dc_free(d);
    free(text);
    free(nets);
}

static void
cpu_flags_missing_are_named(void **state)
{
    struct checks *r = &ck;
    const struct check_result *c =
        find("db-02", "hv-04", NULL, KIND_COMPUTE, "cpu", r);

    (void)state;
    assert_int_equal(c->status, CHECK_ERROR);
    assert_non_null(strstr(c->message, "avx512f"));
    c = find("web-01", "hv-04", NULL, KIND_COMPUTE, "cpu", r);
    assert_int_equal(c->status, CHECK_OK);
}

static void
missing_network_blocks(void **state)
{
    struct checks *r = &ck;
    const struct check_result *c =
        find("backup-01", "hv-04", NULL, KIND_COMPUTE, "networks", r);

    (void)state;
    assert_int_equal(c->status, CHECK_ERROR);
    assert_non_null(strstr(c->message, "backup"));
}

static void
local_disk_needs_storage_migration(void **state)
{
    struct checks *r = &ck;
    const struct check_result *c =
        find("files-01", "hv-02", NULL, KIND_COMPUTE, "shared-storage", r);

    (void)state;
    assert_int_equal(c->status, CHECK_ERROR);
    assert_non_null(strstr(c->message, "--kind both"));
}

static void
destination_memory_is_checked(void **state)
{
    struct ferry_err err;
    struct sim_dc *small = sim_dc_load_string(
        "small.ini",
        "[host big]\nmemory = 64GiB\n[host small]\nmemory = 8GiB\n"
        "[host tight]\nmemory = 34GiB\n"
        "[vm v]\nhost = big\nmemory = 32GiB\n",
        &err);
    struct checks *r = &ck;
    struct mig_request req = {.vm = "v", .dst_host = "small",
                              .kind = KIND_COMPUTE};
    size_t n;

    (void)state;
    assert_non_null(small);
    n = checks_run(sim_dc_model(small), &req, NULL, 0, r);
    for (size_t i = 0; i < n; i++)
        if (strcmp(r->v[i].name, "memory") == 0) {
            assert_int_equal(r->v[i].status, CHECK_ERROR);
            assert_non_null(strstr(r->v[i].message, "small has 8.00 GiB free"));
        }
    req.dst_host = "tight";
    n = checks_run(sim_dc_model(small), &req, NULL, 0, r);
    for (size_t i = 0; i < n; i++)
        if (strcmp(r->v[i].name, "memory") == 0)
            assert_int_equal(r->v[i].status, CHECK_WARN);
    sim_dc_free(small);
}

static void
not_live_migratable_and_shut_off(void **state)
{
    struct checks *r = &ck;

    (void)state;
    assert_int_equal(
        find("gpu-01", "hv-01", NULL, KIND_COMPUTE, "live-migratable", r)
            ->status,
        CHECK_ERROR);
    assert_int_equal(
        find("legacy-01", "hv-01", NULL, KIND_COMPUTE, "vm-state", r)->status,
        CHECK_WARN);
}

static void
already_migrating_is_an_error(void **state)
{
    struct checks *r = &ck;
    struct mig_request req = {.vm = "web-01", .dst_host = "hv-02",
                              .kind = KIND_COMPUTE};
    const char *busy[] = {"web-01"};
    size_t n = checks_run(sim_dc_model(dc), &req, busy, 1, r);

    (void)state;
    assert_int_equal(checks_worst(r->v, n), CHECK_ERROR);
    assert_string_equal(r->v[0].name, "not-migrating");
}

static void
datastore_space_and_visibility(void **state)
{
    struct checks *r = &ck;

    (void)state;
    assert_int_equal(find("web-01", NULL, "ds-ssd-02", KIND_STORAGE,
                          "datastore", r)
                         ->status,
                     CHECK_ERROR); /* hv-01 cannot see hv-02's local disk */
    assert_int_equal(find("files-01", NULL, "ds-shared", KIND_STORAGE,
                          "datastore-space", r)
                         ->status,
                     CHECK_OK);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(results_hold_long_names_and_any_count),
        cmocka_unit_test(cpu_flags_missing_are_named),
        cmocka_unit_test(missing_network_blocks),
        cmocka_unit_test(local_disk_needs_storage_migration),
        cmocka_unit_test(destination_memory_is_checked),
        cmocka_unit_test(not_live_migratable_and_shut_off),
        cmocka_unit_test(already_migrating_is_an_error),
        cmocka_unit_test(datastore_space_and_visibility),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
