/* Migration policies as data: [policy NAME] sections in ferry.ini. The
 * built-in ones are defined the same way (src/engine/policies.ini). */
#ifndef FERRY_POLICY_H
#define FERRY_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/ini.h"
#include "ferry/util.h"

/* What the engine can ask a backend to do. */
enum action_kind {
    ACT_NONE,
    ACT_SET_DOWNTIME, /* value: ms; QEMU switches over on its own below it */
    ACT_SWITCHOVER,   /* stop and copy (or pivot) now */
    ACT_POSTCOPY,     /* resume on the destination, pull the rest */
    ACT_THROTTLE,     /* value: percent of vCPU time taken away */
    ACT_PAUSE,        /* suspend the guest; the copy then drains */
    ACT_ABORT,        /* cancel; the source keeps running */
};

const char *action_name(enum action_kind a);
/* ACT_NONE when unknown. */
enum action_kind action_lookup(const char *name);

enum trigger_kind {
    TRIG_ROUNDS,       /* completed rounds > value */
    TRIG_ELAPSED,      /* elapsed ms > value (x data GiB when per_gib) */
    TRIG_NO_PROGRESS,  /* remaining above its low-water mark for value ms */
    TRIG_SLOW_ROUND,   /* a round reduced remaining by < value % (round>1) */
};

struct policy_step {
    enum trigger_kind trig;
    double value;
    bool per_gib;
    enum action_kind action;
    uint64_t arg; /* ms for downtime, % for throttle */
    int line;
};

enum policy_mode {
    POLICY_SCHEDULE, /* fixed steps, the hypervisor decides switchover */
    POLICY_ADAPTIVE, /* ferry: predicts and decides switchover itself */
};

/* What becomes of a migration when the server steering it dies: aborted
 * (the VM stays on its source), or handed to QEMU with the job's downtime
 * budget (it may finish by itself, and a new server adopts it). */
enum steer_lost { STEER_LOST_UNSET, STEER_LOST_ABORT, STEER_LOST_BUDGET };
const char *steer_lost_name(enum steer_lost s);
/* "abort" or "budget"; -1 otherwise. */
int steer_lost_lookup(const char *s, enum steer_lost *out);

/* XBZRLE (delta compression of re-sent pages), chosen at the start. */
enum xbzrle_use {
    XBZRLE_FORBID, /* never (the reference schedules: QEMU's default) */
    XBZRLE_AUTO,   /* the adaptive engine decides whether it pays */
    XBZRLE_ALWAYS, /* always, where the backend can */
};
const char *xbzrle_use_name(enum xbzrle_use u);
int xbzrle_use_lookup(const char *s, enum xbzrle_use *out);

struct policy {
    char *name;
    char *description;
    char *source; /* where a reference schedule comes from */
    enum policy_mode mode;
    uint64_t downtime_limit_ms; /* initial hypervisor limit */
    bool auto_converge;
    double ac_initial, ac_increment; /* QEMU cpu-throttle-* in % */
    bool postcopy;                   /* enable post-copy at start */
    bool sequential;                 /* VDSM: one step per new round */
    double data_gib_min;             /* Nova counts at least 2 GiB of RAM */
    struct policy_step *steps;
    size_t n_steps;
    /* adaptive */
    enum action_kind escalation[6];
    size_t n_escalation;
    double throttle_max;   /* % */
    unsigned stall_rounds; /* rounds without a new low before "stalled" */
    enum steer_lost on_steering_lost; /* UNSET: the host's, else abort */
    /* transport */
    enum xbzrle_use xbzrle;
    uint64_t xbzrle_cache_bytes; /* 0: the engine sizes it */
    unsigned parallel;           /* connections (0: the hosts') */
    int tls;                     /* 1 yes, -1 no, 0 the hosts' */
};

struct policy_set {
    struct policy *v;
    size_t n, cap;
};

void policy_set_init(struct policy_set *set);
void policy_set_fini(struct policy_set *set);
/* Add the built-in policies. */
int policy_set_builtin(struct policy_set *set, struct ferry_err *err);
/* Add or replace policies from every [policy NAME] section of doc. */
int policy_set_load(struct policy_set *set, const struct ini_doc *doc,
                    struct ferry_err *err);
const struct policy *policy_find(const struct policy_set *set,
                                 const char *name);
bool policy_allows(const struct policy *p, enum action_kind a);
/* A copy of src that uses only the escalations allowed (an adaptive
 * policy also gains the allowed ones it did not name). Free it with
 * policy_copy_free. */
void policy_copy_restricted(const struct policy *src, struct policy *dst,
                            bool throttle, bool postcopy, bool pause);
/* An exact copy (free it with policy_copy_free). */
void policy_copy(const struct policy *src, struct policy *dst);
void policy_copy_free(struct policy *p);
/* One line: "switch when downtime fits; escalate: throttle, postcopy". */
void policy_summary(const struct policy *p, char *buf, size_t n);

/* The policy as a [policy NAME] section that policy_set_load reads back
 * to the same policy (flight logs record it). Caller frees. */
char *policy_to_ini(const struct policy *p);

extern const char policies_ini[]; /* generated from policies.ini */

#endif
