/* Benchmark: the console through a pty. CPU time and bytes written to the
 * terminal per second, idle and with a migration on the dashboard, and the
 * time from start to the first complete frame; htop in the same harness
 * for comparison. Prints a table; never fails on numbers.
 * Usage: bench_console FERRY [--seconds N] */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct result {
    double first_frame_ms;
    double cpu_pct;
    double bytes_per_s;
    long total_bytes;
};

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* utime + stime of a process in seconds. */
static double
cpu_s(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long ut = 0, st = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 0;
    if (fgets(buf, sizeof buf, f) == NULL) {
        fclose(f);
        return 0;
    }
    fclose(f);
    p = strrchr(buf, ')');
    if (p == NULL ||
        sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
               &ut, &st) != 2)
        return 0;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Read what is there within timeout_ms; returns bytes read. */
static long
drain(int fd, int timeout_ms, char *seen, size_t seen_n, size_t *seen_len)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char buf[65536];
    long total = 0;

    while (poll(&p, 1, timeout_ms) > 0) {
        ssize_t n = read(fd, buf, sizeof buf);

        if (n <= 0)
            break;
        total += n;
        if (seen != NULL && *seen_len + (size_t)n < seen_n) {
            memcpy(seen + *seen_len, buf, (size_t)n);
            *seen_len += (size_t)n;
            seen[*seen_len] = '\0';
        }
        timeout_ms = 0;
    }
    return total;
}

static int
run(char *const argv[], const char *ready, const char *const *keys,
    int seconds, struct result *r)
{
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    int fd;
    pid_t pid;
    double t0 = now_s(), c0, tm;
    static char seen[1 << 20];
    size_t seen_len = 0;
    long bytes = 0;

    memset(r, 0, sizeof *r);
    pid = forkpty(&fd, NULL, NULL, &ws);
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setenv("TERM", "xterm-256color", 1);
        setenv("LANG", "C.UTF-8", 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    seen[0] = '\0';
    while (now_s() - t0 < 10) {
        drain(fd, 10, seen, sizeof seen, &seen_len);
        if (strstr(seen, ready) != NULL)
            break;
    }
    r->first_frame_ms = (now_s() - t0) * 1000;
    /* Each key is written whole: an arrow key's escape sequence split
     * across reads would arrive as a lone Esc. */
    for (size_t i = 0; keys != NULL && keys[i] != NULL; i++) {
        if (write(fd, keys[i], strlen(keys[i])) < 0)
            break;
        drain(fd, 50, NULL, 0, NULL);
    }
    drain(fd, 500, NULL, 0, NULL);
    /* Measure. */
    drain(fd, 200, NULL, 0, NULL);
    c0 = cpu_s(pid);
    tm = now_s();
    while (now_s() - tm < seconds)
        bytes += drain(fd, 200, NULL, 0, NULL);
    r->cpu_pct = (cpu_s(pid) - c0) / (now_s() - tm) * 100;
    r->bytes_per_s = (double)bytes / (now_s() - tm);
    r->total_bytes = bytes;
    kill(pid, SIGTERM);
    drain(fd, 300, NULL, 0, NULL);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fd);
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
