/* The ferry server: it owns the backend (libvirt connections, SSH
 * sessions and their questions), the jobs, the queue and the flight logs;
 * consoles and commands are its clients on a UNIX socket (proto.h). It
 * lives while a client is attached or a job runs or waits, and for a
 * while after (linger). The caller runs the loop:
 *
 *     while (!server_done(s, now))
 *         loop_run_once(loop, server_timeout_ms(s, now)), server_tick(s, now);
 */
#ifndef FERRY_SERVER_H
#define FERRY_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "ferry/hv.h"
#include "ferry/jobs.h"
#include "ferry/loop.h"
#include "ferry/policy.h"
#include "ferry/queue.h"

struct server;

struct server_opts {
    struct loop *loop;
    struct hv *hv;
    const struct policy_set *policies;
    const char *default_policy;    /* NULL: "ferry" */
    uint64_t default_budget_ms;    /* 0: 300 ms */
    const struct queue_cfg *queue; /* NULL: vSphere's defaults */
    const char *log_dir;           /* flight logs (NULL: the default) */
    bool no_log;
    const char *name;   /* the configuration's server name */
    const char *label;  /* "demo datacenter", "libvirt: 2 hosts", ... */
    int listen_fd;      /* a listening UNIX socket (taken), or -1 */
    uint64_t linger_ms; /* idle (no client, no job) this long: done */
    FILE *log;          /* the server's own log (borrowed; NULL: none) */
    /* The fail-safe's notice file: what an earlier server's guard did
     * (read at the start and when a client attaches; NULL: none). */
    const char *notices;
    /* A client says hello: the caller may reload its configuration (and
     * call server_reconfigure) before the client is welcomed. */
    void (*on_attach)(void *ctx, struct server *s);
    void *ctx;
};

/* Caller frees with server_free. NULL with err. */
struct server *server_new(const struct server_opts *o, struct ferry_err *err);
/* Closes every client; jobs still running are let go (see jobs_free). */
void server_free(struct server *s);

/* A connected client's socket (taken): the accepted ones, and tests'
 * socketpairs. Peer credentials are checked here: a peer of another user
 * is refused (and logged). Returns 0, or -1 when refused. */
int server_add_client(struct server *s, int fd);

/* Run what is due at now_ms: jobs, the backend's news for the clients
 * (inventory, status, questions), commands waiting for hosts. */
void server_tick(struct server *s, uint64_t now_ms);
/* Milliseconds until server_tick is due (never -1 while lingering). */
int server_timeout_ms(const struct server *s, uint64_t now_ms);
/* True once it should exit: stopped and flushed, or idle past linger. */
bool server_done(const struct server *s, uint64_t now_ms);

/* Stop: queued jobs are dropped and running ones aborted (the source VM
 * keeps running), clients are told why. server_done is true once the
 * aborts have ended or grace_ms has passed. */
void server_stop(struct server *s, const char *why, uint64_t grace_ms);
bool server_stopping(const struct server *s);

/* Policies (the set the server was made with, refilled), defaults and
 * queue limits changed: welcome clients with them, queue by them. */
void server_reconfigure(struct server *s, const char *default_policy,
                        uint64_t default_budget_ms,
                        const struct queue_cfg *queue);
/* A message on every console's status line (and in the log). */
void server_notice(struct server *s, bool error, const char *msg);

size_t server_clients(const struct server *s);
const struct jobs *server_jobs(const struct server *s);
/* Log a line (timestamped) to the server log. */
void server_log(struct server *s, const char *fmt, ...) FERRY_PRINTF(2, 3);

#endif
