/* A job as a client sees it: what the server says of it (the jobs
 * table's job_meta_json) and every record it emitted, read as a flight
 * log that grows. The console's views and dashboards and the commands'
 * output draw from these, never from a runner. */
#ifndef FERRY_JOBVIEW_H
#define FERRY_JOBVIEW_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "ferry/engine.h"
#include "ferry/flogread.h"
#include "ferry/jobs.h"

struct job_view {
    long id;
    char *vm, *src, *dst, *ds, *policy, *owner, *log;
    char *outcome, *reason, *waits_for, *created;
    enum job_kind kind;
    enum job_state state;
    enum job_phase phase;
    int queue_pos;        /* while queued (1: next) */
    uint64_t budget_ms;   /* the budget now */
    uint64_t downtime_ms; /* once completed */
    double elapsed_ms, progress;
    bool started; /* false: ended without having run */
    bool virtual_time;
    bool external;      /* a migration ferry did not start */
    bool taken_over;    /* ... that ferry steers since */
    bool steering_lost; /* resolved by an earlier server's fail-safe */
    size_t n_records;       /* the server's count (records may be on the way) */
    struct flog_live *live; /* the records so far (header first) */
};

struct job_view *job_view_new(long id);
void job_view_free(struct job_view *v);
/* What the server says of it now. -1 with err when it is malformed. */
int job_view_meta(struct job_view *v, json_object *meta, struct ferry_err *err);
/* One of its records, as a line. */
int job_view_record(struct job_view *v, const char *line, size_t len,
                    struct ferry_err *err);
/* Its records (NULL before the header arrived). */
const struct flog_data *job_view_data(const struct job_view *v);
bool job_view_ended(const struct job_view *v);

#endif
