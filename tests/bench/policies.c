/* Benchmark: every policy over a grid of memory size x working-set fraction
 * x dirty-rate/bandwidth ratio x link speed, against an oracle (the earliest
 * switchover in hindsight that fits the budget). Prints tables; never fails
 * on numbers.  Usage: bench_policies [--quick] [--budget MS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ferry/runner_sim.h"
#include "ferry/units.h"

#define MAXP 16

struct outcome {
    bool done, fits;
    double total_s, downtime_ms;
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

static struct sim_dc *
make_dc(double mem_gib, double wss_frac, double ratio, double gbit)
{
    double bw = gbit * 1e9 / 8;
    char text[1024];
    struct ferry_err err;
    struct sim_dc *dc;

    snprintf(text, sizeof text,
             "[sim]\nseed = 7\nlink_bandwidth = %.0fGbit\n"
             "[host a]\nmemory = 4TiB\nnetworks = n\n"
             "[host b]\nmemory = 4TiB\nnetworks = n\n"
             "[vm v]\nhost = a\nmemory = %.0fMiB\nnetworks = n\n"
             "workload = web\nwss = %.0f%%\nhot_fraction = 0.2\n"
             "hot_share = 0.8\ndirty_rate = %.0fb/s\njitter = 0.05\n"
             "zero_fraction = 0.2\n",
             gbit, mem_gib * 1024, wss_frac * 100, ratio * bw);
    dc = sim_dc_load_string("bench", text, &err);
    if (dc == NULL) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    return dc;
}

static struct outcome
run_one(double mem, double wss, double ratio, double gbit,
        const struct policy *p, uint64_t budget, bool oracle,
        double *predicted_s)
{
    struct sim_dc *dc = make_dc(mem, wss, ratio, gbit);
    double bulk_s = mem * GiB / (gbit * 1e9 / 8);
    struct runner_opts o = {
        .vm = "v", .to = "b", .kind = KIND_COMPUTE, .policy = p,
        .budget_ms = budget, .sample_ms = 100, .oracle = oracle,
        .max_time_ms = (uint64_t)((3 * bulk_s + 300) * 1000),
    };
    struct ferry_err err;
    struct runner *r = runner_new_sim(dc, &o, NULL, 0, &err);
    struct outcome out = {0};

    if (r == NULL) {
        fprintf(stderr, "bench: %s\n", err.msg);
        exit(1);
    }
    while (runner_step(r))
        ;
    if (oracle) {
        double dt;
        uint64_t t = runner_oracle_ms(r, &dt);

        out.done = out.fits = t > 0;
        out.total_s = (t + dt) / 1000.0;
        out.downtime_ms = dt;
    } else {
        const struct runner_result *res = runner_result(r);

        out.done = res->phase == PH_DONE;
        out.fits = out.done && res->downtime_ms <= budget;
        out.total_s = res->total_ms / 1000.0;
        out.downtime_ms = (double)res->downtime_ms;
        if (predicted_s != NULL)
            *predicted_s = res->predicted.converges
                               ? res->predicted.total_ms / 1000.0
                               : NAN;
    }
    runner_free(r);
    sim_dc_free(dc);
    return out;
}

int
main(int argc, char **argv)
{
    static const double mems_full[] = {1, 4, 16, 64}, mems_quick[] = {1, 4};
    static const double wss[] = {0.05, 0.25};
    static const double ratios[] = {0.1, 0.3, 0.6, 1.0, 2.0};
    static const double gbits[] = {1, 10, 25};
    const double *mems = mems_full;
    size_t n_mems = 4;
    uint64_t budget = 300;
    struct policy_set set;
    struct ferry_err err;
    const struct policy *ps[MAXP];
    size_t np = 0, ncase = 0, ferry_idx = 0;
    size_t within[MAXP] = {0}, ferry_ok_when_ref = 0, ref_ok_cases = 0;
    double *tot[MAXP], *orat[MAXP], *vsbest = NULL, *perr = NULL;
    size_t ntot[MAXP] = {0}, norat[MAXP] = {0}, nvs = 0, nperr = 0, nconv = 0;
    size_t perr_ok = 0;
    clock_t c0 = clock();

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            mems = mems_quick;
            n_mems = 2;
        } else if (strcmp(argv[i], "--budget") == 0 && i + 1 < argc) {
            budget = strtoull(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: bench_policies [--quick] [--budget MS]\n");
            return 2;
        }
    }
    policy_set_init(&set);
    if (policy_set_builtin(&set, &err) < 0)
        return 1;
    for (size_t i = 0; i < set.n && np < MAXP; i++) {
        if (strcmp(set.v[i].name, "ferry") == 0)
            ferry_idx = np;
        ps[np++] = &set.v[i];
    }
    for (size_t i = 0; i < np; i++) {
        tot[i] = calloc(1000, sizeof(double));
        orat[i] = calloc(1000, sizeof(double));
    }
    vsbest = calloc(1000, sizeof(double));
    perr = calloc(1000, sizeof(double));

    printf("budget %llu ms; cell = total s / downtime ms, '*' = over budget "
           "or not completed\n\n",
           (unsigned long long)budget);
    printf("%-5s %-4s %-4s %-5s |", "mem", "wss", "D/B", "link");
    printf(" %-14s", "oracle");
    for (size_t p = 0; p < np; p++)
        printf(" %-14.14s", ps[p]->name);
    printf("\n");
    for (size_t mi = 0; mi < n_mems; mi++)
        for (size_t wi = 0; wi < 2; wi++)
            for (size_t ri = 0; ri < 5; ri++)
                for (size_t gi = 0; gi < 3; gi++) {
                    double m = mems[mi], w = wss[wi], r = ratios[ri],
                           g = gbits[gi], pred = NAN, best_ref = INFINITY;
                    struct outcome orc, res[MAXP];
                    bool any_ref = false;

                    orc = run_one(m, w, r, g, ps[0], budget, true, NULL);
                    printf("%-5.0f %-4.2f %-4.1f %-5.0f |", m, w, r, g);
                    if (orc.done)
                        printf(" %6.1f/%-6.0f ", orc.total_s, orc.downtime_ms);
                    else
                        printf(" %-14s", "   n/a");
                    for (size_t p = 0; p < np; p++) {
                        res[p] = run_one(m, w, r, g, ps[p], budget, false,
                                         p == ferry_idx ? &pred : NULL);
                        if (res[p].done)
                            printf(" %6.1f/%-6.0f%s", res[p].total_s,
                                   res[p].downtime_ms, res[p].fits ? " " : "*");
                        else
                            printf(" %-14s", "   aborted*");
                        if (res[p].fits) {
                            within[p]++;
                            tot[p][ntot[p]++] = res[p].total_s;
                            if (orc.done)
                                orat[p][norat[p]++] =
                                    res[p].total_s / orc.total_s;
                            if (p != ferry_idx) {
                                any_ref = true;
                                best_ref = fmin(best_ref, res[p].total_s);
                            }
                        }
                    }
                    printf("\n");
                    fflush(stdout);
                    if (any_ref) {
                        ref_ok_cases++;
                        if (res[ferry_idx].fits) {
                            ferry_ok_when_ref++;
                            vsbest[nvs++] = res[ferry_idx].total_s / best_ref;
                        }
                    }
                    if (isfinite(pred) && res[ferry_idx].done) {
                        double e = (pred - res[ferry_idx].total_s) /
                                   res[ferry_idx].total_s;

                        nconv++;
                        perr[nperr++] = fabs(e);
                        if (fabs(e) <= 0.15)
                            perr_ok++;
                    }
                    ncase++;
                }

    printf("\n%-24s %8s %14s %18s\n", "policy", "in budget", "median total s",
           "median / oracle");
    for (size_t p = 0; p < np; p++)
        printf("%-24s %4zu/%-4zu %14.1f %18.2f\n", ps[p]->name, within[p],
               ncase, median(tot[p], ntot[p]), median(orat[p], norat[p]));
    printf("\nferry meets the budget in %zu of the %zu cases where a "
           "reference policy does\n",
           ferry_ok_when_ref, ref_ok_cases);
    printf("ferry total / best reference meeting the budget: median %.2f\n",
           median(vsbest, nvs));
    printf("ferry total / oracle: median %.2f\n",
           median(orat[ferry_idx], norat[ferry_idx]));
    printf("plan's predicted total within +-15%% of the simulated result: "
           "%zu of %zu convergent cases (%.0f%%), median error %.1f%%\n",
           perr_ok, nconv, nconv ? 100.0 * perr_ok / nconv : 0,
           100 * median(perr, nperr));
    printf("cpu time: %.1f s\n", (double)(clock() - c0) / CLOCKS_PER_SEC);
    for (size_t i = 0; i < np; i++) {
        free(tot[i]);
        free(orat[i]);
    }
    free(vsbest);
    free(perr);
    policy_set_fini(&set);
    return 0;
}
