/* The pre-copy controller: a step function over job samples. It is given
 * time and samples and returns decisions; no clock, thread or I/O inside. */
#ifndef FERRY_ENGINE_H
#define FERRY_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/policy.h"
#include "ferry/predict.h"
#include "ferry/sample.h"
#include "ferry/util.h"

enum job_kind {
    KIND_COMPUTE,
    KIND_STORAGE,
    KIND_BOTH,
};

enum job_phase {
    PH_PRECHECK,
    PH_PREPARE,
    PH_BULK,
    PH_ITERATE,
    PH_SWITCHOVER,
    PH_CLEANUP,
    PH_DONE,
    PH_FAILED,
    PH_CANCELLED,
};

const char *job_kind_name(enum job_kind k);
int job_kind_lookup(const char *name, enum job_kind *out);
const char *job_phase_name(enum job_phase p);
bool job_phase_final(enum job_phase p);

struct engine_action {
    enum action_kind kind;
    uint64_t value;
};

struct decision {
    uint64_t t_ms;
    enum action_kind action;
    uint64_t value;
    char reason[320];
};

/* What is known before the start: sizes, the budget, and what a short
 * measurement (or the simulator's workload) says about the guest. */
struct job_params {
    enum job_kind kind;
    const struct policy *policy;
    uint64_t memory_bytes;
    uint64_t memory_wire_bytes;  /* first round on the wire (zero pages) */
    uint64_t disk_bytes;         /* allocated bytes to copy */
    uint64_t budget_ms;          /* the downtime the operator accepts */
    uint64_t ceiling_ms;         /* at most this when escalating (>= budget) */
    uint64_t bw_bps;             /* expected transfer rate (0: unknown) */
    uint64_t final_bps;          /* stop-and-copy rate (0: same as bw) */
    uint64_t disk_bw_bps;        /* block copy rate (0: same as bw) */
    uint64_t overhead_ms;        /* fixed switchover cost */
    uint64_t hint_dirty_bps;     /* measured before the move (0: unknown) */
    uint64_t hint_wss_bytes;
    double hint_hot_fraction;    /* skew of the writes (0: uniform) */
    double hint_hot_share;
    uint64_t hint_disk_dirty_bps;
    uint64_t hint_disk_wss_bytes;
    uint64_t max_time_ms;        /* give up after this (0: never) */
    enum steer_lost on_steering_lost; /* ABORT or BUDGET (never UNSET) */
    /* transport, as the backend will run it */
    bool xbzrle_ok;              /* the backend can use XBZRLE here */
    unsigned parallel;           /* memory connections (0, 1: one) */
    double hint_xbzrle_delta;    /* encoded share of a rewritten page (0:
                                  * unknown, the engine assumes one) */
    uint64_t xbzrle_bps;         /* the encoder's ceiling (0: none known) */
};

/* Smoothed view of the workload and the link. */
struct estimate {
    bool dirty_known;
    double dirty_bps;   /* raw write rate fitted to the round observations */
    double wss_bytes;   /* writable working set (0: unbounded so far) */
    double unique_bps;  /* last round's dirtied bytes / round time */
    bool bw_known;
    double bw_bps;
};

struct engine_job;

/* Caller frees with engine_job_free. */
struct engine_job *engine_job_new(const struct job_params *p);
void engine_job_free(struct engine_job *j);

/* Actions the backend must apply before the migration starts (initial
 * downtime limit). Returns the count written to out. */
size_t engine_start(struct engine_job *j, struct engine_action *out,
                    size_t max);
/* Whether the move compresses re-sent pages with XBZRLE, and with how
 * large a cache: decided once, when the job is made (the policy's
 * xbzrle, the workload the job's params know, the backend's xbzrle_ok),
 * and logged as a decision at time 0 with its reason. The runner passes
 * it to the backend before the start. */
bool engine_xbzrle(const struct engine_job *j, uint64_t *cache_bytes);
/* Feed one sample; returns the count of actions written to out. */
size_t engine_step(struct engine_job *j, const struct job_sample *s,
                   struct engine_action *out, size_t max);

/* Operator commands (the console and signals). Each logs a decision and
 * returns the action for the backend, or ACT_NONE when not possible now
 * (err says why). */
enum action_kind engine_request(struct engine_job *j, enum action_kind a,
                                uint64_t value, struct engine_action *out,
                                struct ferry_err *err);
/* The operator changes the downtime budget (and ceiling, at least it). */
void engine_set_budget(struct engine_job *j, uint64_t budget_ms);

/* The backend failed before or during the copy. */
void engine_fail(struct engine_job *j, uint64_t t_ms, const char *reason);

enum job_phase engine_phase(const struct engine_job *j);
const char *engine_reason(const struct engine_job *j);
const struct job_params *engine_params(const struct engine_job *j);
const struct estimate *engine_estimate(const struct engine_job *j);
const struct prediction *engine_prediction(const struct engine_job *j);
const struct decision *engine_decisions(const struct engine_job *j,
                                        size_t *n);
uint64_t engine_budget_ms(const struct engine_job *j);
/* Phase changes since the start, for logs: (t_ms, phase). */
size_t engine_phase_log(const struct engine_job *j, const uint64_t **t,
                        const enum job_phase **ph);

/* Whether sample s begins a new round of what is being copied (disks for
 * storage moves and a combined move's disk stage, memory otherwise);
 * then *remaining is what the round starts with. Updates *last_iter. The
 * live dashboard and the replay draw "Remaining per round" from it. */
bool sample_new_round(const struct job_sample *s, enum job_kind kind,
                      uint64_t *last_iter, uint64_t *remaining);
/* Percent of the data copied (0 when the total is not known). */
double sample_progress(const struct job_sample *s);

/* Predict a whole migration before it starts (`ferry plan`). */
void engine_plan(const struct job_params *p, struct prediction *out);

#endif
