/* Benchmark: XBZRLE on workloads that rewrite a hot set. ferry with
 * XBZRLE allowed (auto: the engine decides), ferry without it, ferry with
 * it always, and the reference schedules, over hot-set size against the
 * cache and dirty-rate/bandwidth ratio. Prints tables; never fails on
 * numbers.  Usage: bench_xbzrle [--quick] [--budget MS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ferry/runner_sim.h"
#include "ferry/units.h"

#define MAXP 16

struct outcome {
    bool done, fits, xbzrle;
    double total_s, downtime_ms, gib;
};

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double
median(double *v, size_t n)
{
    if (n == 0)
        return NAN;
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A 4 GiB guest whose working set is twice its hot set; 95% of the
 * writes go to the hot set, and a rewrite changes delta of a page. */
static struct sim_dc *
make_dc(double hot_mib, double ratio, double gbit, double delta)
{
    double bw = gbit * 1e9 / 8;
    char text[1024];
    struct ferry_err err;
    struct sim_dc *dc;

    snprintf(text, sizeof text,
             "[sim]\nseed = 7\nlink_bandwidth = %.0fGbit\n"
             "[host a]\nmemory = 4TiB\nnetworks = n\n"
             "[host b]\nmemory = 4TiB\nnetworks = n\n"
             "[vm v]\nhost = a\nmemory = 4GiB\nnetworks = n\n"
             "workload = cache\nwss = %.0fMiB\nhot_fraction = 0.5\n"
             "hot_share = 0.95\ndirty_rate = %.0fb/s\njitter = 0.05\n"
             "zero_fraction = 0.3\nxbzrle_delta = %g\n",
             gbit, 2 * hot_mib, ratio * bw, delta);
    dc = sim_dc_load_string("bench", text, &err);
    if (dc == NULL) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    return dc;
}

static struct outcome
run_one(double hot, double ratio, double gbit, double delta,
        const struct policy *p, uint64_t budget)
{
    struct sim_dc *dc = make_dc(hot, ratio, gbit, delta);
    double bulk_s = 4.0 * GiB / (gbit * 1e9 / 8);
    struct runner_opts o = {
        .vm = "v", .to = "b", .kind = KIND_COMPUTE, .policy = p,
        .budget_ms = budget, .sample_ms = 100,
        .max_time_ms = (uint64_t)((3 * bulk_s + 120) * 1000),
    };
    struct ferry_err err;
    struct runner *r = runner_new_sim(dc, &o, NULL, 0, &err);
    const struct runner_result *res;
    struct outcome out = {0};

    if (r == NULL) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    out.xbzrle = engine_xbzrle(runner_job(r), NULL);
    while (runner_step(r))
        ;
    res = runner_result(r);
    out.done = res->phase == PH_DONE;
    out.fits = out.done && res->downtime_ms <= budget;
    out.total_s = res->total_ms / 1000.0;
    out.downtime_ms = (double)res->downtime_ms;
    out.gib = (double)res->bytes_sent / GiB;
    runner_free(r);
    sim_dc_free(dc);
    return out;
}

int
main(int argc, char **argv)
{
    static const double hots_full[] = {16, 128, 1024}, hots_quick[] = {16, 1024};
    static const double ratios[] = {0.5, 1.0, 2.0, 4.0};
    static const double gbits[] = {1, 10};
    static const double deltas[] = {0.1, 0.4};
    const double *hots = hots_full;
    size_t n_hots = 3;
    uint64_t budget = 300;
    struct policy_set set;
    struct policy variants[2];
    struct ferry_err err;
    const struct policy *ps[MAXP];
    const char *names[MAXP];
    size_t np = 0, ncase = 0, within[MAXP] = {0}, chose = 0;
    double *tot[MAXP], *gib[MAXP], sum_gib[MAXP] = {0};
    size_t ntot[MAXP] = {0};
    clock_t c0 = clock();

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            hots = hots_quick;
            n_hots = 2;
        } else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
            budget = strtoull(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: bench_xbzrle [--quick] [--budget MS]\n");
            return 2;
        }
    }
    policy_set_init(&set);
    if (policy_set_builtin(&set, &err) < 0)
        return 1;
    /* ferry as shipped (xbzrle = auto), never, always; then the rest */
    policy_copy(policy_find(&set, "ferry"), &variants[0]);
    variants[0].xbzrle = XBZRLE_FORBID;
    policy_copy(policy_find(&set, "ferry"), &variants[1]);
    variants[1].xbzrle = XBZRLE_ALWAYS;
    ps[np] = policy_find(&set, "ferry");
    names[np++] = "ferry (auto)";
    ps[np] = &variants[0];
    names[np++] = "ferry, no xbz";
    ps[np] = &variants[1];
    names[np++] = "ferry, always";
    for (size_t i = 0; i < set.n && np < MAXP; i++) {
        if (strcmp(set.v[i].name, "ferry") == 0)
            continue;
        ps[np] = &set.v[i];
        names[np++] = set.v[i].name;
    }
    for (size_t i = 0; i < np; i++) {
        tot[i] = calloc(256, sizeof(double));
        gib[i] = calloc(256, sizeof(double));
    }

    printf("4 GiB guest, working set = 2 x hot set, 95%% of writes to the hot "
           "set; budget %llu ms\ncell = total s / downtime ms / GiB sent; "
           "'*' over budget or not completed; 'x' ferry (auto) chose "
           "XBZRLE\n\n",
           (unsigned long long)budget);
    printf("%-5s %-4s %-4s %-5s |", "hot", "D/B", "dlt", "link");
    for (size_t p = 0; p < np; p++)
        printf(" %-19.19s", names[p]);
    printf("\n");
    for (size_t gi = 0; gi < 2; gi++)
        for (size_t hi = 0; hi < n_hots; hi++)
            for (size_t di = 0; di < 2; di++)
                for (size_t ri = 0; ri < 4; ri++) {
                    double h = hots[hi], r = ratios[ri], g = gbits[gi],
                           d = deltas[di];

                    printf("%-5.0f %-4.1f %-4.1f %-5.0f |", h, r, d, g);
                    for (size_t p = 0; p < np; p++) {
                        struct outcome o = run_one(h, r, g, d, ps[p], budget);
                        char cell[48];

                        if (o.done)
                            snprintf(cell, sizeof cell, "%.1f/%.0f/%.1f%s%s",
                                     o.total_s, o.downtime_ms, o.gib,
                                     o.fits ? "" : "*",
                                     p == 0 && o.xbzrle ? "x" : "");
                        else
                            snprintf(cell, sizeof cell, "aborted*%s",
                                     p == 0 && o.xbzrle ? "x" : "");
                        printf(" %-19s", cell);
                        if (p == 0 && o.xbzrle)
                            chose++;
                        if (o.fits) {
                            within[p]++;
                            tot[p][ntot[p]] = o.total_s;
                            gib[p][ntot[p]++] = o.gib;
                            sum_gib[p] += o.gib;
                        }
                    }
                    printf("\n");
                    fflush(stdout);
                    ncase++;
                }
    printf("\n%-24s %9s %14s %15s\n", "policy", "in budget",
           "median total s", "median GiB sent");
    for (size_t p = 0; p < np; p++)
        printf("%-24s %4zu/%-4zu %14.1f %15.2f\n", names[p], within[p], ncase,
               median(tot[p], ntot[p]), median(gib[p], ntot[p]));
    printf("\nferry (auto) chose XBZRLE in %zu of %zu cases\n", chose, ncase);
    printf("cpu time: %.1f s\n", (double)(clock() - c0) / CLOCKS_PER_SEC);
    for (size_t i = 0; i < np; i++) {
        free(tot[i]);
        free(gib[i]);
    }
    policy_copy_free(&variants[0]);
    policy_copy_free(&variants[1]);
    policy_set_fini(&set);
    return 0;
}
