/* Remote probes of a host over SSH: the facts libvirt does not give and
 * pre-flight needs. The script ferry runs on the host and the parser of
 * what it prints: plain C, no I/O (the SSH layer runs it). */
#ifndef FERRY_PROBE_H
#define FERRY_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/util.h"

/* QEMU listens for incoming migrations from this port up (libvirt's
 * migration_port_min): a TCP connect to it tells whether the migration
 * network reaches the destination. */
#define PROBE_MIG_PORT 49152

struct probe_fs {
    char *path;         /* the directory asked about (a pool's target) */
    uint64_t avail, size;
};

enum probe_reach_result { REACH_UNKNOWN, REACH_OK, REACH_REFUSED, REACH_NO };

struct probe_reach {
    char *addr;
    enum probe_reach_result result;
    char *detail; /* what the connect said */
};

struct host_probe {
    bool valid;
    char *kernel, *qemu;
    bool has_time;
    double remote_time; /* seconds since the epoch, on the host */
    bool has_skew;
    int64_t skew_ms;     /* host clock minus ours */
    uint64_t skew_err_ms;/* half the round trip: the uncertainty */
    struct probe_fs *fs;
    size_t n_fs;
    struct probe_reach *reach;
    size_t n_reach;
};

/* The shell script to run (POSIX sh): paths to df, addresses to connect
 * to on PROBE_MIG_PORT. Caller frees. */
char *probe_script(char *const *paths, size_t n_paths, char *const *addrs,
                   size_t n_addrs);
/* Parse its output; 0, or -1 with err (no end marker, a bad line). */
int probe_parse(const char *out, struct host_probe *p, struct ferry_err *err);
/* Clock skew from the host's time and our wall clock (ms since the epoch)
 * when the command was sent and when its first output arrived. */
void probe_set_skew(struct host_probe *p, uint64_t sent_ms,
                    uint64_t first_ms);
void probe_fini(struct host_probe *p);
const struct probe_fs *probe_fs_of(const struct host_probe *p,
                                   const char *path);
const struct probe_reach *probe_reach_of(const struct host_probe *p,
                                         const char *addr);
const char *probe_reach_name(enum probe_reach_result r);
/* "kernel 6.1.0, QEMU 7.2.22, clock +3 ms" into buf. */
char *probe_summary(const struct host_probe *p, char *buf, size_t n);

#endif
