/* Pre-flight checks on the demo datacenter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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

static const struct check_result *
find(const char *vm, const char *to, const char *ds, enum job_kind k,
     const char *name, struct check_result *r)
{
    struct mig_request req = {.vm = vm, .dst_host = to, .dst_ds = ds,
                              .kind = k};
    size_t n = checks_run(sim_dc_model(dc), &req, NULL, 0, r, CHECKS_MAX);

    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].name, name) == 0)
            return &r[i];
    return NULL;
}

static void
cpu_flags_missing_are_named(void **state)
{
    struct check_result r[CHECKS_MAX];
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
    struct check_result r[CHECKS_MAX];
    const struct check_result *c =
        find("backup-01", "hv-04", NULL, KIND_COMPUTE, "networks", r);

    (void)state;
    assert_int_equal(c->status, CHECK_ERROR);
    assert_non_null(strstr(c->message, "backup"));
}

static void
local_disk_needs_storage_migration(void **state)
{
    struct check_result r[CHECKS_MAX];
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
    struct check_result r[CHECKS_MAX];
    struct mig_request req = {.vm = "v", .dst_host = "small",
                              .kind = KIND_COMPUTE};
    size_t n;

    (void)state;
    assert_non_null(small);
    n = checks_run(sim_dc_model(small), &req, NULL, 0, r, CHECKS_MAX);
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].name, "memory") == 0) {
            assert_int_equal(r[i].status, CHECK_ERROR);
            assert_non_null(strstr(r[i].message, "small has 8.00 GiB free"));
        }
    req.dst_host = "tight";
    n = checks_run(sim_dc_model(small), &req, NULL, 0, r, CHECKS_MAX);
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].name, "memory") == 0)
            assert_int_equal(r[i].status, CHECK_WARN);
    sim_dc_free(small);
}

static void
not_live_migratable_and_shut_off(void **state)
{
    struct check_result r[CHECKS_MAX];

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
    struct check_result r[CHECKS_MAX];
    struct mig_request req = {.vm = "web-01", .dst_host = "hv-02",
                              .kind = KIND_COMPUTE};
    const char *busy[] = {"web-01"};
    size_t n = checks_run(sim_dc_model(dc), &req, busy, 1, r, CHECKS_MAX);

    (void)state;
    assert_int_equal(checks_worst(r, n), CHECK_ERROR);
    assert_string_equal(r[0].name, "not-migrating");
}

static void
datastore_space_and_visibility(void **state)
{
    struct check_result r[CHECKS_MAX];

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
