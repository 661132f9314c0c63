/* Placement against crafted datacenters: every destination passes every
 * check, the plan's earlier moves count, and a VM that cannot go says why
 * and what would let it go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/place.h"
#include "ferry/sim.h"

static struct sim_dc *
dc(const char *text)
{
    struct ferry_err err;
    struct sim_dc *d = sim_dc_load_string("place.ini", text, &err);

    if (d == NULL)
        fail_msg("%s", err.msg);
    return d;
}

/* Place every VM of host, the results in out (n of them). */
static size_t
evacuate(struct sim_dc *d, const char *host, const struct place_opts *o,
         struct placement *out, const char **names, size_t max)
{
    const struct model *m = sim_dc_model(d);
    size_t n = 0;

    for (size_t i = 0; i < m->n_vms && n < max; i++)
        if (strcmp(m->vms[i].host, host) == 0)
            names[n++] = m->vms[i].name;
    return place_vms(m, names, n, o, out);
}

static const struct placement *
of(const struct placement *p, size_t n, const char *vm)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].vm, vm) == 0)
            return &p[i];
    fail_msg("no placement for %s", vm);
    return NULL;
}

#define HOSTS3                                                             \
    "[host src]\nmemory = 64GiB\ncores = 16\ncpu_flags = sse4_2, avx2, "   \
    "avx512f\n"                                                            \
    "[host intel]\nmemory = 64GiB\ncores = 16\ncpu_flags = sse4_2, avx2, " \
    "avx512f\n"                                                            \
    "[host amd]\nmemory = 64GiB\ncores = 16\ncpu_flags = sse4_2, avx2\n"   \
    "[datastore shared]\ncapacity = 10TiB\nhosts = *\nshared = yes\n"

static void
incompatible_cpu_is_never_chosen(void **state)
{
    struct sim_dc *d = dc(HOSTS3 "[vm big]\nhost = src\nmemory = 8GiB\n"
                                 "cpu_flags = avx512f\n"
                                 "disks = vda:shared:10GiB\n"
                                 "[vm small]\nhost = src\nmemory = 2GiB\n"
                                 "cpu_flags = avx2\n"
                                 "disks = vda:shared:10GiB\n");
    struct place_opts o = {0};
    struct placement p[2];
    const char *names[2];

    (void)state;
    assert_int_equal(evacuate(d, "src", &o, p, names, 2), 2);
    assert_string_equal(of(p, 2, "big")->host, "intel");
    assert_non_null(strstr(of(p, 2, "big")->reason, "intel:"));
    /* the small one goes where the big one did not: balance */
    assert_string_equal(of(p, 2, "small")->host, "amd");
    for (int i = 0; i < 2; i++)
        placement_fini(&p[i]);
    sim_dc_free(d);
}

static void
a_nearly_full_host_takes_nothing_and_earlier_moves_count(void **state)
{
    struct sim_dc *d = dc(
        "[host src]\nmemory = 64GiB\n[host roomy]\nmemory = 64GiB\n"
        "[host full]\nmemory = 64GiB\n"
        "[datastore shared]\ncapacity = 10TiB\nhosts = *\nshared = yes\n"
        "[vm hog]\nhost = full\nmemory = 56GiB\ndisks = vda:shared:1GiB\n"
        "[vm a]\nhost = src\nmemory = 24GiB\ndisks = vda:shared:1GiB\n"
        "[vm b]\nhost = src\nmemory = 24GiB\ndisks = vda:shared:1GiB\n"
        "[vm c]\nhost = src\nmemory = 24GiB\ndisks = vda:shared:1GiB\n");
    struct place_opts o = {0};
    struct placement p[3];
    const char *names[3];
    size_t placed = evacuate(d, "src", &o, p, names, 3), stays = 0;

    (void)state;
    /* roomy takes two (48 of 64 GiB, 25% free), not the third */
    assert_int_equal(placed, 2);
    for (int i = 0; i < 3; i++) {
        if (p[i].host == NULL) {
            stays++;
            assert_non_null(strstr(p[i].reason, "stays on src"));
            assert_non_null(strstr(p[i].reason, "once the plan's earlier "
                                                "moves are in"));
            assert_non_null(strstr(p[i].reason, "more free memory"));
        } else {
            assert_string_equal(p[i].host, "roomy");
        }
        placement_fini(&p[i]);
    }
    assert_int_equal(stays, 1);
    sim_dc_free(d);
}

static void
local_storage_moves_with_it_only_when_allowed(void **state)
{
    struct sim_dc *d = dc(
        "[host src]\nmemory = 64GiB\n[host dst]\nmemory = 64GiB\n"
        "[datastore src-local]\ncapacity = 1TiB\nhosts = src\n"
        "[datastore dst-local]\ncapacity = 1TiB\nhosts = dst\n"
        "[vm v]\nhost = src\nmemory = 4GiB\ndisks = vda:src-local:20GiB\n");
    struct place_opts o = {0};
    struct placement p[1];
    const char *names[1];

    (void)state;
    assert_int_equal(evacuate(d, "src", &o, p, names, 1), 0);
    assert_null(p[0].host);
    assert_non_null(strstr(p[0].reason, "allowing storage moves"));
    placement_fini(&p[0]);
    o.allow_storage = true;
    assert_int_equal(evacuate(d, "src", &o, p, names, 1), 1);
    assert_string_equal(p[0].host, "dst");
    assert_string_equal(p[0].ds, "dst-local");
    assert_int_equal(p[0].kind, KIND_BOTH);
    assert_non_null(strstr(p[0].reason, "disks to dst-local"));
    placement_fini(&p[0]);
    sim_dc_free(d);
}

static void
a_passed_through_device_stays_with_its_reason(void **state)
{
    struct sim_dc *d = dc(HOSTS3 "[vm gpu]\nhost = src\nmemory = 8GiB\n"
                                 "not_migratable = a passed-through GPU "
                                 "(hostdev 0000:3b:00.0)\n"
                                 "disks = vda:shared:10GiB\n");
    struct place_opts o = {0};
    struct placement p[1];
    const char *names[1];

    (void)state;
    assert_int_equal(evacuate(d, "src", &o, p, names, 1), 0);
    assert_non_null(strstr(p[0].reason, "passed-through GPU"));
    assert_non_null(strstr(p[0].reason, "shutting it down"));
    placement_fini(&p[0]);
    sim_dc_free(d);
}

static void
maintenance_and_to_limit_the_destinations(void **state)
{
    struct sim_dc *d = dc(HOSTS3 "[vm v]\nhost = src\nmemory = 2GiB\n"
                                 "disks = vda:shared:10GiB\n");
    const char *maint[] = {"intel"}, *to[] = {"intel"};
    struct place_opts o = {.exclude = maint, .n_exclude = 1};
    struct placement p[1];
    const char *names[1];

    (void)state;
    assert_int_equal(evacuate(d, "src", &o, p, names, 1), 1);
    assert_string_equal(p[0].host, "amd");
    placement_fini(&p[0]);
    o.to = to;
    o.n_to = 1;
    assert_int_equal(evacuate(d, "src", &o, p, names, 1), 0);
    assert_non_null(strstr(p[0].reason, "intel is in maintenance"));
    placement_fini(&p[0]);
    sim_dc_free(d);
}

/* The predictor decides between hosts equally loaded: the shorter move. */
static double
slow_to_amd(void *ctx, const struct model_vm *vm, const char *host,
            const char *ds)
{
    (void)ctx;
    (void)vm;
    (void)ds;
    return strcmp(host, "amd") == 0 ? 90000 : 10000;
}

static void
the_predicted_time_breaks_ties(void **state)
{
    struct sim_dc *d = dc(HOSTS3 "[vm v]\nhost = src\nmemory = 2GiB\n"
                                 "disks = vda:shared:10GiB\n");
    struct place_opts o = {.predict_ms = slow_to_amd};
    struct placement p[1];
    const char *names[1];

    (void)state;
    assert_int_equal(evacuate(d, "src", &o, p, names, 1), 1);
    assert_string_equal(p[0].host, "intel");
    assert_true(fabs(p[0].predicted_ms - 10000) < 1);
    assert_non_null(strstr(p[0].reason, "about 10.0 s"));
    placement_fini(&p[0]);
    sim_dc_free(d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(incompatible_cpu_is_never_chosen),
        cmocka_unit_test(
            a_nearly_full_host_takes_nothing_and_earlier_moves_count),
        cmocka_unit_test(local_storage_moves_with_it_only_when_allowed),
        cmocka_unit_test(a_passed_through_device_stays_with_its_reason),
        cmocka_unit_test(maintenance_and_to_limit_the_destinations),
        cmocka_unit_test(the_predicted_time_breaks_ties),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
