/* The jobs table: every migration a server owns, from the request to its
 * end. A job is checked, waits in the concurrency queue, runs (a runner:
 * the engine steering a backend, its flight log) and ends; the table
 * keeps every record it emitted so that a client attaching later sees its
 * whole history. Pure C over hv, engine and log: no sockets here (the
 * server broadcasts what the callbacks hand it). */
#ifndef FERRY_JOBS_H
#define FERRY_JOBS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "ferry/checks.h"
#include "ferry/engine.h"
#include "ferry/hv.h"
#include "ferry/policy.h"
#include "ferry/queue.h"

/* What a client asks for: everything needed to start a move. */
struct job_req {
    char *vm;
    enum job_kind kind;
    char *host;          /* destination (NULL: stay, storage moves) */
    char *ds;            /* destination datastore (NULL: keep, compute moves) */
    char *policy;        /* NULL: the configured default */
    uint64_t budget_ms;  /* 0: the configured default */
    uint64_t ceiling_ms; /* 0: the budget */
    uint64_t bw_cap_bps; /* 0: the link */
    /* the escalations the operator allows (restrict false: the policy's
     * own, whatever they are) */
    bool restrict_escalations;
    bool allow_throttle, allow_postcopy, allow_pause;
    enum queue_priority prio;
    bool keep_source;     /* storage: keep the source volumes */
    bool no_log;          /* no flight log for this move */
    char *log_path;       /* NULL: one in the log directory */
    bool virtual_time;    /* the simulator as fast as it goes (commands) */
    uint64_t max_time_ms; /* 0: no limit (virtual time: ten minutes) */
    uint64_t sample_ms;   /* engine tick (0: 100 ms, virtual 50 ms) */
    char *owner;          /* who asked: "console", "migrate", ... */
};

void job_req_init(struct job_req *rq);
void job_req_fini(struct job_req *rq);
/* Read a request from its JSON form (the protocol's "migrate"); -1 with
 * err naming the field when it is wrong. rq is initialised here. */
int job_req_from_json(json_object *o, struct job_req *rq,
                      struct ferry_err *err);
json_object *job_req_to_json(const struct job_req *rq);
/* The request the checks and the queue see (borrows rq's strings). */
struct mig_request job_req_request(const struct job_req *rq);

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_ENDED };
const char *job_state_name(enum job_state s);
int job_state_lookup(const char *s, enum job_state *out);

struct job;
struct runner_result;
struct jobs;

struct jobs_cfg {
    struct hv *hv;
    const struct policy_set *policies;
    const char *default_policy;    /* NULL: "ferry" */
    uint64_t default_budget_ms;    /* 0: 300 ms */
    const struct queue_cfg *queue; /* NULL: vSphere's defaults */
    const char *log_dir;           /* NULL: $XDG_STATE_HOME/ferry/logs */
    bool no_log;                   /* no flight logs at all */
    /* A record a job emitted (header, sample, decision, phase, error,
     * result): one line of JSON without its newline. */
    void (*on_record)(void *ctx, const struct job *j, const char *line,
                      size_t len);
    /* A job was added, left the queue, moved in it, or ended. */
    void (*on_change)(void *ctx, const struct job *j);
    void *ctx;
};

/* Caller frees with jobs_free. */
struct jobs *jobs_new(const struct jobs_cfg *cfg);
/* The configuration changed (ferry.ini was edited): new requests use
 * these; jobs already made keep what they were made with. */
void jobs_reconfigure(struct jobs *js, const char *default_policy,
                      uint64_t default_budget_ms,
                      const struct queue_cfg *queue);
/* Never waits: a job still running is let go (its backend is told to
 * stop; see hv's mig_free). */
void jobs_free(struct jobs *js);

/* Check a request and queue it; it starts at once when the queue's limits
 * allow. Returns the job, or NULL with err (a check that failed names
 * itself; checks, when given, receives every result either way). */
const struct job *jobs_submit(struct jobs *js, const struct job_req *rq,
                              struct checks *checks, struct ferry_err *err);

/* Run every job up to wall time now_ms (real-time jobs step with the
 * clock, virtual-time jobs as far as a slice of CPU allows). */
void jobs_tick(struct jobs *js, uint64_t now_ms);
/* Milliseconds until jobs_tick is needed again: 0 while virtual-time
 * jobs have work, -1 when nothing runs. */
int jobs_timeout_ms(const struct jobs *js, uint64_t now_ms);

/* An operator's command for a job: abort (a queued job leaves the queue),
 * switchover, postcopy, throttle (value %), pause. -1 with err when it
 * cannot be done now. */
int jobs_act(struct jobs *js, long id, enum action_kind a, uint64_t value,
             struct ferry_err *err);
/* The downtime budget, while the job runs. */
int jobs_set_budget(struct jobs *js, long id, uint64_t budget_ms,
                    struct ferry_err *err);
/* Move a queued job earlier (delta < 0) or later. */
int jobs_queue_move(struct jobs *js, long id, int delta, struct ferry_err *err);
/* Would this request start now? "" or what it would wait for, whole.
 * Caller frees. */
char *jobs_queue_why(const struct jobs *js, const struct job_req *rq);
/* The same into buf, cut at n (jobs_queue_why has it whole). */
void jobs_queue_preview(const struct jobs *js, const struct job_req *rq,
                        char *buf, size_t n);
/* Abort every running job and empty the queue (the server is told to
 * stop); a move under on_steering_lost = budget is handed to QEMU with its
 * budget instead (the fail-safe records it). Returns how many were
 * running. */
size_t jobs_abort_all(struct jobs *js, const char *reason);

/* A move an earlier server steered, as its fail-safe left it (a line of
 * the notice file, see ferry/guard.h): an ended job marked steering_lost
 * whose reason says what happened. NULL with err when malformed. */
const struct job *jobs_add_lost(struct jobs *js, json_object *notice,
                                struct ferry_err *err);

/* Adopt the live migration a flight log shows unfinished (its server
 * died) and that still runs: a running job whose runner replays the log
 * into the engine, appends to the same log (noting the gap) and steers
 * the move to its end. Its records start with the log's. NULL with err
 * (the move ended, is not a live compute move, runs no more, ...). */
const struct job *jobs_adopt(struct jobs *js, const char *log_path,
                             struct ferry_err *err);

/* A migration on the hosts that ferry did not start (virsh migrate,
 * another ferry, an orchestrator) as a job marked external: watched from
 * now on (samples, the engine's estimates for the dashboard, a flight
 * log), steered only once taken over. jobs_tick finds them by itself
 * (the backend's external op); this is its way in. NULL with err. */
const struct job *jobs_watch(struct jobs *js, const char *vm,
                             const char *dst, struct ferry_err *err);
/* Steer an external job from now on, under policy (NULL: the default)
 * and budget_ms (0: the default). -1 with err. */
int jobs_take_over(struct jobs *js, long id, const char *policy,
                   uint64_t budget_ms, struct ferry_err *err);

/* Hosts in maintenance take no new VMs: the "maintenance" check fails
 * for a move to one (the flag is put on the backend's model before every
 * check, and by jobs_maintenance_apply on any model). The name need not
 * be a host the backend knows yet (one still connecting). */
int jobs_set_maintenance(struct jobs *js, const char *host, bool on,
                         struct ferry_err *err);
bool jobs_in_maintenance(const struct jobs *js, const char *host);
/* The hosts in maintenance (borrowed until it changes). */
size_t jobs_maintenance(const struct jobs *js, const char *const **hosts);
void jobs_maintenance_apply(const struct jobs *js, struct model *m);

/* Look-ups. */
size_t jobs_count(const struct jobs *js);
const struct job *jobs_at(const struct jobs *js, size_t i);
const struct job *jobs_find(const struct jobs *js, long id);
/* A job by what an operator types: its number, or a VM's name (its
 * newest job, one that has not ended first). NULL with err. */
const struct job *jobs_lookup(const struct jobs *js, const char *ref,
                              struct ferry_err *err);
/* Jobs that have not ended (running or queued). */
size_t jobs_active(const struct jobs *js);
/* What a stopping server waits for: jobs not ended, less those handed
 * over to QEMU (runner_release) and others' migrations it only watches. */
size_t jobs_stoppable(const struct jobs *js);
/* VMs with a job that has not ended. Borrowed until the table changes;
 * caller frees the array. */
const char **jobs_busy_vms(const struct jobs *js, size_t *n);

long job_id(const struct job *j);
/* Once ended: its outcome (phase DONE, FAILED or CANCELLED), times and
 * reason; NULL before. */
const struct runner_result *job_result(const struct job *j);
/* Why it ended, whole (a job that never started says why). */
const char *job_reason(const struct job *j);
const char *job_log(const struct job *j);
const char *job_dst(const struct job *j);
/* Another's migration, watched and not steered. */
bool job_external(const struct job *j);
/* Job time so far (virtual time for the simulator's). */
uint64_t job_elapsed_ms(const struct job *j);
/* The engine's prediction of what is left while it runs, else NAN. */
double job_remaining_ms(const struct job *j);
enum job_state job_state(const struct job *j);
const char *job_vm(const struct job *j);
/* Every record so far, one line each ('\n' after each). The buffer is the
 * table's; it grows as the job runs. */
const char *job_records(const struct job *j, size_t *len, size_t *n_lines);
/* The job as every client sees it: id, vm, route, kind, policy, state,
 * queue position and what it waits for, phase, progress, elapsed, the
 * outcome once ended, its flight log. Caller puts. */
json_object *job_meta_json(const struct jobs *js, const struct job *j);

#endif
