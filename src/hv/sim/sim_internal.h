/* Shared between the simulator's files; not a public interface. */
#ifndef FERRY_SIM_INTERNAL_H
#define FERRY_SIM_INTERNAL_H

#include "ferry/model.h"
#include "ferry/sim.h"

/* How a host's migrations travel (the [host] transport keys). */
struct sim_host_net {
    bool tls;          /* tls = yes: moves to or from it use TLS */
    bool cleartext_ok; /* encryption = none */
    unsigned parallel; /* parallel_connections (0: one) */
};

/* A link's per-connection ceilings (0: the [sim] defaults). */
struct sim_link_net {
    uint64_t stream_bps, tls_stream_bps;
};

struct sim_dc {
    struct model model;
    struct sim_host_net *hnet; /* indexed like model.hosts */
    size_t cap_hnet;
    struct sim_link_net *lnet; /* indexed like model.links */
    size_t cap_lnet;
    uint64_t stream_bps, tls_stream_bps; /* one connection's ceiling */
    uint64_t xbzrle_bps; /* pages the XBZRLE encoder gets through */
    struct sim_workload *wl; /* indexed like model.vms */
    uint64_t seed;
    uint64_t tick_ms;
    uint64_t switch_overhead_ms;
    uint64_t pivot_overhead_ms;
    uint64_t device_state_bytes;
};

#endif
