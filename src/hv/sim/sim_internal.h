/* Shared between the simulator's files; not a public interface. */
#ifndef FERRY_SIM_INTERNAL_H
#define FERRY_SIM_INTERNAL_H

#include "ferry/model.h"
#include "ferry/sim.h"

struct sim_dc {
    struct model model;
    struct sim_workload *wl; /* indexed like model.vms */
    uint64_t seed;
    uint64_t tick_ms;
    uint64_t switch_overhead_ms;
    uint64_t pivot_overhead_ms;
    uint64_t device_state_bytes;
};

#endif
