/* Reading flight logs back: the whole log as compact arrays that a replay
 * can seek in instantly, the full sample at any position on demand, and a
 * cursor over the log's events. Every problem is reported with its line
 * number; nothing here draws or prints. */
#ifndef FERRY_FLOGREAD_H
#define FERRY_FLOGREAD_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "ferry/engine.h"
#include "ferry/sample.h"
#include "ferry/util.h"

/* One sample as the replay draws it (the full sample is re-read from the
 * file by flog_sample_full). */
struct flog_point {
    uint64_t t_ms;
    off_t offset;       /* of its line in the file */
    uint32_t line;
    uint32_t iter;      /* the round the dashboard shows */
    float progress;     /* % of data copied */
    float eta_ms;       /* NAN: never (does not converge) or unknown */
    float pred_downtime_ms;
    uint8_t phase;      /* enum job_phase */
    uint8_t status;     /* enum hv_status */
    uint8_t stage;      /* enum hv_stage */
    uint8_t flags;      /* FP_* */
};

enum {
    FP_PAUSED = 1,      /* the guest was paused */
    FP_PRED = 2,        /* the sample carries a prediction */
    FP_CONVERGES = 4,   /* ... that says the copy converges */
};

struct flog_phase {
    uint64_t t_ms;
    enum job_phase from, to;
};

struct flog_error {
    uint64_t t_ms;
    char *message;
};

struct flog_problem {
    size_t line;
    char message[200];
};

#define FLOG_PROBLEMS_KEPT 64

struct flog_header {
    json_object *obj; /* the header line as written (sim, workload, ...) */
    const char *vm, *source, *destination, *datastore, *backend, *created;
    const char *policy, *policy_summary, *id;
    const char *policy_ini; /* the policy's definition (NULL: not recorded) */
    const char *sim_ini;    /* the simulator's datacenter (NULL: real hosts) */
    uint64_t seed, max_time_ms; /* 0: not recorded */
    enum job_kind kind;
    uint64_t memory_bytes, disk_bytes, budget_ms, ceiling_ms, cap_bps,
        link_bps, overhead_ms, sample_ms;
    bool pred_converges;
    double pred_total_ms, pred_downtime_ms, pred_bytes; /* NAN: unknown */
    uint64_t pred_rounds;
    int version;
};

struct flog_result {
    bool present;
    enum job_phase phase; /* DONE, FAILED or CANCELLED */
    char outcome[16];
    char reason[320];
    uint64_t total_ms, downtime_ms, budget_ms, rounds, bytes_sent,
        postcopy_requests;
    bool verified;
    double predicted_total_ms; /* NAN: unknown */
    double obs_dirty_bps, obs_wss_bytes, obs_bw_bps; /* NAN: unknown */
};

struct flog_data {
    char *path;
    struct flog_header h;
    struct flog_result res;
    /* samples, in time order */
    size_t n;
    struct flog_point *pt;
    double *dirty, *bw, *dt; /* graph series, NAN where unknown */
    /* rounds: remaining bytes when each round began, and the sample index
     * it began at */
    size_t n_rounds;
    double *rounds;
    uint64_t *round_at;
    struct decision *dec;
    size_t n_dec;
    struct flog_phase *ph;
    size_t n_ph;
    struct flog_error *err;
    size_t n_err;
    /* lines that could not be used: the first FLOG_PROBLEMS_KEPT */
    struct flog_problem problems[FLOG_PROBLEMS_KEPT];
    size_t n_problems;
    bool cut_short;    /* no result line: the writer stopped mid-migration */
    size_t partial_line; /* the last line, cut off while written (0: none) */
    size_t lines;
    char *mem;         /* flog_load_mem's copy of the text */
    size_t mem_len;
};

/* Read a flight log. NULL with err when the file cannot be read, is not a
 * flight log, or has a format version this ferry does not read; a log
 * with bad lines or without an end loads, with problems and cut_short. */
struct flog_data *flog_load(const char *path, struct ferry_err *err);
/* The same from memory (fuzzing, tests); name is used in messages. */
struct flog_data *flog_load_mem(const char *name, const char *buf, size_t len,
                                struct ferry_err *err);
void flog_data_free(struct flog_data *d);

/* A log that grows one record at a time: a job that runs now, its
 * records as the server streams them. The first line must be the header
 * (-1 with err otherwise); bad lines later are problems, as in a file. */
struct flog_live;
struct flog_live *flog_live_new(const char *name);
/* One record line, with or without its newline. */
int flog_live_add(struct flog_live *lv, const char *line, size_t len,
                  struct ferry_err *err);
const struct flog_data *flog_live_data(const struct flog_live *lv);
/* The newest sample whole (fields, estimate, ETA and the downtime if it
 * switched now; INFINITY: never); false before the first. */
bool flog_live_last(const struct flog_live *lv, struct job_sample *s,
                    struct estimate *e, double *eta_ms,
                    double *downtime_now_ms);
void flog_live_free(struct flog_live *lv);

/* The downtime budget at t_ms: the header's, or the last one the
 * operator set (a "none" decision whose value is the budget). */
uint64_t flog_budget_at(const struct flog_data *d, uint64_t t_ms);

/* The full sample at index i, re-read from the file: what the runner
 * wrote (fields, estimate). Returns -1 with err if the file changed. */
int flog_sample_full(const struct flog_data *d, size_t i,
                     struct job_sample *s, struct estimate *e,
                     struct ferry_err *err);

/* The same from a stream of the file the caller keeps open (NULL for a
 * log loaded from memory). */
int flog_sample_read(const struct flog_data *d, FILE *fp, size_t i,
                     struct job_sample *s, struct estimate *e,
                     struct ferry_err *err);

/* Index of the last sample at or before t_ms (0 if none). */
size_t flog_index_at(const struct flog_data *d, uint64_t t_ms);
/* Decisions (and phase changes) made at or before t_ms. */
size_t flog_decisions_at(const struct flog_data *d, uint64_t t_ms);
size_t flog_phases_at(const struct flog_data *d, uint64_t t_ms);
/* Rounds begun at or before sample i. */
size_t flog_rounds_at(const struct flog_data *d, size_t i);
/* The time of the next (dir > 0) or previous (dir < 0) decision or phase
 * change strictly after/before t_ms; false when there is none. */
bool flog_next_event(const struct flog_data *d, uint64_t t_ms, int dir,
                     uint64_t *out);
/* First and last sample time (0 when empty). */
uint64_t flog_start_ms(const struct flog_data *d);
uint64_t flog_end_ms(const struct flog_data *d);

/* A log's first and last lines only: for lists of many logs. Every
 * string is set (empty when it does not apply), whole whatever its
 * length. */
struct flog_brief {
    char *path;
    char *vm, *source, *destination, *datastore, *kind;
    char *created, *outcome;
    double total_ms, downtime_ms; /* NAN: unknown */
    bool ok;                      /* a flight log this ferry reads */
    char *error;                  /* why not ("" when ok) */
};

/* The last line of a log, parsed (the result, when it ended), read from
 * the file's tail whatever its length. NULL when unreadable or not JSON. */
json_object *flog_last_line(const char *path);
/* Fill b from the file at path; b->ok false (with b->error) when it is not
 * a readable flight log. Release b's strings with flog_brief_fini. */
void flog_peek(const char *path, struct flog_brief *b);
void flog_brief_fini(struct flog_brief *b);
/* Every *.jsonl in dir, newest first by name. The briefs and their
 * strings are one block: caller frees *out with free() alone (never
 * flog_brief_fini on its items). */
size_t flog_list(const char *dir, struct flog_brief **out,
                 struct ferry_err *err);

/* The summary: plain lines (the CLI prints them, the replay view draws
 * them). Lines end with '\n'. Caller frees. */
char *flog_summary(const struct flog_data *d);
/* Why a copy stalled, if it did: one sentence, or "" when it converged. */
void flog_stall(const struct flog_data *d, char *buf, size_t n);
/* Every sample as CSV, one row each, with a header row. */
int flog_export_csv(const struct flog_data *d, FILE *out,
                    struct ferry_err *err);

#endif
