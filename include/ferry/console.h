/* The console: views over the inventory and the jobs, driven by keys and
 * timers from the app's poll loop. */
#ifndef FERRY_CONSOLE_H
#define FERRY_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "ferry/policy.h"
#include "ferry/hv.h"
#include "ferry/queue.h"
#include "ferry/ui.h"

struct console;
struct loop;
struct job_req;
struct job_view;
struct evac_args;
struct evac_view;

/* What the console asks of whoever owns the jobs (the server, through
 * the app's client; a test's own table): it owns no job itself. */
struct console_ops {
    /* the jobs, oldest first, and one by id (NULL: not known yet) */
    size_t (*n_jobs)(void *ctx);
    const struct job_view *(*job_at)(void *ctx, size_t i);
    const struct job_view *(*job)(void *ctx, long id);
    /* check and start (or queue) a move: its id, or -1 with err */
    long (*start)(void *ctx, const struct job_req *rq, struct ferry_err *err);
    /* abort (a queued job leaves the queue), switchover, postcopy,
     * throttle (value %) */
    int (*act)(void *ctx, long id, enum action_kind a, uint64_t value,
               struct ferry_err *err);
    int (*budget)(void *ctx, long id, uint64_t budget_ms,
                  struct ferry_err *err);
    int (*queue_move)(void *ctx, long id, int delta, struct ferry_err *err);
    /* steer an external job from now on (policy NULL: the default; a
     * budget of 0: the default) (optional) */
    int (*take_over)(void *ctx, long id, const char *policy,
                     uint64_t budget_ms, struct ferry_err *err);
    /* would this start now? "" or what it would wait for */
    char *(*queue_why)(void *ctx, const struct job_req *rq); /* freed */
    /* NULL while the jobs' owner is there; why it is gone otherwise */
    const char *(*gone)(void *ctx);
    /* Evacuations (optional: NULL where the owner has none). The plan
     * for a into out (evac_view_init'ed by the caller, fini'd here
     * first); start one (its id); abort one (what waits is cancelled,
     * what runs aborted); a host's maintenance on or off. 0 / -1 with
     * err. */
    int (*evac_plan)(void *ctx, const struct evac_args *a,
                     struct evac_view *out, struct ferry_err *err);
    long (*evac_start)(void *ctx, const struct evac_args *a,
                       struct ferry_err *err);
    int (*evac_abort)(void *ctx, long id, struct ferry_err *err);
    int (*maintenance)(void *ctx, const char *host, bool on,
                       struct ferry_err *err);
    /* the evacuations the owner has, oldest first, as they are now
     * (borrowed until the next loop turn) */
    size_t (*n_evacs)(void *ctx);
    const struct evac_view *(*evac_at)(void *ctx, size_t i);
};

struct console_opts {
    /* the inventory, plans, checks, measurements and questions */
    struct hv *hv;
    const struct console_ops *ops;
    void *ops_ctx;
    const struct policy_set *policies;
    const char *source_label; /* "demo datacenter", a file name, ... */
    const char *note;         /* shown in the header, e.g. why the demo */
    const char *log_dir;      /* NULL: the default */
    uint64_t default_budget_ms;
    const char *default_policy;
    bool no_log;
    /* the poll loop, woken by worker threads (a what-if) */
    struct loop *loop;
};

/* Caller frees with console_free. The terminal must be initialised. */
struct console *console_new(struct ui_term *t, const struct console_opts *o);
void console_free(struct console *c);
/* Handle one key (curses key code or character). */
void console_key(struct console *c, int key);
/* Advance running migrations to wall time now_ms. */
void console_tick(struct console *c, uint64_t now_ms);
/* Milliseconds until console_tick is next needed; -1 when idle. */
int console_timeout_ms(const struct console *c, uint64_t now_ms);
/* Draw if anything changed (or force); returns true if it drew. */
bool console_draw(struct console *c, bool force);
bool console_quit(const struct console *c);
/* Why it quit when the jobs' owner went away (NULL: the operator quit or
 * detached). */
const char *console_gone(const struct console *c);
/* Mark everything for redraw (resize). */
void console_invalidate(struct console *c);
/* Show a message on the status line. */
void console_status(struct console *c, bool error, const char *msg);
/* For tests: run a ':' command. */
void console_command(struct console *c, const char *cmd);

#endif
