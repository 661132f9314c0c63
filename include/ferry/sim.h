/* The simulated datacenter: hosts, links, datastores and VMs from an INI
 * file, and ferry's own page- and block-level pre-copy data plane. */
#ifndef FERRY_SIM_H
#define FERRY_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "ferry/engine.h"
#include "ferry/hv.h"
#include "ferry/model.h"
#include "ferry/sample.h"
#include "ferry/util.h"

#define SIM_PAGE_SIZE 4096u
#define SIM_BLOCK_SIZE 65536u
#define SIM_ZERO_PAGE_WIRE 8u /* QEMU sends a zero page as a flag */
/* What one migration connection carries before its sending thread runs
 * out of CPU ([sim] stream_speed, tls_stream_speed; per link too). Plain:
 * 12 Gbit/s, from "8-16 connections can saturate 100 Gbps" (oVirt's and
 * KubeVirt's multifd notes) and QEMU's wiki (one stream's CPU is the
 * bottleneck "on 10Gigabit and faster"). TLS: 500 MB/s, near openEuler's
 * report of TLS migration reaching 300 MB/s on a 500 MB/s link, CPU-bound
 * in the migration thread. Rough figures, not measured here. */
#define SIM_STREAM_BPS (12000000000ULL / 8)
#define SIM_TLS_STREAM_BPS 500000000ULL
/* Pages the XBZRLE encoder compares and encodes per second ([sim]
 * xbzrle_speed): one thread's memory-speed compare of page and cache
 * copy; a rough figure. */
#define SIM_XBZRLE_BPS (1ULL << 30)
/* A page delta-encoded with XBZRLE carries a small header as well. */
#define SIM_XBZRLE_HEADER ((unsigned)PREDICT_XBZRLE_HEADER_BYTES)

struct sim_workload {
    char *profile;
    uint64_t wss_bytes;     /* writable working set */
    double hot_fraction;    /* part of the working set that is hot */
    double hot_share;       /* share of writes that go to the hot part */
    uint64_t dirty_bps;     /* page writes, bytes/s */
    uint64_t burst_bps;     /* during bursts (0: none) */
    uint64_t burst_period_ms, burst_ms;
    double jitter;          /* +- fraction, changes every second */
    double zero_fraction;   /* of memory outside the working set */
    double xbzrle_delta;    /* XBZRLE: encoded share of a page rewritten
                             * since it was sent (how much a rewrite
                             * changes, however often it was written) */
    uint64_t disk_write_bps;
    uint64_t disk_hot_bytes;
    uint64_t stream;        /* the VM's random stream (default: its index) */
    /* A recorded workload (what-if on a flight log): the page-write rate
     * and the link's rate over job time, steps at sched_t. */
    size_t n_sched;
    uint64_t *sched_t;
    double *sched_dirty, *sched_bw; /* < 0: not recorded at that step */
};

struct sim_dc;
struct sim_mig;

/* Caller frees with sim_dc_free. */
struct sim_dc *sim_dc_load_file(const char *path, struct ferry_err *err);
struct sim_dc *sim_dc_load_string(const char *name, const char *text,
                                  struct ferry_err *err);
struct sim_dc *sim_dc_demo(struct ferry_err *err);
void sim_dc_free(struct sim_dc *dc);
struct model *sim_dc_model(struct sim_dc *dc);
const struct sim_workload *sim_dc_workload(const struct sim_dc *dc,
                                           const char *vm);
uint64_t sim_dc_seed(const struct sim_dc *dc);
void sim_dc_set_seed(struct sim_dc *dc, uint64_t seed);
/* What a switchover costs whatever is dirty: the pivot for storage; device
 * state over the link, the resume and a round trip otherwise. The data
 * plane charges exactly this; predictions use it too. */
double sim_dc_fixed_switch_ms(const struct sim_dc *dc, enum job_kind k,
                              const char *src, const char *dst);
/* Rate at which a VM's disks copy to dst_ds: the slowest datastore on the
 * way and the lowest of their bandwidth caps, the rounds' rate when memory
 * moves too, a cap otherwise (0: none). */
uint64_t sim_dc_copy_bps(const struct sim_dc *dc, const struct model_vm *vm,
                         const char *dst_ds, enum job_kind k,
                         uint64_t round_bps, uint64_t cap_bps);
/* Replace a VM's page-write rate and link rate by recorded steps (times
 * in job ms, ascending; a value < 0 keeps the model's). Copies them. */
int sim_dc_set_schedule(struct sim_dc *dc, const char *vm, const uint64_t *t,
                        const double *dirty_bps, const double *bw_bps,
                        size_t n, struct ferry_err *err);
/* The datacenter as a sim INI text that loads back to the same data plane
 * for this VM: [sim], every host, link and datastore, and the VM alone
 * with its workload spelled out (flight logs record it). Caller frees. */
char *sim_dc_describe(const struct sim_dc *dc, const char *vm);
/* How a move travels between two hosts: the hosts' transport keys, the
 * link's per-connection ceilings, and p's tls/parallel where set. */
struct sim_net {
    bool tls, encrypted, cleartext_ok;
    unsigned parallel;   /* connections (1: one) */
    uint64_t stream_bps; /* one connection's ceiling */
    uint64_t link_bps;   /* min(link, parallel x stream_bps) */
    bool xbzrle_ok;      /* not with parallel connections (multifd) */
    uint64_t xbzrle_bps; /* the encoder's ceiling */
};
void sim_dc_net(const struct sim_dc *dc, const char *src, const char *dst,
                const struct hv_mig_params *p, struct sim_net *out);
/* The transport object for flight logs (hv_ops.transport). Caller puts. */
json_object *sim_dc_transport(const struct sim_dc *dc, const char *src,
                              const struct hv_mig_params *p);

/* The average page-write rate of a workload (bursts included). */
uint64_t sim_workload_avg_bps(const struct sim_workload *w);



/* Caller frees with sim_mig_free. Marks the VM migrating. */
struct sim_mig *sim_mig_new(struct sim_dc *dc, const struct hv_mig_params *p,
                            struct ferry_err *err);
void sim_mig_free(struct sim_mig *m);
/* Run the data plane up to job time t_ms. */
void sim_mig_advance(struct sim_mig *m, uint64_t t_ms);
void sim_mig_sample(const struct sim_mig *m, struct job_sample *s);
int sim_mig_act(struct sim_mig *m, const struct engine_action *a,
                struct ferry_err *err);
bool sim_mig_finished(const struct sim_mig *m, struct hv_result *r);
uint64_t sim_mig_time_ms(const struct sim_mig *m);
/* Exact downtime if the guest stopped now (the oracle's view). */
double sim_mig_switch_cost_ms(const struct sim_mig *m);
/* Bytes per second the rounds move at, and the stop-and-copy rate. */
uint64_t sim_mig_bw_bps(const struct sim_mig *m);
uint64_t sim_mig_final_bps(const struct sim_mig *m);
/* Let the copy run without ever switching over (for the oracle). */
void sim_mig_never_switch(struct sim_mig *m);
/* Memory checksum of source and destination (tests). */
void sim_mig_checksums(const struct sim_mig *m, uint64_t *src, uint64_t *dst);

extern const char demo_ini[]; /* generated from src/hv/sim/demo.ini */

#endif
