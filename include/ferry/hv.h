/* Hypervisor backends behind one ops table: the simulator and libvirt.
 * The runner, the CLI and the console see only this. */
#ifndef FERRY_HV_H
#define FERRY_HV_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "ferry/checks.h"
#include "ferry/engine.h"
#include "ferry/model.h"
#include "ferry/policy.h"
#include "ferry/sample.h"
#include "ferry/util.h"

struct hv_mig_params {
    const char *vm;
    const char *dst_host; /* NULL: same host (storage only) */
    const char *dst_ds;   /* NULL: disks stay */
    enum job_kind kind;
    uint64_t bandwidth_cap_bps; /* 0: the link's */
    bool auto_converge;
    double ac_initial, ac_increment;
    bool postcopy;
    uint64_t downtime_limit_ms;
    uint64_t seed;
    bool keep_source; /* storage: keep the source volumes */
    /* what the migration becomes if ferry's server dies: abort (libvirt
     * cancels a client-managed migration when its client goes), or
     * budget (peer-to-peer, QEMU given the budget by the fail-safe) */
    enum steer_lost on_steering_lost;
    uint64_t budget_ms;
    const char *log_path; /* the job's flight log, for the fail-safe */
    /* The migration runs already (its server died, or another tool
     * started it): start nothing, watch and steer it from now on. t0 is
     * the wall clock (ms since the epoch) of its job time 0 (0: now). */
    bool adopt;
    int64_t t0_unix_ms;
    /* With adopt: another's migration, only watched: never steered,
     * guarded or aborted by this backend until mig_take. */
    bool watch;
    /* How the data travels (the runner fills these from the policy and
     * the engine's choice; the backend adds its host entries'). */
    int tls;               /* 1: QEMU's native TLS, -1: not, 0: the hosts' */
    unsigned parallel;     /* memory connections (0: the hosts', 1: one) */
    bool xbzrle;           /* XBZRLE for re-sent pages (chosen at start) */
    uint64_t xbzrle_cache_bytes;
};

struct hv_result {
    enum hv_status status;
    char reason[256];
    uint64_t total_ms;
    uint64_t downtime_ms;
    uint64_t bytes_sent;
    uint64_t rounds;
    uint64_t postcopy_requests;
    bool verified; /* the destination was checked after the switch */
};

/* What a backend knows before a move, for the plan and the engine. */
struct hv_plan {
    uint64_t link_bps;          /* transfer rate of the rounds */
    uint64_t final_bps;         /* stop-and-copy rate */
    uint64_t disk_bw_bps;       /* block copy rate (0: none) */
    uint64_t overhead_ms;       /* fixed switchover cost */
    uint64_t setup_ms;          /* before the first byte moves (not downtime) */
    bool cold;                  /* the VM is off: only its disks travel */
    uint64_t memory_wire_bytes; /* first round on the wire */
    uint64_t hint_dirty_bps, hint_wss_bytes;
    double hint_hot_fraction, hint_hot_share;
    uint64_t hint_disk_dirty_bps, hint_disk_wss_bytes;
    bool hint_measured;   /* hint_dirty_bps was just measured */
    enum steer_lost on_steering_lost; /* the source host's (UNSET: none) */
    bool learn_from_logs; /* what earlier moves measured refines this */
    /* How it will travel (link_bps above already counts parallel
     * connections and TLS: min(link, parallel x stream_bps)). */
    bool tls;             /* QEMU's native TLS for memory and disks */
    bool encrypted;       /* no byte crosses a network in the clear */
    unsigned parallel;    /* memory connections (1: one stream) */
    uint64_t stream_bps;  /* what one connection carries (0: no limit) */
    bool xbzrle_ok;       /* the backend can compress re-sent pages now */
    /* What XBZRLE would achieve, where the backend knows (0: unknown):
     * the encoded share of a rewritten page, and the encoder's ceiling
     * in pages' bytes per second. */
    double hint_xbzrle_delta;
    uint64_t xbzrle_bps;
};

/* A question a backend needs the operator to answer (an SSH host key, a
 * key's passphrase, a password). */
enum hv_prompt_kind { HV_ASK_YESNO, HV_ASK_SECRET, HV_ASK_TEXT };

struct hv_prompt {
    enum hv_prompt_kind kind;
    const char *host;
    const char *title, *text; /* borrowed until the next loop turn */
    unsigned id;              /* pass back to answer */
};

struct hv;
struct loop;

/* One destination host's pre-flight results of hv_checks_start (or the
 * checks_start op): host_index into its hosts; r borrowed for the call. */
typedef void (*hv_checks_fn)(void *ctx, size_t host_index,
                             const struct check_result *r, size_t n);

struct hv_ops {
    const char *name; /* "sim", "libvirt" */
    /* Jobs run in wall-clock time: the caller paces runner_step. */
    bool realtime;
    int (*plan)(struct hv *hv, const struct model_vm *vm,
                const struct hv_mig_params *p, struct hv_plan *out,
                struct ferry_err *err);
    void *(*mig_new)(struct hv *hv, const struct hv_mig_params *p,
                     struct ferry_err *err);
    void (*mig_free)(void *mig);
    /* Run the job up to job time t_ms (the simulator; no-op on real
     * hosts) and return the job time reached. */
    uint64_t (*mig_advance)(void *mig, uint64_t t_ms);
    void (*mig_sample)(void *mig, struct job_sample *s);
    int (*mig_act)(void *mig, const struct engine_action *a,
                   struct ferry_err *err);
    bool (*mig_finished)(void *mig, struct hv_result *r);
    /* The server stops and the move is to go on without it (budget): give
     * QEMU the budget and never steer or abort it again; freeing it then
     * leaves it running, the fail-safe's (optional). */
    bool (*mig_release)(void *mig); /* false: not a move QEMU can finish */
    /* ferry steers the move from now on with these fail-safe settings (a
     * watched one taken over, a budget changed): guarded (again), and
     * aborted if let go (optional). */
    void (*mig_take)(void *mig, enum steer_lost mode, uint64_t budget_ms);
    /* A migration of vm that this backend did not start (virsh migrate,
     * another ferry, an orchestrator): true with the host it goes to in
     * dst ("" while that is not known yet) (optional). */
    bool (*external)(struct hv *hv, const char *vm, char *dst, size_t n);
    /* How a move of p would travel, as a JSON object for flight logs,
     * pre-flight and dashboards (optional): "control" (the peer-to-peer
     * URI or what stands for it), "data" (the stream's URI), "tls",
     * "encrypted", "parallel". Caller puts it. */
    json_object *(*transport)(struct hv *hv, const struct hv_mig_params *p);
    /* Backend details for a flight log's header (optional). */
    void (*header)(struct hv *hv, const char *vm, json_object *h);
    /* A short word for a VM's workload in lists (optional). */
    const char *(*workload)(struct hv *hv, const char *vm,
                            uint64_t *dirty_bps);
    /* Refine the inventory's pre-flight results with first-hand data
     * (optional): replace results by name, add others. */
    void (*checks)(struct hv *hv, const struct mig_request *req,
                   struct checks *out);
    /* Every pre-flight check of req_template (its dst_host ignored) for
     * each of hosts, without blocking (optional: hv_checks_start does it
     * host by host from the loop). done is called once per host as its
     * results come, in any order, always from the loop, never inside
     * checks_start. Returns a handle for checks_cancel, or NULL when it
     * cannot start (done is then never called). */
    void *(*checks_start)(struct hv *hv, const struct mig_request *req_template,
                          const char *const *hosts, size_t n_hosts,
                          hv_checks_fn done, void *ctx);
    /* No more done calls from handle, and its memory goes: called once
     * for every handle, whether its results are all in or not. */
    void (*checks_cancel)(struct hv *hv, void *handle);
    /* Measure a VM's dirty rate before a move, never during one
     * (optional): start, then poll until it returns 1 (done, *bps set) or
     * -1 (err); 0 while measuring. Later plans of the VM use the rate. */
    int (*measure_start)(struct hv *hv, const char *vm, unsigned seconds,
                         struct ferry_err *err);
    int (*measure_poll)(struct hv *hv, const char *vm, uint64_t *bps,
                        struct ferry_err *err);
    /* Hosts still connecting (SSH sessions, their first probes): a
     * command waits for them to settle (optional: never). */
    bool (*settling)(struct hv *hv);
    /* The first pending question, if any (optional). */
    bool (*prompt)(struct hv *hv, struct hv_prompt *out);
    /* Answer question id; NULL declines. */
    void (*answer)(struct hv *hv, unsigned id, const char *answer);
    void (*free)(struct hv *hv);
};

struct hv {
    const struct hv_ops *ops;
    struct model *model;
    /* Bumped whenever the model changes under the caller (events). */
    uint64_t generation;
    /* The last trouble worth showing (a host lost, reconnected). */
    char status[256];
    bool status_error;
    uint64_t status_gen;
};

static inline void
hv_free(struct hv *hv)
{
    if (hv != NULL)
        hv->ops->free(hv);
}

/* Checks of one VM against many hosts without blocking the loop for all
 * of them: the backend's checks_start when it has one, else
 * runner_checks host by host from loop callbacks (a few hosts a turn,
 * one for real hosts), with busy the VMs that jobs hold (as
 * runner_checks takes them). Everything is copied. Same contract as
 * checks_start; free with hv_checks_cancel. (In server/server.c: it
 * needs the runner.) */
void *hv_checks_start(struct hv *hv, const struct mig_request *req_template,
                      const char *const *hosts, size_t n_hosts,
                      hv_checks_fn done, void *ctx, const char *const *busy,
                      size_t n_busy, struct loop *loop);
void hv_checks_cancel(struct hv *hv, void *handle);

/* The simulator as a backend (owns: hv_free frees dc too). */
struct sim_dc;
struct hv *hv_sim_new(struct sim_dc *dc, bool owns);
struct sim_dc *hv_sim_dc(struct hv *hv); /* NULL if not the simulator */
/* Tests: a migration of vm to dst that "another tool" started (the
 * simulator's external op reports it; adopting it starts it here). */
void hv_sim_external(struct hv *hv, const char *vm, const char *dst);

#endif
