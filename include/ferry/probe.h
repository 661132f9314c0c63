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

/* QEMU's migration TLS files (libvirt's migrate_tls_x509_cert_dir): the
 * destination serves with ca + server, the source connects with ca +
 * client. */
enum probe_tls_file {
    PTLS_CA,
    PTLS_SERVER_CERT,
    PTLS_SERVER_KEY,
    PTLS_CLIENT_CERT,
    PTLS_CLIENT_KEY,
    PTLS_COUNT
};
extern const char *const probe_tls_files[PTLS_COUNT]; /* "ca-cert.pem" ... */
#define PTLS_SERVER_NEEDS                                                    \
    ((1u << PTLS_CA) | (1u << PTLS_SERVER_CERT) | (1u << PTLS_SERVER_KEY))
#define PTLS_CLIENT_NEEDS                                                    \
    ((1u << PTLS_CA) | (1u << PTLS_CLIENT_CERT) | (1u << PTLS_CLIENT_KEY))

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
    /* QEMU's migration certificates: the directory qemu.conf names (or
     * libvirt's default) and which files of probe_tls_files it holds */
    char *tls_dir; /* NULL: not probed */
    unsigned tls_have;
};
/* "server-cert.pem, server-key.pem" for the files of need that p lacks
 * (NULL if none). Caller frees. */
char *probe_tls_missing(const struct host_probe *p, unsigned need);

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
