/* An evacuation's timeline (evac_timeline.h). Everything the rows show
 * is worked out once, when the log is opened: each move's planned span,
 * its real attempts (from the started/ended events), its destinations
 * and outcome. A frame then costs the rows on screen, whatever the
 * number of moves: the moves running at the cursor are counted by binary
 * search over the attempts' sorted start and end times, the events at
 * the cursor found the same way. Paused, nothing runs. */
#include "evac_timeline.h"
#include "keymap.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ferry/units.h"

#define FRAME_MS 200
#define EVENT_ROWS 3
#define MAX_ATTEMPTS 4
#define COL_VM 12
#define COL_TO 11
#define COL_TIME 11
#define COL_DOWN 10
#define COL_OUT 9
/* marker, VM, TO, TIME, DOWN, OUTCOME and the blanks between */
#define COLS_FIXED (1 + COL_VM + 1 + COL_TO + 1 + 1 + COL_TIME + 1 + COL_DOWN + \
                    1 + COL_OUT)
#define MIN_COLS 60
#define MIN_LINES 14

static const double speeds[] = {0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256};
#define SPEED_1X 2

/* One try of a move: from its started event to its ended one (open: the
 * log ends before it does). Strings are the log's. */
struct attempt {
    double a_ms, b_ms;
    bool open, failed, cancelled;
    const char *to, *log;
};

struct row {
    const char *vm;
    const struct evac_move_view *plan; /* NULL: only in the events */
    const struct evac_move_view *res;  /* the result's, or NULL */
    struct attempt att[MAX_ATTEMPTS];
    int n_att;
    double plan_a_ms, plan_b_ms; /* NAN: no planned span */
    double pred_ms, pred_dt_ms, real_ms, real_dt_ms;
    char *dest;    /* "hv-03", or "hv-03→hv-04" after a retry */
    char *outcome; /* what became of it */
    enum role outcome_role;
    const char *last_event; /* its last event's name (no result) */
    const struct evac_event *last_end; /* its last ended event */
};

/* What the list shows: the moves, then the VMs that stayed. */
struct stay {
    const char *vm, *reason;
};

struct evac_tl {
    struct ui_term *t;
    struct evac_log l;
    char *path, *dir;
    struct replay_opts ro;
    struct row *rows;
    size_t n_rows;
    size_t *by_vm; /* row indices sorted by VM name */
    struct stay *stays;
    size_t n_stays;
    const struct evac_event **ev; /* sorted by time */
    size_t n_ev;
    double *starts, *ends; /* every attempt's, sorted */
    size_t n_spans;
    double span_ms;        /* the time axis: 0 .. span_ms */
    int vm_max, to_max;    /* the longest names' columns */
    double real_end_ms;    /* NAN: no result */
    unsigned moved, failed, left;
    double cursor_ms;
    bool playing;
    int speed;
    uint64_t wall_ms;
    size_t sel, top; /* selected item, first item shown */
    bool dirty, closed, fresh;
    struct replay *child; /* a move's flight log, over the timeline */
    char *msg;            /* never NULL */
    bool msg_error;
};

static void FERRY_PRINTF(3, 4)
say(struct evac_tl *e, bool error, const char *fmt, ...)
{
    va_list ap;

    free(e->msg);
    va_start(ap, fmt);
    e->msg = xvasprintf(fmt, ap);
    va_end(ap);
    e->msg_error = error;
    e->dirty = true;
}

static const char *
arrow(const struct evac_tl *e)
{
    return e->t->utf8 ? "\u2192" : "->";
}

/* Short durations for the narrow columns: 64ms 2.2s 1m20s 1h05m. */
static char *
fmt_short(char *buf, size_t n, double ms)
{
    if (isnan(ms) || ms < 0)
        snprintf(buf, n, "-");
    else if (ms < 1000)
        snprintf(buf, n, "%.0fms", ms);
    else if (ms < 59950)
        snprintf(buf, n, "%.1fs", ms / 1000);
    else if (ms < 3600000) {
        long s = lround(ms / 1000);

        snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
    } else {
        long m = lround(ms / 60000);

        snprintf(buf, n, "%ldh%02ldm", m / 60, m % 60);
    }
    return buf;
}

/* ---- reading the log into rows ----------------------------------------- */

static int
cmp_event(const void *pa, const void *pb)
{
    const struct evac_event *a = *(const struct evac_event *const *)pa;
    const struct evac_event *b = *(const struct evac_event *const *)pb;

    if (a->t_ms != b->t_ms)
        return a->t_ms < b->t_ms ? -1 : 1;
    return a < b ? -1 : a > b; /* the log's order at the same time */
}

static int
cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;

    return a < b ? -1 : a > b;
}

/* Sorting rows: the plan's order, then its start, then the name. */
static int
cmp_row(const void *pa, const void *pb)
{
    const struct row *a = pa, *b = pb;
    int oa = a->plan && a->plan->order > 0 ? a->plan->order : 1 << 30;
    int ob = b->plan && b->plan->order > 0 ? b->plan->order : 1 << 30;

    if (oa != ob)
        return oa < ob ? -1 : 1;
    if (a->plan_a_ms != b->plan_a_ms && !isnan(a->plan_a_ms) &&
        !isnan(b->plan_a_ms))
        return a->plan_a_ms < b->plan_a_ms ? -1 : 1;
    return strcmp(a->vm, b->vm);
}

static const struct row *sort_rows; /* qsort has no context argument */

static int
cmp_by_vm(const void *pa, const void *pb)
{
    return strcmp(sort_rows[*(const size_t *)pa].vm,
                  sort_rows[*(const size_t *)pb].vm);
}

/* The row of a VM, or NULL (binary search over by_vm). */
static struct row *
row_of(struct evac_tl *e, const char *vm)
{
    size_t lo = 0, hi = e->n_rows;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(e->rows[e->by_vm[mid]].vm, vm);

        if (c == 0)
            return &e->rows[e->by_vm[mid]];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void
index_rows(struct evac_tl *e)
{
    free(e->by_vm);
    e->by_vm = xcalloc(e->n_rows ? e->n_rows : 1, sizeof *e->by_vm);
    for (size_t i = 0; i < e->n_rows; i++)
        e->by_vm[i] = i;
    sort_rows = e->rows;
    qsort(e->by_vm, e->n_rows, sizeof *e->by_vm, cmp_by_vm);
    sort_rows = NULL;
}

static bool
outcome_cancelled(const struct evac_event *ev)
{
    return ev->outcome != NULL && strcmp(ev->outcome, "cancelled") == 0;
}

static bool
outcome_failed(const struct evac_event *ev)
{
    if (outcome_cancelled(ev))
        return false;
    if (ev->error != NULL && ev->error[0] != '\0')
        return true;
    return ev->outcome != NULL && strcmp(ev->outcome, "completed") != 0 &&
           strcmp(ev->outcome, "done") != 0;
}

/* A started or ended event on its row's attempts. */
static void
row_event(struct row *r, const struct evac_event *ev)
{
    struct attempt *a;

    r->last_event = ev->event;
    if (strcmp(ev->event, "started") == 0) {
        if (r->n_att == MAX_ATTEMPTS) /* more tries than any plan makes */
            r->n_att--;
        a = &r->att[r->n_att++];
        memset(a, 0, sizeof *a);
        a->a_ms = a->b_ms = ev->t_ms;
        a->open = true;
        a->to = ev->to;
        a->log = ev->log;
        return;
    }
    if (strcmp(ev->event, "ended") != 0)
        return;
    r->last_end = ev;
    a = r->n_att > 0 && r->att[r->n_att - 1].open ? &r->att[r->n_att - 1]
                                                   : NULL;
    if (a == NULL && (isnan(ev->real_ms) || ev->real_ms <= 0))
        return; /* it never ran (cancelled while queued, not started) */
    if (a == NULL) { /* an end without its start: as long as it took */
        if (r->n_att == MAX_ATTEMPTS)
            r->n_att--;
        a = &r->att[r->n_att++];
        memset(a, 0, sizeof *a);
        a->a_ms = isnan(ev->real_ms) ? ev->t_ms
                                     : MAX(ev->t_ms - ev->real_ms, 0);
        a->to = ev->to;
    }
    a->b_ms = ev->t_ms;
    a->open = false;
    a->failed = outcome_failed(ev);
    a->cancelled = outcome_cancelled(ev);
    if (ev->log != NULL)
        a->log = ev->log;
    if (ev->to != NULL && a->to == NULL)
        a->to = ev->to;
    if (!isnan(ev->real_ms))
        r->real_ms = ev->real_ms;
    if (!isnan(ev->downtime_ms))
        r->real_dt_ms = ev->downtime_ms;
}

static void
row_init(struct row *r, const char *vm, const struct evac_move_view *plan)
{
    memset(r, 0, sizeof *r);
    r->vm = vm;
    r->plan = plan;
    r->plan_a_ms = r->plan_b_ms = NAN;
    r->pred_ms = r->pred_dt_ms = r->real_ms = r->real_dt_ms = NAN;
    if (plan != NULL) {
        r->plan_a_ms = plan->start_ms;
        r->plan_b_ms = MAX(plan->end_ms, plan->start_ms);
        r->pred_ms = plan->predicted_ms;
        r->pred_dt_ms = plan->predicted_downtime_ms;
    }
}

/* Destination, outcome and the real numbers, once the events are in. */
static void
row_finish(const struct evac_tl *e, struct row *r)
{
    const char *first = r->plan ? r->plan->to : NULL, *last = NULL;
    const struct evac_move_view *m = r->res;

    /* the first destination: the one tried first, else the plan's */
    if (m != NULL && m->n_tried > 0)
        first = m->tried[0];
    if (r->n_att > 0) {
        if (first == NULL)
            first = r->att[0].to;
        last = r->att[r->n_att - 1].to;
    }
    if (m != NULL && m->to != NULL)
        last = m->to;
    if (first == NULL)
        first = last ? last : "?";
    if (last != NULL && strcmp(last, first) != 0)
        r->dest = xasprintf("%s%s%s", first, arrow(e), last);
    else
        r->dest = xstrdup(first);
    for (int i = 0; i < r->n_att; i++)
        if (r->att[i].open)
            r->att[i].b_ms = e->span_ms;
    if (m != NULL) {
        if (!isnan(m->real_ms))
            r->real_ms = m->real_ms;
        if (!isnan(m->real_downtime_ms))
            r->real_dt_ms = m->real_downtime_ms;
        if (isnan(r->pred_ms))
            r->pred_ms = m->predicted_ms;
        if (isnan(r->pred_dt_ms))
            r->pred_dt_ms = m->predicted_downtime_ms;
        r->outcome = xasprintf("%s%s", evac_move_state_name(m->state),
                               m->state == EVM_DONE && m->attempt > 1
                                   ? " 2nd"
                                   : "");
        r->outcome_role = m->state == EVM_DONE     ? ROLE_OK
                          : m->state == EVM_FAILED ? ROLE_ERROR
                          : m->state == EVM_CANCELLED ? ROLE_WARNING
                                                      : ROLE_NORMAL;
        return;
    }
    /* no result: what the events say */
    if (r->last_end != NULL &&
        (r->n_att == 0 || !r->att[r->n_att - 1].open)) {
        bool failed = outcome_failed(r->last_end);
        bool cancelled = outcome_cancelled(r->last_end);

        r->outcome = xstrdup(failed ? "failed" : cancelled ? "cancelled"
                                                           : "done");
        r->outcome_role = failed      ? ROLE_ERROR
                          : cancelled ? ROLE_WARNING
                                      : ROLE_OK;
    } else if (r->n_att > 0) {
        r->outcome = xstrdup("running");
        r->outcome_role = ROLE_WARNING;
    } else {
        r->outcome = xstrdup(r->last_event ? r->last_event : "planned");
        r->outcome_role = ROLE_DIM;
    }
}

static void
add_stay(struct evac_tl *e, size_t *cap, const char *vm, const char *reason)
{
    for (size_t i = 0; i < e->n_stays; i++)
        if (strcmp(e->stays[i].vm, vm) == 0)
            return;
    e->stays = xgrow(e->stays, cap, e->n_stays + 1, sizeof *e->stays);
    e->stays[e->n_stays].vm = vm;
    e->stays[e->n_stays++].reason = reason ? reason : "";
}

static void
build(struct evac_tl *e)
{
    const struct evac_view *p = &e->l.plan, *res = &e->l.result;
    size_t cap = 0, cap_st = 0, k = 0;
    double span = 0;

    /* the plan's moves */
    e->rows = xcalloc(p->n_moves + 1, sizeof *e->rows);
    cap = p->n_moves + 1;
    for (size_t i = 0; i < p->n_moves; i++)
        row_init(&e->rows[e->n_rows++], p->moves[i].vm, &p->moves[i]);
    qsort(e->rows, e->n_rows, sizeof *e->rows, cmp_row);
    index_rows(e);

    /* the events, in time order; a VM the plan did not have gets a row */
    e->ev = xcalloc(e->l.n_events + 1, sizeof *e->ev);
    for (size_t i = 0; i < e->l.n_events; i++)
        e->ev[e->n_ev++] = &e->l.events[i];
    qsort(e->ev, e->n_ev, sizeof *e->ev, cmp_event);
    for (size_t i = 0; i < e->n_ev; i++) {
        struct row *r = row_of(e, e->ev[i]->vm);

        span = MAX(span, e->ev[i]->t_ms);
        if (r == NULL && strcmp(e->ev[i]->event, "abort") == 0)
            continue; /* the evacuation's own, not a move's */
        if (r == NULL) {
            e->rows = xgrow(e->rows, &cap, e->n_rows + 1, sizeof *e->rows);
            row_init(&e->rows[e->n_rows++], e->ev[i]->vm, NULL);
            index_rows(e);
            r = row_of(e, e->ev[i]->vm);
        }
        row_event(r, e->ev[i]);
    }
    if (e->l.has_result)
        for (size_t i = 0; i < res->n_moves; i++) {
            struct row *r = row_of(e, res->moves[i].vm);

            if (r != NULL)
                r->res = &res->moves[i];
        }

    /* the time axis */
    e->real_end_ms = NAN;
    if (e->l.has_result)
        e->real_end_ms = MAX(res->elapsed_ms, span);
    span = MAX(span, isnan(p->planned_ms) ? 0 : p->planned_ms);
    for (size_t i = 0; i < e->n_rows; i++)
        if (!isnan(e->rows[i].plan_b_ms))
            span = MAX(span, e->rows[i].plan_b_ms);
    if (!isnan(e->real_end_ms))
        span = MAX(span, e->real_end_ms);
    e->span_ms = span > 0 ? span : 1000;

    /* destinations, outcomes; every attempt's span for the counts */
    for (size_t i = 0; i < e->n_rows; i++) {
        row_finish(e, &e->rows[i]);
        e->n_spans += (size_t)e->rows[i].n_att;
    }
    e->starts = xcalloc(e->n_spans + 1, sizeof *e->starts);
    e->ends = xcalloc(e->n_spans + 1, sizeof *e->ends);
    for (size_t i = 0; i < e->n_rows; i++)
        for (int j = 0; j < e->rows[i].n_att; j++, k++) {
            e->starts[k] = e->rows[i].att[j].a_ms;
            e->ends[k] = e->rows[i].att[j].b_ms;
        }
    qsort(e->starts, e->n_spans, sizeof *e->starts, cmp_double);
    qsort(e->ends, e->n_spans, sizeof *e->ends, cmp_double);

    /* the VMs that stayed: the result's, then the plan's others */
    if (e->l.has_result)
        for (size_t i = 0; i < res->n_left; i++)
            add_stay(e, &cap_st, res->left[i].vm, res->left[i].reason);
    for (size_t i = 0; i < p->n_stays; i++)
        add_stay(e, &cap_st, p->stays[i].vm, p->stays[i].reason);

    for (size_t i = 0; i < e->n_rows; i++) {
        e->vm_max = MAX(e->vm_max, ui_width(e->rows[i].vm));
        e->to_max = MAX(e->to_max, ui_width(e->rows[i].dest));
    }
    for (size_t i = 0; i < e->n_stays; i++)
        e->vm_max = MAX(e->vm_max, ui_width(e->stays[i].vm));

    /* the counts */
    if (e->l.has_result) {
        e->moved = res->moved;
        e->failed = res->failed;
        e->left = (unsigned)res->n_left;
    } else {
        for (size_t i = 0; i < e->n_rows; i++) {
            const struct row *r = &e->rows[i];

            if (r->last_end == NULL ||
                (r->n_att > 0 && r->att[r->n_att - 1].open))
                continue;
            if (outcome_failed(r->last_end))
                e->failed++;
            else if (!outcome_cancelled(r->last_end))
                e->moved++;
        }
        e->left = (unsigned)p->n_stays;
    }
}

/* ---- the object --------------------------------------------------------- */

struct evac_tl *
evac_tl_new(struct ui_term *t, struct evac_log *l, const char *path,
            const struct replay_opts *ro)
{
    struct evac_tl *e = xcalloc(1, sizeof *e);
    const char *slash = strrchr(path, '/');

    e->t = t;
    e->l = *l;
    memset(l, 0, sizeof *l);
    e->path = xstrdup(path);
    e->dir = slash ? xstrndup(path, (size_t)(slash - path + 1))
                   : xstrdup("");
    if (ro != NULL)
        e->ro = *ro;
    e->msg = xstrdup("");
    e->speed = SPEED_1X;
    e->dirty = e->fresh = true;
    build(e);
    if (!e->l.has_result)
        say(e, true, "no result in the log: it ends at %s (cut short, or "
                     "the evacuation still runs)",
            units_fmt_ms((char[32]){0}, 32, e->span_ms));
    return e;
}

void
evac_tl_free(struct evac_tl *e)
{
    if (e == NULL)
        return;
    replay_free(e->child);
    for (size_t i = 0; i < e->n_rows; i++) {
        free(e->rows[i].dest);
        free(e->rows[i].outcome);
    }
    free(e->rows);
    free(e->by_vm);
    free(e->stays);
    free(e->ev);
    free(e->starts);
    free(e->ends);
    evac_log_fini(&e->l);
    free(e->path);
    free(e->dir);
    free(e->msg);
    free(e);
}

bool
evac_tl_closed(const struct evac_tl *e)
{
    return e->closed;
}

void
evac_tl_invalidate(struct evac_tl *e)
{
    e->dirty = e->fresh = true;
    if (e->child != NULL)
        replay_invalidate(e->child);
}

bool
evac_tl_in_replay(const struct evac_tl *e)
{
    return e->child != NULL;
}

const char *
evac_tl_status(const struct evac_tl *e)
{
    return e->msg;
}

void
evac_tl_seek(struct evac_tl *e, double t_ms)
{
    e->cursor_ms = MIN(MAX(t_ms, 0), e->span_ms);
    e->dirty = true;
}

/* Items in the list: the rows, then (when any stayed) a heading and the
 * VMs that stayed. */
static size_t
n_items(const struct evac_tl *e)
{
    return e->n_rows + (e->n_stays ? 1 + e->n_stays : 0);
}

void
evac_tl_select(struct evac_tl *e, size_t item)
{
    size_t n = n_items(e);

    if (n == 0)
        return;
    e->sel = MIN(item, n - 1);
    if (e->sel == e->n_rows && e->n_stays) /* the heading: the next one */
        e->sel = e->sel + 1 < n ? e->sel + 1 : e->sel - 1;
    e->dirty = true;
}

/* ---- layout ------------------------------------------------------------- */

/* The name columns grow with the terminal, up to the longest name, and
 * the bars take the rest. */
static int
col_vm(const struct evac_tl *e)
{
    int extra = MAX(COLS - 80, 0);

    return COL_VM + MIN(MAX(e->vm_max - COL_VM, 0), extra / 2);
}

static int
col_to(const struct evac_tl *e)
{
    int extra = MAX(COLS - 80, 0) - (col_vm(e) - COL_VM);

    return COL_TO + MIN(MAX(e->to_max - COL_TO, 0), extra / 2);
}

static int
bar_width(const struct evac_tl *e)
{
    return MAX(COLS - (COLS_FIXED - COL_VM - COL_TO) - col_vm(e) - col_to(e),
               8);
}

static int
list_top_y(void)
{
    return 4;
}

/* Rows the list has: between the header and the cursor line. */
static int
list_rows(void)
{
    return MAX(LINES - list_top_y() - (EVENT_ROWS + 3), 1);
}

/* The cursor's step: the smallest round duration a bar cell covers. */
static double
step_ms(const struct evac_tl *e)
{
    double cell = e->span_ms / bar_width(e), s = 10;

    while (s < cell) {
        if (s * 2 >= cell)
            return s * 2;
        if (s * 5 >= cell)
            return s * 5;
        s *= 10;
    }
    return s;
}

static int
col_of(const struct evac_tl *e, double t_ms)
{
    int w = bar_width(e);
    int c = (int)(t_ms / e->span_ms * w);

    return MIN(MAX(c, 0), w - 1);
}

/* Attempts running at t: started at or before it, not ended by it. */
static size_t
running_at(const struct evac_tl *e, double t)
{
    size_t lo = 0, hi = e->n_spans, s, f;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (e->starts[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    s = lo;
    lo = 0;
    hi = e->n_spans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (e->ends[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    f = lo;
    return s > f ? s - f : 0;
}

static bool
row_running_at(const struct row *r, double t)
{
    for (int i = 0; i < r->n_att; i++)
        if (r->att[i].a_ms <= t &&
            (t < r->att[i].b_ms || (r->att[i].open && t <= r->att[i].b_ms)))
            return true;
    return false;
}

/* Events at or before t: how many (a binary search). */
static size_t
events_upto(const struct evac_tl *e, double t)
{
    size_t lo = 0, hi = e->n_ev;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (e->ev[mid]->t_ms <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- keys --------------------------------------------------------------- */

enum {
    TK_NONE, TK_PLAY, TK_STEP, TK_STEP_BACK, TK_FASTER, TK_SLOWER, TK_START,
    TK_END, TK_EVENT, TK_EVENT_BACK, TK_UP, TK_DOWN, TK_PGUP, TK_PGDN,
    TK_FIRST, TK_LAST, TK_OPEN, TK_CLOSE,
};

static const struct keymap keys[] = {
    {{' ', 'p'}, "Space p", TK_PLAY, "play / pause (again from the start "
                                     "at the end)"},
    {{KEY_RIGHT, 'l', '.'}, "Right", TK_STEP, "the cursor a step later"},
    {{KEY_LEFT, 'h', ','}, "Left", TK_STEP_BACK, "a step earlier"},
    {{'+', '>'}, "+ >", TK_FASTER, "play faster"},
    {{'-', '<'}, "- <", TK_SLOWER, "play slower"},
    {{KEY_HOME, 'g'}, "Home g", TK_START, "the cursor to the start"},
    {{KEY_END, 'G'}, "End G", TK_END, "to the end"},
    {{'n', ']'}, "n ]", TK_EVENT, "to the next event"},
    {{'N', '['}, "N [", TK_EVENT_BACK, "to the previous event"},
    {{KEY_UP, 'k'}, "Up", TK_UP, "the move above"},
    {{KEY_DOWN, 'j'}, "Down", TK_DOWN, "the move below"},
    {{KEY_PPAGE}, "PgUp", TK_PGUP, "a page up"},
    {{KEY_NPAGE}, "PgDn", TK_PGDN, "a page down"},
    {{KEY_SHOME}, "S-Home", TK_FIRST, "the first move"},
    {{KEY_SEND}, "S-End", TK_LAST, "the last row"},
    {{'\r', '\n', KEY_ENTER}, "Enter", TK_OPEN, "replay the move's own "
                                                "flight log (q comes back)"},
    {{'q'}, "q", TK_CLOSE, "quit"},
};

/* A move's flight log, relative ones from the summary log's directory.
 * Caller frees. */
static char *
log_path(const struct evac_tl *e, const char *log)
{
    if (log[0] == '/' || e->dir[0] == '\0')
        return xstrdup(log);
    return xasprintf("%s%s", e->dir, log);
}

/* The flight log Enter opens: the try at the cursor, else the last one
 * that has a log, else the result's or the plan's. */
static const char *
row_log(const struct evac_tl *e, const struct row *r)
{
    for (int i = r->n_att - 1; i >= 0; i--)
        if (r->att[i].log != NULL && r->att[i].a_ms <= e->cursor_ms &&
            e->cursor_ms <= r->att[i].b_ms)
            return r->att[i].log;
    for (int i = r->n_att - 1; i >= 0; i--)
        if (r->att[i].log != NULL)
            return r->att[i].log;
    if (r->res != NULL && r->res->log != NULL)
        return r->res->log;
    if (r->plan != NULL && r->plan->log != NULL)
        return r->plan->log;
    return NULL;
}

static void
open_selected(struct evac_tl *e)
{
    const struct row *r;
    const char *log;
    struct flog_data *d;
    struct ferry_err err;
    char *path;

    if (e->sel > e->n_rows) {
        const struct stay *s = &e->stays[e->sel - e->n_rows - 1];

        say(e, false, "%s stayed on %s%s%s: no flight log", s->vm,
            e->l.host, s->reason[0] ? ": " : "", s->reason);
        return;
    }
    if (e->sel >= e->n_rows)
        return;
    r = &e->rows[e->sel];
    log = row_log(e, r);
    if (log == NULL || log[0] == '\0') {
        say(e, true, "%s has no flight log (%s)", r->vm,
            r->n_att == 0 ? "it never started" : "the log names none");
        return;
    }
    path = log_path(e, log);
    d = flog_load(path, &err);
    if (d == NULL) {
        say(e, true, "%s: its flight log is missing: %s", r->vm, err.msg);
        free(path);
        return;
    }
    free(path);
    e->child = replay_new(e->t, d, &e->ro);
    e->playing = false;
    e->msg[0] = '\0';
    e->msg_error = false;
    e->fresh = true;
}

static void
cursor_to(struct evac_tl *e, double t)
{
    e->playing = false;
    evac_tl_seek(e, t);
}

static void
event_jump(struct evac_tl *e, int dir)
{
    size_t k = events_upto(e, e->cursor_ms);
    char a[32];

    if (dir > 0) {
        if (k >= e->n_ev) {
            say(e, false, "no later event");
            return;
        }
        cursor_to(e, e->ev[k]->t_ms);
    } else {
        /* the last event before the cursor's time */
        size_t j = k;

        while (j > 0 && e->ev[j - 1]->t_ms >= e->cursor_ms)
            j--;
        if (j == 0) {
            say(e, false, "no earlier event");
            return;
        }
        cursor_to(e, e->ev[j - 1]->t_ms);
    }
    say(e, false, "at %s", units_fmt_ms(a, sizeof a, e->cursor_ms));
}

static void
move_sel(struct evac_tl *e, long delta)
{
    size_t n = n_items(e);
    long s = (long)e->sel + delta;

    if (n == 0)
        return;
    s = MIN(MAX(s, 0), (long)n - 1);
    /* over the stays' heading, in the direction of travel */
    if (e->n_stays && (size_t)s == e->n_rows)
        s = delta > 0 ? s + 1 : s - 1;
    if (s < 0)
        s = (long)e->n_rows + 1;
    if (s >= (long)n)
        s = (long)e->n_rows - 1;
    e->sel = (size_t)s;
}

bool
evac_tl_key(struct evac_tl *e, int key, uint64_t now_ms)
{
    double st = step_ms(e);

    if (e->child != NULL) {
        bool took = replay_key(e->child, key, now_ms);

        if (replay_closed(e->child)) {
            replay_free(e->child);
            e->child = NULL;
            e->dirty = e->fresh = true;
            return true;
        }
        return took;
    }
    if (e->msg[0] != '\0') { /* an old message goes with the next key */
        e->msg[0] = '\0';
        e->msg_error = false;
    }
    switch (keymap_action(keys, ARRAY_SIZE(keys), key, TK_NONE)) {
    case TK_PLAY:
        if (!e->playing && e->cursor_ms >= e->span_ms)
            e->cursor_ms = 0;
        e->playing = !e->playing;
        e->wall_ms = now_ms;
        break;
    case TK_STEP:
        cursor_to(e, (floor(e->cursor_ms / st + 1e-9) + 1) * st);
        break;
    case TK_STEP_BACK:
        cursor_to(e, (ceil(e->cursor_ms / st - 1e-9) - 1) * st);
        break;
    case TK_FASTER:
        e->speed = MIN(e->speed + 1, (int)ARRAY_SIZE(speeds) - 1);
        say(e, false, "speed %gx", speeds[e->speed]);
        break;
    case TK_SLOWER:
        e->speed = MAX(e->speed - 1, 0);
        say(e, false, "speed %gx", speeds[e->speed]);
        break;
    case TK_START:
        cursor_to(e, 0);
        break;
    case TK_END:
        cursor_to(e, e->span_ms);
        break;
    case TK_EVENT:
        event_jump(e, 1);
        break;
    case TK_EVENT_BACK:
        event_jump(e, -1);
        break;
    case TK_UP:
        move_sel(e, -1);
        break;
    case TK_DOWN:
        move_sel(e, 1);
        break;
    case TK_PGUP:
        move_sel(e, -list_rows());
        break;
    case TK_PGDN:
        move_sel(e, list_rows());
        break;
    case TK_FIRST:
        move_sel(e, -(long)n_items(e));
        break;
    case TK_LAST:
        move_sel(e, (long)n_items(e));
        break;
    case TK_OPEN:
        open_selected(e);
        break;
    case TK_CLOSE:
        e->closed = true;
        break;
    default:
        if (key == 27) {
            say(e, false, "q quits the timeline");
            return true;
        }
        return false;
    }
    e->dirty = true;
    return true;
}

bool
evac_tl_tick(struct evac_tl *e, uint64_t now_ms)
{
    double t;

    if (e->child != NULL)
        return replay_tick(e->child, now_ms);
    if (!e->playing) {
        e->wall_ms = now_ms;
        return e->dirty;
    }
    if (now_ms < e->wall_ms + FRAME_MS)
        return e->dirty;
    t = e->cursor_ms + (double)(now_ms - e->wall_ms) * speeds[e->speed];
    e->wall_ms = now_ms;
    e->cursor_ms = MIN(t, e->span_ms);
    if (e->cursor_ms >= e->span_ms)
        e->playing = false;
    e->dirty = true;
    return true;
}

int
evac_tl_timeout_ms(const struct evac_tl *e, uint64_t now_ms)
{
    int64_t due;

    if (e->child != NULL)
        return replay_timeout_ms(e->child, now_ms);
    if (!e->playing)
        return -1;
    due = (int64_t)(e->wall_ms + FRAME_MS) - (int64_t)now_ms;
    return due < 0 ? 0 : (int)due;
}

/* ---- drawing ------------------------------------------------------------ */

/* Text in a role at *x, cut at xmax (the last that fits ends in an
 * ellipsis); *x moves past it. */
static void
seg(const struct evac_tl *e, int y, int *x, int xmax, enum role role,
    const char *fmt, ...) FERRY_PRINTF(6, 7);

static void
seg(const struct evac_tl *e, int y, int *x, int xmax, enum role role,
    const char *fmt, ...)
{
    va_list ap;
    char *s;

    if (*x >= xmax)
        return;
    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    wattrset(stdscr, ui_attr(e->t, role));
    *x += ui_put_cut(e->t, stdscr, y, *x, xmax - *x, s);
    free(s);
}

static void
draw_header(struct evac_tl *e)
{
    const struct evac_view *p = &e->l.plan;
    char when[64] = "", a[32], b[32], bud[32];
    int x = 0;
    time_t secs = (time_t)(e->l.unix_ms / 1000);
    struct tm tm;

    if (e->l.unix_ms > 0 && gmtime_r(&secs, &tm) != NULL)
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    wattrset(stdscr, ui_attr(e->t, ROLE_HEADER));
    ui_line(e->t, stdscr, 0, 0, COLS, " ferry replay  evacuation of %s  %s",
            e->l.host, e->path);

    wattrset(stdscr, ui_attr(e->t, ROLE_NORMAL));
    ui_fill(stdscr, 1, 0, COLS, ' ');
    ui_fill(stdscr, 2, 0, COLS, ' ');
    seg(e, 1, &x, COLS, ROLE_TITLE, " %s", e->l.host);
    seg(e, 1, &x, COLS, ROLE_NORMAL, "  %s%spolicy %s  budget %s", when,
        when[0] ? "  " : "", p->policy ? p->policy : "?",
        p->budget_ms ? units_fmt_ms(bud, sizeof bud, (double)p->budget_ms)
                     : "?");
    if (p->parallel > 0)
        seg(e, 1, &x, COLS, ROLE_NORMAL, "  up to %u at once", p->parallel);
    if (p->include_shutoff || p->allow_storage)
        seg(e, 1, &x, COLS, ROLE_DIM, "  %s%s%s",
            p->include_shutoff ? "shut-off too" : "",
            p->include_shutoff && p->allow_storage ? ", " : "",
            p->allow_storage ? "storage moves allowed" : "");

    x = 0;
    seg(e, 2, &x, COLS, ROLE_NORMAL, " until empty: planned %s",
        isnan(p->planned_ms) ? "?"
                             : units_fmt_ms(a, sizeof a, p->planned_ms));
    if (!isnan(e->real_end_ms)) {
        double over = !isnan(p->planned_ms) && p->planned_ms > 0
                          ? (e->real_end_ms / p->planned_ms - 1) * 100
                          : NAN;

        seg(e, 2, &x, COLS, ROLE_NORMAL, ", real %s",
            units_fmt_ms(b, sizeof b, e->real_end_ms));
        if (!isnan(over))
            seg(e, 2, &x, COLS, fabs(over) > 20 ? ROLE_WARNING : ROLE_DIM,
                " (%+.0f%%)", over);
    } else {
        seg(e, 2, &x, COLS, ROLE_WARNING, ", real: no result");
    }
    seg(e, 2, &x, COLS, ROLE_NORMAL, "   moved %u", e->moved);
    seg(e, 2, &x, COLS, e->failed ? ROLE_ERROR : ROLE_NORMAL, "  failed %u",
        e->failed);
    seg(e, 2, &x, COLS, e->left ? ROLE_WARNING : ROLE_NORMAL, "  left %u",
        e->left);
    if (e->l.has_result && e->l.result.empty)
        seg(e, 2, &x, COLS, ROLE_OK, "  host empty");
}

/* The column headings, with the time axis and the cursor over the bars. */
static void
draw_columns(struct evac_tl *e, int y)
{
    int w = bar_width(e), bx = 1 + col_vm(e) + 1 + col_to(e) + 1;
    int cur = col_of(e, e->cursor_ms);
    char end[32];

    wattrset(stdscr, ui_attr(e->t, ROLE_COLUMN));
    ui_line(e->t, stdscr, y, 0, COLS, " %-*s %-*s %*s %-*s %-*s %s", col_vm(e),
            "VM", col_to(e), "TO", w, "", COL_TIME, "PRED/REAL", COL_DOWN,
            "DOWNTIME", "OUTCOME");
    fmt_short(end, sizeof end, e->span_ms);
    for (int c = 0; c < w; c++) {
        const char *g = e->t->utf8 ? "\u2500" : "-";

        if (c == cur)
            g = e->t->utf8 ? "\u25bc" : "v";
        ui_put(stdscr, y, bx + c, 1, g);
    }
    /* the axis' ends, where the cursor leaves room */
    if (cur > 1)
        ui_put(stdscr, y, bx, 1, "0");
    if (w >= 12 && cur < w - (int)strlen(end) - 1)
        ui_put(stdscr, y, bx + w - (int)strlen(end), (int)strlen(end), end);
}

/* One move's bar: the plan on the upper half of each cell, reality on
 * the lower (a full cell: both); ASCII '-', '=' and '#'. */
static void
draw_bar(struct evac_tl *e, const struct row *r, int y, int x, int w,
         int cur)
{
    double cell = e->span_ms / w;
    const char *g_plan = e->t->utf8 ? "\u2580" : "-";
    const char *g_real = e->t->utf8 ? "\u2584" : "=";
    const char *g_both = e->t->utf8 ? "\u2588" : "#";
    const char *g_cur = e->t->utf8 ? "\u2502" : "|";

    for (int c = 0; c < w; c++) {
        double ca = c * cell, cb = (c + 1) * cell;
        bool plan = false;
        int real = -1;
        const char *g = " ";
        enum role role = ROLE_NORMAL;

        if (!isnan(r->plan_a_ms))
            plan = r->plan_a_ms < cb &&
                   (r->plan_b_ms > ca ||
                    (r->plan_b_ms == r->plan_a_ms && r->plan_a_ms >= ca));
        for (int i = 0; i < r->n_att; i++)
            if (r->att[i].a_ms < cb &&
                (r->att[i].b_ms > ca ||
                 (r->att[i].b_ms == r->att[i].a_ms && r->att[i].a_ms >= ca)))
                real = i;
        if (c == w - 1 && !isnan(r->plan_a_ms) && r->plan_a_ms >= cb)
            plan = true; /* the axis' very end */
        if (real >= 0) {
            const struct attempt *a = &r->att[real];

            g = plan ? g_both : g_real;
            role = a->failed                   ? ROLE_ERROR
                   : a->open || a->cancelled ? ROLE_WARNING
                                             : ROLE_OK;
        } else if (plan) {
            g = g_plan;
            role = ROLE_GRAPH_BW;
        } else if (c == cur) {
            g = g_cur;
            role = ROLE_DIM;
        }
        wattrset(stdscr, ui_attr(e->t, role));
        ui_put(stdscr, y, x + c, 1, g);
    }
}

static void
draw_row(struct evac_tl *e, const struct row *r, int y, bool sel, int cur)
{
    int w = bar_width(e), x = 0;
    bool running = row_running_at(r, e->cursor_ms);
    enum role base = sel ? ROLE_SELECTION : ROLE_NORMAL;
    char p[16], q[16];

    wattrset(stdscr, ui_attr(e->t, base));
    ui_fill(stdscr, y, 0, COLS, ' ');
    wattrset(stdscr, ui_attr(e->t, sel ? ROLE_SELECTION : ROLE_WARNING));
    ui_put(stdscr, y, 0, 1, running ? (e->t->utf8 ? "\u25b6" : ">") : " ");
    x = 1;
    wattrset(stdscr, ui_attr(e->t, sel ? ROLE_SELECTION
                                       : running ? ROLE_TITLE : ROLE_NORMAL));
    ui_line(e->t, stdscr, y, x, col_vm(e), "%s", r->vm);
    x += col_vm(e) + 1;
    wattrset(stdscr, ui_attr(e->t, base));
    ui_line(e->t, stdscr, y, x, col_to(e), "%s", r->dest);
    x += col_to(e) + 1;
    draw_bar(e, r, y, x, w, cur);
    x += w + 1;
    wattrset(stdscr, ui_attr(e->t, base));
    ui_line(e->t, stdscr, y, x, COL_TIME, "%s/%s",
            fmt_short(p, sizeof p, r->pred_ms),
            fmt_short(q, sizeof q, r->real_ms));
    x += COL_TIME + 1;
    if (r->pred_dt_ms < 1000 && r->real_dt_ms < 1000) /* the usual */
        ui_line(e->t, stdscr, y, x, COL_DOWN, "%.0f/%.0fms", r->pred_dt_ms,
                r->real_dt_ms);
    else
        ui_line(e->t, stdscr, y, x, COL_DOWN, "%s/%s",
                fmt_short(p, sizeof p, r->pred_dt_ms),
                fmt_short(q, sizeof q, r->real_dt_ms));
    x += COL_DOWN + 1;
    wattrset(stdscr, ui_attr(e->t, sel ? ROLE_SELECTION : r->outcome_role));
    ui_line(e->t, stdscr, y, x, MAX(COLS - x, 0), "%s", r->outcome);
}

static void
draw_item(struct evac_tl *e, size_t i, int y, int cur)
{
    const struct stay *s;

    if (i < e->n_rows) {
        draw_row(e, &e->rows[i], y, i == e->sel, cur);
        return;
    }
    if (i == e->n_rows) {
        wattrset(stdscr, ui_attr(e->t, ROLE_COLUMN));
        ui_line(e->t, stdscr, y, 0, COLS, " %zu VM%s stayed on %s", e->n_stays,
                e->n_stays == 1 ? "" : "s", e->l.host);
        return;
    }
    s = &e->stays[i - e->n_rows - 1];
    wattrset(stdscr, ui_attr(e->t, i == e->sel ? ROLE_SELECTION
                                               : ROLE_NORMAL));
    ui_fill(stdscr, y, 0, COLS, ' ');
    ui_line(e->t, stdscr, y, 1, col_vm(e), "%s", s->vm);
    wattrset(stdscr, ui_attr(e->t, i == e->sel ? ROLE_SELECTION
                                               : ROLE_WARNING));
    ui_line(e->t, stdscr, y, 1 + col_vm(e) + 1, COLS - col_vm(e) - 2, "%s",
            s->reason[0] ? s->reason : "(no reason given)");
}

static void
draw_list(struct evac_tl *e)
{
    int y0 = list_top_y(), h = list_rows(), cur = col_of(e, e->cursor_ms);
    size_t n = n_items(e);

    if (e->sel < e->top)
        e->top = e->sel;
    if (e->sel >= e->top + (size_t)h)
        e->top = e->sel - (size_t)h + 1;
    if (e->top > 0 && e->top + (size_t)h > n) /* no blank rows after a resize */
        e->top = n > (size_t)h ? n - (size_t)h : 0;
    for (int i = 0; i < h; i++) {
        size_t k = e->top + (size_t)i;

        if (k < n) {
            draw_item(e, k, y0 + i, cur);
            continue;
        }
        wattrset(stdscr, ui_attr(e->t, ROLE_NORMAL));
        ui_fill(stdscr, y0 + i, 0, COLS, ' ');
        if (k == 0)
            ui_line(e->t, stdscr, y0, 1, COLS - 1, "no move in the plan");
    }
}

static void
event_text(const struct evac_tl *e, const struct evac_event *ev, char *buf,
           size_t n)
{
    char t[32], a[32], b[32];
    const char *ar = arrow(e);

    units_fmt_ms(t, sizeof t, ev->t_ms);
    if (strcmp(ev->event, "started") == 0 || strcmp(ev->event, "retry") == 0) {
        snprintf(a, sizeof a, " (job %ld)", ev->job);
        snprintf(buf, n, "%s %s %s %s %s%s", t, ev->vm, ev->event, ar,
                 ev->to ? ev->to : "?",
                 ev->job > 0 && strcmp(ev->event, "started") == 0 ? a : "");
    } else if (strcmp(ev->event, "ended") == 0) {
        size_t len;

        snprintf(buf, n, "%s %s ended: %s", t, ev->vm,
                 ev->outcome ? ev->outcome : "?");
        len = strlen(buf);
        if (!isnan(ev->real_ms))
            len += (size_t)snprintf(buf + len, n - len, " in %s",
                                    units_fmt_ms(a, sizeof a, ev->real_ms));
        if (!isnan(ev->downtime_ms) && len < n)
            snprintf(buf + len, n - len, ", downtime %s",
                     units_fmt_ms(b, sizeof b, ev->downtime_ms));
    } else {
        snprintf(buf, n, "%s %s %s", t, ev->vm, ev->event);
    }
    if (ev->error != NULL && ev->error[0] != '\0') {
        size_t len = strlen(buf);

        snprintf(buf + len, n - len, ": %s", ev->error);
    }
}

/* The cursor's line and the events up to it (those in its step bright). */
static void
draw_cursor(struct evac_tl *e, int y)
{
    char a[32], b[32], st[32], line[1024];
    double step = step_ms(e);
    size_t k = events_upto(e, e->cursor_ms), run = running_at(e, e->cursor_ms);
    int x = 0;

    wattrset(stdscr, ui_attr(e->t, ROLE_NORMAL));
    ui_fill(stdscr, y, 0, COLS, ' ');
    seg(e, y, &x, COLS, ROLE_TITLE, " %s %gx  %s / %s",
        e->playing ? (e->t->utf8 ? "\u25b6" : ">") : "||", speeds[e->speed],
        units_fmt_ms(a, sizeof a, e->cursor_ms),
        units_fmt_ms(b, sizeof b, e->span_ms));
    seg(e, y, &x, COLS, ROLE_NORMAL, "  step %s  %zu running",
        units_fmt_ms(st, sizeof st, step), run);
    seg(e, y, &x, COLS, ROLE_DIM, "   %s plan %s real %s both",
        e->t->utf8 ? "\u2580" : "-", e->t->utf8 ? "\u2584" : "=",
        e->t->utf8 ? "\u2588" : "#");
    for (int i = 0; i < EVENT_ROWS; i++) {
        size_t j = k >= (size_t)EVENT_ROWS ? k - EVENT_ROWS + (size_t)i
                                           : (size_t)i;
        bool have = k >= (size_t)EVENT_ROWS || (size_t)i < k;

        wattrset(stdscr, ui_attr(e->t, ROLE_NORMAL));
        ui_fill(stdscr, y + 1 + i, 0, COLS, ' ');
        if (!have) {
            if (i == 0 && k == 0) {
                wattrset(stdscr, ui_attr(e->t, ROLE_DIM));
                ui_line(e->t, stdscr, y + 1, 1, COLS - 1, "no event yet");
            }
            continue;
        }
        event_text(e, e->ev[j], line, sizeof line);
        wattrset(stdscr, ui_attr(e->t, e->ev[j]->t_ms > e->cursor_ms - step
                                           ? ROLE_NORMAL
                                           : ROLE_DIM));
        ui_line(e->t, stdscr, y + 1 + i, 1, COLS - 1, "%s", line);
    }
}

static const char *
hints(void)
{
    return " <-/-> step  Home/End  Space play  +- speed  n/N event  "
           "Up/Down move  Enter its log  q quit";
}

bool
evac_tl_screen_draw(struct evac_tl *e, bool force)
{
    if (e->child != NULL) {
        bool fresh = e->fresh;

        if (fresh)
            erase();
        e->fresh = false;
        return replay_screen_draw(e->child, force || fresh);
    }
    if (!force && !e->dirty && !e->fresh)
        return false;
    if (force || e->fresh)
        clearok(curscr, TRUE);
    e->fresh = false;
    e->dirty = false;
    if (COLS < MIN_COLS || LINES < MIN_LINES) {
        erase();
        mvaddstr(0, 0, "ferry replay: the terminal is too small");
        refresh();
        return true;
    }
    draw_header(e);
    draw_columns(e, 3);
    draw_list(e);
    draw_cursor(e, LINES - 3 - EVENT_ROWS);
    wattrset(stdscr, ui_attr(e->t, e->msg_error ? ROLE_STATUS_ERROR
                                                : ROLE_STATUS));
    ui_fill(stdscr, LINES - 2, 0, COLS, ' ');
    ui_put_cut(e->t, stdscr, LINES - 2, 1, COLS - 1, e->msg);
    wattrset(stdscr, ui_attr(e->t, ROLE_HINT));
    ui_line(e->t, stdscr, LINES - 1, 0, COLS, "%s", hints());
    refresh();
    return true;
}
