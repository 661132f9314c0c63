/* The fail-safe: what happens to a migration when the server that steers
 * it is gone. The server tells a guard process about every move it starts
 * (arm) and ends (disarm); when the server's end of the guard's socket
 * closes — SIGKILL, a crash, the OOM killer — the guard resolves what is
 * still armed, per on_steering_lost: abort (the VM stays on its source) or
 * budget (QEMU is given the job's downtime budget and may finish by
 * itself). Block copies are cancelled without a pivot and cold copies'
 * partial volumes deleted: a source volume is never touched. What the
 * guard did goes to the job's flight log and to a notice file the next
 * server reads.
 *
 * This part is pure: the messages, the decision, the records. The hosts
 * are acted on by the backend (src/hv/libvirt/lv_guard.c). */
#ifndef FERRY_GUARD_H
#define FERRY_GUARD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "ferry/policy.h"
#include "ferry/util.h"

enum guard_kind { GUARD_LIVE, GUARD_BLOCKCOPY, GUARD_COLD };
const char *guard_kind_name(enum guard_kind k);

/* One armed move, as the server describes it. */
struct guard_job {
    char *id; /* unique among the server's moves */
    enum guard_kind kind;
    enum steer_lost mode; /* ABORT or BUDGET */
    uint64_t budget_ms;
    char *vm;
    char *src, *dst;         /* host names (dst == src: storage moves) */
    char *src_uri, *dst_uri; /* how the guard reaches them */
    char *log;               /* the flight log (NULL: none) */
    int64_t t0_unix_ms;      /* wall clock at the log's t_ms 0 */
    char **disks;            /* block copy: the disks being mirrored */
    size_t n_disks;
    char **new_vols;         /* volumes made on dst for this move */
    size_t n_new;
};

void guard_job_fini(struct guard_job *j);
/* An "arm" message; -1 with err naming the field when it is wrong. */
int guard_job_from_json(json_object *o, struct guard_job *j,
                        struct ferry_err *err);
json_object *guard_job_to_json(const struct guard_job *j);

/* What the guard found on the hosts when the server was gone. */
struct guard_seen {
    bool reached;    /* the host it had to ask answered */
    bool job_active; /* the migration or block job still runs */
    bool on_dst;     /* the VM runs (live) or is defined (cold) on dst */
    bool uses_new;   /* block copy: the domain already uses the new disks */
    char error[256]; /* why not reached */
};

enum guard_act {
    GA_NONE,           /* nothing left to do (or nothing can be done) */
    GA_ABORT,          /* abort the migration job */
    GA_BUDGET,         /* give QEMU the budget as its downtime limit */
    GA_CANCEL_COPY,    /* abort block jobs without pivot, delete new */
    GA_DELETE_PARTIAL, /* delete what a cold copy made on dst */
};
const char *guard_act_name(enum guard_act a);

/* The decision for a job; why gets a sentence starting "steering lost:". */
enum guard_act guard_decide(const struct guard_job *j,
                            const struct guard_seen *s, char *why, size_t n);

/* The records the guard appends to the job's flight log once it acted
 * (ok: the action took; err: why not): a decision, an error, and a result
 * unless the move goes on by itself (budget). Returns how many were
 * written to out (at most 3); caller puts each. */
size_t guard_records(const struct guard_job *j, const struct guard_seen *s,
                     enum guard_act a, bool ok, const char *err,
                     const char *why, int64_t now_unix_ms,
                     json_object *out[3]);

/* What became of the move: completed, cancelled, failed, handed-over
 * (QEMU has the budget) or unknown (the host did not answer). */
const char *guard_outcome(const struct guard_job *j,
                          const struct guard_seen *s, enum guard_act a,
                          bool ok);

/* The line the guard leaves for the next server. Caller puts. */
json_object *guard_notice_json(const struct guard_job *j,
                               const struct guard_seen *s, enum guard_act a,
                               bool ok, const char *err, const char *why,
                               int64_t now_unix_ms);

/* Append one record as a line to a flight log (a line cut short by the
 * server's death is ended first). -1 with err. */
int guard_append(const char *path, json_object *o, struct ferry_err *err);

/* The flight log already ends with a result (the server saw the end
 * before it could say so to the guard). */
bool guard_log_ended(const char *path);

/* Wall clock in milliseconds since the epoch. */
int64_t guard_unix_ms(void);

#endif
