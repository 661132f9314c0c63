/* Benchmark: the console and the CLI at the size of a datacenter. For the
 * demo (4 hosts, 15 VMs) and generated datacenters (default 64 hosts and
 * 4,000 VMs, 256 and 20,000): time from start (a cold server) to the first
 * full frame, to answer one filter keystroke, a sort, the wizard's host
 * step (every host checked); peak RSS of the console and of the server;
 * the wall time of 'ferry list vms --json' against the running server.
 * An answer is timed to its last byte: the console is idle when nothing
 * changes, so the output stops when the frame is complete.
 * Prints a table; never fails on numbers.
 * Usage: bench_scale FERRY GEN_DC [HOSTSxVMS ...] */
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pty.h"

#define QUIET_MS 400 /* no output this long: the frame is complete */

/* Read until quiet; returns the time of the last byte (or since when
 * nothing came). Appends what came to seen, if given. */
static double
settle(int fd, double since, char *seen, size_t cap, size_t *len,
       const char *until)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    double last = since, give_up = pty_now_ms() + 120000;
    char buf[65536];

    for (;;) {
        int wait = until ? 100 : QUIET_MS;
        ssize_t n;

        if (poll(&p, 1, wait) <= 0) {
            if (until == NULL || pty_now_ms() > give_up)
                return last;
            continue;
        }
        n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return last;
        last = pty_now_ms();
        if (seen != NULL && *len + (size_t)n < cap) {
            memcpy(seen + *len, buf, (size_t)n);
            *len += (size_t)n;
            seen[*len] = '\0';
        }
        if (until != NULL && seen != NULL && strstr(seen, until) != NULL)
            until = NULL; /* seen it: now wait for the rest of the frame */
    }
}

/* Write a key, time the answer to its last byte. */
static double
answer(int fd, const char *key)
{
    double t0 = pty_now_ms();

    if (write(fd, key, strlen(key)) < 0)
        return -1;
    return settle(fd, t0, NULL, 0, NULL, NULL) - t0;
}

static pid_t
server_pid(const char *run)
{
    char path[700];
    DIR *d;
    struct dirent *e;
    pid_t pid = -1;

    snprintf(path, sizeof path, "%s/ferry", run);
    if ((d = opendir(path)) == NULL)
        return -1;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        FILE *f;

        if (n > 4 && strcmp(e->d_name + n - 4, ".pid") == 0) {
            char p[1000];
            int v;

            snprintf(p, sizeof p, "%s/%s", path, e->d_name);
            if ((f = fopen(p, "r")) != NULL) {
                if (fscanf(f, "%d", &v) == 1)
                    pid = v;
                fclose(f);
            }
        }
    }
    closedir(d);
    return pid;
}

static double
list_json_ms(char *const argv[], const char *home, const char *run,
             const char *state)
{
    double t0 = pty_now_ms();
    pid_t pid = fork();
    int st;

    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);

        dup2(null, 1);
        dup2(null, 2);
        /* the console's environment: the same server */
        setenv("HOME", home, 1);
        setenv("XDG_RUNTIME_DIR", run, 1);
        setenv("XDG_STATE_HOME", state, 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? pty_now_ms() - t0 : -1;
}

struct row {
    char name[64];
    double first, filter, sort, wizard, list;
    long rss_console, rss_server;
};

static int
bench(const char *ferry, const char *file, const char *first_vm,
      const char *label, struct row *r)
{
    char tmp[] = "/tmp/ferry-bench-XXXXXX", run[600], state[600];
    static char seen[1 << 22];
    size_t len = 0;
    char *argv_c[5], *argv_l[8], env[3][700];
    char *envv[] = {env[0], env[1], env[2], NULL};
    int fd, k = 0;
    pid_t pid, srv;
    double t0;

    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", label);
    if (mkdtemp(tmp) == NULL)
        return -1;
    snprintf(run, sizeof run, "%s/run", tmp);
    snprintf(state, sizeof state, "%s/state", tmp);
    mkdir(run, 0700);
    argv_c[k++] = (char *)ferry;
    if (file) {
        argv_c[k++] = "--sim";
        argv_c[k++] = (char *)file;
    } else {
        argv_c[k++] = "--demo";
    }
    argv_c[k] = NULL; /* no --no-log: list must reach the same server */
    t0 = pty_now_ms();
    snprintf(env[0], sizeof env[0], "XDG_RUNTIME_DIR=%s", run);
    snprintf(env[1], sizeof env[1], "XDG_STATE_HOME=%s", state);
    snprintf(env[2], sizeof env[2], "HOME=%s", tmp);
    pid = pty_spawn(argv_c, envv, &fd);
    if (pid < 0)
        return -1;
    seen[0] = '\0';
    r->first = settle(fd, t0, seen, sizeof seen, &len, first_vm) - t0;
    answer(fd, "/");
    r->filter = answer(fd, "v");   /* every row still matches: all of them */
    answer(fd, "\r");
    r->sort = answer(fd, ">");     /* by HOST */
    answer(fd, "<");
    r->wizard = (answer(fd, "m"), answer(fd, "\r")); /* kind -> host step */
    srv = server_pid(run);
    r->rss_console = pty_hwm_kib(pid);
    r->rss_server = srv > 0 ? pty_hwm_kib(srv) : -1;
    k = 0;
    argv_l[k++] = (char *)ferry;
    argv_l[k++] = file ? "--sim" : "--demo";
    if (file)
        argv_l[k++] = (char *)file;
    argv_l[k++] = "list";
    argv_l[k++] = "vms";
    argv_l[k++] = "--json";
    argv_l[k] = NULL;
    r->list = list_json_ms(argv_l, tmp, run, state);
    pty_stop(pid, fd, QUIET_MS);
    if (srv > 0) {
        int i = 0;

        kill(srv, SIGTERM);
        while (i < 100 && kill(srv, 0) == 0) {
            usleep(50000);
            i++;
        }
        if (kill(srv, 0) == 0) {
            fprintf(stderr, "server %d still there 5 s after SIGTERM: "
                    "killed\n", (int)srv);
            kill(srv, SIGKILL);
        }
    }
    {
        char cmd[700];

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmp);
    }
    return 0;
}

int
main(int argc, char **argv)
{
    const char *sizes_def[] = {"64x4000", "256x20000"};
    const char **sizes = sizes_def;
    int n_sizes = 2;
    struct row r;

    if (argc < 3) {
        fprintf(stderr, "usage: bench_scale FERRY GEN_DC [HOSTSxVMS ...]\n");
        return 2;
    }
    if (argc > 3) {
        sizes = (const char **)argv + 3;
        n_sizes = argc - 3;
    }
    signal(SIGPIPE, SIG_IGN);
    printf("80x24 pty, a cold server each; ms (answers timed to their last "
           "byte), peak RSS in MiB\n\n");
    printf("%-18s %9s %8s %8s %9s %10s %8s %8s\n", "datacenter",
           "1st frame", "filter", "sort", "wiz host", "list json", "RSS con",
           "RSS srv");
#define ROW()                                                                  \
    printf("%-18s %9.0f %8.1f %8.1f %9.1f %10.0f %8.1f %8.1f\n", r.name,      \
           r.first, r.filter, r.sort, r.wizard, r.list,                       \
           r.rss_console / 1024.0, r.rss_server / 1024.0)
    if (bench(argv[1], NULL, "web-01", "demo 4/15", &r) == 0)
        ROW();
    for (int i = 0; i < n_sizes; i++) {
        long hosts, vms;
        char file[] = "/tmp/ferry-dc-XXXXXX", cmd[600], label[64];
        int fd;

        if (sscanf(sizes[i], "%ldx%ld", &hosts, &vms) != 2) {
            fprintf(stderr, "bench_scale: '%s' is not HOSTSxVMS\n", sizes[i]);
            return 2;
        }
        if ((fd = mkstemp(file)) < 0)
            return 1;
        close(fd);
        snprintf(cmd, sizeof cmd, "'%s' %ld %ld 3 >'%s'", argv[2], hosts, vms,
                 file);
        if (system(cmd) != 0) {
            fprintf(stderr, "bench_scale: %s failed\n", cmd);
            return 1;
        }
        snprintf(label, sizeof label, "%ld/%ld", hosts, vms);
        if (bench(argv[1], file, "vm-00001", label, &r) == 0)
            ROW();
        unlink(file);
    }
    return 0;
}
