/* What earlier moves of a VM measured, read back from their flight logs:
 * the next plan of the VM starts from it. And where new flight logs go. */
#ifndef FERRY_HINTS_H
#define FERRY_HINTS_H

#include "ferry/hv.h"

/* Refine a backend's plan for vm with the result of the VM's latest
 * flight log in dir (its "observed" block): the first round's bytes on
 * the wire, the dirty rate and working set (unless the backend measured
 * the rate just now), the setup time, the bandwidth it got. Does nothing
 * when there is no such log or the plan does not learn from logs. */
void job_hints_apply(const char *dir, const char *vm, struct hv_plan *p);

/* A new flight log's path in dir: DIR/STAMP-VM-TAG.jsonl, STAMP the UTC
 * time, tag a number that keeps two logs of one second apart (a pid, a
 * job number). Caller frees. */
char *job_log_path(const char *dir, const char *vm, long tag);

#endif
