/* The simulated datacenter: loading, determinism, integrity, every demo VM
 * under every policy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/checks.h"
#include "ferry/predict.h"
#include "ferry/runner_sim.h"
#include "ferry/sim.h"
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

static void
demo_has_what_the_issue_asks_for(void **state)
{
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_demo(&err);
    const struct model *m;
    const char *profiles[] = {"idle", "web", "database", "cache", "batch",
                              "disk"};
    size_t shared = 0;

    (void)state;
    assert_non_null(dc);
    m = sim_dc_model(dc);
    assert_true(m->n_hosts >= 4);
    assert_true(m->n_datastores >= 3);
    assert_true(m->n_vms >= 12);
    for (size_t i = 0; i < m->n_datastores; i++)
        if (m->datastores[i].n_hosts == m->n_hosts)
            shared++;
    assert_true(shared >= 1);
    for (size_t p = 0; p < sizeof profiles / sizeof profiles[0]; p++) {
        bool found = false;

        for (size_t i = 0; i < m->n_vms; i++)
            found |= strcmp(sim_dc_workload(dc, m->vms[i].name)->profile,
                            profiles[p]) == 0;
        assert_true(found);
    }
    /* The cache VM dirties faster than its host's link. */
    assert_true(sim_dc_workload(dc, "cache-01")->dirty_bps >
                model_link_bps(m, "hv-02", "hv-01"));
    sim_dc_free(dc);
}

static void
bad_ini_names_file_line_and_key(void **state)
{
    struct ferry_err err;
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"[host a]\nmemory = lots\n", "dc.ini:2: [host a] memory:"},
        {"[host a]\nmemory = 1GiB\n[vm v]\nhost = b\nmemory = 1GiB\n",
         "dc.ini:4: [vm v] host: no host named 'b'"},
        {"[host a]\nmemory = 1GiB\n[vm v]\nhost = a\nmemory = 1GiB\n"
         "disks = vda:nowhere:1GiB\n",
         "dc.ini:6: [vm v] disks: no datastore named 'nowhere'"},
        {"[host a]\nmemory = 1GiB\ncolour = red\n",
         "dc.ini:3: [host a] colour: unknown key"},
        {"[planet x]\nk = v\n", "dc.ini:2: [planet x] k: unknown section"},
        {"[host a]\nmemory = 1GiB\n[vm v]\nhost = a\nmemory = 1GiB\n"
         "workload = mining\n",
         "dc.ini:6: [vm v] workload: unknown workload 'mining'"},
        {"[host a]\nmemory = 1GiB\n[vm v]\nhost = a\n", "[vm v] has no "
                                                        "memory"},
        {"[datastore s]\nbandwidth = 0\n",
         "dc.ini:2: [datastore s] bandwidth: '0' is no bandwidth"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_null(sim_dc_load_string("dc.ini", cases[i].text, &err));
        if (strstr(err.msg, cases[i].want) == NULL)
            fail_msg("case %zu: got '%s', want '%s'", i, err.msg,
                     cases[i].want);
    }
}

static struct runner_result
run(struct sim_dc *dc, const char *vm, const char *to, const char *ds,
    enum job_kind kind, const char *policy, uint64_t max_ms)
{
    struct runner_opts o = {
        .vm = vm, .to = to, .datastore = ds, .kind = kind,
        .policy = policy_find(&set, policy), .budget_ms = 300,
        .max_time_ms = max_ms,
    };
    struct ferry_err err;
    struct runner *r = runner_new_sim(dc, &o, NULL, 0, &err);
    struct runner_result res;

    if (r == NULL)
        fail_msg("%s: %s", vm, err.msg);
    while (runner_step(r))
        ;
    res = *runner_result(r);
    runner_free(r);
    return res;
}


/* A move under pol (any policy, not only the built-ins); *last gets the
 * final sample when not NULL. */
static struct runner_result
run_pol(struct sim_dc *dc, const char *vm, const char *to,
        const struct policy *pol, uint64_t budget_ms, struct job_sample *last)
{
    struct runner_opts o = {.vm = vm, .to = to, .kind = KIND_COMPUTE,
                            .policy = pol, .budget_ms = budget_ms,
                            .max_time_ms = 600000};
    struct ferry_err err;
    struct runner *r = runner_new_sim(dc, &o, NULL, 0, &err);
    struct runner_result res;

    if (r == NULL)
        fail_msg("%s: %s", vm, err.msg);
    while (runner_step(r))
        ;
    res = *runner_result(r);
    if (last != NULL)
        *last = *runner_sample(r);
    runner_free(r);
    return res;
}

/* The engine's params for a move, as the runner plans it. */
static void
plan_of(struct sim_dc *dc, const char *vm, const char *to,
        const struct policy *pol, struct job_params *jp)
{
    struct hv *hv = hv_sim_new(dc, false);
    struct runner_opts o = {.vm = vm, .to = to, .kind = KIND_COMPUTE,
                            .policy = pol, .budget_ms = 300};
    struct ferry_err err;

    if (runner_plan(hv, &o, jp, NULL, &err) < 0)
        fail_msg("%s: %s", vm, err.msg);
    hv_free(hv);
}

/* A fast link between two hosts, connections and TLS as given. */
static struct sim_dc *
fast_dc(const char *host_a_extra, const char *vm_extra)
{
    char *ini = xasprintf(
        "[sim]\nseed = 3\nlink_bandwidth = 40Gbit\n"
        "[host a]\nmemory = 256GiB\n%s\n[host b]\nmemory = 256GiB\n"
        "[datastore s]\nhosts = a, b\ncapacity = 1TiB\n"
        "[vm v]\nhost = a\nmemory = 16GiB\ndisks = vda:s:10GiB\n"
        "workload = web\nwss = 2GiB\ndirty_rate = 400MiB/s\n"
        "hot_fraction = 0.25\nhot_share = 0.8\njitter = 0\n%s\n",
        host_a_extra, vm_extra);
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_load_string("fast.ini", ini, &err);

    if (dc == NULL)
        fail_msg("%s", err.msg);
    free(ini);
    return dc;
}

/* More connections fill a fast link: a round moves at min(link,
 * connections x one connection's ceiling), the plan says so, and the
 * move ends when the plan said. */
static void
parallel_connections_fill_a_fast_link_as_predicted(void **state)
{
    const struct policy *ferry = policy_find(&set, "ferry");
    const unsigned conns[] = {1, 2, 4};
    const uint64_t link = 40000000000ULL / 8;
    double prev = INFINITY;

    (void)state;
    for (size_t i = 0; i < 3; i++) {
        char host[64];
        struct sim_dc *dc;
        struct job_params jp;
        struct runner_result r;

        snprintf(host, sizeof host, "parallel_connections = %u", conns[i]);
        dc = fast_dc(host, "");
        plan_of(dc, "v", "b", ferry, &jp);
        assert_int_equal(jp.parallel, conns[i]);
        assert_int_equal(jp.bw_bps, MIN(link, conns[i] * SIM_STREAM_BPS));
        assert_true(jp.xbzrle_ok == (conns[i] == 1));
        r = run_pol(dc, "v", "b", ferry, 300, NULL);
        assert_int_equal(r.phase, PH_DONE);
        assert_true(r.verified);
        printf("    %u connection%s: link %.2f GB/s, planned %.0f ms, "
               "took %llu ms\n",
               conns[i], conns[i] == 1 ? " " : "s",
               (double)jp.bw_bps / 1e9, r.predicted.total_ms,
               (unsigned long long)r.total_ms);
        assert_true(fabs((double)r.total_ms - r.predicted.total_ms) <
                    0.05 * r.predicted.total_ms);
        assert_true((double)r.total_ms < prev);
        prev = (double)r.total_ms;
        sim_dc_free(dc);
    }
}

/* TLS: the hosts' entries or the policy; a TLS connection carries less;
 * the transport object says how the move travels. */
static void
tls_from_the_host_or_the_policy(void **state)
{
    struct sim_dc *dc = fast_dc("tls = yes\nparallel_connections = 2", "");
    struct hv *hv = hv_sim_new(dc, false);
    const struct policy *ferry = policy_find(&set, "ferry");
    struct policy plain;
    struct job_params jp;
    struct hv_mig_params mp = {.vm = "v", .dst_host = "b",
                               .kind = KIND_COMPUTE};
    json_object *t, *x;
    struct runner_result r;

    (void)state;
    plan_of(dc, "v", "b", ferry, &jp);
    assert_int_equal(jp.bw_bps, 2 * SIM_TLS_STREAM_BPS);
    t = hv->ops->transport(hv, &mp);
    assert_non_null(t);
    assert_true(json_object_object_get_ex(t, "control", &x));
    assert_string_equal(json_object_get_string(x), "sim");
    assert_true(json_object_object_get_ex(t, "data", &x));
    assert_string_equal(json_object_get_string(x), "sim link a<->b");
    assert_true(json_object_object_get_ex(t, "tls", &x));
    assert_true(json_object_get_boolean(x));
    assert_true(json_object_object_get_ex(t, "encrypted", &x));
    assert_true(json_object_get_boolean(x));
    assert_true(json_object_object_get_ex(t, "parallel", &x));
    assert_int_equal(json_object_get_int(x), 2);
    assert_true(json_object_object_get_ex(t, "xbzrle", &x));
    assert_false(json_object_get_boolean(x));
    json_object_put(t);
    /* a policy that says tls = no, and 4 connections */
    policy_copy(ferry, &plain);
    plain.tls = -1;
    plain.parallel = 4;
    plan_of(dc, "v", "b", &plain, &jp);
    assert_int_equal(jp.bw_bps, MIN(40000000000ULL / 8, 4 * SIM_STREAM_BPS));
    assert_int_equal(jp.parallel, 4);
    mp.tls = -1;
    mp.parallel = 4;
    t = hv->ops->transport(hv, &mp);
    assert_true(json_object_object_get_ex(t, "encrypted", &x));
    assert_false(json_object_get_boolean(x));
    json_object_put(t);
    r = run_pol(dc, "v", "b", &plain, 300, NULL);
    assert_true(r.verified);
    policy_copy_free(&plain);
    hv_free(hv);
    sim_dc_free(dc);
}

/* A guest that rewrites a small hot set faster than the link moves it:
 * with XBZRLE the re-sent hot pages cost their delta, so a page re-sent
 * takes far fewer bytes, pre-copy converges where it could not (ferry
 * without post-copy aborts without it), nothing is lost, and the
 * counters say what the cache did. */
static void
xbzrle_sends_less_on_a_hot_set_rewrite(void **state)
{
    static const char ini[] =
        "[sim]\nseed = 5\nlink_bandwidth = 1Gbit\n"
        "[host a]\nmemory = 64GiB\n[host b]\nmemory = 64GiB\n"
        "[datastore s]\nhosts = a, b\ncapacity = 1TiB\n"
        "[vm v]\nhost = a\nmemory = 2GiB\ndisks = vda:s:10GiB\n"
        "workload = cache\nwss = 512MiB\ndirty_rate = 300MiB/s\n"
        "hot_fraction = 0.125\nhot_share = 0.95\njitter = 0\n"
        "zero_fraction = 0.5\nxbzrle_delta = 0.1\n";
    struct ferry_err err;
    const struct policy *ferry = policy_find(&set, "ferry");
    struct policy with, without;
    struct runner_result a, b;
    struct job_sample s, s0;
    struct sim_dc *dc;
    double per[2];

    (void)state;
    /* the data plane alone, 30 s of rounds each way */
    for (int x = 0; x < 2; x++) {
        struct hv_mig_params p = {.vm = "v", .dst_host = "b",
                                  .kind = KIND_COMPUTE,
                                  .downtime_limit_ms = 1, .seed = 5,
                                  .xbzrle = x == 1,
                                  .xbzrle_cache_bytes = 64 * MiB};
        struct sim_mig *m;
        uint64_t pages;

        dc = sim_dc_load_string("hot.ini", ini, &err);
        assert_non_null(dc);
        m = sim_mig_new(dc, &p, &err);
        sim_mig_never_switch(m);
        sim_mig_advance(m, 11000); /* round one ends near 10.7 s */
        sim_mig_sample(m, &s0);
        sim_mig_advance(m, 30000);
        sim_mig_sample(m, &s);
        assert_true(sample_get(&s0, SF_MEMORY_ITERATION, 0) >= 2);
        pages = sample_get(&s, SF_MEMORY_NORMAL, 0) +
                sample_get(&s, SF_COMPRESSION_PAGES, 0) -
                sample_get(&s0, SF_MEMORY_NORMAL, 0) -
                sample_get(&s0, SF_COMPRESSION_PAGES, 0);
        per[x] = (double)(sample_get(&s, SF_MEMORY_PROCESSED, 0) -
                          sample_get(&s0, SF_MEMORY_PROCESSED, 0)) /
                 (double)pages;
        if (x == 1) {
            assert_true(sample_get(&s, SF_COMPRESSION_PAGES, 0) > 0);
            assert_true(sample_get(&s, SF_COMPRESSION_CACHE_MISSES, 0) > 0);
            /* a delta: the workload's share of a page, and a header */
            assert_int_equal(sample_get(&s, SF_COMPRESSION_BYTES, 0),
                             sample_get(&s, SF_COMPRESSION_PAGES, 0) *
                                 (uint64_t)ceil(0.1 * SIM_PAGE_SIZE +
                                                SIM_XBZRLE_HEADER));
        } else {
            assert_false(sample_has(&s, SF_COMPRESSION_PAGES));
        }
        assert_true(sample_get(&s, SF_MEMORY_CONSTANT, 0) > 0);
        sim_mig_free(m);
        sim_dc_free(dc);
    }
    printf("    re-sent page on the wire after round one: %.0f bytes "
           "without XBZRLE, %.0f with\n", per[0], per[1]);
    assert_true(per[1] < 0.5 * per[0]);

    /* ferry without post-copy: only XBZRLE lets pre-copy converge */
    policy_copy_restricted(ferry, &with, true, false, false);
    with.xbzrle = XBZRLE_AUTO;
    policy_copy_restricted(ferry, &without, true, false, false);
    without.xbzrle = XBZRLE_FORBID;
    dc = sim_dc_load_string("hot.ini", ini, &err);
    a = run_pol(dc, "v", "b", &without, 300, NULL);
    sim_dc_free(dc);
    dc = sim_dc_load_string("hot.ini", ini, &err);
    b = run_pol(dc, "v", "b", &with, 300, &s);
    sim_dc_free(dc);
    printf("    without XBZRLE: %s in %llu ms, downtime %llu ms, %.2f GiB\n"
           "    with XBZRLE:    %s in %llu ms, downtime %llu ms, %.2f GiB "
           "(planned %.0f ms; %llu pages as deltas, %llu misses)\n",
           job_phase_name(a.phase), (unsigned long long)a.total_ms,
           (unsigned long long)a.downtime_ms, (double)a.bytes_sent / GiB,
           job_phase_name(b.phase), (unsigned long long)b.total_ms,
           (unsigned long long)b.downtime_ms, (double)b.bytes_sent / GiB,
           b.predicted.total_ms,
           (unsigned long long)sample_get(&s, SF_COMPRESSION_PAGES, 0),
           (unsigned long long)sample_get(&s, SF_COMPRESSION_CACHE_MISSES, 0));
    assert_int_equal(b.phase, PH_DONE);
    assert_true(b.verified);
    assert_true(b.downtime_ms <= 300);
    assert_true(a.phase != PH_DONE || a.total_ms > b.total_ms);
    assert_true(fabs((double)b.total_ms - b.predicted.total_ms) <
                0.1 * b.predicted.total_ms);
    policy_copy_free(&with);
    policy_copy_free(&without);
}

/* The data plane on its own: XBZRLE keeps every page right through many
 * rounds whatever the cache size (a cache smaller than the hot set, one
 * page, one larger than memory), and no cache when it is off. */
static void
xbzrle_checksums_hold_for_every_cache_size(void **state)
{
    static const char ini[] =
        "[sim]\nseed = 9\nlink_bandwidth = 1Gbit\n"
        "[host a]\nmemory = 64GiB\n[host b]\nmemory = 64GiB\n"
        "[datastore s]\nhosts = a, b\ncapacity = 1TiB\n"
        "[vm v]\nhost = a\nmemory = 512MiB\ndisks = vda:s:10GiB\n"
        "workload = web\nwss = 256MiB\ndirty_rate = 150MiB/s\n"
        "hot_fraction = 0.2\nhot_share = 0.8\njitter = 0\n";
    const uint64_t caches[] = {4096, 16 * MiB, 64 * MiB, 8 * GiB};
    struct ferry_err err;

    (void)state;
    for (size_t i = 0; i < 4; i++) {
        struct sim_dc *dc = sim_dc_load_string("x.ini", ini, &err);
        struct hv_mig_params p = {.vm = "v", .dst_host = "b",
                                  .kind = KIND_COMPUTE,
                                  .downtime_limit_ms = 1, .seed = 9,
                                  .xbzrle = true,
                                  .xbzrle_cache_bytes = caches[i]};
        struct sim_mig *m = sim_mig_new(dc, &p, &err);
        struct engine_action sw = {.kind = ACT_SWITCHOVER};
        struct hv_result r;
        struct job_sample s;

        assert_non_null(m);
        sim_mig_never_switch(m);
        sim_mig_advance(m, 30000); /* many rounds */
        sim_mig_sample(m, &s);
        assert_true(sample_get(&s, SF_MEMORY_ITERATION, 0) > 5);
        assert_true(sample_get(&s, SF_COMPRESSION_PAGES, 0) +
                        sample_get(&s, SF_COMPRESSION_CACHE_MISSES, 0) >
                    0);
        assert_int_equal(sim_mig_act(m, &sw, &err), 0);
        sim_mig_advance(m, 40000);
        assert_true(sim_mig_finished(m, &r));
        assert_int_equal(r.status, HV_COMPLETED);
        assert_true(r.verified);
        sim_mig_free(m);
        sim_dc_free(dc);
    }
}

/* A VM with 60% zero pages outside its working set whose plan did not
 * know it (the plan counted every page whole): the prediction a few
 * seconds into round one, from the zero/normal page counters, is within
 * 5% of the real total; without the counters it is far off. */
static void
round_one_learns_the_zero_pages(void **state)
{
    static const char ini[] =
        "[sim]\nseed = 11\nlink_bandwidth = 1Gbit\n"
        "[host a]\nmemory = 64GiB\n[host b]\nmemory = 64GiB\n"
        "[datastore s]\nhosts = a, b\ncapacity = 1TiB\n"
        "[vm v]\nhost = a\nmemory = 8GiB\ndisks = vda:s:10GiB\n"
        "workload = web\nwss = 256MiB\ndirty_rate = 20MiB/s\n"
        "hot_fraction = 0.2\nhot_share = 0.8\njitter = 0\n"
        "zero_fraction = 0.6\n";
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_load_string("zero.ini", ini, &err);
    struct hv *hv = hv_sim_new(dc, false);
    const struct policy *ferry = policy_find(&set, "ferry");
    struct runner_opts o = {.vm = "v", .to = "b", .kind = KIND_COMPUTE,
                            .policy = ferry, .budget_ms = 300};
    struct job_params jp;
    struct hv_mig_params mp;
    struct engine_job *learns, *blind;
    struct engine_action a[8];
    struct sim_mig *m;
    struct hv_result res;
    double at_plan, at_learn = 0, at_blind = 0, real;
    const uint64_t probe_ms = 8000;
    size_t n;

    (void)state;
    assert_int_equal(runner_plan(hv, &o, &jp, NULL, &err), 0);
    jp.memory_wire_bytes = jp.memory_bytes; /* a VM never seen before */
    learns = engine_job_new(&jp);
    blind = engine_job_new(&jp);
    runner_mig_params(&o, &mp);
    mp.seed = sim_dc_seed(dc);
    m = sim_mig_new(dc, &mp, &err);
    assert_non_null(m);
    n = engine_start(learns, a, 8);
    engine_start(blind, a, 8);
    for (size_t i = 0; i < n; i++)
        sim_mig_act(m, &a[i], &err);
    {
        struct prediction pr;

        engine_plan(&jp, &pr);
        at_plan = pr.total_ms;
    }
    for (uint64_t t = 50; !sim_mig_finished(m, &res); t += 50) {
        struct job_sample s, s2;

        sim_mig_advance(m, t);
        sim_mig_sample(m, &s);
        s2 = s;
        s2.present &= ~((1u << SF_MEMORY_CONSTANT) |
                        (1u << SF_MEMORY_NORMAL));
        n = engine_step(learns, &s, a, 8);
        engine_step(blind, &s2, a + n, 8 - n);
        for (size_t i = 0; i < n; i++)
            sim_mig_act(m, &a[i], &err);
        if (t == probe_ms) {
            assert_int_equal(sample_get(&s, SF_MEMORY_ITERATION, 0), 1);
            at_learn = (double)t + engine_prediction(learns)->total_ms;
            at_blind = (double)t + engine_prediction(blind)->total_ms;
        }
        assert_true(t < 600000);
    }
    real = (double)res.total_ms;
    printf("    real total %.1f s; planned %.1f s (%+.0f%%); at %.0f s into "
           "round one: %.1f s (%+.1f%%) with the zero pages learned, %.1f s "
           "(%+.0f%%) without\n",
           real / 1000, at_plan / 1000, (at_plan - real) / real * 100,
           (double)probe_ms / 1000, at_learn / 1000,
           (at_learn - real) / real * 100, at_blind / 1000,
           (at_blind - real) / real * 100);
    assert_true(res.verified);
    assert_true(fabs(at_learn - real) < 0.05 * real);
    assert_true(fabs(at_blind - real) > 4 * fabs(at_learn - real));
    engine_job_free(learns);
    engine_job_free(blind);
    sim_mig_free(m);
    hv_free(hv);
    sim_dc_free(dc);
}

static void
same_seed_same_migration(void **state)
{
    struct ferry_err err;
    struct sim_dc *a = sim_dc_demo(&err), *b = sim_dc_demo(&err);
    struct runner_result ra, rb;

    (void)state;
    ra = run(a, "db-01", "hv-02", NULL, KIND_COMPUTE, "ferry", 0);
    rb = run(b, "db-01", "hv-02", NULL, KIND_COMPUTE, "ferry", 0);
    assert_int_equal(ra.total_ms, rb.total_ms);
    assert_int_equal(ra.downtime_ms, rb.downtime_ms);
    assert_int_equal(ra.bytes_sent, rb.bytes_sent);
    sim_dc_set_seed(a, 99);
    ra = run(a, "db-01", "hv-01", NULL, KIND_COMPUTE, "ferry", 0);
    rb = run(b, "db-01", "hv-01", NULL, KIND_COMPUTE, "ferry", 0);
    assert_int_equal(ra.phase, PH_DONE);
    assert_true(ra.bytes_sent != rb.bytes_sent);
    sim_dc_free(a);
    sim_dc_free(b);
}

/* The guest's writes are folded into the dirty log per round (not page by
 * page): what a round dirtied matches the closed form of uniform writes
 * over the hot and the cold part of the working set. */
static void
a_round_dirties_what_uniform_writes_would(void **state)
{
    static const char ini[] =
        "[sim]\nseed = 7\nlink_bandwidth = 1Gbit\n"
        "[host a]\nmemory = 64GiB\n[host b]\nmemory = 64GiB\n"
        "[datastore s]\nhosts = a, b\ncapacity = 1TiB\n"
        "[vm v]\nhost = a\nmemory = 4GiB\ndisks = vda:s:10GiB\n"
        "workload = web\nwss = 1GiB\ndirty_rate = 100MiB/s\n"
        "hot_fraction = 0.25\nhot_share = 0.8\njitter = 0\n";
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_load_string("dirty.ini", ini, &err);
    struct hv_mig_params p = {.vm = "v", .dst_host = "b",
                              .kind = KIND_COMPUTE, .downtime_limit_ms = 1,
                              .seed = 7};
    struct sim_mig *m;
    struct job_sample s;
    uint64_t t = 0;
    double want, got, period;
    uint64_t src, dst;

    (void)state;
    assert_non_null(dc);
    m = sim_mig_new(dc, &p, &err);
    assert_non_null(m);
    sim_mig_never_switch(m);
    do { /* to the end of round 2: its sync reports round 2's writes */
        t += 1000;
        sim_mig_advance(m, t);
        sim_mig_sample(m, &s);
    } while (sample_get(&s, SF_MEMORY_ITERATION, 0) < 3 && t < 600000);
    assert_true(sample_get(&s, SF_MEMORY_ITERATION, 0) >= 3);
    period = (double)sample_get(&s, SF_SYNC_PERIOD, 0) / 1000.0;
    got = (double)sample_get(&s, SF_SYNC_DIRTY, 0);
    want = predict_dirtied_skew(100.0 * MiB, 1.0 * GiB, 0.25, 0.8, period);
    assert_true(period > 1.0);
    assert_true(fabs(got - want) < 0.02 * want);
    /* and everything the sender did not send yet is still different */
    sim_mig_checksums(m, &src, &dst);
    assert_true(src != dst);
    sim_mig_free(m);
    sim_dc_free(dc);
}

/* A datastore's bandwidth caps the storage moves to and from it: the
 * lower of the caps on the way, below the devices' throughput and the
 * operator's own cap when it is lower. */
static void
datastore_bandwidth_caps_the_copy_rate(void **state)
{
    static const char ini[] =
        "[host a]\nmemory = 64GiB\n"
        "[datastore from]\nhosts = a\ncapacity = 1TiB\n"
        "throughput = 1GiB/s\nbandwidth = 100MiB/s\n"
        "[datastore to]\nhosts = a\ncapacity = 1TiB\n"
        "throughput = 1GiB/s\nbandwidth = 40MiB/s\n"
        "[datastore open]\nhosts = a\ncapacity = 1TiB\n"
        "throughput = 1GiB/s\n"
        "[vm v]\nhost = a\nmemory = 1GiB\ndisks = vda:from:10GiB\n";
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_load_string("dc.ini", ini, &err);
    const struct model_vm *vm;

    (void)state;
    if (dc == NULL)
        fail_msg("%s", err.msg);
    vm = model_vm(sim_dc_model(dc), "v");
    assert_true(sim_dc_copy_bps(dc, vm, "to", KIND_STORAGE, 0, 0) ==
                40 * MiB);
    assert_true(sim_dc_copy_bps(dc, vm, "open", KIND_STORAGE, 0, 0) ==
                100 * MiB);
    assert_true(sim_dc_copy_bps(dc, vm, "open", KIND_STORAGE, 0,
                                10 * MiB) == 10 * MiB);
    assert_true(model_ds(sim_dc_model(dc), "to")->bandwidth_bps == 40 * MiB);
    sim_dc_free(dc);
}

static void
compute_migration_moves_the_vm_and_verifies_memory(void **state)
{
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_demo(&err);
    struct runner_result r =
        run(dc, "web-01", "hv-02", NULL, KIND_COMPUTE, "ferry", 0);

    (void)state;
    assert_int_equal(r.phase, PH_DONE);
    assert_true(r.verified);
    assert_true(r.downtime_ms <= 300);
    assert_string_equal(model_vm(sim_dc_model(dc), "web-01")->host, "hv-02");
    assert_false(model_vm(sim_dc_model(dc), "web-01")->migrating);
    sim_dc_free(dc);
}

static void
storage_migration_pivots_and_frees_the_source(void **state)
{
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_demo(&err);
    struct model *m = sim_dc_model(dc);
    uint64_t src_used = model_ds(m, "ds-ssd-01")->used_bytes;
    struct runner_result r = run(dc, "files-01", NULL, "ds-shared",
                                 KIND_STORAGE, "ferry", 0);

    (void)state;
    assert_int_equal(r.phase, PH_DONE);
    assert_true(r.verified);
    assert_string_equal(model_vm(m, "files-01")->disks[0].datastore,
                        "ds-shared");
    assert_true(model_ds(m, "ds-ssd-01")->used_bytes < src_used);
    assert_string_equal(model_vm(m, "files-01")->host, "hv-01");
    sim_dc_free(dc);
}

static void
compute_and_storage_together(void **state)
{
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_demo(&err);
    struct model *m = sim_dc_model(dc);
    struct runner_result r =
        run(dc, "ci-01", "hv-01", "ds-ssd-01", KIND_BOTH, "ferry", 0);

    (void)state;
    assert_int_equal(r.phase, PH_DONE);
    assert_true(r.verified);
    /* The switchover comes after the memory rounds, not when the disks
     * reach sync: the downtime stays within the budget. */
    if (r.downtime_ms > 300)
        fail_msg("downtime %llu ms", (unsigned long long)r.downtime_ms);
    assert_string_equal(model_vm(m, "ci-01")->host, "hv-01");
    assert_string_equal(model_vm(m, "ci-01")->disks[0].datastore,
                        "ds-ssd-01");
    sim_dc_free(dc);
}

static void
postcopy_counts_faults_and_verifies(void **state)
{
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_demo(&err);
    struct runner_result r =
        run(dc, "cache-01", "hv-01", NULL, KIND_COMPUTE, "ovirt-postcopy", 0);

    (void)state;
    assert_int_equal(r.phase, PH_DONE);
    assert_true(r.verified);
    assert_true(r.postcopy_requests > 0);
    assert_true(r.downtime_ms < 100);
    sim_dc_free(dc);
}

static void
abort_leaves_the_vm_on_its_source(void **state)
{
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_demo(&err);
    struct runner_result r = run(dc, "cache-01", "hv-01", NULL, KIND_COMPUTE,
                                 "qemu-default", 60000);

    (void)state;
    assert_int_equal(r.phase, PH_CANCELLED);
    assert_non_null(strstr(r.reason, "safety limit"));
    assert_string_equal(model_vm(sim_dc_model(dc), "cache-01")->host,
                        "hv-02");
    assert_false(model_vm(sim_dc_model(dc), "cache-01")->migrating);
    sim_dc_free(dc);
}

/* Every demo VM that passes its checks, with every policy: the outcome is
 * final, a completed move is verified, a failed one left the source. */
static void
every_demo_vm_with_every_policy(void **state)
{
    struct ferry_err err;
    struct sim_dc *dc0 = sim_dc_demo(&err);
    const struct model *m0 = sim_dc_model(dc0);
    const char *targets[] = {"hv-01", "hv-02"};
    size_t runs = 0;

    (void)state;
    for (size_t v = 0; v < m0->n_vms; v++) {
        const struct model_vm *vm = &m0->vms[v];
        const char *to = strcmp(vm->host, targets[0]) ? targets[0]
                                                      : targets[1];
        struct mig_request req = {.vm = vm->name, .dst_host = to,
                                  .kind = KIND_COMPUTE};
        struct checks cr;
        size_t n;
        enum check_status worst;

        checks_init(&cr);
        n = checks_run(m0, &req, NULL, 0, &cr);
        worst = checks_worst(cr.v, n);
        checks_fini(&cr);
        if (worst == CHECK_ERROR)
            continue;
        for (size_t p = 0; p < set.n; p++) {
            struct sim_dc *dc = sim_dc_demo(&err);
            struct runner_result r =
                run(dc, vm->name, to, NULL, KIND_COMPUTE, set.v[p].name,
                    180000);
            const char *host = model_vm(sim_dc_model(dc), vm->name)->host;

            assert_true(job_phase_final(r.phase));
            if (r.phase == PH_DONE) {
                if (!r.verified)
                    fail_msg("%s/%s not verified", vm->name, set.v[p].name);
                assert_string_equal(host, to);
            } else {
                assert_string_equal(host, vm->host);
            }
            runs++;
            sim_dc_free(dc);
        }
    }
    assert_true(runs >= 10 * set.n);
    sim_dc_free(dc0);
}

static void
ferry_meets_the_budget_on_every_converging_demo_vm(void **state)
{
    const char *vms[] = {"web-01", "db-01", "batch-01", "backup-01",
                         "cache-01"};

    (void)state;
    for (size_t i = 0; i < sizeof vms / sizeof vms[0]; i++) {
        struct ferry_err err;
        struct sim_dc *dc = sim_dc_demo(&err);
        struct runner_result r =
            run(dc, vms[i], "hv-02", NULL, KIND_COMPUTE, "ferry", 0);

        if (r.phase != PH_DONE || r.downtime_ms > 300)
            fail_msg("%s: %s, downtime %llu ms", vms[i],
                     job_phase_name(r.phase),
                     (unsigned long long)r.downtime_ms);
        sim_dc_free(dc);
    }
}

/* A datacenter of 300 hosts and 20,000 VMs: hosts = * for a datastore
 * every host sees, a link between hosts with long names, look-ups by name
 * that stay right (and fast) at that size. */
static void
large_datacenter_loads_with_every_host_and_long_names(void **state)
{
    const char *lh = "kvm-node-017-rack-42-row-7-hall-b.dc2.example.net.x01";
    size_t cap = 4 << 20, off = 0;
    char *t = malloc(cap);
    struct ferry_err err;
    struct sim_dc *dc;
    const struct model *m;
    uint64_t *used;
    unsigned *count;

    (void)state;
    off += (size_t)snprintf(t + off, cap - off, "[sim]\nseed = 1\n"
                            "[datastore nfs]\ncapacity = 2PiB\nhosts = *\n");
    for (int h = 0; h < 300; h++)
        off += (size_t)snprintf(t + off, cap - off,
                                "[host %s%03d]\nmemory = 4TiB\ncores = 64\n"
                                "networks = prod\n",
                                h == 7 ? lh : "h", h);
    off += (size_t)snprintf(t + off, cap - off,
                            "[link %s007 h008]\nbandwidth = 1.6Tbit/s\n", lh);
    for (int v = 0; v < 20000; v++)
        off += (size_t)snprintf(t + off, cap - off,
                                "[vm vm-%05d]\nhost = h%03d\nmemory = 4GiB\n"
                                "disks = vda:nfs:10GiB:1GiB\nnetworks = prod\n",
                                v, v % 300 == 7 ? 8 : v % 300);
    dc = sim_dc_load_string("big.ini", t, &err);
    if (dc == NULL)
        fail_msg("%s", err.msg);
    m = sim_dc_model(dc);
    assert_int_equal(m->n_hosts, 300);
    assert_int_equal(m->n_vms, 20000);
    assert_int_equal(m->datastores[0].n_hosts, 300);
    assert_true(model_ds_seen_by(&m->datastores[0], "h299"));
    {
        char name[80];

        snprintf(name, sizeof name, "%s007", lh);
        assert_non_null(model_host(m, name));
        assert_true(model_link_bps(m, name, "h008") == 200000000000ULL);
    }
    assert_string_equal(model_vm(m, "vm-19999")->name, "vm-19999");
    assert_null(model_vm(m, "vm-20000"));
    assert_int_equal(model_host_pos(m, "h299"), 299);
    used = calloc(m->n_hosts, sizeof *used);
    count = calloc(m->n_hosts, sizeof *count);
    model_host_totals(m, used, count);
    assert_int_equal(count[0], 67);
    assert_int_equal(count[7], 0);
    assert_int_equal(count[8], 134);
    assert_true(used[8] == 134ULL * 4 * 1024 * 1024 * 1024);
    assert_int_equal(model_host_vm_count(m, "h008"), 134);
    free(used);
    free(count);
    sim_dc_free(dc);
    free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(demo_has_what_the_issue_asks_for),
        cmocka_unit_test(bad_ini_names_file_line_and_key),
        cmocka_unit_test(same_seed_same_migration),
        cmocka_unit_test(a_round_dirties_what_uniform_writes_would),
        cmocka_unit_test(datastore_bandwidth_caps_the_copy_rate),
        cmocka_unit_test(compute_migration_moves_the_vm_and_verifies_memory),
        cmocka_unit_test(storage_migration_pivots_and_frees_the_source),
        cmocka_unit_test(compute_and_storage_together),
        cmocka_unit_test(postcopy_counts_faults_and_verifies),
        cmocka_unit_test(abort_leaves_the_vm_on_its_source),
        cmocka_unit_test(large_datacenter_loads_with_every_host_and_long_names),
        cmocka_unit_test(every_demo_vm_with_every_policy),
        cmocka_unit_test(ferry_meets_the_budget_on_every_converging_demo_vm),
        cmocka_unit_test(parallel_connections_fill_a_fast_link_as_predicted),
        cmocka_unit_test(tls_from_the_host_or_the_policy),
        cmocka_unit_test(xbzrle_sends_less_on_a_hot_set_rewrite),
        cmocka_unit_test(xbzrle_checksums_hold_for_every_cache_size),
        cmocka_unit_test(round_one_learns_the_zero_pages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
