/* Benchmark: the console through a pty. CPU time and bytes written to the
 * terminal per second, idle and with a migration on the dashboard, and the
 * time from start to the first complete frame; htop in the same harness
 * for comparison. Prints a table; never fails on numbers.
 * Usage: bench_console FERRY [--seconds N] */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pty.h"

struct result {
    double first_frame_ms;
    double cpu_pct;
    double bytes_per_s;
    long total_bytes;
};

static double
now_s(void)
{
    return pty_now_ms() / 1e3;
}

static int
run(char *const argv[], const char *ready, const char *const *keys,
    int seconds, struct result *r)
{
    int fd;
    pid_t pid;
    double t0 = now_s(), c0, tm;
    static char seen[1 << 20];
    size_t seen_len = 0;
    long bytes = 0;

    memset(r, 0, sizeof *r);
    pid = pty_spawn(argv, NULL, &fd);
    if (pid < 0)
        return -1;
    seen[0] = '\0';
    while (now_s() - t0 < 10) {
        pty_drain(fd, 10, seen, sizeof seen, &seen_len);
        if (strstr(seen, ready) != NULL)
            break;
    }
    r->first_frame_ms = (now_s() - t0) * 1000;
    /* Each key is written whole: an arrow key's escape sequence split
     * across reads would arrive as a lone Esc. */
    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
        if (write(fd, keys[i], strlen(keys[i])) < 0)
            break;
        pty_drain(fd, 50, NULL, 0, NULL);
    }
    pty_drain(fd, 500, NULL, 0, NULL);
    /* Measure. */
    pty_drain(fd, 200, NULL, 0, NULL);
    c0 = pty_cpu_s(pid);
    tm = now_s();
    while (now_s() - tm < seconds)
        bytes += pty_drain(fd, 200, NULL, 0, NULL);
    r->cpu_pct = (pty_cpu_s(pid) - c0) / (now_s() - tm) * 100;
    r->bytes_per_s = (double)bytes / (now_s() - tm);
    r->total_bytes = bytes;
    pty_stop(pid, fd, 300);
    return 0;
}

static void
row(const char *name, const struct result *r)
{
    printf("%-34s %10.1f %8.2f %10.0f %12ld\n", name, r->first_frame_ms,
           r->cpu_pct, r->bytes_per_s, r->total_bytes);
}

int
main(int argc, char **argv)
{
    char *ferry_idle[] = {argv[1], "--demo", "--no-log", NULL};
    char *htop[] = {"htop", NULL};
    struct result r;
    int seconds = 30;

    if (argc < 2) {
        fprintf(stderr, "usage: bench_console FERRY [--seconds N]\n");
        return 2;
    }
    if (argc >= 4 && strcmp(argv[2], "--seconds") == 0)
        seconds = atoi(argv[3]);
    signal(SIGPIPE, SIG_IGN);
    printf("80x24 pty, TERM=xterm-256color, LANG=C.UTF-8, %d s each\n\n",
           seconds);
    printf("%-34s %10s %8s %10s %12s\n", "case", "1st frame", "CPU %",
           "bytes/s", "bytes");
    if (run(ferry_idle, "? help", NULL, seconds, &r) == 0)
        row("ferry --demo, idle", &r);
    /* cache-01 under qemu-default never converges: the dashboard stays
     * live for the whole measurement. */
    static const char *const migrate[] = {
        ":", "quick cache-01", "\r", "\t", "\t", "\033OC", "\r", "y", NULL};

    if (run(ferry_idle, "? help", migrate, seconds, &r) == 0)
        row("ferry --demo, dashboard (1/s)", &r);
    /* the wizard's pre-flight step, left open: nothing changes */
    static const char *const wizard[] = {":", "migrate cache-01", "\r", "\r",
                                         "\r", "\r", NULL};

    if (run(ferry_idle, "? help", wizard, seconds, &r) == 0)
        row("ferry --demo, wizard open", &r);
    if (access("/usr/bin/htop", X_OK) == 0) {
        char *htop_d[] = {"htop", "-d", "10", NULL};

        if (run(htop, "Quit", NULL, seconds, &r) == 0)
            row("htop (default 1.5 s delay)", &r);
        if (run(htop_d, "Quit", NULL, seconds, &r) == 0)
            row("htop -d 10 (1 s delay)", &r);
    } else {
        printf("htop not installed (apt-get install htop): no comparison\n");
    }
    return 0;
}
