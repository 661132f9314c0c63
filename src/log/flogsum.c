/* What a flight log says, in words (the summary, why a copy stalled) and
 * as a table (CSV). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/flogread.h"
#include "ferry/units.h"

#define WRAP 78
#define INDENT 11

/* "label      text", text wrapped at WRAP under itself. A word longer
 * than a line (a long VM name, a path) stays whole on a line of its own
 * rather than being cut in two. */
static void
sb_field(FILE *b, const char *label, int indent, const char *text)
{
    size_t w = (size_t)(WRAP - indent);

    fprintf(b, "%-*s", indent, label);
    for (bool first = true; *text || first; first = false) {
        size_t len = strlen(text), cut = len;

        if (!first)
            fprintf(b, "%*s", indent, "");
        if (len > w) {
            cut = 0;
            for (size_t k = w; k > 0; k--)
                if (text[k] == ' ') {
                    cut = k;
                    break;
                }
            /* no blank within the line: up to the end of the word */
            if (cut == 0)
                cut = strcspn(text, " ");
        }
        fprintf(b, "%.*s\n", (int)cut, text);
        text += cut;
        while (*text == ' ')
            text++;
    }
}

/* sb_field with the text formatted. */
static void FERRY_PRINTF(4, 5)
sb_fieldf(FILE *b, const char *label, int indent, const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = xvasprintf(fmt, ap);
    va_end(ap);
    sb_field(b, label, indent, text);
    free(text);
}

static const char *
ms_or(char *buf, size_t n, double ms, const char *unknown)
{
    return isfinite(ms) ? units_fmt_ms(buf, n, ms) : unknown;
}

/* The pre-copy samples: from the first to the switchover (or the end). */
static size_t
precopy_end(const struct flog_data *d)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->pt[i].phase >= PH_SWITCHOVER)
            return i;
    return d->n;
}

static bool
storage_at(const struct flog_data *d, size_t i)
{
    return d->h.kind == KIND_STORAGE ||
           (d->h.kind == KIND_BOTH && d->pt[i].stage == STAGE_DISK);
}

void
flog_stall(const struct flog_data *d, char *buf, size_t n)
{
    size_t end = precopy_end(d), from = end, cnt = 0;
    double dirty = 0, bw = 0, min_rem = INFINITY;
    char t[32], a[32], b[32], c[32], e[32];
    bool disk;

    buf[0] = '\0';
    /* the last run of "does not converge" before the switch */
    while (from > 0 && (d->pt[from - 1].flags & FP_PRED) &&
           !(d->pt[from - 1].flags & FP_CONVERGES))
        from--;
    if (from == end || d->pt[from].phase < PH_BULK)
        return;
    for (size_t i = from; i < end; i++) {
        if (isfinite(d->dirty[i]) && isfinite(d->bw[i])) {
            dirty += d->dirty[i];
            bw += d->bw[i];
            cnt++;
        }
    }
    for (size_t r = 0; r < d->n_rounds; r++)
        if (d->round_at[r] < end && d->rounds[r] > 0 && r > 0)
            min_rem = MIN(min_rem, d->rounds[r]);
    disk = storage_at(d, from);
    units_fmt_ms(t, sizeof t, (double)d->pt[from].t_ms);
    if (cnt > 0 && dirty / (double)cnt >= 0.95 * bw / (double)cnt) {
        snprintf(buf, n, "from %s the guest %s %s on average, at or above "
                 "the %s the copy moved: every round left as much as it "
                 "started with, so pre-copy could not converge",
                 t, disk ? "wrote its disks at" : "dirtied memory at",
                 units_fmt_rate(a, sizeof a, dirty / (double)cnt),
                 units_fmt_rate(b, sizeof b, bw / (double)cnt));
        return;
    }
    if (cnt > 0 && isfinite(min_rem)) {
        double rate = bw / (double)cnt,
               floor_ms = min_rem / rate * 1000.0 + (double)d->h.overhead_ms;

        snprintf(buf, n, "from %s the copy stopped gaining: the rounds got no "
                 "lower than %s (the guest's working set), %s of downtime at "
                 "%s, more than the %s budget allows",
                 t, units_fmt_bytes(a, sizeof a, (uint64_t)min_rem),
                 units_fmt_ms(c, sizeof c, floor_ms),
                 units_fmt_rate(b, sizeof b, rate),
                 units_fmt_ms(e, sizeof e, (double)d->h.budget_ms));
        return;
    }
    snprintf(buf, n, "from %s the engine predicted that the copy would not "
             "converge within the %s budget", t,
             units_fmt_ms(e, sizeof e, (double)d->h.budget_ms));
}

/* The prediction the engine made last before the switchover. */
static double
downtime_at_switch(const struct flog_data *d, uint64_t *t_ms)
{
    size_t end = precopy_end(d);

    while (end > 0) {
        end--;
        if (isfinite(d->pt[end].pred_downtime_ms)) {
            *t_ms = d->pt[end].t_ms;
            return d->pt[end].pred_downtime_ms;
        }
    }
    return NAN;
}

char *
flog_summary(const struct flog_data *d)
{
    const struct flog_header *h = &d->h;
    const struct flog_result *r = &d->res;
    char *out;
    size_t len;
    FILE *b = open_memstream(&out, &len);
    /* numbers and units only; names and reasons go whole through
     * sb_fieldf */
    char x[64], y[64], z[64], stall[400];
    uint64_t t_sw = 0;
    double at_switch = downtime_at_switch(d, &t_sw);

    if (b == NULL)
        fatal("out of memory");

    if (h->kind == KIND_STORAGE)
        fprintf(b, "%s  disks on %s -> %s  storage  (%s, %s)\n", h->vm,
                  h->source, h->datastore[0] ? h->datastore : "?",
                  h->backend, h->created);
    else
        fprintf(b, "%s  %s -> %s%s%s  %s  (%s, %s)\n", h->vm, h->source,
                  h->destination, h->datastore[0] ? " + " : "", h->datastore,
                  job_kind_name(h->kind), h->backend, h->created);
    sb_fieldf(b, "policy", INDENT, "%s: %s", h->policy, h->policy_summary);
    if (r->present && r->phase == PH_DONE)
        sb_fieldf(b, "outcome", INDENT, "completed in %s%s",
                  units_fmt_ms(x, sizeof x, (double)r->total_ms),
                  r->verified ? ", destination verified" : "");
    else if (r->present)
        sb_fieldf(b, "outcome", INDENT, "%s after %s: %s", r->outcome,
                  units_fmt_ms(x, sizeof x, (double)r->total_ms),
                  r->reason[0] ? r->reason : "no reason given");
    else
        sb_fieldf(b, "outcome", INDENT, "unknown: the log ends at %s "
                  "without a result (cut short: ferry stopped "
                  "mid-migration?)",
                  units_fmt_ms(x, sizeof x, (double)flog_end_ms(d)));
    if (r->present && r->phase == PH_DONE) {
        uint64_t budget = r->budget_ms ? r->budget_ms : h->budget_ms;
        char sw[128] = ""; /* two durations */

        if (isfinite(at_switch))
            snprintf(sw, sizeof sw, "; predicted %s at the switch (%s)",
                     units_fmt_ms(x, sizeof x, at_switch),
                     units_fmt_ms(z, sizeof z, (double)t_sw));
        sb_fieldf(b, "downtime", INDENT,
                  "%s real, budget %s (%s)%s, %s before the start",
                  units_fmt_ms(x, sizeof x, (double)r->downtime_ms),
                  units_fmt_ms(y, sizeof y, (double)budget),
                  r->downtime_ms <= budget ? "within" : "OVER", sw,
                  ms_or(z, sizeof z, h->pred_downtime_ms, "unknown"));
    } else if (!r->present) {
        sb_fieldf(b, "downtime", INDENT, "unknown (the log ends before the "
                  "switch or its result); budget %s",
                  units_fmt_ms(x, sizeof x, (double)h->budget_ms));
    } else {
        sb_fieldf(b, "downtime", INDENT, "none: the VM kept running on %s; "
                  "budget %s", h->source,
                  units_fmt_ms(x, sizeof x, (double)h->budget_ms));
    }
    sb_fieldf(b, "time", INDENT, "%s; predicted %s before the start",
              units_fmt_ms(x, sizeof x, (double)(r->present ? r->total_ms
                                                            : flog_end_ms(d))),
              ms_or(y, sizeof y,
                    isfinite(r->predicted_total_ms) ? r->predicted_total_ms
                                                    : h->pred_total_ms,
                    h->pred_converges ? "unknown" : "never (no convergence)"));
    sb_fieldf(b, "rounds", INDENT, "%llu%s; predicted %llu",
              (unsigned long long)(r->present ? r->rounds : d->n_rounds),
              r->present ? "" : " so far",
              (unsigned long long)h->pred_rounds);
    if (r->present) {
        uint64_t size = h->kind == KIND_STORAGE ? h->disk_bytes
                        : h->kind == KIND_BOTH
                            ? h->memory_bytes + h->disk_bytes
                            : h->memory_bytes;

        sb_fieldf(b, "data", INDENT, "%s sent for %s (%.1fx)",
                  units_fmt_bytes(x, sizeof x, r->bytes_sent),
                  units_fmt_bytes(y, sizeof y, size),
                  size ? (double)r->bytes_sent / (double)size : 0.0);
        if (r->postcopy_requests > 0)
            sb_fieldf(b, "post-copy", INDENT, "%llu pages fetched on demand",
                      (unsigned long long)r->postcopy_requests);
    }
    /* a stall is told in fixed words and numbers only: it fits */
    flog_stall(d, stall, sizeof stall);
    if (stall[0])
        sb_field(b, "stall", INDENT, stall);
    fprintf(b, "decisions%s\n", d->n_dec ? "" : "  none");
    for (size_t i = 0; i < d->n_dec; i++) {
        char label[40]; /* a duration and an action's name */

        snprintf(label, sizeof label, " %7s %-9s",
                 units_fmt_ms(x, sizeof x, (double)d->dec[i].t_ms),
                 action_name(d->dec[i].action));
        sb_field(b, label, 19, d->dec[i].reason);
    }
    if (d->n_err > 0) {
        fprintf(b, "errors\n");
        for (size_t i = 0; i < d->n_err; i++) {
            char label[40]; /* a duration */

            snprintf(label, sizeof label, " %7s",
                     units_fmt_ms(x, sizeof x, (double)d->err[i].t_ms));
            sb_field(b, label, 9, d->err[i].message);
        }
    }
    sb_fieldf(b, "log", INDENT, "%zu lines, %zu samples, %zu decisions, "
              "%zu phase changes", d->lines, d->n, d->n_dec, d->n_ph);
    if (d->partial_line)
        fprintf(b, "%-*sline %zu was cut off while it was written\n",
                  INDENT, "", d->partial_line);
    if (d->cut_short)
        fprintf(b, "%-*scut short: no result line (replays up to %s)\n",
                  INDENT, "",
                  units_fmt_ms(x, sizeof x, (double)flog_end_ms(d)));
    for (size_t i = 0; i < MIN(d->n_problems, FLOG_PROBLEMS_KEPT); i++)
        sb_fieldf(b, i == 0 ? "problems" : "", INDENT, "%s:%zu: %s", d->path,
                  d->problems[i].line, d->problems[i].message);
    if (d->n_problems > FLOG_PROBLEMS_KEPT)
        fprintf(b, "%-*s... and %zu more\n", INDENT, "",
                  d->n_problems - FLOG_PROBLEMS_KEPT);
    fclose(b);
    return out;
}

/* A number, or an empty cell when unknown. */
static void
csv_num(FILE *out, bool known, double v)
{
    if (known && isfinite(v))
        fprintf(out, ",%.0f", v);
    else
        fputc(',', out);
}

int
flog_export_csv(const struct flog_data *d, FILE *out, struct ferry_err *err)
{
    FILE *fp = NULL;

    fprintf(out, "t_ms,phase,status,stage,guest_paused");
    for (int f = 1; f < SF_COUNT; f++)
        fprintf(out, ",%s", sample_field_names[f]);
    fprintf(out, ",est_dirty_bps,est_unique_bps,est_wss_bytes,est_bw_bps,"
                 "pred_downtime_now_ms,pred_eta_ms,pred_converges\n");
    if (d->mem == NULL && (fp = fopen(d->path, "r")) == NULL) {
        err_set(err, "%s: cannot read: %s", d->path, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < d->n; i++) {
        const struct flog_point *p = &d->pt[i];
        struct job_sample s;
        struct estimate e;

        if (flog_sample_read(d, fp, i, &s, &e, err) < 0) {
            if (fp)
                fclose(fp);
            return -1;
        }
        fprintf(out, "%llu,%s,%s,%s,%d", (unsigned long long)p->t_ms,
                job_phase_name((enum job_phase)p->phase),
                hv_status_name((enum hv_status)p->status),
                hv_stage_name((enum hv_stage)p->stage),
                (p->flags & FP_PAUSED) != 0);
        for (int f = 1; f < SF_COUNT; f++) {
            if (sample_has(&s, (enum sample_field)f))
                fprintf(out, ",%llu", (unsigned long long)s.v[f]);
            else
                fputc(',', out);
        }
        if (e.dirty_known)
            fprintf(out, ",%.0f,%.0f,%.0f", e.dirty_bps, e.unique_bps,
                    e.wss_bytes);
        else
            fputs(",,,", out);
        if (e.bw_known)
            fprintf(out, ",%.0f", e.bw_bps);
        else
            fputc(',', out);
        csv_num(out, p->flags & FP_PRED, p->pred_downtime_ms);
        csv_num(out, p->flags & FP_PRED, p->eta_ms);
        if (p->flags & FP_PRED)
            fprintf(out, ",%d\n", (p->flags & FP_CONVERGES) != 0);
        else
            fputs(",\n", out);
    }
    if (fp)
        fclose(fp);
    if (fflush(out) == EOF || ferror(out)) {
        err_set(err, "cannot write the CSV");
        return -1;
    }
    return 0;
}
