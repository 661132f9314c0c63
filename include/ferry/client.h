/* The client side of the protocol: a connection to the ferry server of a
 * configuration (started when none runs), requests and their replies,
 * and a copy of what the client subscribed to: the inventory (behind a
 * backend, client_hv, that asks the server for plans, checks and
 * measurements), the jobs with every record, the operator's questions.
 *
 * Messages that arrive while a request waits for its reply are applied
 * on the loop's next turn, never inside the request: what a caller reads
 * from the copy stays put while it asks. */
#ifndef FERRY_CLIENT_H
#define FERRY_CLIENT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "ferry/evacview.h"
#include "ferry/hv.h"
#include "ferry/jobview.h"
#include "ferry/loop.h"
#include "ferry/policy.h"

#define CLIENT_TIMEOUT_MS 60000 /* a reply takes at most this (default) */

struct client_info {
    char *name, *label, *version, *backend, *log_dir;
    bool realtime, can_measure;
    pid_t pid;
    char *default_policy;
    uint64_t default_budget_ms;
};

struct client;

/* How to start a server when none runs: the argv of `ferry [config
 * options] server` (the client adds where to say it is ready). NULL:
 * never start one. */
struct client_spawn {
    const char *const *argv;
    const char *log_path; /* named in messages when it fails */
};

/* Connect to the server NAME in DIR (srvpath.h), starting it when none
 * runs, and say hello as kind ("console", "migrate", ...). NULL with err
 * (a server that could not start says why). */
struct client *client_open(const char *dir, const char *name,
                           const struct client_spawn *spawn, const char *kind,
                           struct loop *loop, struct ferry_err *err);
/* The same over a connected socket (taken): tests. */
struct client *client_new_fd(int fd, const char *kind, struct loop *loop,
                             struct ferry_err *err);
void client_free(struct client *cl);

const struct client_info *client_info(const struct client *cl);
/* The server's policies, in its order. */
const struct policy_set *client_policies(const struct client *cl);

/* Send a request (taken; its id is set here) and wait at most timeout_ms
 * for its reply, which the caller puts. NULL with err: the server's own
 * error, the server gone, or no answer in time. */
json_object *client_call(struct client *cl, json_object *req, int timeout_ms,
                         struct ferry_err *err);
/* The same when the caller wants the reply even if it failed (a
 * migration refused with its checks): NULL only without one. */
json_object *client_call_reply(struct client *cl, json_object *req,
                               int timeout_ms, struct ferry_err *err);
/* The same, applying what else arrives while it waits (commands that
 * answer the operator's questions meanwhile: a host's passphrase). */
json_object *client_call_live(struct client *cl, json_object *req,
                              int timeout_ms, struct ferry_err *err);
/* Send a request and do not wait (a failure comes back as a status). */
void client_send(struct client *cl, json_object *req);

/* The answer to client_call_async: reply (borrowed for the call) when the
 * server said ok; else NULL, with err saying why (the server's error, the
 * server gone, no answer in time). */
typedef void (*client_reply_fn)(void *ctx, json_object *reply,
                                const struct ferry_err *err);
/* Send a request (taken; its id is set here) without waiting: fn gets its
 * reply, or its failure after timeout_ms, exactly once, always from the
 * loop (never inside this call, nor inside another request's wait).
 * Returns the request's id (> 0). */
long client_call_async(struct client *cl, json_object *req, int timeout_ms,
                       client_reply_fn fn, void *ctx);
/* fn is never called for id from now on (a reply that comes is dropped);
 * an id already answered is nothing. */
void client_cancel(struct client *cl, long id);

/* Ask for the jobs (every one, with its history), the inventory, and the
 * questions for the operator; they arrive as the loop turns. */
int client_subscribe(struct client *cl, bool jobs, bool model, bool prompts,
                     struct ferry_err *err);
/* Follow one job (its history, then what comes): "watch". */
int client_watch(struct client *cl, const char *ref, long *id,
                 struct ferry_err *err);
/* Take the inventory once (commands), without subscribing. */
int client_fetch_model(struct client *cl, struct ferry_err *err);

/* The backend as the server has it: the inventory copy, plans, checks
 * (checks_start: every host's in one "checks_hosts" request, each host's
 * results as the server computes them), measurements, questions and
 * answers. It runs no migration itself. */
struct hv *client_hv(struct client *cl);

/* A job's state from a reply (a move just started), before its own
 * messages arrive. */
void client_note_job(struct client *cl, json_object *meta);
size_t client_jobs(const struct client *cl);
const struct job_view *client_job_at(const struct client *cl, size_t i);
const struct job_view *client_job(const struct client *cl, long id);

/* The evacuations the server sent (those subscribed to jobs get them,
 * and client_subscribe_evacs asks for them alone), each as it was last
 * sent; borrowed until the loop turns. */
int client_subscribe_evacs(struct client *cl, struct ferry_err *err);
size_t client_evacs(const struct client *cl);
/* An evacuation from a reply (one just started), before its messages
 * come. -1 when it cannot be read. */
int client_note_evac(struct client *cl, json_object *evac);
const struct evac_view *client_evac_at(const struct client *cl, size_t i);
const struct evac_view *client_evac(const struct client *cl, long id);

/* Something changed (a job, the inventory, a question, the status): for
 * redrawing. */
void client_on_update(struct client *cl, void (*fn)(void *ctx), void *ctx);
/* Each record of a job as it arrives (commands print them). */
void client_on_record(struct client *cl,
                      void (*fn)(void *ctx, long job, json_object *rec),
                      void *ctx);

/* A flag a signal handler sets: a request waiting for its reply gives up
 * when it is set (SIGTERM ends any ferry within moments). */
void client_set_stop(struct client *cl, volatile sig_atomic_t *flag);
/* The server closed the connection (or said bye): why. */
bool client_closed(const struct client *cl, const char **why);
/* Run the loop until fn(ctx) is true, the server goes away, or
 * timeout_ms passes (-1: no limit). Returns fn's verdict. */
bool client_wait(struct client *cl, bool (*fn)(void *ctx), void *ctx,
                 int timeout_ms);

#endif
