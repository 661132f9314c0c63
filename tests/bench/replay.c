/* Benchmark: opening long flight logs for replay. Writes a log of one hour
 * at 10 samples/s and one of a million samples (lines shaped like the
 * simulator's, every field present), then opens each in a child process
 * and reports the time to open, the peak memory it took, and the time of a
 * seek and of a summary. Then the what-ifs: the demo's cache-01 moved under
 * ferry's policy, run again under each reference policy (qemu-default
 * never converges: ten minutes of virtual time for a 16 GiB guest dirtying
 * faster than the link), with the CPU time each took. Prints tables;
 * never fails on numbers.
 *   bench_replay [--dir DIR] [--keep] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ferry/flightlog.h"
#include "ferry/flogread.h"
#include "ferry/runner_sim.h"
#include "ferry/sim.h"
#include "ferry/whatif.h"

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A log of n samples every step_ms: a 64 GiB guest that converges slowly,
 * with a decision and a phase change now and then. */
static void
write_log(const char *path, size_t n, unsigned step_ms)
{
    FILE *f = fopen(path, "w");
    uint64_t total = 64ULL << 30, sent = 0, iter = 1;

    if (f == NULL) {
        perror(path);
        exit(1);
    }
    fprintf(f, "{\"type\":\"header\",\"format\":\"%s\",\"version\":%d,"
            "\"ferry_version\":\"bench\",\"created\":\"2026-01-01T00:00:00Z\","
            "\"job\":{\"id\":\"big\",\"vm\":\"big-01\",\"kind\":\"compute\","
            "\"source\":\"hv-01\",\"destination\":\"hv-02\","
            "\"memory_bytes\":%llu,\"disk_bytes\":0},\"backend\":\"bench\","
            "\"policy\":{\"name\":\"ferry\",\"mode\":\"adaptive\","
            "\"summary\":\"bench\"},\"budget_ms\":300,\"ceiling_ms\":300,"
            "\"bandwidth_cap_bps\":0,\"link_bps\":1250000000,"
            "\"overhead_ms\":28,\"sample_ms\":%u,\"prediction\":{"
            "\"converges\":true,\"total_ms\":3600000,\"downtime_ms\":250,"
            "\"rounds\":40,\"bytes\":1}}\n",
            FLOG_FORMAT, FLOG_VERSION, (unsigned long long)total, step_ms);
    fprintf(f, "{\"type\":\"phase\",\"t_ms\":0,\"from\":\"prepare\","
            "\"to\":\"bulk\"}\n");
    for (size_t i = 0; i < n; i++) {
        uint64_t t = (uint64_t)(i + 1) * step_ms;
        uint64_t rem = total - (sent % total);
        double dirty = 9e8 + 3e8 * sin((double)i / 500.0);

        sent += 125000000ULL * step_ms / 1000;
        if (i % 3000 == 2999)
            iter++;
        fprintf(f, "{\"type\":\"sample\",\"t_ms\":%llu,\"phase\":\"%s\","
                "\"status\":\"active\",\"stage\":\"memory\","
                "\"data_total\":%llu,\"data_processed\":%llu,"
                "\"data_remaining\":%llu,\"memory_total\":%llu,"
                "\"memory_processed\":%llu,\"memory_remaining\":%llu,"
                "\"memory_bps\":1250000000,\"memory_dirty_rate\":%.0f,"
                "\"memory_iteration\":%llu,\"memory_page_size\":4096,"
                "\"downtime\":%llu,\"downtime_limit\":1,"
                "\"est\":{\"dirty_bps\":%.0f,\"unique_bps\":%.0f,"
                "\"wss_bytes\":10307921510,\"bw_bps\":1250000000},"
                "\"pred\":{\"downtime_now_ms\":%llu,\"converges\":true,"
                "\"eta_ms\":%llu,\"downtime_ms\":250}}\n",
                (unsigned long long)t, iter > 1 ? "iterate" : "bulk",
                (unsigned long long)total, (unsigned long long)sent,
                (unsigned long long)rem, (unsigned long long)total,
                (unsigned long long)sent, (unsigned long long)rem, dirty,
                (unsigned long long)iter,
                (unsigned long long)(rem / 1250000),
                dirty, dirty * 0.7, (unsigned long long)(rem / 1250000 + 28),
                (unsigned long long)(n * step_ms - t));
        if (i % 3000 == 2999)
            fprintf(f, "{\"type\":\"decision\",\"t_ms\":%llu,\"action\":"
                    "\"downtime\",\"value\":1,\"reason\":\"round %llu: "
                    "predicted downtime above the budget\"}\n",
                    (unsigned long long)t, (unsigned long long)iter);
    }
    fprintf(f, "{\"type\":\"result\",\"outcome\":\"completed\",\"reason\":"
            "null,\"total_ms\":%llu,\"downtime_ms\":240,"
            "\"downtime_budget_ms\":300,\"rounds\":%llu,\"bytes_sent\":%llu,"
            "\"policy\":\"ferry\",\"verified\":true}\n",
            (unsigned long long)(n * step_ms), (unsigned long long)iter,
            (unsigned long long)sent);
    fclose(f);
}

/* CPU seconds this process has used. */
static double
cpu_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The demo's vm moved to `to` under ferry's policy, logged at path. */
static void
demo_move(const char *vm, const char *to, const char *path,
          const struct policy_set *set)
{
    struct ferry_err err;
    struct sim_dc *dc = sim_dc_demo(&err);
    struct runner_opts o = {.vm = vm, .to = to, .kind = KIND_COMPUTE,
                            .budget_ms = 300, .max_time_ms = 600000,
                            .policy = policy_find(set, "ferry"),
                            .log_path = path};
    struct runner *r = dc ? runner_new_sim(dc, &o, NULL, 0, &err) : NULL;

    if (r == NULL) {
        fprintf(stderr, "%s: %s\n", vm, err.msg);
        exit(1);
    }
    while (runner_step(r))
        ;
    runner_free(r);
    sim_dc_free(dc);
}

/* A what-if of the log at path under each policy: CPU time and outcome. */
static void
whatifs(const char *label, const char *path, const struct policy_set *set)
{
    static const char *const names[] = {"qemu-default", "ovirt-postcopy",
                                        "nova", "kubevirt", "ferry"};
    struct ferry_err err;
    struct flog_data *d = flog_load(path, &err);

    if (d == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const struct policy *pol = policy_find(set, names[i]);
        struct whatif w;
        double t0;

        if (pol == NULL)
            continue;
        t0 = cpu_s();
        if (whatif_run(d, pol, 0, &w, &err) < 0) {
            fprintf(stderr, "%s: %s\n", names[i], err.msg);
            exit(1);
        }
        printf("%-22s %-15s %9.3f %10.1f %7llu  %s\n", label, names[i],
               cpu_s() - t0, (double)w.res.total_ms / 1000.0,
               (unsigned long long)w.res.rounds,
               w.res.phase == PH_DONE ? "completed" : "did not complete");
        whatif_fini(&w);
    }
    flog_data_free(d);
}

/* Peak resident set of this process, MiB. */
static double
peak_mib(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;
}

static void
measure(const char *label, const char *path)
{
    int fds[2];
    pid_t pid;
    struct stat st;

    if (pipe(fds) < 0 || stat(path, &st) < 0) {
        perror(path);
        exit(1);
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        struct ferry_err err;
        double base = peak_mib(), t0 = now_ms(), t1, t2, t3;
        struct flog_data *d = flog_load(path, &err);
        char *s;
        volatile size_t sink = 0;

        t1 = now_ms();
        if (d == NULL) {
            dprintf(fds[1], "%s: %s\n", label, err.msg);
            _exit(1);
        }
        for (int i = 0; i < 1000; i++) /* seeks anywhere */
            sink += flog_index_at(d, (uint64_t)i * flog_end_ms(d) / 1000) +
                    flog_decisions_at(d, (uint64_t)i * flog_end_ms(d) / 1000);
        t2 = now_ms();
        s = flog_summary(d);
        t3 = now_ms();
        dprintf(fds[1], "%-28s %9zu %9.0f %9.0f %9.0f %9.2f %9.1f\n", label,
                d->n, (double)st.st_size / 1048576.0, t1 - t0,
                peak_mib() - base,
                t2 - t1, /* ms for 1000 seeks = us per seek */
                t3 - t2);
        (void)sink;
        free(s);
        flog_data_free(d);
        _exit(0);
    }
    close(fds[1]);
    {
        char buf[512];
        ssize_t n;

        while ((n = read(fds[0], buf, sizeof buf)) > 0)
            fwrite(buf, 1, (size_t)n, stdout);
    }
    close(fds[0]);
    waitpid(pid, NULL, 0);
}

int
main(int argc, char **argv)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    bool keep = false;
    char a[512], b[512];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0)
            keep = true;
        else {
            fprintf(stderr, "usage: bench_replay [--dir DIR] [--keep]\n");
            return 2;
        }
    }
    snprintf(a, sizeof a, "%s/ferry-bench-1h.jsonl", dir);
    snprintf(b, sizeof b, "%s/ferry-bench-1m.jsonl", dir);
    fprintf(stderr, "writing %s and %s ...\n", a, b);
    write_log(a, 36000, 100);
    write_log(b, 1000000, 100);
    sync(); /* the writes' flush should not land in the measurement */
    printf("%-28s %9s %9s %9s %9s %9s %9s\n", "log", "samples", "file MiB",
           "open ms", "peak MiB", "seek us", "summ. ms");
    measure("1 hour at 10 samples/s", a);
    measure("1,000,000 samples", b);
    if (!keep) {
        unlink(a);
        unlink(b);
    }

    {
        struct policy_set set;
        struct ferry_err err;

        policy_set_init(&set);
        if (policy_set_builtin(&set, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        snprintf(a, sizeof a, "%s/ferry-bench-cache-01.jsonl", dir);
        snprintf(b, sizeof b, "%s/ferry-bench-web-01.jsonl", dir);
        demo_move("cache-01", "hv-01", a, &set);
        demo_move("web-01", "hv-02", b, &set);
        printf("\n%-22s %-15s %9s %10s %7s  %s\n", "what-if of", "policy",
               "CPU s", "virtual s", "rounds", "outcome");
        whatifs("cache-01 (16 GiB)", a, &set);
        whatifs("web-01 (4 GiB)", b, &set);
        policy_set_fini(&set);
        if (!keep) {
            unlink(a);
            unlink(b);
        }
    }
    return 0;
}
