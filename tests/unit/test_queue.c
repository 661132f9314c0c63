/* The concurrency queue and its cost model, on the demo datacenter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/queue.h"
#include "ferry/sim.h"

static struct sim_dc *dc;
static struct queue_cfg cfg;
/* what uses() found last (freed by the next call and at the end) */
static struct queue_use *u;

static int
setup(void **state)
{
    struct ferry_err err;

    (void)state;
    dc = sim_dc_demo(&err);
    queue_cfg_default(&cfg);
    return dc == NULL;
}

static int
teardown(void **state)
{
    (void)state;
    sim_dc_free(dc);
    queue_cfg_fini(&cfg);
    return 0;
}

static const struct queue_use *
use_of(const struct queue_use *u, size_t n, enum res_kind k, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (u[i].kind == k && strcmp(u[i].name, name) == 0)
            return &u[i];
    return NULL;
}

/* What a move takes, into u. */
static size_t
uses_in(const struct model *m, const char *vm, const char *to,
        const char *ds, enum job_kind k)
{
    static size_t n;
    struct mig_request req = {.vm = vm, .dst_host = to, .dst_ds = ds,
                              .kind = k};

    queue_uses_free(u, n);
    u = NULL;
    n = 0;
    if (vm != NULL)
        n = queue_uses(m, &cfg, &req, &u);
    return n;
}

static size_t
uses(const char *vm, const char *to, const char *ds, enum job_kind k)
{
    return uses_in(sim_dc_model(dc), vm, to, ds, k);
}

/* vSphere: a vMotion costs 1 of a host's 8, 1 of a datastore's 128 and 1
 * of the network's 4 (8 at 10 GbE). */
static void
compute_move_costs(void **state)
{
    size_t n = uses("web-01", "hv-02", NULL, KIND_COMPUTE);
    const struct queue_use *x;

    (void)state;
    x = use_of(u, n, RES_HOST, "hv-01");
    assert_non_null(x);
    assert_int_equal(x->cost, 1);
    assert_int_equal(x->limit, 8);
    assert_non_null(use_of(u, n, RES_HOST, "hv-02"));
    x = use_of(u, n, RES_LINK, "hv-01<->hv-02");
    assert_non_null(x);
    assert_int_equal(x->limit, 8); /* 10 Gbit */
    x = use_of(u, n, RES_DATASTORE, "ds-shared");
    assert_non_null(x);
    assert_int_equal(x->cost, 1);
    assert_int_equal(x->limit, 128);
    /* 1 GbE: four moves at a time */
    n = uses("web-01", "hv-03", NULL, KIND_COMPUTE);
    x = use_of(u, n, RES_LINK, "hv-01<->hv-03");
    assert_non_null(x);
    assert_int_equal(x->limit, 4);
}

/* A Storage vMotion costs 4 of a host and 16 of each datastore; it has no
 * link when the VM stays. Compute is cheaper than storage. */
static void
storage_move_costs_more(void **state)
{
    size_t n = uses("files-01", NULL, "ds-shared", KIND_STORAGE);
    const struct queue_use *x;

    (void)state;
    x = use_of(u, n, RES_HOST, "hv-01");
    assert_non_null(x);
    assert_int_equal(x->cost, 4);
    assert_int_equal(use_of(u, n, RES_DATASTORE, "ds-ssd-01")->cost, 16);
    assert_int_equal(use_of(u, n, RES_DATASTORE, "ds-shared")->cost, 16);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(u[i].kind, RES_LINK);
    /* both: the two hosts, the link and both datastores */
    n = uses("files-01", "hv-02", "ds-ssd-02", KIND_BOTH);
    assert_int_equal(use_of(u, n, RES_HOST, "hv-02")->cost, 4);
    assert_non_null(use_of(u, n, RES_LINK, "hv-01<->hv-02"));
    assert_int_equal(use_of(u, n, RES_DATASTORE, "ds-ssd-02")->cost, 16);
}

static void
add(struct queue *q, int id, const char *vm, const char *to, const char *ds,
    enum job_kind k, enum queue_priority p)
{
    size_t n = uses(vm, to, ds, k);

    queue_add(q, id, vm, p, u, n);
}

/* Two storage moves fill a host (4 + 4 of 8): the third waits, and says
 * for what; it starts when one ends. */
static void
host_limit_queues_and_frees(void **state)
{
    struct queue q;
    char why[160];

    (void)state;
    queue_init(&q);
    add(&q, 1, "web-01", NULL, "ds-ssd-01", KIND_STORAGE, PRIO_NORMAL);
    add(&q, 2, "web-02", NULL, "ds-ssd-01", KIND_STORAGE, PRIO_NORMAL);
    add(&q, 3, "db-01", NULL, "ds-ssd-01", KIND_STORAGE, PRIO_NORMAL);
    assert_int_equal(queue_start_next(&q), 1);
    assert_int_equal(queue_start_next(&q), 2);
    assert_int_equal(queue_start_next(&q), -1);
    assert_int_equal(queue_position(&q, 3), 1);
    assert_int_equal(queue_in_use(&q, RES_HOST, "hv-01"), 8);
    queue_waits_for(&q, 3, why, sizeof why);
    assert_string_equal(why, "host hv-01 (8 of 8 units in use, needs 4)");
    /* a compute move of 1 unit still fits nowhere on hv-01 */
    add(&q, 4, "web-03", "hv-01", NULL, KIND_COMPUTE, PRIO_NORMAL);
    assert_int_equal(queue_start_next(&q), -1);
    /* a move that shares nothing passes the queue */
    add(&q, 5, "idle-01", "hv-03", NULL, KIND_COMPUTE, PRIO_NORMAL);
    assert_int_equal(queue_start_next(&q), 5);
    queue_remove(&q, 1);
    assert_int_equal(queue_start_next(&q), 3);
    assert_int_equal(queue_start_next(&q), -1); /* 4 + 4 again */
    queue_waits_for(&q, 4, why, sizeof why);
    assert_non_null(strstr(why, "host hv-01"));
    queue_remove(&q, 2);
    assert_int_equal(queue_start_next(&q), 4);
    assert_int_equal(queue_waiting(&q), 0);
    queue_fini(&q);
}

/* A smaller job behind a waiting one on the same host does not overtake. */
static void
no_overtaking_on_a_shared_resource(void **state)
{
    struct queue q;
    char why[160];

    (void)state;
    queue_init(&q);
    cfg.host_limit = 5;
    add(&q, 1, "web-01", NULL, "ds-ssd-01", KIND_STORAGE, PRIO_NORMAL); /*4*/
    assert_int_equal(queue_start_next(&q), 1);
    add(&q, 2, "web-02", NULL, "ds-ssd-01", KIND_STORAGE, PRIO_NORMAL);
    add(&q, 3, "batch-01", "hv-02", NULL, KIND_COMPUTE, PRIO_NORMAL); /*1*/
    assert_int_equal(queue_start_next(&q), -1);
    queue_waits_for(&q, 3, why, sizeof why);
    assert_string_equal(why, "behind web-02 for host hv-01");
    queue_fini(&q);
    cfg.host_limit = 8;
}

/* A configured per-host count: max_migrations = 1. */
static void
host_slots_limit_count(void **state)
{
    struct queue q;
    char why[160];

    (void)state;
    queue_cfg_host_slots(&cfg, "hv-04", 1);
    queue_init(&q);
    add(&q, 1, "web-01", "hv-04", NULL, KIND_COMPUTE, PRIO_NORMAL);
    add(&q, 2, "web-02", "hv-04", NULL, KIND_COMPUTE, PRIO_NORMAL);
    assert_int_equal(queue_start_next(&q), 1);
    assert_int_equal(queue_start_next(&q), -1);
    queue_waits_for(&q, 2, why, sizeof why);
    assert_string_equal(why, "host hv-04 (1 of 1 moves in use, needs 1)");
    queue_fini(&q);
    queue_cfg_host_slots(&cfg, "hv-04", 0);
    assert_int_equal(cfg.n_slots, 0);
}

/* Priority, reordering and cancelling. */
static void
priority_reorder_cancel(void **state)
{
    struct queue q;

    (void)state;
    queue_init(&q);
    cfg.host_limit = 1;
    add(&q, 1, "web-01", "hv-02", NULL, KIND_COMPUTE, PRIO_NORMAL);
    assert_int_equal(queue_start_next(&q), 1);
    add(&q, 2, "web-02", "hv-02", NULL, KIND_COMPUTE, PRIO_NORMAL);
    add(&q, 3, "db-01", "hv-02", NULL, KIND_COMPUTE, PRIO_LOW);
    add(&q, 4, "batch-01", "hv-02", NULL, KIND_COMPUTE, PRIO_HIGH);
    assert_int_equal(queue_position(&q, 4), 1);
    assert_int_equal(queue_position(&q, 2), 2);
    assert_int_equal(queue_position(&q, 3), 3);
    assert_true(queue_move(&q, 3, -1));
    assert_int_equal(queue_position(&q, 3), 2);
    assert_false(queue_move(&q, 4, -1)); /* already first */
    assert_false(queue_move(&q, 1, 1));  /* running */
    queue_remove(&q, 4);                 /* cancelled */
    assert_int_equal(queue_position(&q, 3), 1);
    queue_remove(&q, 1);
    assert_int_equal(queue_start_next(&q), 3);
    /* the operator may insist */
    assert_true(queue_force(&q, 2));
    assert_int_equal(queue_position(&q, 2), 0);
    queue_fini(&q);
    cfg.host_limit = 8;
}

/* A cost above its limit runs alone instead of never. */
static void
oversized_runs_alone(void **state)
{
    struct queue q;

    (void)state;
    queue_init(&q);
    cfg.host_limit = 2;
    add(&q, 1, "web-01", NULL, "ds-ssd-01", KIND_STORAGE, PRIO_NORMAL);
    add(&q, 2, "web-02", NULL, "ds-ssd-01", KIND_STORAGE, PRIO_NORMAL);
    assert_int_equal(queue_start_next(&q), 1);
    assert_int_equal(queue_start_next(&q), -1);
    queue_fini(&q);
    cfg.host_limit = 8;
}

static void
config_section(void **state)
{
    struct ferry_err err;
    struct queue_cfg c;
    struct ini_doc *doc =
        ini_load_string("f.ini",
                        "[queue]\nhost_limit = 2\nstorage_host_cost = 2\n",
                        &err);

    (void)state;
    queue_cfg_default(&c);
    assert_non_null(doc);
    assert_int_equal(queue_cfg_load(&c, doc, &err), 0);
    assert_int_equal(c.host_limit, 2);
    assert_int_equal(c.storage_host_cost, 2);
    assert_int_equal(c.datastore_limit, 128);
    ini_free(doc);
    doc = ini_load_string("f.ini", "[queue]\n\nhost_limit = 0\n", &err);
    assert_int_equal(queue_cfg_load(&c, doc, &err), -1);
    assert_non_null(strstr(err.msg, "f.ini:3"));
    ini_free(doc);
    doc = ini_load_string("f.ini", "[queue]\nhosts = 3\n", &err);
    assert_int_equal(queue_cfg_load(&c, doc, &err), -1);
    assert_non_null(strstr(err.msg, "f.ini:2"));
    assert_non_null(strstr(err.msg, "unknown key"));
    ini_free(doc);
}

/* A name of n characters: prefix, then a letter repeated. Caller frees. */
static char *
long_name(const char *prefix, char fill, size_t n)
{
    char *s = malloc(n + 1);
    size_t k = strlen(prefix);

    memcpy(s, prefix, k);
    memset(s + k, fill, n - k);
    s[n] = '\0';
    return s;
}

/* More host slots than the 32 there once were room for: every one is
 * kept, found and removed. */
static void
a_hundred_hosts_have_slots_of_their_own(void **state)
{
    struct queue_cfg c, copy;
    char name[32];

    (void)state;
    queue_cfg_default(&c);
    for (int h = 0; h < 100; h++) {
        snprintf(name, sizeof name, "host-%03d", h);
        queue_cfg_host_slots(&c, name, (unsigned)h + 1);
    }
    assert_int_equal(c.n_slots, 100);
    queue_cfg_host_slots(&c, "host-099", 7); /* changed, not added */
    assert_int_equal(c.n_slots, 100);
    queue_cfg_copy(&copy, &c);
    queue_cfg_host_slots(&c, "host-000", 0);
    assert_int_equal(c.n_slots, 99);
    assert_int_equal(copy.n_slots, 100); /* the copy has its own */
    for (size_t i = 0; i < copy.n_slots; i++)
        if (strcmp(copy.slots[i].name, "host-099") == 0)
            assert_int_equal(copy.slots[i].max, 7);
    queue_cfg_fini(&c);
    queue_cfg_fini(&copy);
    assert_int_equal(c.n_slots, 0);
}

/* A VM of 300 characters on hosts of 260 with a slot limit and 40 disks
 * on 40 datastores: the move uses all 40 datastores, both hosts, their
 * slots and the link, names whole; a job behind it is told its whole
 * name. */
static void
long_names_and_forty_datastores_go_through_the_queue_whole(void **state)
{
    char *vm = long_name("vm-", 'v', 300), *a = long_name("a-", 'a', 260),
         *b = long_name("b-", 'b', 260), *link, *why;
    size_t cap = 1 << 20, off = 0, n;
    char *t = malloc(cap);
    struct ferry_err err;
    struct sim_dc *big;
    const struct model *m;
    struct queue q;

    (void)state;
    off += (size_t)snprintf(t + off, cap - off,
                            "[host %s]\nmemory = 64GiB\n"
                            "[host %s]\nmemory = 64GiB\n", a, b);
    for (int d = 0; d < 40; d++)
        off += (size_t)snprintf(t + off, cap - off,
                                "[datastore ds-%02d-%s]\nhosts = *\n"
                                "capacity = 1TiB\n", d, a);
    off += (size_t)snprintf(t + off, cap - off,
                            "[vm %s]\nhost = %s\nmemory = 1GiB\ndisks = ",
                            vm, a);
    for (int d = 0; d < 40; d++)
        off += (size_t)snprintf(t + off, cap - off, "%svd%c%c:ds-%02d-%s:1GiB",
                                d ? ", " : "", 'a' + d / 26, 'a' + d % 26, d,
                                a);
    off += (size_t)snprintf(t + off, cap - off,
                            "\n[vm small]\nhost = %s\nmemory = 1GiB\n"
                            "disks = vda:ds-00-%s:1GiB\n", a, a);
    big = sim_dc_load_string("long.ini", t, &err);
    if (big == NULL)
        fail_msg("%s", err.msg);
    m = sim_dc_model(big);
    queue_cfg_host_slots(&cfg, a, 1);
    n = uses_in(m, vm, b, NULL, KIND_COMPUTE);
    /* 2 hosts, a's slots, the link, 40 datastores */
    assert_int_equal(n, 44);
    for (int d = 0; d < 40; d++) {
        char *ds;

        if (asprintf(&ds, "ds-%02d-%s", d, a) < 0)
            fail();
        assert_non_null(use_of(u, n, RES_DATASTORE, ds));
        free(ds);
    }
    assert_non_null(use_of(u, n, RES_SLOTS, a));
    if (asprintf(&link, "%s<->%s", a, b) < 0)
        fail();
    assert_non_null(use_of(u, n, RES_LINK, link));
    free(link);

    queue_init(&q);
    queue_add(&q, 1, vm, PRIO_NORMAL, u, n);
    uses_in(NULL, NULL, NULL, NULL, KIND_COMPUTE); /* the queue has a copy */
    n = uses_in(m, "small", b, NULL, KIND_COMPUTE);
    queue_add(&q, 2, "small", PRIO_NORMAL, u, n);
    assert_int_equal(queue_start_next(&q), 1);
    assert_int_equal(queue_start_next(&q), -1);
    why = queue_why(&q, 2);
    assert_non_null(strstr(why, a));
    assert_non_null(strstr(why, "(1 of 1 moves in use"));
    free(why);
    /* a host of 2 units: the 300-character VM's storage move waits for
     * it, and a small move behind it is told its name whole */
    queue_remove(&q, 1);
    queue_remove(&q, 2);
    queue_cfg_host_slots(&cfg, a, 0);
    cfg.host_limit = 2;
    n = uses_in(m, "small", b, NULL, KIND_COMPUTE);
    queue_add(&q, 3, "small", PRIO_NORMAL, u, n);
    assert_int_equal(queue_start_next(&q), 3);
    n = uses_in(m, vm, NULL, "ds-01-a-", KIND_STORAGE);
    assert_int_equal(n, 1 + 40 + 1); /* the host, 40 datastores, dst */
    queue_add(&q, 4, vm, PRIO_NORMAL, u, n);
    n = uses_in(m, "small", b, NULL, KIND_COMPUTE);
    queue_add(&q, 5, "small", PRIO_NORMAL, u, n);
    assert_int_equal(queue_start_next(&q), -1);
    why = queue_why(&q, 5);
    assert_true(strncmp(why, "behind ", 7) == 0);
    assert_non_null(strstr(why, vm));
    assert_non_null(strstr(why, a));
    free(why);
    cfg.host_limit = 8;
    assert_string_equal(q.v[1].label, vm);
    assert_int_equal(q.v[1].n_use, 42);
    queue_fini(&q);
    uses_in(NULL, NULL, NULL, NULL, KIND_COMPUTE);
    sim_dc_free(big);
    free(t);
    free(vm);
    free(a);
    free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compute_move_costs),
        cmocka_unit_test(storage_move_costs_more),
        cmocka_unit_test(host_limit_queues_and_frees),
        cmocka_unit_test(no_overtaking_on_a_shared_resource),
        cmocka_unit_test(host_slots_limit_count),
        cmocka_unit_test(priority_reorder_cancel),
        cmocka_unit_test(oversized_runs_alone),
        cmocka_unit_test(config_section),
        cmocka_unit_test(a_hundred_hosts_have_slots_of_their_own),
        cmocka_unit_test(
            long_names_and_forty_datastores_go_through_the_queue_whole),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
