/* Names of sample fields and backend states. */
#include "ferry/sample.h"
#include "ferry/engine.h"

#include <string.h>

const char *const sample_field_names[SF_COUNT] = {
    [SF_TIME_ELAPSED] = "time_elapsed",
    [SF_DATA_TOTAL] = "data_total",
    [SF_DATA_PROCESSED] = "data_processed",
    [SF_DATA_REMAINING] = "data_remaining",
    [SF_MEMORY_TOTAL] = "memory_total",
    [SF_MEMORY_PROCESSED] = "memory_processed",
    [SF_MEMORY_REMAINING] = "memory_remaining",
    [SF_MEMORY_BPS] = "memory_bps",
    [SF_MEMORY_DIRTY_RATE] = "memory_dirty_rate",
    [SF_MEMORY_ITERATION] = "memory_iteration",
    [SF_MEMORY_PAGE_SIZE] = "memory_page_size",
    [SF_MEMORY_POSTCOPY_REQS] = "memory_postcopy_requests",
    [SF_DISK_TOTAL] = "disk_total",
    [SF_DISK_PROCESSED] = "disk_processed",
    [SF_DISK_REMAINING] = "disk_remaining",
    [SF_DISK_BPS] = "disk_bps",
    [SF_DISK_DIRTY_RATE] = "disk_dirty_rate",
    [SF_DISK_ITERATION] = "disk_iteration",
    [SF_DOWNTIME] = "downtime",
    [SF_DOWNTIME_LIMIT] = "downtime_limit",
    [SF_AUTO_CONVERGE_THROTTLE] = "auto_converge_throttle",
    [SF_SYNC_TIME] = "sync_time",
    [SF_SYNC_DIRTY] = "sync_dirty",
    [SF_SYNC_PERIOD] = "sync_period",
    [SF_MEMORY_CONSTANT] = "memory_constant",
    [SF_MEMORY_NORMAL] = "memory_normal",
    [SF_COMPRESSION_BYTES] = "compression_bytes",
    [SF_COMPRESSION_PAGES] = "compression_pages",
    [SF_COMPRESSION_CACHE_MISSES] = "compression_cache_misses",
};

int
sample_field_lookup(const char *name)
{
    for (int i = 0; i < SF_COUNT; i++)
        if (strcmp(sample_field_names[i], name) == 0)
            return i;
    return -1;
}

const char *
hv_status_name(enum hv_status s)
{
    static const char *const names[] = {
        [HV_SETUP] = "setup",         [HV_ACTIVE] = "active",
        [HV_POSTCOPY] = "postcopy",   [HV_COMPLETED] = "completed",
        [HV_FAILED] = "failed",       [HV_CANCELLED] = "cancelled",
    };

    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : "?";
}

const char *
hv_stage_name(enum hv_stage s)
{
    switch (s) {
    case STAGE_NONE:
        return "none";
    case STAGE_DISK:
        return "disk";
    case STAGE_MEMORY:
        return "memory";
    }
    return "?";
}

bool
sample_new_round(const struct job_sample *s, enum job_kind kind,
                 uint64_t *last_iter, uint64_t *remaining)
{
    bool storage = kind == KIND_STORAGE ||
                   (kind == KIND_BOTH && s->stage == STAGE_DISK);
    uint64_t iter = sample_get(s, storage ? SF_DISK_ITERATION
                                          : SF_MEMORY_ITERATION, 0);

    if (iter <= *last_iter || iter == 0)
        return false;
    *last_iter = iter;
    *remaining = sample_get(s, storage ? SF_DISK_REMAINING
                                       : SF_MEMORY_REMAINING, 0);
    return true;
}

double
sample_progress(const struct job_sample *s)
{
    double total = (double)sample_get(s, SF_DATA_TOTAL, 0);
    double rem = (double)sample_get(s, SF_DATA_REMAINING, 0);

    return total > 0 ? 100.0 * (1 - rem / total) : 0;
}
