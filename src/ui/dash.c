/* The migration dashboard, drawn from a struct dash (see dash.h). */
#include "dash.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ferry/units.h"
#include "ferry/util.h"

/* ---- dashboard --------------------------------------------------------- */

void
dash_fill(struct dash *ds, const struct flog_data *d, size_t k,
          uint64_t t_ms)
{
    const struct flog_point *p = d->n ? &d->pt[MIN(k, d->n - 1)] : NULL;
    bool at_end = d->n == 0 || k + 1 >= d->n;
    bool ended = at_end && d->res.present;
    bool done = ended && d->res.phase == PH_DONE;

    k = d->n ? MIN(k, d->n - 1) : 0;
    memset(ds, 0, sizeof *ds);
    ds->vm = d->h.vm;
    ds->src = d->h.source;
    ds->dst = d->h.destination;
    ds->ds = d->h.datastore;
    ds->policy = d->h.policy;
    ds->kind = d->h.kind;
    ds->budget_ms = flog_budget_at(d, t_ms);
    ds->phase = ended ? d->res.phase
                : p   ? (enum job_phase)p->phase
                      : PH_PRECHECK;
    ds->round = p ? p->iter : 0;
    ds->elapsed_ms = ended ? (double)d->res.total_ms
                           : (double)(p ? p->t_ms : 0);
    ds->ended = ended;
    ds->eta_ms = !p || !(p->flags & FP_PRED) ? NAN
                 : (p->flags & FP_CONVERGES) && isfinite(p->eta_ms)
                     ? p->eta_ms
                     : INFINITY;
    ds->downtime_ms = done ? (double)d->res.downtime_ms
                      : p  ? p->pred_downtime_ms
                           : NAN;
    ds->downtime_real = done;
    ds->progress = done ? 100 : p ? p->progress : NAN;
    ds->dirty = d->dirty;
    ds->bw = d->bw;
    ds->dt = d->dt;
    ds->n = d->n ? k + 1 : 0;
    ds->span_s = p ? (double)(p->t_ms - flog_start_ms(d)) / 1000.0 : 0;
    ds->rounds = d->rounds;
    ds->n_rounds = flog_rounds_at(d, k);
    ds->fits = -1;
    ds->dec = d->dec;
    ds->n_dec = flog_decisions_at(d, t_ms);
    /* the last known bandwidth at this point sets the "fits" line */
    for (size_t i = d->n ? k + 1 : 0; i-- > 0 && k - i < 200;)
        if (isfinite(d->bw[i])) {
            ds->fits = d->bw[i] * (double)ds->budget_ms / 1000.0;
            break;
        }
}

void
dash_draw(const struct ui_term *t, int y, int h, const struct dash *j)
{
    int w = COLS, gh, gy, half;
    char a[32], b[32], d[32], line[256];
    double prog = j->progress;
    size_t nd = j->n_dec;
    const struct decision *dec = j->dec;
    struct graph g;
    enum job_phase ph = j->phase;
    wattrset(stdscr, ui_attr(t, ROLE_TITLE));
    ui_fill(stdscr, y, 0, w, ' ');
    {
        /* names whole: the header is as long as they are, cut visibly */
        char *head =
            j->kind == KIND_STORAGE
                ? xasprintf(" %s  %s: disks -> %s  storage  policy %s  "
                            "budget %llu ms",
                            j->vm, j->src, j->ds, j->policy,
                            (unsigned long long)j->budget_ms)
                : xasprintf(" %s  %s -> %s%s%s  %s  policy %s  budget %llu ms",
                            j->vm, j->src, j->dst, j->ds[0] ? " + " : "",
                            j->ds, job_kind_name(j->kind), j->policy,
                            (unsigned long long)j->budget_ms);

        ui_put_cut(t, stdscr, y, 0, w, head);
        free(head);
    }

    wattrset(stdscr, ui_attr(t, ph == PH_DONE      ? ROLE_OK
                                : job_phase_final(ph) ? ROLE_WARNING
                                                      : ROLE_NORMAL));
    ui_fill(stdscr, y + 1, 0, w, ' ');
    snprintf(line, sizeof line, " %-10s round %-3llu elapsed %-8s ETA %-8s "
             "downtime %s",
             job_phase_name(ph), (unsigned long long)j->round,
             units_fmt_ms(a, sizeof a, j->elapsed_ms),
             j->ended              ? "-"
             : isnan(j->eta_ms)    ? "?"
             : isfinite(j->eta_ms) ? units_fmt_ms(b, sizeof b, j->eta_ms)
                                   : "never",
             isfinite(j->downtime_ms)
                 ? units_fmt_ms(d, sizeof d, j->downtime_ms)
                 : "?");
    if (j->downtime_real)
        strncat(line, " (real)", sizeof line - strlen(line) - 1);
    else if (!j->ended)
        strncat(line, " if now", sizeof line - strlen(line) - 1);
    ui_put(stdscr, y + 1, 0, w, line);
    /* Progress bar */
    {
        int bw_cells = w - 8, filled;

        if (isnan(prog))
            prog = 0;
        filled = (int)(prog / 100.0 * bw_cells);
        wattrset(stdscr, ui_attr(t, ROLE_PROGRESS));
        ui_fill(stdscr, y + 2, 1, filled, t->colors ? ' ' : '#');
        wattrset(stdscr, ui_attr(t, ROLE_DIM));
        for (int i = filled; i < bw_cells; i++)
            ui_put(stdscr, y + 2, 1 + i, 1, t->utf8 ? "\u00b7" : ".");
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        snprintf(line, sizeof line, " %3.0f%% ", prog);
        ui_put(stdscr, y + 2, 1 + bw_cells, 7, line);
        mvaddch(y + 2, 0, ' ');
    }

    /* Graphs: h - 3 header rows - decisions (>= 4) - hints */
    gh = (h - 3 - 5) / 2;
    if (gh < 4)
        gh = 4;
    gy = y + 3;
    memset(&g, 0, sizeof g);
    g.title = j->kind == KIND_STORAGE ? "Disk writes vs copy rate"
                                      : "Dirty rate vs bandwidth";
    g.unit = GU_RATE;
    g.area = j->dirty;
    g.n_area = j->n;
    g.area_role = ROLE_GRAPH_DIRTY;
    g.area_label = "dirty";
    g.line = j->bw;
    g.n_line = j->n;
    g.line_role = ROLE_GRAPH_BW;
    g.line_label = "bandwidth";
    g.ref = -1;
    g.span_s = j->span_s;
    ui_graph_draw(t, stdscr, gy, 0, gh, w, &g);

    half = w / 2;
    memset(&g, 0, sizeof g);
    g.title = "Remaining per round";
    g.unit = GU_BYTES;
    g.area = j->rounds;
    g.n_area = j->n_rounds;
    g.area_role = ROLE_GRAPH_REMAINING;
    g.ref = j->fits;
    g.ref_role = ROLE_THRESHOLD;
    g.ref_label = "fits";
    g.bars = true;
    ui_graph_draw(t, stdscr, gy + gh, 0, gh, half, &g);
    memset(&g, 0, sizeof g);
    g.title = "Downtime if now";
    g.unit = GU_MS;
    g.area = j->dt;
    g.n_area = j->n;
    g.area_role = ROLE_GRAPH_DOWNTIME;
    g.ref = (double)j->budget_ms;
    g.ref_role = ROLE_BUDGET;
    g.ref_label = "budget";
    g.span_s = j->span_s;
    ui_graph_draw(t, stdscr, gy + gh, half, gh, w - half, &g);

    /* Decisions, newest last; reasons wrap under their action. */
    {
        int dy = gy + 2 * gh, rows = y + h - dy - 1, used = 0;
        int tw = MAX(w - 20, 10);
        size_t first = nd;

        wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
        ui_fill(stdscr, dy, 0, w, ' ');
        ui_put(stdscr, dy, 1, w - 1, "Decisions");
        /* How many of the newest decisions fit, wrapped? */
        while (first > 0) {
            int need = ((int)strlen(dec[first - 1].reason) + tw - 1) / tw;

            need = MAX(1, MIN(need, 3));
            if (used + need > rows)
                break;
            used += need;
            first--;
        }
        for (int r = 1; r <= rows; r++) {
            wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
            ui_fill(stdscr, dy + r, 0, w, ' ');
        }
        for (size_t i = first, r = 1; i < nd; i++) {
            const char *reason = dec[i].reason;

            snprintf(line, sizeof line, " %7s %-10s ",
                     units_fmt_ms(a, sizeof a, (double)dec[i].t_ms),
                     action_name(dec[i].action));
            wattrset(stdscr, ui_attr(t, dec[i].action == ACT_ABORT
                                            ? ROLE_ERROR
                                        : dec[i].action == ACT_NONE
                                            ? ROLE_DIM
                                            : ROLE_TITLE));
            ui_put(stdscr, dy + (int)r, 0, 20, line);
            wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
            for (int k = 0; k < 3 && *reason && (int)r <= rows; k++, r++) {
                int len = (int)strlen(reason), cut = MIN(len, tw);

                if (cut < len)
                    for (int b = cut; b > tw / 2; b--)
                        if (reason[b] == ' ') {
                            cut = b;
                            break;
                        }
                snprintf(line, sizeof line, "%.*s", cut, reason);
                ui_put(stdscr, dy + (int)r, 20, tw, line);
                reason += cut;
                while (*reason == ' ')
                    reason++;
            }
        }
    }
}

