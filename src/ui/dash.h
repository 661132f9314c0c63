/* The migration dashboard: header, phase line, progress, the three graphs
 * and the decisions. The live console fills it from a running job, the
 * replay from a flight log; both draw it the same way. */
#ifndef FERRY_UI_DASH_H
#define FERRY_UI_DASH_H

#include "ferry/engine.h"
#include "ferry/flogread.h"
#include "ferry/ui.h"

struct dash {
    const char *vm, *src, *dst, *ds, *policy;
    enum job_kind kind;
    uint64_t budget_ms;
    enum job_phase phase;
    uint64_t round;
    double elapsed_ms;
    bool ended;          /* no ETA any more */
    double eta_ms;       /* INFINITY or NAN: never */
    double downtime_ms;  /* NAN: unknown */
    bool downtime_real;  /* the measured downtime (else "if now") */
    double progress;     /* % (NAN: none) */
    const double *dirty, *bw, *dt; /* per sample */
    size_t n;
    double span_s;       /* the time the samples cover */
    const double *rounds; /* remaining bytes when each round began */
    size_t n_rounds;
    double fits;         /* bytes that fit the budget (< 0: unknown) */
    const struct decision *dec;
    size_t n_dec;
};

/* The dashboard of a flight log at sample k (job time t_ms): a replay's
 * position, or a live job's newest sample. The strings stay d's. */
void dash_fill(struct dash *ds, const struct flog_data *d, size_t k,
               uint64_t t_ms);

/* Draw into rows y .. y+h-1 of stdscr, the whole width. */
void dash_draw(const struct ui_term *t, int y, int h, const struct dash *d);

#endif
