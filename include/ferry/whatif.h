/* What-if: the workload a flight log recorded, run again through the
 * simulator under another policy or budget.
 *
 * A log the simulator wrote carries its datacenter and workload in full
 * (header "sim_ini") and its policy ("policy.ini"): the re-run is the same
 * data plane, and with the log's own policy it reproduces the outcome.
 * A log from real hosts becomes a two-host datacenter with the recorded
 * link rate, memory and disks, and the guest's measured dirty rate and
 * working set over time. */
#ifndef FERRY_WHATIF_H
#define FERRY_WHATIF_H

#include "ferry/flogread.h"
#include "ferry/policy.h"
#include "ferry/runner.h"

struct whatif {
    char policy[64];
    uint64_t budget_ms;
    bool exact;              /* the simulator's own datacenter */
    struct runner_result res;
    struct decision *dec;
    size_t n_dec;
    char how[160];           /* where the workload came from */
};

/* The policy a what-if runs under, by name: the log's own by the
 * definition it recorded (a wizard may have narrowed its escalations);
 * any other, or one the log did not record, from set. NULL with err when
 * there is none. *own is set to what the caller frees with
 * whatif_policy_free (NULL when the policy is set's). */
const struct policy *whatif_policy(const struct flog_data *d,
                                   const struct policy_set *set,
                                   const char *name, struct policy **own,
                                   struct ferry_err *err);
void whatif_policy_free(struct policy *p);

/* Run it: budget_ms 0 keeps the log's budget. */
int whatif_run(const struct flog_data *d, const struct policy *pol,
               uint64_t budget_ms, struct whatif *out, struct ferry_err *err);
void whatif_fini(struct whatif *w);

/* A what-if on a worker thread, so that a console stays responsive (a
 * long what-if is minutes of simulated time). d and pol are borrowed until
 * whatif_task_free; own (from whatif_policy, may be NULL) is taken. When
 * the run ends, wake(wake_opaque) is called on the worker thread (a
 * loop_wake, say); the caller then takes the outcome on its own thread.
 * Caller frees with whatif_task_free; NULL with err if no thread. */
struct whatif_task;
struct whatif_task *whatif_task_start(const struct flog_data *d,
                                      const struct policy *pol,
                                      struct policy *own, uint64_t budget_ms,
                                      void (*wake)(void *),
                                      void *wake_opaque,
                                      struct ferry_err *err);
bool whatif_task_done(const struct whatif_task *t);
/* Simulated time reached so far, and the safety limit (0: not yet set). */
void whatif_task_progress(const struct whatif_task *t, uint64_t *sim_ms,
                          uint64_t *limit_ms);
/* Ask it to stop; it ends after the step it is in. */
void whatif_task_cancel(struct whatif_task *t);
/* Once done: the outcome into out (the caller finis it), or -1 with err
 * (a cancelled run says so). */
int whatif_task_take(struct whatif_task *t, struct whatif *out,
                     struct ferry_err *err);
/* Cancels a run still going and waits for its thread, which stops after
 * the step it is in. */
void whatif_task_free(struct whatif_task *t);

/* Both outcomes side by side, plain lines. Caller frees. */
char *whatif_compare(const struct flog_data *d, const struct whatif *w);

#endif
