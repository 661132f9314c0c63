/* What the terminal benchmarks share: a program on an 80x24 pty, reading
 * what it draws, the clock, and its CPU time and peak memory from /proc.
 * Header-only (static inline): each benchmark is one file in meson. */
#ifndef FERRY_BENCH_PTY_H
#define FERRY_BENCH_PTY_H

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The monotonic clock in milliseconds. */
static inline double
pty_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Start argv on a new 80x24 pty (TERM=xterm-256color, LANG=C.UTF-8, and
 * env's "NAME=value" strings, NULL-terminated, may be NULL); the master
 * side in *fd. Returns the pid, or -1. */
static inline pid_t
pty_spawn(char *const argv[], char *const env[], int *fd)
{
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    pid_t pid = forkpty(fd, NULL, NULL, &ws);

    if (pid != 0)
        return pid;
    setenv("TERM", "xterm-256color", 1);
    setenv("LANG", "C.UTF-8", 1);
    for (size_t i = 0; env != NULL && env[i] != NULL; i++)
        putenv(env[i]);
    execvp(argv[0], argv);
    _exit(127);
}

/* Read what comes within timeout_ms of the last byte (then at once);
 * appends it to seen (NUL-terminated) when given. Returns the bytes
 * read. */
static inline long
pty_drain(int fd, int timeout_ms, char *seen, size_t cap, size_t *len)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char buf[65536];
    long total = 0;

    while (poll(&p, 1, timeout_ms) > 0) {
        ssize_t n = read(fd, buf, sizeof buf);

        if (n <= 0)
            break;
        total += n;
        if (seen != NULL && *len + (size_t)n < cap) {
            memcpy(seen + *len, buf, (size_t)n);
            *len += (size_t)n;
            seen[*len] = '\0';
        }
        timeout_ms = 0;
    }
    return total;
}

/* SIGTERM, what it still draws, then SIGKILL: the program is gone. */
static inline void
pty_stop(pid_t pid, int fd, int grace_ms)
{
    kill(pid, SIGTERM);
    pty_drain(fd, grace_ms, NULL, 0, NULL);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fd);
}

/* utime + stime of a process in seconds. */
static inline double
pty_cpu_s(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long ut = 0, st = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
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

/* Peak RSS (VmHWM) of a process in KiB, or -1. */
static inline long
pty_hwm_kib(pid_t pid)
{
    char path[64], line[256];
    long v = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld", &v) == 1)
            break;
    fclose(f);
    return v;
}

#endif
