/* The evacuation view: the plan for emptying a host (where each VM goes,
 * what the move will take, the order, what stays and why), then, once it
 * is started, its dashboard (every move as it runs, the VMs still on the
 * host, the live end time against the planned one, the result). One view
 * of kind V_EVAC with two screens, each a table class, so both sort,
 * filter and scroll like the lists at any number of VMs. The console owns
 * no evacuation: the jobs' owner plans, runs and reports them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/evac.h"
#include "ferry/evacview.h"
#include "ferry/jobview.h"
#include "ferry/table.h"
#include "ferry/units.h"
#include "console_int.h"

struct evac_ui {
    bool dash;             /* the dashboard (else the plan) */
    char *host;            /* the host it empties; never NULL */
    struct evac_view plan; /* the plan (the dashboard's until the first
                            * news of the started one) */
    bool have_plan;
    long id;      /* the dashboard's evacuation (0: the host's newest) */
    uint64_t sig; /* what the screen showed when last looked at */
    bool seen_running; /* it was seen before its end: the end is news */
    bool told_end;
};

#define NO_ORDER 1e9 /* rows without an order (VMs that stay) sort last */

/* ---- the evacuation shown ---------------------------------------------- */

bool
con_evac_is_over(const struct evac_view *e)
{
    return e->ended || (e->state != NULL && strcmp(e->state, "ended") == 0);
}

static size_t
n_evacs(const struct console *c)
{
    const struct console_ops *ops = c->o.ops;

    return ops->n_evacs && ops->evac_at ? ops->n_evacs(c->o.ops_ctx) : 0;
}

static const struct evac_view *
evac_at(const struct console *c, size_t i)
{
    return c->o.ops->evac_at(c->o.ops_ctx, i);
}

const struct evac_view *
con_evac_of_host(const struct console *c, const char *host)
{
    const struct evac_view *found = NULL;

    for (size_t i = 0; i < n_evacs(c); i++) {
        const struct evac_view *e = evac_at(c, i);

        /* oldest first: the last one of the host is its newest */
        if (e != NULL && e->host != NULL && strcmp(e->host, host) == 0)
            found = e;
    }
    return found;
}

/* The dashboard's evacuation as the owner has it now, or NULL. */
static const struct evac_view *
evac_live(const struct console *c, const struct evac_ui *u)
{
    if (!u->dash)
        return NULL;
    if (u->id == 0)
        return con_evac_of_host(c, u->host);
    for (size_t i = 0; i < n_evacs(c); i++) {
        const struct evac_view *e = evac_at(c, i);

        if (e != NULL && e->id == u->id)
            return e;
    }
    return NULL;
}

const struct evac_view *
con_evac_shown(const struct console *c, const struct view *v)
{
    const struct evac_view *e = evac_live(c, v->ev);

    if (e == NULL && v->ev->have_plan)
        e = &v->ev->plan;
    return e;
}

const char *
con_evac_host(const struct view *v)
{
    return v->ev->host;
}

/* ---- jobs by id, for rows of many moves -------------------------------- */

struct job_ix {
    long id;
    const struct job_view *j;
};

static int
by_job_id(const void *a, const void *b)
{
    long x = ((const struct job_ix *)a)->id, y = ((const struct job_ix *)b)->id;

    return (x > y) - (x < y);
}

/* The jobs sorted by id (caller frees). */
static struct job_ix *
jobs_index(const struct console *c, size_t *n)
{
    struct job_ix *ix = xcalloc(con_n_jobs(c) + 1, sizeof *ix);

    *n = 0;
    for (size_t i = 0; i < con_n_jobs(c); i++) {
        const struct job_view *j = con_job_at(c, i);

        if (j != NULL) {
            ix[*n].id = j->id;
            ix[(*n)++].j = j;
        }
    }
    qsort(ix, *n, sizeof *ix, by_job_id);
    return ix;
}

static const struct job_view *
job_in(const struct job_ix *ix, size_t n, long id)
{
    struct job_ix key = {.id = id};
    const struct job_ix *hit;

    if (id <= 0)
        return NULL;
    hit = bsearch(&key, ix, n, sizeof *ix, by_job_id);
    return hit ? hit->j : NULL;
}

/* ---- what changes the screen ------------------------------------------- */

static uint64_t
str_sig(const char *s)
{
    uint64_t h = 1469598103934665603ULL;

    for (; s != NULL && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static uint64_t
num_sig(double x)
{
    return isfinite(x) ? (uint64_t)(int64_t)llround(x) : 7;
}

/* The evacuation object as drawn: its state, each move, the VMs left, the
 * times to the second. */
static uint64_t
evac_sig(const struct evac_view *e)
{
    uint64_t h;

    if (e == NULL)
        return 1;
    h = (uint64_t)e->id * 1000003 + str_sig(e->state);
    h = h * 31 + e->n_moves;
    h = h * 31 + e->n_stays;
    h = h * 31 + e->n_remaining;
    h = h * 31 + e->ended * 2 + e->empty;
    h = h * 31 + e->moved * 7 + e->failed;
    h = h * 31 + e->n_left;
    h = h * 31 + num_sig(e->elapsed_ms / 1000);
    h = h * 31 + num_sig(e->predicted_end_ms / 1000);
    for (size_t i = 0; i < e->n_moves; i++) {
        const struct evac_move_view *m = &e->moves[i];

        h = h * 31 + (uint64_t)m->state;
        h = h * 31 + (uint64_t)m->job;
        h = h * 31 + (uint64_t)m->attempt;
        h = h * 31 + str_sig(m->to);
        h = h * 31 + str_sig(m->error);
        h = h * 31 + num_sig(m->real_ms) + num_sig(m->real_downtime_ms);
    }
    for (size_t i = 0; i < e->n_remaining; i++)
        h = h * 31 + str_sig(e->remaining[i]);
    return h;
}

/* The jobs' states, phases and progress (the moves' jobs among them). */
static uint64_t
jobs_sig(const struct console *c)
{
    uint64_t h = con_jobs_signature(c);

    for (size_t i = 0; i < con_n_jobs(c); i++) {
        const struct job_view *j = con_job_at(c, i);

        if (j == NULL || job_view_ended(j))
            continue;
        h = h * 31 + (uint64_t)(isnan(j->progress) ? 0 : j->progress * 10);
        h = h * 31 + (uint64_t)(j->elapsed_ms / 1000);
    }
    return h;
}

static uint64_t
dash_sig(const struct console *c, const struct view *v)
{
    return evac_sig(con_evac_shown(c, v)) * 1000003 + jobs_sig(c);
}

/* ---- rows -------------------------------------------------------------- */

/* Columns: min, max, give, right, flex (see ferry/table.h). */
static const struct table_col plan_cols[] = {
    {"#", 2, 6, 3, true, false},        {"VM", 8, 24, 0, false, false},
    {"TO", 5, 16, 0, false, false},     {"KIND", 4, 0, 0, false, false},
    {"TIME", 6, 0, 2, true, false},     {"DOWNTIME", 8, 0, 1, true, false},
    {"HOW", 8, 0, 5, false, true},
};
static const struct table_col dash_cols[] = {
    {"#", 2, 6, 6, true, false},        {"VM", 8, 24, 0, false, false},
    {"TO", 5, 16, 0, false, false},     {"STATE", 7, 0, 0, false, false},
    {"PHASE", 6, 0, 3, false, false},   {"DONE", 4, 0, 1, true, false},
    {"TIME", 7, 0, 4, true, false},     {"PRED DT", 7, 0, 2, true, false},
    {"DOWNTIME", 8, 0, 2, true, false}, {"NOTE", 12, 0, 7, false, true},
};

/* "compute", "both", "cold", "cold both": what moves, and whether the
 * VM runs while it does. */
static void
set_kind(struct table *t, size_t r, int col, const struct evac_move_view *m)
{
    const char *k = m->kind ? m->kind : "compute";

    if (m->cold && strcmp(k, "compute") == 0)
        table_set(t, r, col, NAN, "cold");
    else
        table_set(t, r, col, NAN, "%s%s", m->cold ? "cold " : "", k);
}

static void
set_ms(struct table *t, size_t r, int col, double ms, const char *prefix)
{
    char a[32];

    if (isfinite(ms))
        table_set(t, r, col, ms, "%s%s", prefix,
                  units_fmt_ms(a, sizeof a, ms));
    else
        table_set(t, r, col, -1, "-");
}

static const char *
how_of(const struct evac_move_view *m)
{
    if (m->how != NULL && m->how[0])
        return m->how;
    if (m->cold)
        return "cold: nothing runs while it moves";
    return m->converges ? "converges" : "does not converge";
}

static void
stay_rows(struct table *t, const struct evac_view *e, int cols_to,
          int col_note, int n_cols)
{
    for (size_t i = 0; i < e->n_stays; i++) {
        const struct evac_stay_view *s = &e->stays[i];
        size_t r;

        r = table_add(t, s->vm, s->shutoff ? ROLE_DIM : ROLE_WARNING);
        table_set(t, r, 0, NO_ORDER, "-");
        table_set(t, r, 1, NAN, "%s", s->vm);
        table_set(t, r, cols_to, NAN, "%s", s->shutoff ? "stays (off)"
                                                        : "stays");
        for (int k = cols_to + 1; k < n_cols; k++)
            if (k != col_note)
                table_set(t, r, k, -1, "-");
        table_set(t, r, col_note, NAN, "%s", s->reason ? s->reason : "");
    }
}

static void
rows_plan(struct console *c, struct view *v)
{
    const struct evac_view *e = con_evac_shown(c, v);
    struct table *t = &v->tbl;

    if (e == NULL)
        return;
    for (size_t i = 0; i < e->n_moves; i++) {
        const struct evac_move_view *m = &e->moves[i];
        size_t r = table_add(t, m->vm, m->converges || m->cold
                                           ? ROLE_NORMAL
                                           : ROLE_WARNING);

        table_set(t, r, 0, m->order, "%d", m->order);
        table_set(t, r, 1, NAN, "%s", m->vm);
        /* the datastore of a move with its disks: in the words below */
        table_set(t, r, 2, NAN, "%s", m->to ? m->to : "?");
        set_kind(t, r, 3, m);
        set_ms(t, r, 4, m->predicted_ms, "");
        set_ms(t, r, 5, m->predicted_downtime_ms, "");
        table_set(t, r, 6, NAN, "%s", how_of(m));
    }
    stay_rows(t, e, 2, 6, 7);
}

/* A move's progress from its job: % (NAN: none to tell). */
static double
move_progress(const struct evac_move_view *m, const struct job_view *j)
{
    if (m->state == EVM_DONE)
        return 100;
    if (j == NULL)
        return NAN;
    if (job_view_ended(j))
        return j->outcome && strcmp(j->outcome, "completed") == 0 ? 100
                                                                   : NAN;
    if (j->state == JOB_QUEUED)
        return 0;
    return isnan(j->progress) ? 0 : j->progress;
}

static int
move_role(const struct evac_move_view *m)
{
    switch (m->state) {
    case EVM_RUNNING:
        return ROLE_TITLE;
    case EVM_DONE:
        return ROLE_OK;
    case EVM_FAILED:
        return ROLE_ERROR;
    case EVM_CANCELLED:
        return ROLE_DIM;
    default:
        return ROLE_NORMAL;
    }
}

/* "+10%" of real against planned. */
static void
against(char *buf, size_t n, double real, double planned)
{
    if (isfinite(real) && isfinite(planned) && planned > 0)
        snprintf(buf, n, "%+.0f%%", (real - planned) / planned * 100);
    else
        snprintf(buf, n, "?");
}

/* The note of a move: what went wrong, a retry, how long it took
 * against the prediction, or the prediction. */
static char *
move_note(const struct evac_move_view *m)
{
    char a[32], b[32], pct[16];

    if (m->error != NULL && m->error[0])
        return xasprintf("%s%s", m->attempt > 1 ? "retried: " : "",
                         m->error);
    if (m->attempt > 1 && m->n_tried > 0 &&
        (m->to == NULL || strcmp(m->tried[0], m->to) != 0))
        return xasprintf("retry (first tried %s)", m->tried[0]);
    if (m->state == EVM_DONE && isfinite(m->real_ms) &&
        isfinite(m->predicted_ms)) {
        against(pct, sizeof pct, m->real_ms, m->predicted_ms);
        return xasprintf("took %s, predicted %s (%s)",
                         units_fmt_ms(a, sizeof a, m->real_ms),
                         units_fmt_ms(b, sizeof b, m->predicted_ms), pct);
    }
    if (m->state == EVM_DONE || m->state == EVM_CANCELLED)
        return xstrdup("");
    return xstrdup(how_of(m));
}

static void
rows_dash(struct console *c, struct view *v)
{
    const struct evac_view *e = con_evac_shown(c, v);
    struct table *t = &v->tbl;
    size_t nj;
    struct job_ix *ix;

    if (e == NULL)
        return;
    ix = jobs_index(c, &nj);
    for (size_t i = 0; i < e->n_moves; i++) {
        const struct evac_move_view *m = &e->moves[i];
        const struct job_view *j = job_in(ix, nj, m->job);
        size_t r = table_add(t, m->vm, move_role(m));
        double prog = move_progress(m, j);
        double real_dt = m->real_downtime_ms;
        char *note = move_note(m);

        table_set(t, r, 0, m->order, "%d", m->order);
        table_set(t, r, 1, NAN, "%s", m->vm);
        table_set(t, r, 2, NAN, "%s", m->to ? m->to : "?");
        table_set(t, r, 3, (double)m->state, "%s",
                  evac_move_state_name(m->state));
        if (j != NULL && j->started && j->state != JOB_QUEUED)
            table_set(t, r, 4, (double)j->phase, "%s",
                      job_phase_name(j->phase));
        else if (j != NULL && j->state == JOB_QUEUED)
            table_set(t, r, 4, -1, "queued #%d", j->queue_pos);
        else
            table_set(t, r, 4, -1, "-");
        if (isfinite(prog))
            table_set(t, r, 5, prog, "%.0f%%", prog);
        else
            table_set(t, r, 5, -1, "-");
        if (isfinite(m->real_ms))
            set_ms(t, r, 6, m->real_ms, "");
        else if (j != NULL && j->started && !job_view_ended(j))
            set_ms(t, r, 6, j->elapsed_ms, "");
        else
            set_ms(t, r, 6, m->predicted_ms, "~");
        set_ms(t, r, 7, m->predicted_downtime_ms, "");
        if (!isfinite(real_dt) && j != NULL && job_view_ended(j) &&
            j->outcome && strcmp(j->outcome, "completed") == 0)
            real_dt = (double)j->downtime_ms;
        set_ms(t, r, 8, real_dt, "");
        table_set(t, r, 9, NAN, "%s", note);
        free(note);
    }
    stay_rows(t, e, 2, 9, 10);
    free(ix);
}

/* ---- drawing ----------------------------------------------------------- */

static const char *
policy_of(const struct evac_view *e)
{
    return e->policy && e->policy[0] ? e->policy : "default";
}

/* "up to 3 at once", or nothing when the plan does not say. */
static char *
parallel_of(const struct evac_view *e)
{
    return e->parallel > 0 ? xasprintf("  up to %u at once", e->parallel)
                           : xstrdup("");
}

/* s without a leading "WHAT: " (the sentence names what the line
 * already has). */
static const char *
after_prefix(const char *s, const char *what)
{
    size_t n = what ? strlen(what) : 0;

    if (s != NULL && n > 0 && strncmp(s, what, n) == 0 &&
        strncmp(s + n, ": ", 2) == 0)
        return s + n + 2;
    return s ? s : "";
}

/* The selected row's words whole: where the VM goes and why there (and,
 * on the dashboard, how it went), or why it stays. */
static char *
row_words(const struct evac_view *e, const char *vm, bool dash)
{
    const struct evac_move_view *m;

    if (e == NULL || vm[0] == '\0')
        return xstrdup("");
    if ((m = evac_view_move(e, vm)) != NULL) {
        char *tried = xstrdup(""), *state = xstrdup(""), *s;
        bool failed = m->error && m->error[0];

        /* the destinations an earlier attempt went for (the server
         * lists the current one too) */
        for (size_t i = 0; i < m->n_tried; i++) {
            char *t;

            if (m->to != NULL && strcmp(m->tried[i], m->to) == 0)
                continue;
            t = xasprintf("%s%s%s", tried, tried[0] ? ", " : "; tried ",
                          m->tried[i]);
            free(tried);
            tried = t;
        }
        if (tried[0] != '\0') {
            char *t = xasprintf("%s before", tried);

            free(tried);
            tried = t;
        }
        if (dash) {
            free(state);
            state = xasprintf(" (%s%s%s)", evac_move_state_name(m->state),
                              failed ? ": " : "", failed ? m->error : "");
        }
        s = xasprintf(" %s -> %s%s%s%s: %s%s", m->vm, m->to ? m->to : "?",
                      m->ds ? ", disks to " : "", m->ds ? m->ds : "", state,
                      m->reason ? after_prefix(m->reason, m->to)
                                : how_of(m),
                      tried);
        free(tried);
        free(state);
        return s;
    }
    for (size_t i = 0; i < e->n_stays; i++)
        if (strcmp(e->stays[i].vm, vm) == 0) {
            char *pre = xasprintf("stays on %s", e->host);
            char *s = xasprintf(" %s stays on %s: %s", vm, e->host,
                                after_prefix(e->stays[i].reason, pre));

            free(pre);
            return s;
        }
    return xstrdup("");
}

static void
draw_words(struct console *c, int y, int h, const char *s, int role)
{
    wattrset(stdscr, ui_attr(c->t, ROLE_NORMAL));
    for (int r = 0; r < h; r++)
        ui_fill(stdscr, y + r, 0, COLS, ' ');
    wattrset(stdscr, ui_attr(c->t, role));
    if (s[0] != '\0')
        ui_put_wrapped(stdscr, y, 0, COLS, h, s);
}

static void
draw_plan(struct console *c, struct view *v, int y, int h)
{
    struct ui_term *t = c->t;
    const struct evac_view *e = con_evac_shown(c, v);
    int words = MIN(3, MAX(h - 8, 1));
    char a[32], b[32], *par, *w;
    size_t stay = 0;

    if (e == NULL) {
        for (int r = 0; r < h; r++)
            con_blank_line(c, y + r);
        return;
    }
    stay = e->n_stays; /* the VMs that cannot leave: none of the moves */
    par = parallel_of(e);
    wattrset(stdscr, ui_attr(t, ROLE_TITLE));
    ui_line(t, stdscr, y, 0, COLS, " Evacuate %s: the plan  policy %s  "
            "budget %s%s", e->host, policy_of(e),
            units_fmt_ms(a, sizeof a, (double)e->budget_ms), par);
    free(par);
    wattrset(stdscr, ui_attr(t, stay ? ROLE_WARNING : ROLE_OK));
    if (e->n_moves == 0)
        ui_line(t, stdscr, y + 1, 0, COLS, " nothing can leave %s: %zu VM%s "
                "stay%s (the reasons below)", e->host, stay,
                stay == 1 ? "" : "s", stay == 1 ? "s" : "");
    else if (stay == 0)
        ui_line(t, stdscr, y + 1, 0, COLS, " host empty in %s: %zu VM%s "
                "move", isfinite(e->planned_ms)
                            ? units_fmt_ms(b, sizeof b, e->planned_ms)
                            : "?",
                e->n_moves, e->n_moves == 1 ? "" : "s");
    else
        ui_line(t, stdscr, y + 1, 0, COLS, " %zu VM%s move in %s; %zu "
                "stay%s, so the host is not empty then", e->n_moves,
                e->n_moves == 1 ? "" : "s",
                isfinite(e->planned_ms)
                    ? units_fmt_ms(b, sizeof b, e->planned_ms)
                    : "?",
                stay, stay == 1 ? "s" : "");
    con_ready_table(c, v);
    con_draw_table(c, v, y + 2, h - 2 - words);
    w = row_words(e, v->sel_id, false);
    draw_words(c, y + h - words, words, w,
               evac_view_move(e, v->sel_id) ? ROLE_DIM : ROLE_WARNING);
    free(w);
}

/* The second line: the live end against the plan, or the result. */
static void
draw_progress_line(struct console *c, const struct evac_view *e, bool live,
                   int y)
{
    struct ui_term *t = c->t;
    char a[32], b[32], d[32], p[32], pct[16];
    size_t done = 0;

    for (size_t i = 0; i < e->n_moves; i++)
        done += e->moves[i].state == EVM_DONE;
    if (!live) {
        wattrset(stdscr, ui_attr(t, ROLE_DIM));
        ui_line(t, stdscr, y, 0, COLS, " starting: the moves are being "
                "queued (planned: empty in %s)",
                isfinite(e->planned_ms)
                    ? units_fmt_ms(a, sizeof a, e->planned_ms)
                    : "?");
        return;
    }
    if (con_evac_is_over(e)) {
        size_t left = e->n_left;

        against(pct, sizeof pct, e->elapsed_ms, e->planned_ms);
        wattrset(stdscr, ui_attr(t, e->empty ? ROLE_OK : ROLE_WARNING));
        if (e->empty)
            ui_line(t, stdscr, y, 0, COLS, " ended after %s (planned %s, %s):"
                    " %s is empty, %u moved", units_fmt_ms(a, sizeof a,
                                                            e->elapsed_ms),
                    units_fmt_ms(b, sizeof b, e->planned_ms), pct, e->host,
                    e->moved);
        else
            ui_line(t, stdscr, y, 0, COLS, " ended after %s (planned %s, "
                    "%s): %zu VM%s left on %s, %u moved%s%.0u%s",
                    units_fmt_ms(a, sizeof a, e->elapsed_ms),
                    units_fmt_ms(b, sizeof b, e->planned_ms), pct, left,
                    left == 1 ? "" : "s", e->host, e->moved,
                    e->failed ? ", " : "", e->failed,
                    e->failed ? " failed" : "");
        return;
    }
    against(pct, sizeof pct, e->predicted_end_ms, e->planned_ms);
    wattrset(stdscr, ui_attr(t, strcmp(e->state, "aborting") == 0
                                    ? ROLE_WARNING
                                    : ROLE_NORMAL));
    if (strcmp(e->state, "aborting") == 0)
        ui_line(t, stdscr, y, 0, COLS, " aborting after %s: what waits is "
                "cancelled, what runs is aborted; %zu of %zu moved",
                units_fmt_ms(a, sizeof a, e->elapsed_ms), done, e->n_moves);
    else
        ui_line(t, stdscr, y, 0, COLS, " elapsed %s  %s in %s: at %s, "
                "planned %s (%s)  %zu of %zu moved",
                units_fmt_ms(a, sizeof a, e->elapsed_ms),
                /* VMs that stay: the host is not empty at the end */
                e->n_stays ? "moves end" : "empty",
                isfinite(e->predicted_end_ms)
                    ? units_fmt_ms(b, sizeof b,
                                   MAX(e->predicted_end_ms - e->elapsed_ms,
                                       0))
                    : "?",
                isfinite(e->predicted_end_ms)
                    ? units_fmt_ms(d, sizeof d, e->predicted_end_ms)
                    : "?",
                isfinite(e->planned_ms)
                    ? units_fmt_ms(p, sizeof p, e->planned_ms)
                    : "?",
                pct, done, e->n_moves);
}

/* The VMs on the host now (running), or those left with their reasons
 * (ended). */
static char *
remaining_words(const struct evac_view *e)
{
    char *list, *s;

    if (con_evac_is_over(e)) {
        if (e->n_left == 0)
            return xasprintf(" nothing that had to leave is left on %s; "
                             "it stays in maintenance until M ends it",
                             e->host);
        char *pre = xasprintf("stays on %s", e->host);

        list = xstrdup("");
        for (size_t i = 0; i < e->n_left; i++) {
            const char *why = after_prefix(e->left[i].reason, pre);
            char *n = xasprintf("%s%s%s%s%s", list, i ? "; " : "",
                                e->left[i].vm, why[0] ? ": " : "", why);

            free(list);
            list = n;
        }
        s = xasprintf(" left on %s: %s", e->host, list);
        free(list);
        free(pre);
        return s;
    }
    if (e->n_remaining == 0)
        return xasprintf(" no VM is left on %s", e->host);
    list = strv_join(e->remaining, e->n_remaining, ", ");
    s = xasprintf(" still on %s (%zu): %s", e->host, e->n_remaining, list);
    free(list);
    return s;
}

static void
draw_evac_dash(struct console *c, struct view *v, int y, int h)
{
    struct ui_term *t = c->t;
    const struct evac_view *live = evac_live(c, v->ev);
    const struct evac_view *e = live ? live : con_evac_shown(c, v);
    int words = MIN(2, MAX(h - 10, 1)), rem = MIN(2, MAX(h - 12, 1));
    char a[32], *par, *w;

    v->ev->sig = dash_sig(c, v);
    if (e == NULL) {
        for (int r = 0; r < h; r++)
            con_blank_line(c, y + r);
        wattrset(stdscr, ui_attr(t, ROLE_DIM));
        ui_line(t, stdscr, y, 0, COLS, " the evacuation of %s: waiting for "
                "the server's news", v->ev->host);
        return;
    }
    par = parallel_of(e);
    wattrset(stdscr, ui_attr(t, ROLE_TITLE));
    ui_line(t, stdscr, y, 0, COLS, " Evacuation of %s  %s  policy %s  "
            "budget %s%s", e->host, live ? e->state : "starting",
            policy_of(e), units_fmt_ms(a, sizeof a, (double)e->budget_ms),
            par);
    free(par);
    draw_progress_line(c, e, live != NULL, y + 1);
    con_ready_table(c, v);
    con_draw_table(c, v, y + 2, h - 2 - words - rem);
    w = remaining_words(e);
    draw_words(c, y + h - words - rem, rem, w,
               con_evac_is_over(e) && !e->empty ? ROLE_WARNING : ROLE_NORMAL);
    free(w);
    w = row_words(e, v->sel_id, true);
    draw_words(c, y + h - words, words, w, ROLE_DIM);
    free(w);
}

static const char *
evac_hints(struct console *c, struct view *v)
{
    const struct evac_view *e;

    if (!v->ev->dash)
        return " Enter start the evacuation  Esc back  / filter  < > sort  "
               "? help";
    e = evac_live(c, v->ev);
    if (e != NULL && con_evac_is_over(e))
        return " M end maintenance  Enter move's dashboard  Esc back  "
               "/ filter  ? help";
    return " a abort  Enter move's dashboard  Esc back  / filter  < > sort  "
           "? help";
}

static char *
evac_crumb(struct console *c, const struct view *v)
{
    (void)c;
    return xasprintf("%s %s", v->ev->dash ? "Evacuation" : "Evacuate",
                     v->ev->host);
}

/* The end of an evacuation this view followed: on the status line. */
static void
end_news(struct console *c, struct evac_ui *u)
{
    const struct evac_view *e = evac_live(c, u);

    if (e == NULL || u->told_end)
        return;
    if (!con_evac_is_over(e)) {
        u->seen_running = true;
        return;
    }
    u->told_end = true;
    if (!u->seen_running)
        return;
    if (e->empty)
        con_set_status(c, false, "evacuation of %s ended: the host is empty "
                       "(M ends its maintenance)", e->host);
    else
        con_set_status(c, true, "evacuation of %s ended: %zu VM%s left on it",
                       e->host, e->n_left, e->n_left == 1 ? "" : "s");
}

static bool
evac_tick(struct console *c, struct view *v, uint64_t now_ms)
{
    uint64_t s;

    (void)now_ms;
    if (!v->ev->dash)
        return false;
    end_news(c, v->ev);
    s = dash_sig(c, v);
    if (s == v->ev->sig)
        return false;
    v->ev->sig = s;
    return true;
}

static void
evac_fini(struct view *v)
{
    if (v->ev == NULL)
        return;
    evac_view_fini(&v->ev->plan);
    free(v->ev->host);
    free(v->ev);
}

static const struct view_class evac_dash_class;

const struct view_class con_evac_class = {
    .kind = V_EVAC, .title = "Evacuation", .where = "evacuation",
    .cols = plan_cols, .n_cols = ARRAY_SIZE(plan_cols),
    .rows = rows_plan, .rows_sig = con_sig_none, .draw = draw_plan,
    .hints = evac_hints, .crumb = evac_crumb, .tick = evac_tick,
    .fini = evac_fini,
};
static const struct view_class evac_dash_class = {
    .kind = V_EVAC, .title = "Evacuation", .where = "evacuation",
    .cols = dash_cols, .n_cols = ARRAY_SIZE(dash_cols),
    .rows = rows_dash, .rows_sig = dash_sig, .draw = draw_evac_dash,
    .hints = evac_hints, .crumb = evac_crumb, .tick = evac_tick,
    .fini = evac_fini,
};

/* ---- opening, starting, aborting --------------------------------------- */

static struct evac_ui *
evac_push(struct console *c, const char *host)
{
    struct view *v;

    if (con_top(c)->kind == V_EVAC)
        con_pop(c);
    v = con_push(c, V_EVAC);
    v->ev = xcalloc(1, sizeof *v->ev);
    v->ev->host = xstrdup(host);
    evac_view_init(&v->ev->plan);
    return v->ev;
}

/* The view becomes the dashboard of evacuation id: its own columns, the
 * rows built again. */
static void
to_dashboard(struct view *v, long id)
{
    v->ev->dash = true;
    v->ev->id = id;
    v->cls = &evac_dash_class;
    table_fini(&v->tbl);
    memset(&v->tbl, 0, sizeof v->tbl);
    v->built = false;
    free(v->arranged_filter);
    v->arranged_filter = NULL;
    free(v->widths);
    v->widths = NULL;
    v->widths_for = -1;
    v->sort_col = 0;
    v->sort_desc = false;
    v->sel = v->top = 0;
    con_set_filter(v, "");
    con_set_sel(v, "");
}

static void
dashboard_open(struct console *c, const char *host, long id)
{
    struct evac_ui *u = evac_push(c, host);

    to_dashboard(con_top(c), id);
    u->sig = 0;
}

static void
args_for(const struct console *c, const char *host, struct evac_args *a)
{
    evac_args_init(a);
    a->host = xstrdup(host);
    a->policy = c->o.default_policy ? xstrdup(c->o.default_policy) : NULL;
    a->budget_ms = c->o.default_budget_ms;
    a->owner = xstrdup("console");
}

void
con_evacuate(struct console *c, const char *host)
{
    const struct console_ops *ops = c->o.ops;
    const struct evac_view *running = con_evac_of_host(c, host);
    struct evac_args a;
    struct evac_view plan;
    struct ferry_err err;
    struct evac_ui *u;
    char t[32];
    size_t stay = 0;

    if (model_host(c->o.hv->model, host) == NULL) {
        con_set_status(c, true, "no host named %s", host);
        return;
    }
    if (running != NULL && !con_evac_is_over(running)) {
        dashboard_open(c, host, running->id);
        con_set_status(c, false, "%s is being evacuated: its dashboard",
                       host);
        return;
    }
    if (ops->evac_plan == NULL || ops->evac_start == NULL) {
        con_set_status(c, true, "evacuations are the ferry server's: this "
                       "console has none to ask");
        return;
    }
    args_for(c, host, &a);
    evac_view_init(&plan);
    err.msg[0] = '\0';
    if (ops->evac_plan(c->o.ops_ctx, &a, &plan, &err) < 0) {
        con_set_status(c, true, "cannot plan evacuating %s: %s", host,
                       err.msg);
        evac_view_fini(&plan);
        evac_args_fini(&a);
        return;
    }
    evac_args_fini(&a);
    u = evac_push(c, host);
    u->plan = plan; /* the view's now */
    u->have_plan = true;
    stay = plan.n_stays;
    con_set_status(c, false, "the plan for %s: %zu move%s, empty in %s, "
                   "%zu stay%s; Enter starts it", host, plan.n_moves,
                   plan.n_moves == 1 ? "" : "s",
                   isfinite(plan.planned_ms)
                       ? units_fmt_ms(t, sizeof t, plan.planned_ms)
                       : "?",
                   stay, stay == 1 ? "s" : "");
}

static void
evac_start(struct console *c, struct view *v)
{
    struct evac_ui *u = v->ev;
    struct evac_args a;
    struct ferry_err err;
    long id;

    args_for(c, u->host, &a);
    if (u->plan.policy != NULL) {
        free(a.policy);
        a.policy = xstrdup(u->plan.policy);
    }
    if (u->plan.budget_ms > 0)
        a.budget_ms = u->plan.budget_ms;
    a.include_shutoff = u->plan.include_shutoff;
    a.allow_storage = u->plan.allow_storage;
    err.msg[0] = '\0';
    id = c->o.ops->evac_start(c->o.ops_ctx, &a, &err);
    evac_args_fini(&a);
    if (id < 0) {
        con_set_status(c, true, "%s: not started: %s", u->host, err.msg);
        return;
    }
    to_dashboard(v, id);
    con_set_status(c, false, "evacuation of %s started: the host is in "
                   "maintenance, it takes no new VMs", u->host);
}

void
con_evac_enter(struct console *c, struct view *v)
{
    const struct evac_view *e = con_evac_shown(c, v);
    const struct evac_move_view *m;

    if (!v->ev->dash) {
        evac_start(c, v);
        return;
    }
    if (e == NULL || v->sel_id[0] == '\0') {
        con_set_status(c, false, "nothing selected");
        return;
    }
    if ((m = evac_view_move(e, v->sel_id)) == NULL) {
        con_set_status(c, false, "%s stays on %s: it has no migration",
                       v->sel_id, e->host);
        return;
    }
    if (m->job <= 0 || con_job_by_id(c, m->job) == NULL) {
        con_set_status(c, false, "%s: %s, no migration yet", m->vm,
                       evac_move_state_name(m->state));
        return;
    }
    con_open_dashboard(c, m->job);
}

void
con_evac_ask_abort(struct console *c, struct view *v)
{
    const struct evac_view *e = evac_live(c, v->ev);

    if (!v->ev->dash) {
        con_set_status(c, false, "nothing runs yet: Esc leaves the plan");
        return;
    }
    if (e == NULL) {
        con_set_status(c, true, "the evacuation of %s is not known yet",
                       v->ev->host);
        return;
    }
    if (con_evac_is_over(e)) {
        con_set_status(c, true, "the evacuation of %s has ended", e->host);
        return;
    }
    con_ask(c, C_EVAC_ABORT, e->id, "abort the evacuation of %s? what waits "
            "is cancelled, what runs is aborted, each VM stays where it is "
            "(y/n)", e->host);
}

void
con_evac_abort(struct console *c, long id)
{
    struct ferry_err err;

    err.msg[0] = '\0';
    if (c->o.ops->evac_abort == NULL)
        con_set_status(c, true, "this console cannot abort evacuations");
    else if (c->o.ops->evac_abort(c->o.ops_ctx, id, &err) < 0)
        con_set_status(c, true, "%s", err.msg);
    else
        con_set_status(c, false, "evacuation abort requested: the VMs stay "
                       "where they are");
}
