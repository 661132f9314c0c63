/* Evacuations: empty a host for maintenance. A plan places every VM of
 * the host (ferry/place.h), predicts each move with the engine
 * (runner_plan) and orders them so the host empties soonest within the
 * queue's limits, then the moves run through the jobs table's queue. A
 * move that fails is tried once more on the next-best destination; an
 * abort stops what waits and aborts what runs. The host is in maintenance
 * from the start until the operator ends it: it takes no new VMs.
 *
 * Every evacuation is one JSON object (evac_json): what the server sends
 * its clients, what `evacuate --json` prints and what the summary log
 * holds. Its form:
 *
 *   {"id":N, "host":S, "state":"planned|running|aborting|ended",
 *    "policy":S, "budget_ms":N, "include_shutoff":B, "allow_storage":B,
 *    "parallel":N,            most moves at once in the plan
 *    "planned_ms":N,          predicted time until the host is empty
 *    "elapsed_ms":N,          since the start (0 while planned)
 *    "predicted_end_ms":N,    live: elapsed + what is still predicted
 *    "moves":[{"vm":S, "to":S, "ds":S|null, "kind":"compute|storage|both",
 *              "cold":B, "order":N (1: first), "start_ms":N, "end_ms":N
 *              (the plan's schedule), "predicted_ms":N,
 *              "predicted_downtime_ms":N, "converges":B, "how":S (the
 *              prediction in words), "reason":S (why this destination),
 *              "state":"planned|queued|running|done|failed|cancelled",
 *              "job":N|0, "attempt":N (1, 2 after a retry), "tried":[S],
 *              "real_ms":N, "real_downtime_ms":N, "error":S, "log":S}],
 *    "stays":[{"vm":S, "reason":S, "shutoff":B}],  VMs that cannot leave
 *                              (shut-off ones not included are here too)
 *    "remaining":[S],          VMs on the host now (running ones first)
 *    "log":S|null,             the summary log
 *    "result":{"empty":B, "moved":N, "failed":N, "left":[{"vm","reason"}]}
 *              once ended}
 *
 * The summary log (JSON Lines, evac-HOST-STAMP.jsonl in the log
 * directory) opens with {"type":"evac_header","version":1,"host":S,
 * "unix_ms":N,"id":N}, then {"type":"evac_plan","evac":{...planned}},
 * then one {"type":"evac_event","t_ms":N,"vm":S,"event":
 * "queued|started|ended|retry|abort","to":S,"job":N,"log":S,"outcome":S,
 * "real_ms":N,"downtime_ms":N,"error":S} per step, and ends with
 * {"type":"evac_result","t_ms":N,"evac":{...ended}}. */
#ifndef FERRY_EVAC_H
#define FERRY_EVAC_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "ferry/hv.h"
#include "ferry/jobs.h"
#include "ferry/place.h"
#include "ferry/policy.h"
#include "ferry/queue.h"

/* What an operator asks for. */
struct evac_args {
    char *host;
    char **to; /* allowed destinations (n_to 0: every other host) */
    size_t n_to;
    char *policy;       /* NULL: the configured default */
    uint64_t budget_ms; /* 0: the configured default */
    bool include_shutoff; /* shut-off VMs move cold too */
    bool allow_storage;   /* moves may take their disks along */
    bool virtual_time;    /* the simulator as fast as it goes (tests) */
    char *owner;
};

void evac_args_init(struct evac_args *a);
void evac_args_fini(struct evac_args *a);
/* From the protocol's "evacuate"/"evac_plan" request; a initialised here.
 * -1 with err naming the field. */
int evac_args_from_json(json_object *o, struct evac_args *a,
                        struct ferry_err *err);
/* The request's fields into o. */
void evac_args_to_json(const struct evac_args *a, json_object *o);

struct evacs;

struct evacs_cfg {
    struct jobs *jobs;
    struct hv *hv;
    const struct policy_set *policies;
    const char *default_policy;    /* NULL: "ferry" */
    uint64_t default_budget_ms;    /* 0: 300 */
    const struct queue_cfg *queue; /* NULL: vSphere's defaults */
    const char *log_dir;           /* NULL: no summary logs */
    /* An evacuation changed (state, a move, the live end time). */
    void (*on_change)(void *ctx, long id);
    void *ctx;
};

struct evacs *evacs_new(const struct evacs_cfg *cfg);
void evacs_free(struct evacs *e);
void evacs_reconfigure(struct evacs *e, const char *default_policy,
                       uint64_t default_budget_ms,
                       const struct queue_cfg *queue);

/* The plan for a, as the evacuation object (state "planned", id 0);
 * NULL with err for bad input (no such host, a destination unknown or
 * the host itself, no policy). Caller puts. */
json_object *evacs_plan(struct evacs *e, const struct evac_args *a,
                        struct ferry_err *err);
/* Plan and start: the host goes into maintenance, the moves are queued.
 * Returns the evacuation's id, or -1 with err (bad input, the host
 * already evacuating). */
long evacs_start(struct evacs *e, const struct evac_args *a,
                 struct ferry_err *err);
/* Abort the evacuation id (0: the newest running one of host): what
 * waits is cancelled, what runs is aborted. -1 with err. */
int evacs_abort(struct evacs *e, long id, const char *host,
                struct ferry_err *err);
/* A job changed (the jobs table's on_change): its move follows it. */
void evacs_job_changed(struct evacs *e, const struct job *j);
/* Every second or so while one runs: the live end time. */
void evacs_tick(struct evacs *e, uint64_t now_ms);
int evacs_timeout_ms(const struct evacs *e, uint64_t now_ms);

/* Look-ups. The object is the caller's (json_object_put). */
size_t evacs_count(const struct evacs *e);
long evacs_id_at(const struct evacs *e, size_t i);
json_object *evacs_json(const struct evacs *e, long id);
/* An evacuation by id or host name ("hv-02": its newest). 0 if none. */
long evacs_lookup(const struct evacs *e, const char *ref);
/* Evacuations not ended. */
size_t evacs_active(const struct evacs *e);

/* Where one VM would go (`migrate --to auto`, the wizard's best host):
 * the destination (and datastore, kind) that passes every check and
 * balances the hosts best, with its reason (heap, whole). -1 with err
 * saying why it can go nowhere. */
int evacs_place(struct evacs *e, const char *vm, bool allow_storage,
                struct placement *out, struct ferry_err *err);

/* Plan helpers, exposed for tests and `migrate --to auto`. */

/* One move's prediction from the engine (runner_plan): total and
 * downtime in ms, whether it converges, and "converges in 4 rounds" /
 * "post-copy after 3 rounds" / "does not converge" in how (heap). */
struct evac_pred {
    double total_ms, downtime_ms;
    bool converges;
    char *how;
};
int evac_predict(struct hv *hv, const struct policy *pol, uint64_t budget_ms,
                 const struct placement *p, struct evac_pred *out,
                 struct ferry_err *err);

/* The order and start times the queue will give n moves of the given
 * durations (ms) and requests: longest first, each started as soon as a
 * queue with cfg's limits admits it, the next start at the earliest end
 * (moves already running elsewhere are not counted: the live end time
 * follows the real queue). order[i] is the rank of move i (0 first);
 * start/end are ms from the start. Returns the predicted time until all
 * have ended, and *parallel the most at once. */
double evac_schedule(const struct model *m, const struct queue_cfg *cfg,
                     const struct mig_request *reqs, const double *dur_ms,
                     size_t n, size_t *order, double *start_ms,
                     double *end_ms, unsigned *parallel);

#endif
