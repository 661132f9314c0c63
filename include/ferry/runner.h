/* One migration driven end to end: a backend's data plane (the simulator
 * or libvirt), the engine steering it, and the event stream (flight log,
 * --json). The caller owns the clock: virtual time steps as fast as it
 * likes; real time (and real hosts) calls runner_step every sample. */
#ifndef FERRY_RUNNER_H
#define FERRY_RUNNER_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "ferry/checks.h"
#include "ferry/engine.h"
#include "ferry/hv.h"

struct flog_data;

struct runner_opts {
    const char *vm;
    const char *to;        /* destination host (NULL: stay) */
    const char *datastore; /* destination datastore (NULL: keep) */
    enum job_kind kind;
    const struct policy *policy;
    uint64_t budget_ms;
    uint64_t ceiling_ms;   /* 0: the budget */
    uint64_t bw_cap_bps;   /* 0: the link */
    uint64_t sample_ms;    /* engine tick; 0: 50 ms */
    uint64_t max_time_ms;  /* 0: no limit */
    const char *log_path;  /* NULL: no flight log */
    const char *hints_dir; /* earlier flight logs refine the plan (NULL) */
    bool oracle;           /* never switch; record the exact switch cost */
    bool keep_source;      /* storage: keep the source volumes */
    /* Adopt the migration this flight log shows unfinished (its server
     * died): start nothing, replay the log's samples into the engine,
     * append to log_path (the same file), steer from now on. t0: the
     * wall clock of the log's job time 0. */
    const struct flog_data *adopt;
    int64_t adopt_t0_unix_ms;
    /* Another's migration (virsh migrate, another ferry): watch it from
     * now on, samples and estimates for the dashboard, steering nothing
     * until runner_take_over. */
    bool watch;
    /* Every event object (samples, decisions, phases, result) goes here
     * as well as to the flight log. The runner frees obj afterwards. */
    void (*on_event)(void *ctx, json_object *obj);
    void *ctx;
};

struct runner_result {
    enum job_phase phase; /* DONE, FAILED or CANCELLED */
    char reason[320];
    uint64_t total_ms, downtime_ms, bytes_sent, rounds, postcopy_requests;
    bool verified;
    struct prediction predicted; /* before the start */
};

struct runner;

/* Fill job parameters and the plan for a request (used by `plan` too). */
int runner_plan(struct hv *hv, const struct runner_opts *o,
                struct job_params *jp, struct prediction *pred,
                struct ferry_err *err);

/* The total time a plan expects: the converging copy's, or post-copy's
 * when the copy does not converge and the policy may use it; INFINITY
 * otherwise. */
double runner_expected_total_ms(const struct prediction *p,
                                const struct policy *pol);

/* Every pre-flight check of a request into out (cleared first): the
 * inventory's, refined by the backend with what it can ask the hosts
 * (libvirt: CPU comparison, free memory, pool space, jobs). Returns the
 * count. */
size_t runner_checks(struct hv *hv, const struct mig_request *req,
                     const char *const *migrating, size_t n_migrating,
                     struct checks *out);

/* The backend's parameters for a request. */
void runner_mig_params(const struct runner_opts *o, struct hv_mig_params *mp);

/* Checks must have passed already. Caller frees with runner_free. */
struct runner *runner_new(struct hv *hv, const struct runner_opts *o,
                          const struct check_result *checks, size_t n_checks,
                          struct ferry_err *err);
void runner_free(struct runner *r);
/* Advance one engine tick. Returns false once the migration has ended. */
bool runner_step(struct runner *r);
/* Operator command; false with err when it cannot be done now. */
bool runner_request(struct runner *r, enum action_kind a, uint64_t value,
                    struct ferry_err *err);
/* The operator's downtime budget (and ceiling, at least it), logged as a
 * decision. */
void runner_set_budget(struct runner *r, uint64_t budget_ms);
const struct runner_result *runner_result(const struct runner *r);
const struct job_sample *runner_sample(const struct runner *r);
const struct engine_job *runner_job(const struct runner *r);
uint64_t runner_time_ms(const struct runner *r);
uint64_t runner_sample_ms(const struct runner *r);
/* Oracle mode: earliest job time at which switching over would have fit
 * the budget, and the downtime then (0 if never). */
uint64_t runner_oracle_ms(const struct runner *r, double *downtime_ms);
const char *runner_log_path(const struct runner *r);
/* What the fail-safe does with this migration if its server dies. */
enum steer_lost runner_on_steering_lost(const struct runner *r);
/* The server stops: a move under on_steering_lost = budget is handed to
 * QEMU with its budget instead of aborted (the fail-safe records it).
 * False when it is not such a move, or the backend cannot. */
bool runner_release(struct runner *r);
bool runner_released(const struct runner *r);
/* Watch mode: seen, not steered. */
bool runner_watching(const struct runner *r);
/* Steer a watched migration from now on under pol and budget_ms (pol
 * must outlive the runner). -1 with err. */
int runner_take_over(struct runner *r, const struct policy *pol,
                     uint64_t budget_ms, struct ferry_err *err);

#endif
