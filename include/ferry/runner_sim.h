/* A runner on a simulated datacenter the caller keeps: what-if runs,
 * tests and benchmarks. The runner itself (runner.h) knows only hv. */
#ifndef FERRY_RUNNER_SIM_H
#define FERRY_RUNNER_SIM_H

#include "ferry/runner.h"
#include "ferry/sim.h"

/* Caller frees with runner_free; dc stays the caller's. */
struct runner *runner_new_sim(struct sim_dc *dc, const struct runner_opts *o,
                              const struct check_result *checks,
                              size_t n_checks, struct ferry_err *err);

#endif
