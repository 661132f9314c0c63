/* Job samples as backends report them, with libvirt's job-stats field names
 * and a presence flag per field, because real hosts omit fields. */
#ifndef FERRY_SAMPLE_H
#define FERRY_SAMPLE_H

#include <stdbool.h>
#include <stdint.h>

enum sample_field {
    SF_TIME_ELAPSED,          /* ms since the job started */
    SF_DATA_TOTAL,            /* bytes */
    SF_DATA_PROCESSED,
    SF_DATA_REMAINING,
    SF_MEMORY_TOTAL,
    SF_MEMORY_PROCESSED,      /* bytes on the wire */
    SF_MEMORY_REMAINING,      /* dirty bytes left in this round */
    SF_MEMORY_BPS,            /* transfer rate, bytes/s */
    SF_MEMORY_DIRTY_RATE,     /* BYTES/s (libvirt reports pages/s) */
    SF_MEMORY_ITERATION,      /* 1 during the bulk round */
    SF_MEMORY_PAGE_SIZE,
    SF_MEMORY_POSTCOPY_REQS,  /* pages the destination faulted on */
    SF_DISK_TOTAL,
    SF_DISK_PROCESSED,
    SF_DISK_REMAINING,
    SF_DISK_BPS,
    SF_DISK_DIRTY_RATE,       /* bytes/s; the simulator knows it */
    SF_DISK_ITERATION,
    SF_DOWNTIME,              /* the hypervisor's expected downtime, ms */
    SF_DOWNTIME_LIMIT,        /* the limit in force, ms */
    SF_AUTO_CONVERGE_THROTTLE, /* percent */
    SF_SYNC_TIME,             /* job time of the last dirty-bitmap sync */
    SF_SYNC_DIRTY,            /* bytes found dirty at that sync */
    SF_SYNC_PERIOD,           /* ms between that sync and the one before */
    SF_MEMORY_CONSTANT,       /* pages sent as zero (constant) pages */
    SF_MEMORY_NORMAL,         /* pages sent whole */
    SF_COMPRESSION_BYTES,     /* XBZRLE: bytes its encoded pages took */
    SF_COMPRESSION_PAGES,     /* XBZRLE: pages sent as deltas */
    SF_COMPRESSION_CACHE_MISSES, /* XBZRLE: re-sent pages not in the cache */
    SF_COUNT
};

_Static_assert(SF_COUNT <= 32, "struct job_sample's present is 32 bits");

extern const char *const sample_field_names[SF_COUNT];

/* What the backend's data plane is doing. */
enum hv_status {
    HV_SETUP,
    HV_ACTIVE,     /* pre-copy (or block copy) running */
    HV_POSTCOPY,   /* running on the destination, pages pulled */
    HV_COMPLETED,
    HV_FAILED,
    HV_CANCELLED,
};

/* What is being copied. */
enum hv_stage {
    STAGE_NONE,
    STAGE_DISK,
    STAGE_MEMORY,
};

struct job_sample {
    uint32_t present;
    uint64_t v[SF_COUNT];
    enum hv_status status;
    enum hv_stage stage;
    bool guest_paused;
    bool disk_ready; /* block copy in sync: a pivot may be requested */
};

static inline bool
sample_has(const struct job_sample *s, enum sample_field f)
{
    return (s->present >> f) & 1;
}

static inline uint64_t
sample_get(const struct job_sample *s, enum sample_field f, uint64_t dflt)
{
    return sample_has(s, f) ? s->v[f] : dflt;
}

static inline void
sample_set(struct job_sample *s, enum sample_field f, uint64_t v)
{
    s->present |= 1u << f;
    s->v[f] = v;
}

const char *hv_status_name(enum hv_status s);
const char *hv_stage_name(enum hv_stage s);
/* Field index for a name, or -1. */
int sample_field_lookup(const char *name);

#endif
