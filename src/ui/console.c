/* The console: views as objects over one screen manager. Each view has a
 * class (how it draws, which keys it takes first, its hints); the manager
 * keeps the stack, the modal lines (filter, command, confirmation, a
 * backend's question) and the status line, and redraws only when something
 * changed; ncurses sends only the difference. Keys run ':' commands
 * through one key table, and the help is made from the two tables. */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ferry/checks.h"
#include "ferry/console.h"
#include "ferry/flightlog.h"
#include "ferry/jobview.h"
#include "ferry/queue.h"
#include "ferry/runner.h"
#include "ferry/table.h"
#include "ferry/units.h"
#include "dash.h"
#include "keymap.h"
#include "replay.h"
#include "wizard.h"

#define DASH_REFRESH_MS 1000 /* graphs redraw once a second */
#define MIN_W 64
#define MIN_H 18

enum view_kind {
    V_HOSTS, V_VMS, V_DS, V_JOBS, V_LOGS, V_HELP, V_DASH, V_DIALOG,
    V_WIZARD, V_REPLAY, V_COUNT
};

/* Where a key or a command works: one bit per kind of view. */
#define SC(k) (1u << (k))
#define SC_TABLES                                                            \
    (SC(V_HOSTS) | SC(V_VMS) | SC(V_DS) | SC(V_JOBS) | SC(V_LOGS) |          \
     SC(V_HELP))
#define SC_ANY (~0u)

/* What a view's key handler did with a key. */
enum vr {
    VR_IGNORED, /* not its key: the key table's turn */
    VR_DONE,    /* taken; the manager redraws */
    VR_CLOSE,   /* taken, and the view is done: the manager pops it */
};

struct dialog;
struct view;
struct console;

struct view_class {
    enum view_kind kind;
    const char *title; /* the breadcrumb */
    const char *where; /* the help's name for it */
    const struct table_col *cols; /* a table of rows; NULL: not a table */
    int n_cols;
    /* a table view's rows, from the inventory and the jobs */
    void (*rows)(struct console *c, struct view *v);
    /* what changes its rows (cheap): the rows are built again only when
     * this changes */
    uint64_t (*rows_sig)(const struct console *c, const struct view *v);
    /* the body, rows y to y + h - 1 */
    void (*draw)(struct console *c, struct view *v, int y, int h);
    /* its own keys, before the key table (NULL: the table's only) */
    enum vr (*key)(struct console *c, struct view *v, int key);
    /* its hints (NULL: made from the key table) */
    const char *(*hints)(struct console *c, struct view *v);
    /* the breadcrumb when it is more than the title; caller frees */
    char *(*crumb)(struct console *c, const struct view *v);
    /* time passes, news arrives: true when it needs a redraw */
    bool (*tick)(struct console *c, struct view *v, uint64_t now_ms);
    /* when tick is next needed, ms; -1: not */
    int (*next_ms)(const struct console *c, const struct view *v,
                   uint64_t now_ms);
    void (*fini)(struct view *v);
};

struct view {
    const struct view_class *cls;
    enum view_kind kind; /* cls->kind */
    int sel, top;
    int sort_col;
    bool sort_desc;
    char *filter;   /* never NULL */
    char *sel_id;   /* the selected row's id, "" for none; never NULL */
    struct table tbl; /* table views: their rows */
    /* what the table was built and arranged from (built again only when
     * one of them changes) */
    bool built;
    uint64_t built_sig;
    char *arranged_filter; /* NULL: not arranged since the build */
    int arranged_col;
    bool arranged_desc;
    int *widths, widths_for, widths_col; /* laid out for that width */
    uint64_t gen; /* the inventory's generation it last saw (wizard) */
    /* the view's own object */
    long job;              /* V_DASH: the job's id */
    struct dialog *dlg;    /* V_DIALOG */
    struct wizard *wz;     /* V_WIZARD */
    struct replay *rp;     /* V_REPLAY */
};

struct dialog {
    char *vm;
    int host, ds, policy;
    enum job_kind kind;
    uint64_t budget_ms;
    int field;
    char budget_text[16]; /* up to 60000 typed */
    struct check_result checks[CHECKS_MAX];
    size_t n_checks;
    struct prediction pred;
    bool pred_ok;
};

enum mode { M_NORMAL, M_FILTER, M_COMMAND, M_CONFIRM, M_PROMPT };

/* A backend's question on screen (an SSH host key, a passphrase). */
struct ask {
    unsigned id;
    enum hv_prompt_kind kind;
    char *host, *title, *text;
    char answer[1024]; /* typed into; wiped once given */
    const char *note;
};

enum confirm_what { C_ABORT, C_SWITCH, C_QUIT, C_START, C_TAKE };

struct console {
    struct ui_term *t;
    struct console_opts o;
    struct view **stack; /* the bottom is a list view; never empty */
    size_t depth, cap_stack;
    enum mode mode;
    char *input; /* the filter or command being typed; never NULL */
    size_t cap_input;
    enum confirm_what confirm;
    long confirm_job; /* the job a confirmation is about */
    char *confirm_text;
    char *status;
    bool status_error;
    struct ask ask;
    struct flog_brief *logs; /* :logs */
    size_t n_logs;
    uint64_t logs_gen; /* :logs read them again */
    bool dirty, quit;
    const char **busy; /* VMs with a job that has not ended */
    size_t cap_busy;
    uint64_t jobs_sig;  /* what the jobs looked like at the last draw */
    struct seen {
        long id;
        enum job_state state;
    } *seen; /* each job's state when last looked at: news to tell */
    size_t n_seen, cap_seen;
    uint64_t now_ms, last_dash_ms;
    uint64_t seen_gen, seen_status; /* the backend's model and messages */
    char *hints; /* the hints line made last */
};

static const struct view_class *const classes[V_COUNT];

static void ask(struct console *c, enum confirm_what w, long job,
                const char *fmt, ...) FERRY_PRINTF(4, 5);

/* The jobs the server owns, as the console sees them. */
static size_t
n_jobs(const struct console *c)
{
    return c->o.ops->n_jobs(c->o.ops_ctx);
}

static const struct job_view *
job_at(const struct console *c, size_t i)
{
    return c->o.ops->job_at(c->o.ops_ctx, i);
}

static const struct job_view *
job_by_id(const struct console *c, long id)
{
    return c->o.ops->job(c->o.ops_ctx, id);
}

static struct view *
top(const struct console *c)
{
    return c->stack[c->depth - 1];
}

static bool
is_table(const struct view *v)
{
    return v->cls->cols != NULL;
}

static void
set_status(struct console *c, bool error, const char *fmt, ...)
    FERRY_PRINTF(3, 4);

static void
set_status(struct console *c, bool error, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = xstrdup("");
    va_end(ap);
    free(c->status);
    c->status = s;
    c->status_error = error;
    c->dirty = true;
}

static void
view_free(struct view *v)
{
    if (v == NULL)
        return;
    if (v->cls->fini != NULL)
        v->cls->fini(v);
    free(v->filter);
    free(v->sel_id);
    free(v->arranged_filter);
    free(v->widths);
    table_fini(&v->tbl);
    free(v);
}

static void
set_sel(struct view *v, const char *id)
{
    if (v->sel_id != id) {
        free(v->sel_id);
        v->sel_id = xstrdup(id);
    }
}

static void
set_filter(struct view *v, const char *f)
{
    free(v->filter);
    v->filter = xstrdup(f);
}

/* A new view of kind k on top (the one on top already, when it is of
 * that kind and not a dashboard). */
static struct view *
push(struct console *c, enum view_kind k)
{
    struct view *v;

    if (c->depth > 0 && top(c)->kind == k && k != V_DASH)
        return top(c);
    v = xcalloc(1, sizeof *v);
    v->cls = classes[k];
    v->kind = k;
    v->filter = xstrdup("");
    v->sel_id = xstrdup("");
    c->stack = xgrow(c->stack, &c->cap_stack, c->depth + 1, sizeof *c->stack);
    c->stack[c->depth++] = v;
    c->dirty = true;
    return v;
}

static void
pop(struct console *c)
{
    if (c->depth > 1)
        view_free(c->stack[--c->depth]);
    c->dirty = true;
}

/* Switch the base list view (1-4, :hosts ...): the stack starts again. */
static void
go_list(struct console *c, enum view_kind k)
{
    while (c->depth > 0)
        view_free(c->stack[--c->depth]);
    push(c, k);
    free(c->status);
    c->status = xstrdup("");
}

/* The nearest view of kind k from the top, or NULL. */
static struct view *
find_view(const struct console *c, enum view_kind k)
{
    for (size_t i = c->depth; i-- > 0;)
        if (c->stack[i]->kind == k)
            return c->stack[i];
    return NULL;
}

struct console *
console_new(struct ui_term *t, const struct console_opts *o)
{
    struct console *c = xcalloc(1, sizeof *c);

    c->t = t;
    c->o = *o;
    c->input = xgrow(NULL, &c->cap_input, 64, 1);
    c->input[0] = '\0';
    c->confirm_text = xstrdup("");
    if (c->o.default_budget_ms == 0)
        c->o.default_budget_ms = 300;
    push(c, V_VMS);
    set_status(c, false, "? help  : command  / filter  m migrate  q quit");
    return c;
}

static void
ask_clear(struct ask *a)
{
    free(a->host);
    free(a->title);
    free(a->text);
    explicit_bzero(a->answer, sizeof a->answer);
    memset(a, 0, sizeof *a);
}

void
console_free(struct console *c)
{
    if (c == NULL)
        return;
    while (c->depth > 0)
        view_free(c->stack[--c->depth]);
    free(c->stack);
    ask_clear(&c->ask);
    free(c->input);
    free(c->confirm_text);
    free(c->status);
    free(c->hints);
    free(c->logs);
    free(c->busy);
    free(c->seen);
    free(c);
}

void
console_status(struct console *c, bool error, const char *msg)
{
    set_status(c, error, "%s", msg);
}

bool
console_quit(const struct console *c)
{
    return c->quit || console_gone(c) != NULL;
}

const char *
console_gone(const struct console *c)
{
    return c->o.ops->gone ? c->o.ops->gone(c->o.ops_ctx) : NULL;
}

void
console_invalidate(struct console *c)
{
    c->dirty = true;
    clearok(curscr, TRUE);
}

/* ---- jobs -------------------------------------------------------------- */

static size_t
jobs_in(const struct console *c, enum job_state st)
{
    size_t n = 0;

    for (size_t i = 0; i < n_jobs(c); i++)
        n += job_at(c, i)->state == st;
    return n;
}

static int
running_jobs(const struct console *c)
{
    return (int)jobs_in(c, JOB_RUNNING);
}

/* A VM's job: one that has not ended, else its newest. */
static const struct job_view *
job_of_vm(const struct console *c, const char *vm)
{
    const struct job_view *found = NULL;

    for (size_t i = 0; i < n_jobs(c); i++) {
        const struct job_view *j = job_at(c, i);

        if (strcmp(j->vm, vm) == 0 &&
            (found == NULL || !job_view_ended(j) || job_view_ended(found)))
            found = j;
    }
    return found;
}

/* What makes a redraw worth it at once: a job's state, phase, decisions,
 * queue position, its end. Samples alone wait for the next second. */
static uint64_t
jobs_signature(const struct console *c)
{
    uint64_t h = n_jobs(c);

    for (size_t i = 0; i < n_jobs(c); i++) {
        const struct job_view *j = job_at(c, i);
        const struct flog_data *d = job_view_data(j);

        h = h * 1000003 + (uint64_t)j->id;
        h = h * 31 + (uint64_t)j->state;
        h = h * 31 + (uint64_t)j->phase;
        h = h * 31 + (uint64_t)j->queue_pos;
        h = h * 31 + j->budget_ms;
        if (d != NULL)
            h = h * 31 + d->n_dec * 7 + d->n_ph * 3 + d->res.present +
                (d->n > 0);
    }
    return h;
}

/* Show the backend's first question, if there is one and nothing else
 * is being typed. */
static void
ask_poll(struct console *c)
{
    struct hv_prompt p;
    struct hv *hv = c->o.hv;

    if (c->mode != M_NORMAL || hv->ops->prompt == NULL ||
        !hv->ops->prompt(hv, &p))
        return;
    ask_clear(&c->ask);
    c->ask.id = p.id;
    c->ask.kind = p.kind;
    c->ask.host = xstrdup(p.host);
    c->ask.title = xstrdup(p.title);
    c->ask.text = xstrdup(p.text);
    c->mode = M_PROMPT;
    c->dirty = true;
}

static void
ask_give(struct console *c, const char *answer)
{
    struct hv *hv = c->o.hv;

    c->mode = M_NORMAL;
    hv->ops->answer(hv, c->ask.id, answer);
    set_status(c, answer == NULL, "%s: %s", c->ask.host,
               answer == NULL                  ? "declined"
               : c->ask.kind == HV_ASK_YESNO   ? "host key accepted"
                                               : "answer sent");
    explicit_bzero(c->ask.answer, sizeof c->ask.answer);
    ask_poll(c); /* the next question, if any */
}

static void
ask_key(struct console *c, int key)
{
    struct ask *a = &c->ask;
    size_t n = strlen(a->answer);

    a->note = NULL;
    if (key == 27) {
        ask_give(c, NULL);
    } else if (key == '\r' || key == '\n' || key == KEY_ENTER) {
        if (a->kind != HV_ASK_YESNO)
            ask_give(c, a->answer);
        else if (strcmp(a->answer, "yes") == 0)
            ask_give(c, "yes");
        else if (strcmp(a->answer, "no") == 0)
            ask_give(c, NULL);
        else
            a->note = "Please type 'yes' or 'no' (Esc declines)";
    } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        if (n > 0)
            a->answer[n - 1] = '\0';
    } else if (key == 21) { /* ^U */
        explicit_bzero(a->answer, sizeof a->answer);
    } else if (key >= 32 && key < 256 && key != 127 &&
               n + 1 < sizeof a->answer) {
        a->answer[n] = (char)key;
        a->answer[n + 1] = '\0';
    }
    c->dirty = true;
}

/* The question in a box over the view. Secrets are not echoed, not even
 * as stars. */
static void
draw_ask(struct console *c)
{
    struct ui_term *t = c->t;
    struct ask *a = &c->ask;
    int w = MIN(COLS - 2, 78), x = (COLS - w) / 2, lines = 0, y, row;
    char line[300];
    const char *s;

    for (s = a->text; *s; s++)
        lines += *s == '\n';
    y = MAX(1, (LINES - lines - 8) / 2);
    row = y;
    wattrset(stdscr, ui_attr(t, ROLE_TITLE));
    ui_fill(stdscr, row, x, w, ' ');
    ui_put(stdscr, row, x, w, " ");
    ui_put_cut(t, stdscr, row++, x + 1, w - 1, a->title);
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
    ui_fill(stdscr, row++, x, w, ' ');
    /* wrapped at spaces: a fingerprint must be seen whole */
    lines = ui_put_wrapped(stdscr, row, x + 2, w - 2, MAX(LINES - 4 - row, 0),
                           a->text);
    for (int r = 0; r < lines; r++)
        ui_fill(stdscr, row + r, x, 2, ' ');
    row += lines;
    ui_fill(stdscr, row++, x, w, ' ');
    wattrset(stdscr, ui_attr(t, ROLE_SELECTION));
    if (a->kind == HV_ASK_SECRET)
        snprintf(line, sizeof line, "  > %s", a->answer[0]
                     ? "(typing is not shown)" : "");
    else { /* the end of what is typed stays in sight */
        size_t n = strlen(a->answer), room = (size_t)MAX(w - 6, 1);
        char *shown = xasprintf("  > %s",
                                a->answer + (n > room ? n - room : 0));

        snprintf(line, sizeof line, "%.*s", (int)sizeof line - 1, shown);
        explicit_bzero(shown, strlen(shown));
        free(shown);
    }
    ui_put_pad(stdscr, row++, x, w, line);
    wattrset(stdscr, ui_attr(t, a->note ? ROLE_WARNING : ROLE_DIM));
    ui_fill(stdscr, row, x, w, ' ');
    snprintf(line, sizeof line, "  %s", a->note ? a->note
             : a->kind == HV_ASK_YESNO ? "type yes or no, Enter; Esc declines"
                                       : "Enter sends, Esc declines");
    ui_put(stdscr, row++, x, w, line);
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
}

/* This console's own doing (a queued job it cancelled): not news. */
static void
seen_set(struct console *c, long id, enum job_state st)
{
    for (size_t k = 0; k < c->n_seen; k++)
        if (c->seen[k].id == id) {
            c->seen[k].state = st;
            return;
        }
    c->seen = xgrow(c->seen, &c->cap_seen, c->n_seen + 1, sizeof *c->seen);
    c->seen[c->n_seen].id = id;
    c->seen[c->n_seen++].state = st;
}

/* A job started from the queue, or ended: say so on the status line. */
static void
job_news(struct console *c)
{
    for (size_t i = 0; i < n_jobs(c); i++) {
        const struct job_view *j = job_at(c, i);
        struct seen *s = NULL;

        for (size_t k = 0; k < c->n_seen && s == NULL; k++)
            if (c->seen[k].id == j->id)
                s = &c->seen[k];
        if (s == NULL) {
            /* new to this console: its state now is not news */
            c->seen = xgrow(c->seen, &c->cap_seen, c->n_seen + 1,
                            sizeof *c->seen);
            s = &c->seen[c->n_seen++];
            s->id = j->id;
            s->state = j->state;
            continue;
        }
        if (s->state == j->state)
            continue;
        if (j->state == JOB_RUNNING && s->state == JOB_QUEUED)
            set_status(c, false, "%s: left the queue, migration started",
                       j->vm);
        else if (j->state == JOB_ENDED && job_view_data(j) != NULL &&
                 job_view_data(j)->res.present &&
                 job_view_data(j)->res.phase == PH_DONE)
            set_status(c, false, "%s: migration completed in %.1f s, "
                       "downtime %llu ms", j->vm,
                       (double)job_view_data(j)->res.total_ms / 1000.0,
                       (unsigned long long)job_view_data(j)->res.downtime_ms);
        else if (j->state == JOB_ENDED)
            set_status(c, true, "%s: %s", j->vm,
                       job_view_data(j) && job_view_data(j)->res.present
                           ? job_view_data(j)->res.reason
                           : j->reason ? j->reason : "ended");
        else
            continue;
        s->state = j->state;
    }
}

void
console_tick(struct console *c, uint64_t now_ms)
{
    const struct hv *hv = c->o.hv;
    uint64_t sig;

    c->now_ms = now_ms;
    /* the backend's events changed the inventory, or have news */
    if (hv->generation != c->seen_gen) {
        c->seen_gen = hv->generation;
        c->dirty = true;
    }
    for (size_t i = 0; i < c->depth; i++) {
        struct view *v = c->stack[i];

        if (v->cls->tick != NULL && v->cls->tick(c, v, now_ms) &&
            v == top(c))
            c->dirty = true;
    }
    if (hv->status_gen != c->seen_status) {
        c->seen_status = hv->status_gen;
        console_status(c, hv->status_error, hv->status);
    }
    ask_poll(c);
    /* the server's news about the jobs: phases, decisions and ends at
     * once, the graphs once a second */
    sig = jobs_signature(c);
    if (sig != c->jobs_sig) {
        c->jobs_sig = sig;
        c->dirty = true;
        job_news(c);
    }
    if (running_jobs(c) > 0 && now_ms >= c->last_dash_ms + DASH_REFRESH_MS) {
        c->last_dash_ms = now_ms;
        if (top(c)->kind != V_HOSTS && top(c)->kind != V_DS &&
            top(c)->kind != V_HELP)
            c->dirty = true;
    }
}

int
console_timeout_ms(const struct console *c, uint64_t now_ms)
{
    int64_t best = -1;

    /* news arrives on the server's socket; only the graphs' second
     * needs a timer */
    if (running_jobs(c) > 0) {
        best = (int64_t)(c->last_dash_ms + DASH_REFRESH_MS) - (int64_t)now_ms;
        if (best < 0)
            best = 0;
    }
    for (size_t i = 0; i < c->depth; i++) {
        const struct view *v = c->stack[i];
        int r = v->cls->next_ms ? v->cls->next_ms(c, v, now_ms) : -1;

        if (r >= 0 && (best < 0 || r < best))
            best = r;
    }
    return (int)best;
}

/* VMs with a job that has not ended (the checks' busy list). */
static const char **
migrating_vms(struct console *c, size_t *n)
{
    *n = 0;
    c->busy = xgrow(c->busy, &c->cap_busy, n_jobs(c) + 1, sizeof *c->busy);
    for (size_t i = 0; i < n_jobs(c); i++)
        if (!job_view_ended(job_at(c, i)))
            c->busy[(*n)++] = job_at(c, i)->vm;
    return c->busy;
}

static void
open_dashboard(struct console *c, long id)
{
    const struct job_view *j = job_by_id(c, id);

    if (j == NULL)
        return;
    if (j->state == JOB_QUEUED) {
        set_status(c, false, "%s is queued (#%d): waits for %s", j->vm,
                   j->queue_pos, j->waits_for ? j->waits_for : "its turn");
        return;
    }
    if (!j->started) {
        set_status(c, true, "%s: %s", j->vm, j->reason ? j->reason : "");
        return;
    }
    push(c, V_DASH)->job = id;
}

/* The request the server runs for a choice. */
static void
choice_req(const struct console *c, const struct mig_choice *ch,
           struct job_req *rq)
{
    struct mig_request req = mig_choice_request(ch);

    job_req_init(rq);
    rq->vm = xstrdup(ch->vm);
    rq->kind = ch->kind;
    rq->host = req.dst_host ? xstrdup(req.dst_host) : NULL;
    rq->ds = req.dst_ds ? xstrdup(req.dst_ds) : NULL;
    rq->policy = xstrdup(c->o.policies->v[ch->policy].name);
    rq->budget_ms = ch->budget_ms;
    rq->bw_cap_bps = ch->bw_cap_bps;
    rq->restrict_escalations = true;
    rq->allow_throttle = ch->allow_throttle;
    rq->allow_postcopy = ch->allow_postcopy;
    rq->allow_pause = ch->allow_pause;
    rq->prio = ch->prio;
    rq->no_log = c->o.no_log;
    rq->owner = xstrdup("console");
}

static void
queue_preview(void *ctx, const struct mig_choice *ch, char *buf, size_t n)
{
    struct console *c = ctx;
    struct job_req rq;

    choice_req(c, ch, &rq);
    c->o.ops->queue_preview(c->o.ops_ctx, &rq, buf, n);
    job_req_fini(&rq);
}

/* A new job from the dialog or the wizard: the server starts it at once
 * when the limits allow, queues it otherwise. */
static void
job_enqueue(struct console *c, const struct mig_choice *ch)
{
    struct job_req rq;
    struct ferry_err err;
    long id;
    const struct job_view *j;

    choice_req(c, ch, &rq);
    id = c->o.ops->start(c->o.ops_ctx, &rq, &err);
    job_req_fini(&rq);
    /* close the dialog or wizard */
    while (c->depth > 1 &&
           (top(c)->kind == V_DIALOG || top(c)->kind == V_WIZARD))
        pop(c);
    if (id < 0) {
        set_status(c, true, "%s: not started: %s", ch->vm, err.msg);
        return;
    }
    j = job_by_id(c, id);
    if (j != NULL && j->state == JOB_QUEUED) {
        go_list(c, V_JOBS);
        {
            char b[24];

            snprintf(b, sizeof b, "%ld", id);
            set_sel(top(c), b);
        }
        set_status(c, false, "%s: queued (#%d), waits for %s", ch->vm,
                   j->queue_pos, j->waits_for ? j->waits_for : "its turn");
        return;
    }
    push(c, V_DASH)->job = id;
    set_status(c, false, "%s: migration started (policy %s, budget %llu ms)",
               ch->vm, c->o.policies->v[ch->policy].name,
               (unsigned long long)ch->budget_ms);
}

/* The quick dialog's choices, with the policy's own escalations. */
static void
start_job(struct console *c, struct dialog *d)
{
    const struct model *m = c->o.hv->model;
    const struct policy *p = &c->o.policies->v[d->policy];
    struct mig_choice ch;

    memset(&ch, 0, sizeof ch);
    ch.vm = xstrdup(d->vm);
    ch.kind = d->kind;
    ch.host = xstrdup(d->kind != KIND_STORAGE ? m->hosts[d->host].name : "");
    ch.ds = xstrdup(d->kind != KIND_COMPUTE ? m->datastores[d->ds].name : "");
    ch.policy = d->policy;
    ch.budget_ms = d->budget_ms;
    mig_choice_escalations(&ch, p);
    ch.prio = PRIO_NORMAL;
    job_enqueue(c, &ch); /* closes the dialog */
    mig_choice_fini(&ch);
}

/* ---- wizard ------------------------------------------------------------ */

static const char **
busy_vms(void *ctx, size_t *n)
{
    return migrating_vms(ctx, n);
}

static void
wizard_status(void *ctx, bool error, const char *msg)
{
    set_status(ctx, error, "%s", msg);
}

static void
wizard_open(struct console *c, const char *vm)
{
    struct wizard_env env = {
        .hv = c->o.hv,
        .policies = c->o.policies,
        .default_budget_ms = c->o.default_budget_ms,
        .busy = busy_vms,
        .queue_preview = queue_preview,
        .status = wizard_status,
        .ctx = c,
    };
    struct wizard *wz;

    for (size_t i = 0; i < c->o.policies->n; i++)
        if (str_eq(c->o.policies->v[i].name,
                   c->o.default_policy ? c->o.default_policy : "ferry"))
            env.default_policy = (int)i;
    if ((wz = wizard_new(&env, vm)) == NULL)
        return;
    if (top(c)->kind == V_WIZARD)
        pop(c);
    push(c, V_WIZARD)->wz = wz;
}

static enum vr
wizard_view_key(struct console *c, struct view *v, int key)
{
    enum wizard_result r = wizard_key(v->wz, key);

    if (r == WZR_START) {
        struct mig_choice ch;

        mig_choice_copy(&ch, wizard_choice(v->wz));
        job_enqueue(c, &ch); /* closes the wizard */
        mig_choice_fini(&ch);
    }
    return r == WZR_CLOSE ? VR_CLOSE : VR_DONE;
}

static void
wizard_view_draw(struct console *c, struct view *v, int y, int h)
{
    wizard_draw(v->wz, c->t, y, h);
}

static const char *
wizard_view_hints(struct console *c, struct view *v)
{
    (void)c;
    return wizard_hints(v->wz);
}

static bool
wizard_view_tick(struct console *c, struct view *v, uint64_t now_ms)
{
    (void)now_ms;
    if (c->o.hv->generation != v->gen) {
        v->gen = c->o.hv->generation;
        wizard_refresh(v->wz);
        return true;
    }
    return wizard_tick(v->wz);
}

static int
wizard_view_timeout(const struct console *c, const struct view *v,
                    uint64_t now_ms)
{
    (void)c;
    (void)now_ms;
    return wizard_measuring(v->wz) ? 250 : -1;
}

static void
wizard_view_fini(struct view *v)
{
    wizard_free(v->wz);
}

/* ---- dialog ------------------------------------------------------------ */

static void
dialog_update(struct console *c, struct dialog *d)
{
    const struct model *m = c->o.hv->model;
    struct mig_request req = {.vm = d->vm, .kind = d->kind};
    struct runner_opts o = {0};
    struct job_params jp;
    struct ferry_err err;
    size_t nm;
    const char **mig = migrating_vms(c, &nm);

    req.dst_host = d->kind == KIND_STORAGE ? NULL : m->hosts[d->host].name;
    req.dst_ds = d->kind == KIND_COMPUTE ? NULL : m->datastores[d->ds].name;
    d->n_checks = runner_checks(c->o.hv, &req, mig, nm, d->checks,
                                CHECKS_MAX);
    o.vm = d->vm;
    o.to = req.dst_host;
    o.datastore = req.dst_ds;
    o.kind = d->kind;
    o.policy = &c->o.policies->v[d->policy];
    o.budget_ms = d->budget_ms;
    d->pred_ok = runner_plan(c->o.hv, &o, &jp, &d->pred, &err) == 0;
    c->dirty = true;
}

static void
dialog_open(struct console *c, const char *vm)
{
    struct dialog *d;
    const struct model *m = c->o.hv->model;
    const struct model_vm *v = model_vm(m, vm);

    if (v == NULL) {
        set_status(c, true, "no VM named %s", vm);
        return;
    }
    if (top(c)->kind == V_DIALOG)
        pop(c);
    d = push(c, V_DIALOG)->dlg = xcalloc(1, sizeof *d);
    d->vm = xstrdup(vm);
    d->kind = KIND_COMPUTE;
    d->budget_ms = c->o.default_budget_ms;
    for (size_t i = 0; i < m->n_hosts; i++)
        if (strcmp(m->hosts[i].name, v->host) != 0) {
            d->host = (int)i;
            break;
        }
    for (size_t i = 0; i < m->n_datastores; i++)
        if (model_ds_seen_by(&m->datastores[i], v->host) &&
            (v->n_disks == 0 ||
             strcmp(m->datastores[i].name, v->disks[0].datastore) != 0)) {
            d->ds = (int)i;
            break;
        }
    for (size_t i = 0; i < c->o.policies->n; i++)
        if (str_eq(c->o.policies->v[i].name,
                   c->o.default_policy ? c->o.default_policy : "ferry"))
            d->policy = (int)i;
    dialog_update(c, d);
}

static void
dialog_fini(struct view *v)
{
    if (v->dlg != NULL)
        free(v->dlg->vm);
    free(v->dlg);
}

enum { F_KIND, F_HOST, F_DS, F_POLICY, F_BUDGET, F_START, F_COUNT };

static bool
field_shown(const struct dialog *d, int f)
{
    if (f == F_HOST)
        return d->kind != KIND_STORAGE;
    if (f == F_DS)
        return d->kind != KIND_COMPUTE;
    return true;
}

/* The quick dialog's keys. */
enum {
    DK_NONE, DK_NEXT, DK_PREV, DK_LESS, DK_MORE, DK_START, DK_TYPE, DK_CANCEL
};

static const struct keymap dialog_keys[] = {
    {{'\t', KEY_DOWN}, "Tab Down", DK_NEXT, "next field"},
    {{KEY_BTAB, KEY_UP}, "S-Tab Up", DK_PREV, "previous field"},
    {{KEY_LEFT}, "Left", DK_LESS, "the field's previous choice (budget: "
                                  "50 ms less)"},
    {{KEY_RIGHT, ' '}, "Right Space", DK_MORE, "the field's next choice "
                                               "(budget: 50 ms more)"},
    {{'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', KEY_BACKSPACE, 127,
      8},
     "0-9 Bksp", DK_TYPE, "type the downtime budget in ms"},
    {{'\r', '\n', KEY_ENTER}, "Enter", DK_START,
     "start the migration (asks first; not while a check fails)"},
    {{27, 'q'}, "Esc q", DK_CANCEL, "close without starting"},
};

static enum vr
dialog_key(struct console *c, struct view *v, int key)
{
    struct dialog *d = v->dlg;
    const struct model *m = c->o.hv->model;
    int dir = 0;

    switch (keymap_action(dialog_keys, ARRAY_SIZE(dialog_keys), key,
                          DK_NONE)) {
    case DK_CANCEL:
        set_status(c, false, "migration not started");
        return VR_CLOSE;
    case DK_NEXT:
        do
            d->field = (d->field + 1) % F_COUNT;
        while (!field_shown(d, d->field));
        return VR_DONE;
    case DK_PREV:
        do
            d->field = (d->field + F_COUNT - 1) % F_COUNT;
        while (!field_shown(d, d->field));
        return VR_DONE;
    case DK_LESS:
        dir = -1;
        break;
    case DK_MORE:
        dir = 1;
        break;
    case DK_START:
        if (checks_worst(d->checks, d->n_checks) == CHECK_ERROR) {
            for (size_t i = 0; i < d->n_checks; i++)
                if (d->checks[i].status == CHECK_ERROR) {
                    set_status(c, true, "cannot start: %s",
                               d->checks[i].message);
                    break;
                }
            return VR_DONE;
        }
        ask(c, C_START, 0, "start migrating %s? (y/n)", d->vm);
        return VR_DONE;
    case DK_TYPE:
        if (d->field == F_BUDGET) {
            size_t n = strlen(d->budget_text);

            if (isdigit(key) && n + 1 < sizeof d->budget_text) {
                d->budget_text[n] = (char)key;
                d->budget_text[n + 1] = '\0';
            } else if (!isdigit(key) && n > 0) {
                d->budget_text[n - 1] = '\0';
            }
            if (d->budget_text[0] != '\0') {
                uint64_t ms = strtoull(d->budget_text, NULL, 10);

                if (ms >= 1 && ms <= 60000)
                    d->budget_ms = ms;
                else
                    set_status(c, true, "a budget is 1 to 60000 ms");
            }
            dialog_update(c, d);
        }
        return VR_DONE;
    default:
        return VR_DONE;
    }
    switch (d->field) {
    case F_KIND:
        d->kind = (enum job_kind)(((int)d->kind + 3 + dir) % 3);
        break;
    case F_HOST:
        d->host = (d->host + (int)m->n_hosts + dir) % (int)m->n_hosts;
        break;
    case F_DS:
        d->ds = (d->ds + (int)m->n_datastores + dir) % (int)m->n_datastores;
        break;
    case F_POLICY:
        d->policy = (d->policy + (int)c->o.policies->n + dir) %
                    (int)c->o.policies->n;
        break;
    case F_BUDGET:
        if (dir < 0 && d->budget_ms > 50)
            d->budget_ms -= 50;
        else if (dir > 0 && d->budget_ms < 60000)
            d->budget_ms += 50;
        d->budget_text[0] = '\0';
        break;
    }
    dialog_update(c, d);
    return VR_DONE;
}

/* ---- tables ------------------------------------------------------------ */

/* Columns: min, max (0: none), give (short of room, the highest gives way
 * first; 0 never hides), right-aligned, flex (takes the room left). */
static const struct table_col host_cols[] = {
    {"NAME", 8, 40, 0, false, false},   {"STATE", 5, 0, 0, false, false},
    {"CPU", 6, 0, 4, false, true},      {"CORES", 5, 0, 5, true, false},
    {"MEM USED", 8, 0, 1, true, false}, {"MEM TOTAL", 9, 0, 1, true, false},
    {"VMS", 4, 0, 2, true, false},      {"IN", 3, 0, 3, true, false},
    {"OUT", 3, 0, 3, true, false},
};
static const struct table_col vm_cols[] = {
    {"NAME", 10, 40, 0, false, false},   {"HOST", 6, 32, 0, false, false},
    {"STATE", 7, 0, 2, false, false},    {"VCPU", 4, 0, 4, true, false},
    {"MEMORY", 8, 0, 1, true, false},    {"DATASTORES", 6, 0, 5, false, true},
    {"MIGRATION", 9, 0, 0, false, false}, {"DIRTY", 8, 16, 6, false, false},
};
#define VM_COL_DIRTY 7 /* a sparkline of the VM's job */
static const struct table_col ds_cols[] = {
    {"NAME", 10, 40, 0, false, false},  {"TYPE", 4, 0, 3, false, false},
    {"HOSTS", 5, 0, 4, false, true},    {"CAPACITY", 8, 0, 2, true, false},
    {"USED", 8, 0, 2, true, false},     {"FREE", 8, 0, 1, true, false},
    {"SHARING", 6, 0, 5, false, false},
};
static const struct table_col job_cols[] = {
    {"VM", 9, 40, 0, false, false},       {"ROUTE", 10, 0, 0, false, true},
    {"KIND", 7, 0, 4, false, false},      {"POLICY", 8, 0, 3, false, false},
    {"PHASE", 9, 0, 0, false, false},     {"PROGRESS", 8, 0, 1, true, false},
    {"ELAPSED", 7, 0, 2, true, false},    {"DOWNTIME", 8, 0, 2, true, false},
};
static const struct table_col log_cols[] = {
    {"STARTED", 16, 0, 2, false, false}, {"VM", 10, 40, 0, false, false},
    {"ROUTE", 10, 0, 3, false, true},    {"KIND", 7, 0, 4, false, false},
    {"OUTCOME", 9, 0, 0, false, false},  {"TIME", 7, 0, 1, true, false},
    {"DOWNTIME", 8, 0, 1, true, false},
};

static double
job_progress(const struct job_view *j)
{
    if (job_view_ended(j))
        return j->outcome && strcmp(j->outcome, "completed") == 0 ? 100
                                                                   : NAN;
    if (j->state == JOB_QUEUED)
        return 0;
    return isnan(j->progress) ? 0 : j->progress;
}

static const char *
job_outcome(const struct job_view *j)
{
    return j->outcome ? j->outcome : "failed";
}

static void
rows_hosts(struct console *c, struct view *v)
{
    const struct model *m = c->o.hv->model;
    struct table *t = &v->tbl;
    char a[32], b[32];
    uint64_t *used = xcalloc(m->n_hosts + 1, sizeof *used);
    unsigned *count = xcalloc(m->n_hosts + 1, sizeof *count);
    int *in = xcalloc(m->n_hosts + 1, sizeof *in),
        *out = xcalloc(m->n_hosts + 1, sizeof *out);

    model_host_totals(m, used, count);
    for (size_t q = 0; q < n_jobs(c); q++) {
        const struct job_view *j = job_at(c, q);
        long x;

        if (j->state != JOB_RUNNING || j->kind == KIND_STORAGE)
            continue;
        if ((x = model_host_pos(m, j->dst)) >= 0)
            in[x]++;
        if ((x = model_host_pos(m, j->src)) >= 0)
            out[x]++;
    }
    for (size_t i = 0; i < m->n_hosts; i++) {
        const struct model_host *h = &m->hosts[i];
        size_t r = table_add(t, h->name, h->up ? ROLE_NORMAL : ROLE_ERROR);

        table_set(t, r, 0, NAN, "%s", h->name);
        table_set(t, r, 1, NAN, "%s", h->up ? "up" : "LOST");
        table_set(t, r, 2, NAN, "%s", h->cpu_model);
        table_set(t, r, 3, h->cores, "%u", h->cores);
        table_set(t, r, 4, (double)used[i], "%s",
                  units_fmt_bytes(a, sizeof a, used[i]));
        table_set(t, r, 5, (double)h->memory_bytes, "%s",
                  units_fmt_bytes(b, sizeof b, h->memory_bytes));
        table_set(t, r, 6, count[i], "%u", count[i]);
        table_set(t, r, 7, in[i], "%d", in[i]);
        table_set(t, r, 8, out[i], "%d", out[i]);
    }
    free(used);
    free(count);
    free(in);
    free(out);
}

static void
rows_vms(struct console *c, struct view *v)
{
    const struct model *m = c->o.hv->model;
    struct table *t = &v->tbl;
    char a[32];
    /* each VM's job (the running one over an ended one), in one pass */
    const struct job_view **job = xcalloc(m->n_vms + 1, sizeof *job);

    for (size_t q = 0; q < n_jobs(c); q++) {
        const struct job_view *j = job_at(c, q);
        const struct model_vm *vm = model_vm(m, j->vm);

        if (vm != NULL &&
            (job[vm - m->vms] == NULL || !job_view_ended(j) ||
             job_view_ended(job[vm - m->vms])))
            job[vm - m->vms] = j;
    }
    for (size_t i = 0; i < m->n_vms; i++) {
        const struct model_vm *vm = &m->vms[i];
        size_t r = table_add(t, vm->name, ROLE_NORMAL);
        const struct job_view *j = job[i];
        char *dss = model_vm_datastores_str(vm);

        table_set(t, r, 0, NAN, "%s", vm->name);
        table_set(t, r, 1, NAN, "%s", vm->host);
        table_set(t, r, 2, NAN, "%s", vm_state_name(vm->state));
        table_set(t, r, 3, vm->vcpus, "%u", vm->vcpus);
        table_set(t, r, 4, (double)vm->memory_bytes, "%s",
                  units_fmt_bytes(a, sizeof a, vm->memory_bytes));
        table_set(t, r, 5, NAN, "%s", dss);
        free(dss);
        if (j != NULL && j->state == JOB_QUEUED) {
            table_set(t, r, 6, -1, "queued #%d", j->queue_pos);
            t->rows[r].role = ROLE_TITLE;
        } else if (j != NULL && !job_view_ended(j)) {
            table_set(t, r, 6, job_progress(j), "%s %3.0f%%",
                      job_phase_name(j->phase), job_progress(j));
            t->rows[r].role = ROLE_TITLE;
        } else if (j != NULL) {
            table_set(t, r, 6, NAN, "%s",
                      strcmp(job_outcome(j), "completed") == 0
                          ? "done"
                          : job_outcome(j));
        }
        if (j != NULL && job_view_data(j) && job_view_data(j)->n > 0)
            t->rows[r].tag = j;
        if (vm->state == VM_SHUTOFF)
            t->rows[r].role = ROLE_DIM;
    }
    free(job);
}

static void
rows_ds(struct console *c, struct view *v)
{
    const struct model *m = c->o.hv->model;
    struct table *t = &v->tbl;
    char a[32], b[32], d[32];

    for (size_t i = 0; i < m->n_datastores; i++) {
        const struct model_datastore *s = &m->datastores[i];
        size_t r = table_add(t, s->name, ROLE_NORMAL);
        uint64_t free_b =
            s->capacity_bytes - MIN(s->used_bytes, s->capacity_bytes);
        char *hosts = s->n_hosts == m->n_hosts && m->n_hosts > 1
                          ? xasprintf("all %zu hosts", m->n_hosts)
                          : strv_join(s->hosts, s->n_hosts, ",");

        table_set(t, r, 0, NAN, "%s", s->name);
        table_set(t, r, 1, NAN, "%s", s->type);
        table_set(t, r, 2, NAN, "%s", hosts);
        free(hosts);
        table_set(t, r, 3, (double)s->capacity_bytes, "%s",
              units_fmt_bytes(a, sizeof a, s->capacity_bytes));
        table_set(t, r, 4, (double)s->used_bytes, "%s",
              units_fmt_bytes(b, sizeof b, s->used_bytes));
        table_set(t, r, 5, (double)free_b, "%s",
              units_fmt_bytes(d, sizeof d, free_b));
        table_set(t, r, 6, NAN, "%s", s->shared ? "shared" : "local");
    }
}

static void
rows_logs(struct console *c, struct view *v)
{
    struct table *t = &v->tbl;
    char a[32];

    for (size_t i = 0; i < c->n_logs; i++) {
        const struct flog_brief *b = &c->logs[i];
        char id[24];
        size_t r;

        snprintf(id, sizeof id, "%zu", i);
        r = table_add(t, id, ROLE_NORMAL);
        /* 2026-11-22T09:22:16Z -> 2026-11-22 09:22 */
        table_set(t, r, 0, (double)(c->n_logs - i), "%.10s %.5s", b->created,
              strlen(b->created) > 11 ? b->created + 11 : "");
        if (!b->ok) {
            const char *base = strrchr(b->path, '/');

            table_set(t, r, 1, NAN, "%s", base ? base + 1 : b->path);
            table_set(t, r, 2, NAN, "%s", b->error);
            t->rows[r].role = ROLE_DIM;
            continue;
        }
        table_set(t, r, 1, NAN, "%s", b->vm);
        if (strcmp(b->kind, "storage") == 0)
            table_set(t, r, 2, NAN, "%s: disks -> %s", b->source, b->datastore);
        else
            table_set(t, r, 2, NAN, "%s -> %s%s%s", b->source, b->destination,
                  b->datastore[0] ? " + " : "", b->datastore);
        table_set(t, r, 3, NAN, "%s", b->kind);
        table_set(t, r, 4, NAN, "%s", b->outcome);
        table_set(t, r, 5, isnan(b->total_ms) ? -1 : b->total_ms, "%s",
              isnan(b->total_ms) ? "-"
                                 : units_fmt_ms(a, sizeof a, b->total_ms));
        table_set(t, r, 6, isnan(b->downtime_ms) ? -1 : b->downtime_ms, "%s",
              isnan(b->downtime_ms)
                  ? "-"
                  : units_fmt_ms(a, sizeof a, b->downtime_ms));
        if (strcmp(b->outcome, "completed") != 0)
            t->rows[r].role = ROLE_WARNING;
    }
}

static void
rows_jobs(struct console *c, struct view *v)
{
    struct table *t = &v->tbl;
    char a[32];

    for (size_t i = 0; i < n_jobs(c); i++) {
        const struct job_view *j = job_at(c, i);
        char id[24];
        size_t r;
        double el = j->elapsed_ms;

        snprintf(id, sizeof id, "%ld", j->id);
        r = table_add(t, id, ROLE_NORMAL);
        table_set(t, r, 0, NAN, "%s", j->vm);
        if (j->kind == KIND_STORAGE)
            table_set(t, r, 1, NAN, "%s: -> %s", j->src, j->ds ? j->ds : "");
        else
            table_set(t, r, 1, NAN, "%s->%s%s%s", j->src, j->dst,
                  j->ds ? " " : "", j->ds ? j->ds : "");
        table_set(t, r, 2, NAN, "%s", job_kind_name(j->kind));
        /* who steers it: a policy, or nobody of ferry's */
        if (j->external && !j->taken_over)
            table_set(t, r, 3, NAN, "%s", "EXTERNAL");
        else if (j->steering_lost)
            table_set(t, r, 3, NAN, "%s", "LOST");
        else
            table_set(t, r, 3, NAN, "%s%s", j->policy ? j->policy : "",
                  j->external ? " (taken)" : "");
        if (j->state == JOB_QUEUED) {
            table_set(t, r, 4, j->queue_pos, "QUEUED #%d", j->queue_pos);
            table_set(t, r, 5, NAN, "-");
            table_set(t, r, 6, NAN, "-");
            table_set(t, r, 7, NAN, "-");
            t->rows[r].role = ROLE_DIM;
            continue;
        }
        if (!j->started) { /* never ran */
            table_set(t, r, 4, NAN, "%s",
                  strcmp(job_outcome(j), "cancelled") == 0
                      ? "CANCELLED"
                      : "NOT STARTED");
            table_set(t, r, 5, NAN, "-");
            table_set(t, r, 6, NAN, "-");
            table_set(t, r, 7, NAN, "-");
            t->rows[r].role = ROLE_WARNING;
            continue;
        }
        table_set(t, r, 4, NAN, "%s", job_phase_name(j->phase));
        table_set(t, r, 5, job_progress(j), "%.0f%%",
              isnan(job_progress(j)) ? 0 : job_progress(j));
        table_set(t, r, 6, el, "%s", units_fmt_ms(a, sizeof a, el));
        if (job_view_ended(j) && strcmp(job_outcome(j), "completed") == 0)
            table_set(t, r, 7, (double)j->downtime_ms, "%llu ms",
                  (unsigned long long)j->downtime_ms);
        else
            table_set(t, r, 7, NAN, "%s", "-");
        t->rows[r].role = !job_view_ended(j) ? ROLE_TITLE
                  : strcmp(job_outcome(j), "completed") == 0
                      ? ROLE_OK
                      : ROLE_WARNING;
    }
}

/* The selection: on the row it was on (by id) when there is one, else
 * at its position, kept inside the rows shown. */
static void
keep_selection(struct view *v)
{
    struct table *t = &v->tbl;
    long at;

    if (v->sel_id[0] != '\0' && (at = table_find(t, v->sel_id)) >= 0)
        v->sel = (int)at;
    if (v->sel >= (int)t->n_shown)
        v->sel = (int)t->n_shown - 1;
    if (v->sel < 0)
        v->sel = 0;
    if (t->n_shown > 0)
        set_sel(v, table_id(t, table_shown(t, (size_t)v->sel)));
}

/* The view's table from its data, filtered and sorted: built again only
 * when what it shows changed, arranged again only when the rows, the
 * filter or the sort did. */
static void
ready_table(struct console *c, struct view *v)
{
    struct table *t = &v->tbl;
    uint64_t sig = v->cls->rows_sig(c, v);

    if (!v->built || sig != v->built_sig) {
        if (t->cols == NULL)
            table_init(t, v->cls->cols, v->cls->n_cols);
        table_clear(t);
        v->cls->rows(c, v);
        v->built = true;
        v->built_sig = sig;
        free(v->arranged_filter);
        v->arranged_filter = NULL;
        v->widths_for = -1;
    }
    if (v->sort_col >= t->n_cols || v->sort_col < 0)
        v->sort_col = 0;
    if (v->arranged_filter == NULL || strcmp(v->arranged_filter, v->filter) ||
        v->arranged_col != v->sort_col || v->arranged_desc != v->sort_desc) {
        table_arrange(t, v->filter, v->sort_col, v->sort_desc);
        free(v->arranged_filter);
        v->arranged_filter = xstrdup(v->filter);
        v->arranged_col = v->sort_col;
        v->arranged_desc = v->sort_desc;
    }
    keep_selection(v);
}

/* Its columns laid out for the terminal's width (again only when the
 * rows, the width or the sorted column changed). */
static const int *
view_widths(struct view *v, int width)
{
    if (v->widths_for != width || v->widths_col != v->sort_col) {
        if (v->widths == NULL)
            v->widths = xcalloc((size_t)v->tbl.n_cols, sizeof *v->widths);
        table_widths(&v->tbl, v->sort_col, width, v->widths);
        v->widths_for = width;
        v->widths_col = v->sort_col;
    }
    return v->widths;
}

static void
draw_table(struct console *c, struct view *v, int y, int h)
{
    struct ui_term *t = c->t;
    struct table *tb = &v->tbl;
    int w = COLS, x;
    const int *widths = view_widths(v, w);

    /* Header */
    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    ui_fill(stdscr, y, 0, w, ' ');
    x = 1;
    for (int i = 0; i < tb->n_cols && x < w; i++) {
        char *title;

        if (widths[i] == 0)
            continue;
        title = xasprintf("%s%s", tb->cols[i].title,
                          i != v->sort_col ? ""
                          : t->utf8        ? (v->sort_desc ? "\u2193" : "\u2191")
                                           : (v->sort_desc ? "v" : "^"));
        if (tb->cols[i].right)
            ui_put(stdscr, y, x + MAX(0, widths[i] - text_width(title)),
                   MIN(widths[i], w - x), title);
        else
            ui_put(stdscr, y, x, MIN(widths[i], w - x), title);
        free(title);
        x += widths[i] + 1;
    }
    /* Rows */
    if (v->sel < v->top)
        v->top = v->sel;
    if (v->sel >= v->top + h - 1)
        v->top = v->sel - (h - 2);
    if (v->top < 0)
        v->top = 0;
    for (int r = 0; r < h - 1; r++) {
        int i = v->top + r, row = y + 1 + r;
        size_t k;
        int role;

        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_fill(stdscr, row, 0, w, ' ');
        if (i >= (int)tb->n_shown)
            continue;
        k = table_shown(tb, (size_t)i);
        role = i == v->sel ? ROLE_SELECTION : tb->rows[k].role;
        wattrset(stdscr, ui_attr(t, role));
        if (i == v->sel)
            ui_fill(stdscr, row, 0, w, ' ');
        x = 1;
        for (int col = 0; col < tb->n_cols && x < w; col++) {
            const char *s = table_cell(tb, k, col);
            int cw = MIN(widths[col], w - x);

            if (widths[col] == 0)
                continue;
            if (tb->cols == vm_cols && col == VM_COL_DIRTY &&
                tb->rows[k].tag != NULL) {
                const struct flog_data *d = job_view_data(tb->rows[k].tag);

                ui_sparkline(t, stdscr, row, x, cw, d->dirty, d->n,
                             ROLE_GRAPH_DIRTY);
                wattrset(stdscr, ui_attr(t, role));
            } else if (tb->cols[col].right) {
                ui_put_cut(t, stdscr, row,
                           x + MAX(0, cw - text_width(s)), cw, s);
            } else {
                ui_put_cut(t, stdscr, row, x, cw, s);
            }
            x += widths[col] + 1;
        }
    }
    if (tb->n_shown == 0) {
        wattrset(stdscr, ui_attr(t, ROLE_DIM));
        ui_put(stdscr, y + 1, 2, w - 2,
               v->filter[0] ? "no rows match the filter (Esc clears it)"
               : v->kind == V_JOBS
                   ? "no migrations yet: select a VM and press m"
                   : "nothing here");
    }
}

/* ---- dashboard --------------------------------------------------------- */

static void
draw_dashboard(struct console *c, const struct job_view *j, int y, int h)
{
    const struct flog_data *d = job_view_data(j);
    struct dash ds;

    if (d == NULL) {
        /* its header is on the way, or it never started */
        struct ui_term *t = c->t;
        char line[400];

        for (int r = 0; r < h; r++) {
            wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
            ui_fill(stdscr, y + r, 0, COLS, ' ');
        }
        wattrset(stdscr, ui_attr(t, ROLE_TITLE));
        snprintf(line, sizeof line, " %s  %s -> %s", j->vm, j->src, j->dst);
        ui_put(stdscr, y, 0, COLS, line);
        wattrset(stdscr, ui_attr(t, ROLE_DIM));
        snprintf(line, sizeof line, " %s",
                 j->state == JOB_QUEUED  ? "queued: waiting for its turn"
                 : !j->started           ? (j->reason ? j->reason : "")
                                         : "starting...");
        ui_put(stdscr, y + 1, 0, COLS, line);
        return;
    }
    dash_fill(&ds, d, d->n ? d->n - 1 : 0, UINT64_MAX);
    dash_draw(c->t, y, h, &ds);
}

/* ---- dialog drawing ---------------------------------------------------- */

static void
draw_dialog(struct console *c, struct dialog *d, int y, int h)
{
    struct ui_term *t = c->t;
    const struct model *m = c->o.hv->model;
    int w = MIN(COLS - 2, 78), x = (COLS - w) / 2, row = y;
    char line[256], a[32], b[32], e[32], sum[160];
    static const char *const labels[F_COUNT] = {
        "Kind", "Destination host", "Destination datastore", "Policy",
        "Downtime budget", "Start"};

    for (int r = 0; r < h; r++) {
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_fill(stdscr, y + r, x, w, ' ');
    }
    wattrset(stdscr, ui_attr(t, ROLE_TITLE));
    snprintf(line, sizeof line, " Migrate %s (now on %s)", d->vm,
             model_vm(m, d->vm)->host);
    ui_put(stdscr, row++, x, w, line);
    for (int f = 0; f < F_COUNT; f++) {
        const char *val = "";
        char vb[128];

        if (!field_shown(d, f))
            continue;
        switch (f) {
        case F_KIND:
            val = job_kind_name(d->kind);
            break;
        case F_HOST:
            val = m->hosts[d->host].name;
            break;
        case F_DS:
            val = m->datastores[d->ds].name;
            break;
        case F_POLICY:
            policy_summary(&c->o.policies->v[d->policy], sum, sizeof sum);
            snprintf(vb, sizeof vb, "%.40s  (%.80s)",
                     c->o.policies->v[d->policy].name, sum);
            val = vb;
            break;
        case F_BUDGET:
            snprintf(vb, sizeof vb, "%llu ms%s",
                     (unsigned long long)d->budget_ms,
                     d->field == F_BUDGET ? "  (type ms or Left/Right)" : "");
            val = vb;
            break;
        case F_START:
            val = checks_worst(d->checks, d->n_checks) == CHECK_ERROR
                      ? "[ blocked by a check ]"
                      : "[ Start migration ]";
            break;
        }
        wattrset(stdscr, ui_attr(t, d->field == f ? ROLE_SELECTION : ROLE_NORMAL));
        snprintf(line, sizeof line, "  %-22s %s%s%s", labels[f],
                 f == F_START ? "" : "< ", val, f == F_START ? "" : " >");
        ui_put_pad(stdscr, row++, x, w, line);
    }
    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    ui_put_pad(stdscr, row++, x, w, " Pre-flight checks");
    for (size_t i = 0; i < d->n_checks && row < y + h - 3; i++) {
        static const char *const tag[] = {" ok ", "warn", "FAIL"};
        static const enum role roles[] = {ROLE_OK, ROLE_WARNING, ROLE_ERROR};
        const struct check_result *cr = &d->checks[i];

        if (cr->status == CHECK_OK && d->n_checks > (size_t)(h - 10))
            continue; /* short of room: show what needs attention */
        wattrset(stdscr, ui_attr(t, roles[cr->status]));
        snprintf(line, sizeof line, "  %s ", tag[cr->status]);
        ui_put(stdscr, row, x, 8, line);
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_put(stdscr, row++, x + 8, w - 8, cr->message);
    }
    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    ui_put_pad(stdscr, row++, x, w, " Prediction");
    wattrset(stdscr, ui_attr(t, d->pred.converges ? ROLE_OK : ROLE_WARNING));
    if (!d->pred_ok)
        snprintf(line, sizeof line, "  no prediction for this choice");
    else if (d->pred.converges)
        snprintf(line, sizeof line, "  converges: total %s, downtime %s, "
                 "%u rounds, %s to send",
                 units_fmt_ms(a, sizeof a, d->pred.total_ms),
                 units_fmt_ms(b, sizeof b, d->pred.downtime_ms),
                 d->pred.rounds + 0,
                 units_fmt_bytes(e, sizeof e, (uint64_t)d->pred.bytes));
    else
        snprintf(line, sizeof line, "  does not converge within %llu ms: "
                 "stalls near %s (%s); post-copy: about %s",
                 (unsigned long long)d->budget_ms,
                 units_fmt_bytes(a, sizeof a, (uint64_t)d->pred.stall_bytes),
                 units_fmt_ms(b, sizeof b, d->pred.stall_downtime_ms),
                 units_fmt_ms(e, sizeof e, d->pred.postcopy_ms));
    ui_put(stdscr, row++, x, w, line);
}

/* The selected queued job: what it waits for. */
static void
draw_wait_line(struct console *c, const struct view *v, int y)
{
    struct ui_term *t = c->t;
    char line[400];
    const struct job_view *j =
        v->sel_id[0] ? job_by_id(c, atol(v->sel_id)) : NULL;

    wattrset(stdscr, ui_attr(t, ROLE_DIM));
    if (j != NULL && j->state == JOB_QUEUED) {
        snprintf(line, sizeof line, " %s waits for %s  ([ ] reorder, x "
                 "cancel)", j->vm, j->waits_for ? j->waits_for : "its turn");
    } else {
        snprintf(line, sizeof line, " %zu queued: select one to see what "
                 "it waits for", jobs_in(c, JOB_QUEUED));
    }
    ui_put_pad(stdscr, y, 0, COLS, line);
}

/* The selected host: how ferry reaches it and what the probes found. */
static void
draw_host_lines(struct console *c, const struct view *v, int y)
{
    struct ui_term *t = c->t;
    const struct model_host *h = model_host(c->o.hv->model, v->sel_id);
    char line[600];

    wattrset(stdscr, ui_attr(t, ROLE_DIM));
    if (h == NULL) {
        ui_put_pad(stdscr, y, 0, COLS, "");
        ui_put_pad(stdscr, y + 1, 0, COLS, "");
        return;
    }
    if (h->ssh != NULL)
        snprintf(line, sizeof line, " %s: ssh %s", h->name, h->ssh);
    else
        snprintf(line, sizeof line, " %s: %s", h->name,
                 h->uri ? h->uri : "simulated host");
    ui_put_pad(stdscr, y, 0, COLS, line);
    if (!h->up && h->state_note != NULL) {
        wattrset(stdscr, ui_attr(t, ROLE_ERROR));
        snprintf(line, sizeof line, " %s", h->state_note);
    } else if (h->probe != NULL) {
        snprintf(line, sizeof line, " %s", h->probe);
    } else {
        snprintf(line, sizeof line, " %s", h->versions ? h->versions : "");
    }
    ui_put_pad(stdscr, y + 1, 0, COLS, line);
}

/* The selected VM, its names whole: where it runs, what it has. */
static void
draw_vm_line(struct console *c, const struct view *v, int y)
{
    const struct model_vm *vm = model_vm(c->o.hv->model, v->sel_id);
    char a[32], b[32], mx[48] = "", *dss, *line;

    wattrset(stdscr, ui_attr(c->t, ROLE_DIM));
    if (vm == NULL) {
        ui_put_pad(stdscr, y, 0, COLS, "");
        return;
    }
    dss = model_vm_datastores_str(vm);
    if (vm->memory_max_bytes > vm->memory_bytes)
        snprintf(mx, sizeof mx, " (at most %s)",
                 units_fmt_bytes(b, sizeof b, vm->memory_max_bytes));
    line = xasprintf(" %s on %s: %s, %u vCPU, %s%s, disks on %s%s%s",
                     vm->name, vm->host, vm_state_name(vm->state), vm->vcpus,
                     units_fmt_bytes(a, sizeof a, vm->memory_bytes), mx,
                     dss[0] ? dss : "no datastore",
                     vm->live_migratable ? "" : "; not live: ",
                     vm->live_migratable ? ""
                     : vm->not_migratable_reason ? vm->not_migratable_reason
                                                 : "?");
    ui_fill(stdscr, y, 0, COLS, ' ');
    ui_put_cut(c->t, stdscr, y, 0, COLS, line);
    free(line);
    free(dss);
}

/* ---- what changes the rows --------------------------------------------- */

/* The jobs and how far each has come: the VMs' and jobs' tables show
 * progress. */
static uint64_t
jobs_progress_sig(const struct console *c)
{
    uint64_t h = jobs_signature(c);

    for (size_t i = 0; i < n_jobs(c); i++) {
        const struct job_view *j = job_at(c, i);
        const struct flog_data *d = job_view_data(j);

        if (job_view_ended(j))
            continue;
        h = h * 31 + (d != NULL ? d->n : 0);
        h = h * 31 + (uint64_t)(isnan(j->progress) ? 0 : j->progress * 10);
        h = h * 31 + (uint64_t)j->elapsed_ms;
    }
    return h;
}

static uint64_t
sig_model(const struct console *c, const struct view *v)
{
    (void)v;
    return c->o.hv->generation;
}

static uint64_t
sig_model_jobs(const struct console *c, const struct view *v)
{
    (void)v;
    return c->o.hv->generation * 1000003 + jobs_progress_sig(c);
}

static uint64_t
sig_jobs(const struct console *c, const struct view *v)
{
    (void)v;
    return jobs_progress_sig(c);
}

static uint64_t
sig_logs(const struct console *c, const struct view *v)
{
    (void)v;
    return c->logs_gen;
}

static uint64_t
sig_none(const struct console *c, const struct view *v)
{
    (void)c;
    (void)v;
    return 1;
}

/* ---- views: how each draws --------------------------------------------- */

static void
blank_line(struct console *c, int y)
{
    wattrset(stdscr, ui_attr(c->t, ROLE_NORMAL));
    ui_fill(stdscr, y, 0, COLS, ' ');
}

static void
draw_hosts(struct console *c, struct view *v, int y, int h)
{
    ready_table(c, v);
    draw_table(c, v, y, h - 2);
    draw_host_lines(c, v, y + h - 2);
}

static void
draw_vms(struct console *c, struct view *v, int y, int h)
{
    ready_table(c, v);
    draw_table(c, v, y, h - 1);
    draw_vm_line(c, v, y + h - 1);
}

static void
draw_jobs(struct console *c, struct view *v, int y, int h)
{
    ready_table(c, v);
    draw_table(c, v, y, h - 1);
    if (jobs_in(c, JOB_QUEUED) > 0)
        draw_wait_line(c, v, y + h - 1);
    else
        blank_line(c, y + h - 1);
}

static void
draw_plain_table(struct console *c, struct view *v, int y, int h)
{
    ready_table(c, v);
    draw_table(c, v, y, h);
}

static void
draw_dash(struct console *c, struct view *v, int y, int h)
{
    const struct job_view *j = job_by_id(c, v->job);

    if (j != NULL)
        draw_dashboard(c, j, y, h);
    else
        for (int r = 0; r < h; r++)
            blank_line(c, y + r);
}

static char *
crumb_dash(struct console *c, const struct view *v)
{
    const struct job_view *j = job_by_id(c, v->job);

    return xstrdup(j != NULL ? j->vm : "Migration");
}

/* The dialog over the list it was opened from. */
static void
draw_dialog_view(struct console *c, struct view *v, int y, int h)
{
    if (c->depth >= 2 && is_table(c->stack[c->depth - 2]))
        draw_plain_table(c, c->stack[c->depth - 2], y, h);
    draw_dialog(c, v->dlg, y + 1, MIN(h - 1, 20));
}

static const char *
dialog_hints(struct console *c, struct view *v)
{
    (void)c;
    (void)v;
    return " Tab/Up/Down field  Left/Right change  Enter start  Esc cancel";
}

/* ---- flight logs and the replay ---------------------------------------- */

static void
logs_open(struct console *c)
{
    char *dir = c->o.log_dir ? xstrdup(c->o.log_dir) : flog_default_dir();
    struct ferry_err err;

    free(c->logs);
    err.msg[0] = '\0';
    c->n_logs = flog_list(dir, &c->logs, &err);
    c->logs_gen++;
    if (err.msg[0])
        set_status(c, true, "flight logs: %s", err.msg);
    else
        set_status(c, false, "%zu flight log%s in %s", c->n_logs,
                   c->n_logs == 1 ? "" : "s", dir);
    free(dir);
    if (top(c)->kind != V_LOGS)
        push(c, V_LOGS)->sort_desc = true; /* newest first */
}

static void
replay_say(struct console *c, struct replay *rp)
{
    bool error;
    const char *msg = replay_message(rp, &error);

    if (msg != NULL)
        set_status(c, error, "%s", msg);
}

/* Replay a log in the console; errors go to the status line. */
static void
replay_open(struct console *c, const char *path)
{
    struct ferry_err err;
    struct flog_data *d = flog_load(path, &err);
    struct replay_opts ro = {.policies = c->o.policies, .loop = c->o.loop};
    struct replay *rp;

    if (d == NULL) {
        set_status(c, true, "%s", err.msg);
        return;
    }
    if (top(c)->kind == V_REPLAY)
        pop(c);
    rp = replay_new(c->t, d, &ro);
    push(c, V_REPLAY)->rp = rp;
    set_status(c, false, "%s", "");
    replay_say(c, rp);
}

static enum vr
replay_view_key(struct console *c, struct view *v, int key)
{
    bool took;

    if (key == ':')
        return VR_IGNORED; /* a command, over the replay */
    took = replay_key(v->rp, key, c->now_ms);
    if (replay_closed(v->rp))
        return VR_CLOSE;
    replay_say(c, v->rp);
    return took ? VR_DONE : VR_IGNORED;
}

static void
replay_view_draw(struct console *c, struct view *v, int y, int h)
{
    (void)c;
    replay_draw(v->rp, y, h);
}

static const char *
replay_view_hints(struct console *c, struct view *v)
{
    (void)c;
    return replay_hints(v->rp);
}

static char *
replay_crumb(struct console *c, const struct view *v)
{
    (void)c;
    return xasprintf("Replay %s", replay_data(v->rp)->h.vm);
}

static bool
replay_view_tick(struct console *c, struct view *v, uint64_t now_ms)
{
    bool redraw = replay_tick(v->rp, now_ms);

    /* a what-if's progress, or its outcome */
    replay_say(c, v->rp);
    return redraw;
}

static int
replay_view_timeout(const struct console *c, const struct view *v,
                    uint64_t now_ms)
{
    (void)c;
    return replay_timeout_ms(v->rp, now_ms);
}

static void
replay_view_fini(struct view *v)
{
    replay_free(v->rp);
}

/* ---- commands ---------------------------------------------------------- */

struct command {
    const char *name, *alias;
    const char *args;  /* as the help shows them ("" for none) */
    unsigned scope;    /* the views it works in */
    void (*run)(struct console *c, struct view *v, const char *arg, int data);
    int data;
    const char *help;
};

/* A key runs a command as if typed after ':'. */
struct binding {
    unsigned scope;
    int keys[4];       /* 0 ends */
    const char *label; /* as the help shows them */
    const char *command;
    const char *hint; /* on the hints line; NULL: not there */
    const char *help; /* NULL: the command's */
};


/* The first word of arg (*rest: after it, blanks skipped); caller frees. */
static char *
first_word(const char *arg, const char **rest)
{
    size_t n = strcspn(arg, " \t");
    char *w = xstrndup(arg, n);

    arg += n;
    arg += strspn(arg, " \t");
    *rest = arg;
    return w;
}

/* Table views: make sure the selection names a row (keys typed ahead of
 * a redraw act on the row the move selected). */
static const char *
selected(struct console *c, struct view *v)
{
    if (!is_table(v))
        return "";
    ready_table(c, v);
    return v->sel_id;
}

static void
cmd_go(struct console *c, struct view *v, const char *arg, int k)
{
    (void)v;
    (void)arg;
    go_list(c, (enum view_kind)k);
}

static void
cmd_help(struct console *c, struct view *v, const char *arg, int data)
{
    (void)v;
    (void)data;
    push(c, V_HELP);
    if (*arg != '\0') /* :help abort: the rows about it */
        set_filter(top(c), arg);
}

static void
cmd_logs(struct console *c, struct view *v, const char *arg, int data)
{
    (void)v;
    (void)arg;
    (void)data;
    logs_open(c);
}

static void
cmd_replay(struct console *c, struct view *v, const char *arg, int data)
{
    (void)data;
    if (*arg != '\0')
        replay_open(c, arg);
    else if (v->kind == V_LOGS && selected(c, v)[0] != '\0')
        replay_open(c, c->logs[atoi(v->sel_id)].path);
    else
        set_status(c, true, ":replay needs a flight log file");
}

/* The VM a command is about: named, or the selected one in the VMs. */
static const char *
vm_arg(struct console *c, struct view *v, const char *arg, const char *cmd)
{
    if (*arg != '\0')
        return arg;
    if (v->kind == V_VMS && selected(c, v)[0] != '\0')
        return v->sel_id;
    set_status(c, true, ":%s needs a VM name (or select one in the VMs)",
               cmd);
    return NULL;
}

static void
cmd_migrate(struct console *c, struct view *v, const char *arg, int quick)
{
    const char *vm = vm_arg(c, v, arg, quick ? "quick" : "migrate");
    char *name;

    if (vm == NULL)
        return;
    name = xstrdup(vm); /* the views below may go */
    if (quick)
        dialog_open(c, name);
    else
        wizard_open(c, name);
    free(name);
}

static void
cmd_open(struct console *c, struct view *v, const char *arg, int data)
{
    const char *id = selected(c, v);

    (void)arg;
    (void)data;
    if (id[0] == '\0') {
        set_status(c, false, "nothing selected");
    } else if (v->kind == V_VMS) {
        const struct job_view *j = job_of_vm(c, id);

        if (j == NULL)
            set_status(c, false, "%s has no migration: m starts one", id);
        else
            open_dashboard(c, j->id);
    } else if (v->kind == V_JOBS) {
        open_dashboard(c, atol(id));
    } else if (v->kind == V_LOGS) {
        size_t i = (size_t)atoi(id);

        if (i < c->n_logs && c->logs[i].ok)
            replay_open(c, c->logs[i].path);
        else if (i < c->n_logs)
            set_status(c, true, "%s: %s", c->logs[i].path,
                       c->logs[i].error);
    } else {
        set_status(c, false, "nothing to open in the %s: Enter opens a "
                   "VM's or a job's dashboard, a flight log's replay",
                   v->cls->where);
    }
}

static void
cmd_filter(struct console *c, struct view *v, const char *arg, int data)
{
    (void)data;
    if (*arg != '\0') {
        set_filter(v, arg);
        return;
    }
    c->mode = M_FILTER;
    c->input = xgrow(c->input, &c->cap_input, strlen(v->filter) + 1, 1);
    strcpy(c->input, v->filter);
}

static void
cmd_sort(struct console *c, struct view *v, const char *arg, int data)
{
    struct table *t = &v->tbl;
    int col = -1;

    (void)data;
    ready_table(c, v);
    if (strcmp(arg, "next") == 0 || strcmp(arg, "prev") == 0) {
        col = (v->sort_col + t->n_cols + (arg[0] == 'n' ? 1 : -1)) %
              t->n_cols;
    } else if (*arg != '\0') {
        /* a column by name, or the start of one: "mem", "host" */
        for (int i = 0; i < t->n_cols && col < 0; i++)
            if (strcasecmp(t->cols[i].title, arg) == 0)
                col = i;
        for (int i = 0; i < t->n_cols && col < 0; i++)
            if (strncasecmp(t->cols[i].title, arg, strlen(arg)) == 0)
                col = i;
    }
    if (col < 0) {
        char *names = xstrdup("");

        for (int i = 0; i < t->n_cols; i++) {
            char *n = xasprintf("%s%s%s", names, i ? ", " : "",
                                t->cols[i].title);

            free(names);
            names = n;
        }
        set_status(c, true, "%s%s%s: sort by one of %s (or next, prev)",
                   *arg ? "no column " : ":sort needs a column", arg,
                   *arg ? " here" : "", names);
        free(names);
        return;
    }
    v->sort_col = col;
    set_status(c, false, "sorted by %s", t->cols[col].title);
}

static void
cmd_reverse(struct console *c, struct view *v, const char *arg, int data)
{
    (void)c;
    (void)arg;
    (void)data;
    v->sort_desc = !v->sort_desc;
}

enum { MV_UP, MV_DOWN, MV_PAGE_UP, MV_PAGE_DOWN, MV_FIRST, MV_LAST };

static void
cmd_move(struct console *c, struct view *v, const char *arg, int how)
{
    int page = MAX(LINES - 5, 1);

    (void)c;
    (void)arg;
    switch (how) {
    case MV_UP:
        v->sel--;
        break;
    case MV_DOWN:
        v->sel++;
        break;
    case MV_PAGE_UP:
        v->sel -= page;
        break;
    case MV_PAGE_DOWN:
        v->sel += page;
        break;
    case MV_FIRST:
        v->sel = 0;
        break;
    case MV_LAST:
        v->sel = INT_MAX;
        break;
    }
    set_sel(v, ""); /* by position until the next arrange */
}

/* The migration a command is about: a VM named, else the dashboard's, the
 * selected VM's or the selected job. NULL (said why) when there is none. */
static const struct job_view *
job_target(struct console *c, struct view *v, const char *vm,
           const char *cmd)
{
    const struct job_view *j = NULL;

    if (vm != NULL && *vm != '\0') {
        if ((j = job_of_vm(c, vm)) == NULL)
            set_status(c, true, ":%s: %s has no migration", cmd, vm);
        return j;
    }
    if (v->kind == V_DASH)
        j = job_by_id(c, v->job);
    else if (v->kind == V_VMS && selected(c, v)[0] != '\0')
        j = job_of_vm(c, v->sel_id);
    else if (v->kind == V_JOBS && selected(c, v)[0] != '\0')
        j = job_by_id(c, atol(v->sel_id));
    if (j == NULL)
        set_status(c, true, ":%s: which migration? open its dashboard, or "
                   ":%s VM", cmd, cmd);
    return j;
}

/* Can ferry steer j now? Says why not. */
static bool
steerable(struct console *c, const struct job_view *j, bool external_ok)
{
    if (job_view_ended(j)) {
        set_status(c, true, "%s: the migration has ended", j->vm);
        return false;
    }
    if (!external_ok && j->external && !j->taken_over) {
        set_status(c, true, "%s: not ferry's migration (T takes it over)",
                   j->vm);
        return false;
    }
    return true;
}

static void
cmd_abort(struct console *c, struct view *v, const char *arg, int data)
{
    const struct job_view *j = job_target(c, v, arg, "abort");

    (void)data;
    if (j != NULL && steerable(c, j, true))
        ask(c, C_ABORT, j->id, "abort this migration%s%s? the VM stays on "
            "its source (y/n)", v->kind == V_DASH ? "" : " of ",
            v->kind == V_DASH ? "" : j->vm);
}

static void
cmd_switchover(struct console *c, struct view *v, const char *arg, int data)
{
    const struct job_view *j = job_target(c, v, arg, "switchover");

    (void)data;
    if (j != NULL && steerable(c, j, false))
        ask(c, C_SWITCH, j->id, "switch over %s now, whatever the downtime? "
            "(y/n)", v->kind == V_DASH ? "" : j->vm);
}

static void
cmd_takeover(struct console *c, struct view *v, const char *arg, int data)
{
    const struct job_view *j = job_target(c, v, arg, "takeover");

    (void)data;
    if (j == NULL || !steerable(c, j, true))
        return;
    if (!j->external || j->taken_over)
        set_status(c, true, "%s: ferry steers this one already", j->vm);
    else
        ask(c, C_TAKE, j->id, "take this migration over? ferry steers it "
            "from now on under the default policy and budget (y/n)");
}

/* :budget [+|-]MS [VM] */
static void
cmd_budget(struct console *c, struct view *v, const char *arg, int data)
{
    const char *vm;
    char *val = first_word(arg, &vm), *end;
    const struct job_view *j;
    struct ferry_err err;
    long long n = strtoll(val, &end, 10);
    uint64_t b;

    (void)data;
    if (val[0] == '\0' || *end != '\0' || n == 0) {
        set_status(c, true, ":budget needs milliseconds: 300, +50 or -50");
        free(val);
        return;
    }
    if ((j = job_target(c, v, vm, "budget")) == NULL ||
        !steerable(c, j, false)) {
        free(val);
        return;
    }
    b = j->budget_ms;
    if (val[0] == '+' || val[0] == '-')
        b = n < 0 && (uint64_t)-n >= b ? b : (uint64_t)((long long)b + n);
    else if (n > 0)
        b = (uint64_t)n;
    free(val);
    if (c->o.ops->budget(c->o.ops_ctx, j->id, b, &err) < 0)
        set_status(c, true, "%s", err.msg);
    else
        set_status(c, false, "%s: downtime budget %llu ms", j->vm,
                   (unsigned long long)b);
}

static void
cmd_postcopy(struct console *c, struct view *v, const char *arg, int data)
{
    const struct job_view *j = job_target(c, v, arg, "postcopy");
    struct ferry_err err;

    (void)data;
    if (j == NULL || !steerable(c, j, false))
        return;
    if (c->o.ops->act(c->o.ops_ctx, j->id, ACT_POSTCOPY, 0, &err) < 0)
        set_status(c, true, "%s", err.msg);
    else
        set_status(c, false, "%s: post-copy requested", j->vm);
}

/* :throttle [+]PERCENT [VM] */
static void
cmd_throttle(struct console *c, struct view *v, const char *arg, int data)
{
    const char *vm;
    char *val = first_word(arg, &vm), *end;
    const struct job_view *j;
    struct ferry_err err;
    struct job_sample s;
    long n = strtol(val, &end, 10);
    uint64_t cur = 0, want;

    (void)data;
    if (val[0] == '\0' || *end != '\0' || n < 0 || n > 99) {
        set_status(c, true, ":throttle needs a percentage: 30, or +10");
        free(val);
        return;
    }
    if ((j = job_target(c, v, vm, "throttle")) == NULL ||
        !steerable(c, j, false)) {
        free(val);
        return;
    }
    if (flog_live_last(j->live, &s, NULL, NULL, NULL))
        cur = sample_get(&s, SF_AUTO_CONVERGE_THROTTLE, 0);
    want = MIN(val[0] == '+' ? cur + (uint64_t)n : (uint64_t)n, 99);
    free(val);
    if (c->o.ops->act(c->o.ops_ctx, j->id, ACT_THROTTLE, want, &err) < 0)
        set_status(c, true, "%s", err.msg);
    else
        set_status(c, false, "%s: throttle %llu%%", j->vm,
                   (unsigned long long)want);
}

enum { Q_EARLIER = -1, Q_LATER = 1, Q_CANCEL = 0 };

/* Reorder or cancel a queued job. */
static void
cmd_queue(struct console *c, struct view *v, const char *arg, int how)
{
    const struct job_view *j =
        job_target(c, v, arg, how == Q_CANCEL ? "cancel" : "queue");
    struct ferry_err err;
    long id;

    if (j == NULL)
        return;
    id = j->id;
    if (j->state != JOB_QUEUED) {
        set_status(c, true, "%s is not queued%s", j->vm,
                   !job_view_ended(j) && how == Q_CANCEL
                       ? ": abort it from its dashboard (a)"
                       : "");
        return;
    }
    if (how == Q_CANCEL) {
        if (c->o.ops->act(c->o.ops_ctx, id, ACT_ABORT, 0, &err) < 0) {
            set_status(c, true, "%s", err.msg);
        } else {
            seen_set(c, id, JOB_ENDED);
            set_status(c, false, "%s: removed from the queue", j->vm);
        }
        return;
    }
    if (c->o.ops->queue_move(c->o.ops_ctx, id, how, &err) < 0)
        set_status(c, false, "%s", err.msg);
    else if ((j = job_by_id(c, id)) != NULL)
        set_status(c, false, "%s is now #%d in the queue", j->vm,
                   j->queue_pos);
}

static void
cmd_theme(struct console *c, struct view *v, const char *arg, int data)
{
    char *path = *arg ? theme_find(arg) : NULL;
    struct theme th;
    struct ferry_err err;
    char warn[256]; /* a theme's own warning: its file and line */

    (void)v;
    (void)data;
    theme_default(&th);
    if (path == NULL) {
        set_status(c, true, "no theme named %s", *arg ? arg : "(none)");
    } else if (theme_load(&th, path, warn, sizeof warn, &err) < 0) {
        set_status(c, true, "%s", err.msg);
    } else {
        ui_term_apply(c->t, &th);
        if (warn[0])
            set_status(c, true, "%s", warn);
        else
            set_status(c, false, "theme %s", th.name);
    }
    free(path);
}

static void
cmd_back(struct console *c, struct view *v, const char *arg, int data)
{
    (void)arg;
    (void)data;
    if (is_table(v) && v->filter[0] != '\0')
        set_filter(v, "");
    else
        pop(c);
}

static void
cmd_prompt(struct console *c, struct view *v, const char *arg, int data)
{
    (void)v;
    (void)arg;
    (void)data;
    c->mode = M_COMMAND;
    c->input[0] = '\0';
}

static void
cmd_quit(struct console *c, struct view *v, const char *arg, int detach)
{
    (void)v;
    (void)arg;
    if (!detach && (running_jobs(c) > 0 || jobs_in(c, JOB_QUEUED) > 0))
        ask(c, C_QUIT, 0, "migrations run in the server: d (Enter) "
                          "detaches, they go on; a aborts them all; Esc "
                          "stays");
    else
        c->quit = true; /* detach: the server goes on with the jobs */
}

static const struct command commands[] = {
    {"hosts", NULL, "", SC_ANY, cmd_go, V_HOSTS, "the hosts"},
    {"vms", NULL, "", SC_ANY, cmd_go, V_VMS, "the VMs"},
    {"ds", "datastores", "", SC_ANY, cmd_go, V_DS, "the datastores"},
    {"jobs", NULL, "", SC_ANY, cmd_go, V_JOBS,
     "the migrations: running, queued, ended"},
    {"logs", NULL, "", SC_ANY, cmd_logs, 0, "the flight logs, newest first"},
    {"help", NULL, "[WORD]", SC_ANY, cmd_help, 0,
     "this help: every key and command (WORD: only the rows with it)"},
    {"migrate", NULL, "[VM]", SC_ANY, cmd_migrate, 0,
     "migrate a VM (the selected one), guided step by step"},
    {"quick", NULL, "[VM]", SC_ANY, cmd_migrate, 1,
     "migrate a VM (the selected one) from one dialog"},
    {"open", NULL, "", SC_TABLES, cmd_open, 0,
     "open the selected row: a migration's dashboard, a log's replay"},
    {"replay", NULL, "[FILE]", SC_ANY, cmd_replay, 0,
     "replay a flight log (the selected one)"},
    {"filter", NULL, "[TEXT]", SC_TABLES, cmd_filter, 0,
     "show the rows containing TEXT (none: type it; Esc clears)"},
    {"sort", NULL, "COLUMN", SC_TABLES, cmd_sort, 0,
     "sort by a column, by name or its start (:sort mem), or the next or "
     "previous one (:sort next, :sort prev)"},
    {"reverse", NULL, "", SC_TABLES, cmd_reverse, 0, "reverse the sort"},
    {"up", NULL, "", SC_TABLES, cmd_move, MV_UP, "select the row above"},
    {"down", NULL, "", SC_TABLES, cmd_move, MV_DOWN, "select the row below"},
    {"page-up", NULL, "", SC_TABLES, cmd_move, MV_PAGE_UP, "a page up"},
    {"page-down", NULL, "", SC_TABLES, cmd_move, MV_PAGE_DOWN,
     "a page down"},
    {"first", NULL, "", SC_TABLES, cmd_move, MV_FIRST, "the first row"},
    {"last", NULL, "", SC_TABLES, cmd_move, MV_LAST, "the last row"},
    {"abort", NULL, "[VM]", SC_ANY, cmd_abort, 0,
     "abort a migration (asks first): the VM stays on its source"},
    {"switchover", NULL, "[VM]", SC_ANY, cmd_switchover, 0,
     "switch over now, whatever the downtime (asks first)"},
    {"takeover", NULL, "[VM]", SC_ANY, cmd_takeover, 0,
     "steer another tool's migration from now on (asks first)"},
    {"budget", NULL, "[+|-]MS [VM]", SC_ANY, cmd_budget, 0,
     "set, raise or lower a migration's downtime budget"},
    {"postcopy", NULL, "[VM]", SC_ANY, cmd_postcopy, 0,
     "start post-copy (if the policy enabled it)"},
    {"throttle", NULL, "[+]PCT [VM]", SC_ANY, cmd_throttle, 0,
     "throttle the guest's CPUs so the copy converges"},
    {"earlier", NULL, "[VM]", SC_ANY, cmd_queue, Q_EARLIER,
     "move a queued migration earlier"},
    {"later", NULL, "[VM]", SC_ANY, cmd_queue, Q_LATER,
     "move a queued migration later"},
    {"cancel", NULL, "[VM]", SC_ANY, cmd_queue, Q_CANCEL,
     "take a queued migration out of the queue"},
    {"theme", NULL, "NAME", SC_ANY, cmd_theme, 0,
     "colours from a theme file"},
    {"back", NULL, "", SC_ANY, cmd_back, 0,
     "clear the filter, else back to the view before"},
    {"command", NULL, "", SC_ANY, cmd_prompt, 0, "type a command"},
    {"quit", "q", "", SC_ANY, cmd_quit, 0,
     "quit (while migrations run: detach or abort them, asks)"},
    {"detach", NULL, "", SC_ANY, cmd_quit, 1,
     "leave the console; migrations go on in the server"},
};
static const size_t n_commands = ARRAY_SIZE(commands);

static const struct binding bindings[] = {
    {SC(V_VMS), {'m'}, "m", "migrate", "m migrate (guided)", NULL},
    {SC(V_VMS), {'M'}, "M", "quick", "M quick", NULL},
    {SC(V_VMS), {'\r', '\n', KEY_ENTER}, "Enter", "open", "Enter dashboard",
     "the VM's migration dashboard"},
    {SC(V_JOBS), {'\r', '\n', KEY_ENTER}, "Enter", "open", "Enter dashboard",
     "the job's migration dashboard"},
    {SC(V_LOGS), {'\r', '\n', KEY_ENTER}, "Enter", "open", "Enter replay",
     "replay the flight log"},
    {SC(V_JOBS), {'['}, "[", "earlier", "[ ] move queued", NULL},
    {SC(V_JOBS), {']'}, "]", "later", NULL, NULL},
    {SC(V_JOBS), {'x'}, "x", "cancel", "x cancel queued", NULL},
    {SC(V_DASH), {'a'}, "a", "abort", "a abort", NULL},
    {SC(V_DASH), {'S'}, "S", "switchover", "S switchover", NULL},
    {SC(V_DASH), {'T'}, "T", "takeover", "T take over", NULL},
    {SC(V_DASH), {'+'}, "+", "budget +50", "+/- budget",
     "raise the downtime budget by 50 ms"},
    {SC(V_DASH), {'-'}, "-", "budget -50", NULL,
     "lower the downtime budget by 50 ms"},
    {SC(V_DASH), {'p'}, "p", "postcopy", "p post-copy", NULL},
    {SC(V_DASH), {'t'}, "t", "throttle +10", "t throttle",
     "throttle the guest 10% more"},
    {SC_ANY, {'?'}, "?", "help", "? help", NULL},
    {SC_TABLES, {'/'}, "/", "filter", "/ filter", NULL},
    {SC_TABLES, {'<'}, "<", "sort prev", "< > sort",
     "sort by the previous column"},
    {SC_TABLES, {'>'}, ">", "sort next", NULL, "sort by the next column"},
    {SC_TABLES, {'r'}, "r", "reverse", "r reverse", NULL},
    {SC_TABLES, {KEY_UP, 'k'}, "Up k", "up", NULL, NULL},
    {SC_TABLES, {KEY_DOWN, 'j'}, "Down j", "down", NULL, NULL},
    {SC_TABLES, {KEY_PPAGE}, "PgUp", "page-up", NULL, NULL},
    {SC_TABLES, {KEY_NPAGE}, "PgDn", "page-down", NULL, NULL},
    {SC_TABLES, {KEY_HOME, 'g'}, "Home g", "first", NULL, NULL},
    {SC_TABLES, {KEY_END, 'G'}, "End G", "last", NULL, NULL},
    {SC_ANY, {':'}, ":", "command", NULL, NULL},
    {SC_ANY, {27}, "Esc", "back", "Esc back", NULL},
    {SC_ANY, {'1'}, "1", "hosts", "1-4 views", NULL},
    {SC_ANY, {'2'}, "2", "vms", NULL, NULL},
    {SC_ANY, {'3'}, "3", "ds", NULL, NULL},
    {SC_ANY, {'4'}, "4", "jobs", NULL, NULL},
    {SC_ANY, {'q'}, "q", "quit", "q quit", NULL},
    {SC_ANY, {'d'}, "d", "detach", NULL, NULL},
};
static const size_t n_bindings = ARRAY_SIZE(bindings);

static const struct command *
command_named(const char *name)
{
    for (size_t i = 0; i < n_commands; i++)
        if (strcmp(commands[i].name, name) == 0 ||
            (commands[i].alias && strcmp(commands[i].alias, name) == 0))
            return &commands[i];
    return NULL;
}

/* The views a scope names, for the help and for messages. */
static const char *
scope_name(unsigned scope)
{
    if (scope == SC_ANY)
        return "any";
    if (scope == SC_TABLES)
        return "lists";
    for (int k = 0; k < V_COUNT; k++)
        if (scope == SC(k))
            return classes[k]->where;
    return "some views";
}

void
console_command(struct console *c, const char *line)
{
    const char *arg;
    char *name = first_word(line + strspn(line, " \t:"), &arg);
    const struct command *cmd = command_named(name);
    struct view *v = top(c);
    char *a;

    if (name[0] == '\0') {
        free(name);
        return;
    }
    if (cmd == NULL) {
        set_status(c, true, "unknown command :%s (:help lists them)", name);
    } else if ((cmd->scope & SC(v->kind)) == 0) {
        set_status(c, true, ":%s works in %s, not here", cmd->name,
                   scope_name(cmd->scope));
    } else {
        a = xstrdup(arg);
        str_trim(a);
        c->dirty = true;
        cmd->run(c, v, a, cmd->data);
        free(a);
    }
    free(name);
}

/* The key table's command for key in view v, or NULL. */
static const struct binding *
binding_for(const struct view *v, int key)
{
    for (size_t i = 0; i < n_bindings; i++) {
        if ((bindings[i].scope & SC(v->kind)) == 0)
            continue;
        for (int k = 0; k < 4 && bindings[i].keys[k] != 0; k++)
            if (bindings[i].keys[k] == key)
                return &bindings[i];
    }
    return NULL;
}

/* The hints line from the key table: the view's own keys first, then
 * those of every list and every view, whole hints while they fit. */
static const char *
table_hints(struct console *c, struct view *v)
{
    size_t len = 0, cap = 0;
    char *h = NULL;
    bool queued = jobs_in(c, JOB_QUEUED) > 0;

    h = xgrow(h, &cap, 1, 1);
    h[0] = '\0';
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n_bindings; i++) {
            const struct binding *b = &bindings[i];
            size_t n;

            if (b->hint == NULL || (b->scope & SC(v->kind)) == 0 ||
                (pass == 0) != (b->scope == SC(v->kind)))
                continue;
            /* reordering and cancelling want something queued */
            if (!queued && (strcmp(b->command, "earlier") == 0 ||
                            strcmp(b->command, "cancel") == 0))
                continue;
            n = strlen(b->hint);
            if ((int)(len + n + 2) > COLS - 1)
                continue; /* a shorter one further on may fit */
            h = xgrow(h, &cap, len + n + 3, 1);
            len += (size_t)sprintf(h + len, "%s%s", len ? "  " : " ",
                                   b->hint);
        }
    free(c->hints);
    c->hints = h;
    return h;
}

/* ---- help: made from the tables ---------------------------------------- */

static const struct table_col help_cols[] = {
    {"WHERE", 5, 10, 2, false, false}, {"KEY", 5, 14, 0, false, false},
    {"COMMAND", 8, 24, 1, false, false}, {"WHAT", 20, 0, 3, false, true},
};

static void
help_row(struct table *t, int section, const char *where, const char *key,
         const char *cmd, const char *what)
{
    char id[24];
    size_t r;

    snprintf(id, sizeof id, "%06zu", t->n_rows);
    r = table_add(t, id, ROLE_NORMAL);
    table_set(t, r, 0, section, "%s", where);
    table_set(t, r, 1, NAN, "%s", key);
    table_set(t, r, 2, NAN, "%s", cmd);
    table_set(t, r, 3, NAN, "%s", what);
}

static void
help_keymap(struct table *t, int section, const char *where,
            const struct keymap *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        help_row(t, section, where, m[i].label, "", m[i].help);
}

/* The help's table, and the selected row's words whole below it. */
static void
draw_help(struct console *c, struct view *v, int y, int h)
{
    ready_table(c, v);
    draw_table(c, v, y, h - 1);
    blank_line(c, y + h - 1);
    if (v->tbl.n_shown > 0) {
        size_t r = table_shown(&v->tbl, (size_t)v->sel);
        char *line = xasprintf(" %s%s%s: %s", table_cell(&v->tbl, r, 1),
                               table_cell(&v->tbl, r, 1)[0] ? " " : "",
                               table_cell(&v->tbl, r, 2),
                               table_cell(&v->tbl, r, 3));

        wattrset(stdscr, ui_attr(c->t, ROLE_DIM));
        ui_put_cut(c->t, stdscr, y + h - 1, 0, COLS, line);
        free(line);
    }
}

static void
rows_help(struct console *c, struct view *v)
{
    struct table *t = &v->tbl;
    const struct keymap *m;
    size_t n;

    (void)c;
    for (size_t i = 0; i < n_bindings; i++) {
        const struct binding *b = &bindings[i];
        const struct command *cmd = command_named(b->command);
        char *first = xstrndup(b->command, strcspn(b->command, " "));
        char *shown = xasprintf(":%s", b->command);

        if (cmd == NULL) /* a binding that runs nothing would show here */
            cmd = command_named(first);
        help_row(t, b->scope == SC_ANY ? 0 : 1, scope_name(b->scope),
                 b->label, shown,
                 b->help ? b->help : cmd ? cmd->help : "?");
        free(first);
        free(shown);
    }
    help_keymap(t, 2, "dialog", dialog_keys, ARRAY_SIZE(dialog_keys));
    m = wizard_keymap(&n);
    help_keymap(t, 3, "wizard", m, n);
    m = replay_keymap(&n);
    help_keymap(t, 4, "replay", m, n);
    for (size_t i = 0; i < n_commands; i++) {
        const struct command *cmd = &commands[i];
        char *shown = xasprintf(":%s%s%s%s%s", cmd->name,
                                cmd->alias ? " :" : "",
                                cmd->alias ? cmd->alias : "",
                                cmd->args[0] ? " " : "", cmd->args);

        help_row(t, 5, cmd->scope == SC_ANY ? "command"
                                            : scope_name(cmd->scope),
                 "", shown, cmd->help);
        free(shown);
    }
}

/* ---- frame ------------------------------------------------------------- */

static void
draw_header(struct console *c)
{
    struct ui_term *t = c->t;
    char *line, *run = NULL;
    int x, nrun = running_jobs(c), room = COLS;
    const char *sep = t->utf8 ? " \u203a " : " > ";

    wattrset(stdscr, ui_attr(t, ROLE_HEADER));
    ui_fill(stdscr, 0, 0, COLS, ' ');
    if (nrun > 0) {
        run = xasprintf(" %d running ", nrun);
        room -= (int)strlen(run);
    }
    line = xasprintf(" ferry  %s", c->o.source_label);
    x = ui_put(stdscr, 0, 0, room, line);
    free(line);
    wattrset(stdscr, ui_attr(t, ROLE_BREADCRUMB));
    for (size_t i = 0; i < c->depth && x < room - 4; i++) {
        const struct view *v = c->stack[i];
        char *crumb = v->cls->crumb ? v->cls->crumb(c, v)
                                    : xstrdup(v->cls->title);

        x += ui_put(stdscr, 0, x, room - x, sep);
        /* the view on top is whole where there is room; those below
         * give way */
        if (i + 1 < c->depth && text_width(crumb) > 24) {
            char *cut = text_fit(crumb, 24, t->utf8);

            free(crumb);
            crumb = cut;
        }
        ui_put_cut(t, stdscr, 0, x, room - x, crumb);
        x += MIN(text_width(crumb), room - x);
        free(crumb);
    }
    if (run != NULL) {
        wattrset(stdscr, ui_attr(t, ROLE_HEADER));
        ui_put(stdscr, 0, room, COLS - room, run);
        free(run);
    }
}

static void
draw_status(struct console *c)
{
    struct ui_term *t = c->t;
    char *line;
    int row = LINES - 1;

    switch (c->mode) {
    case M_FILTER:
    case M_COMMAND: {
        /* the end of what is typed stays in sight */
        size_t n = strlen(c->input), room = (size_t)MAX(COLS - 2, 1);

        wattrset(stdscr, ui_attr(t, ROLE_STATUS));
        line = xasprintf("%c%s", c->mode == M_FILTER ? '/' : ':',
                         n > room ? c->input + n - room : c->input);
        break;
    }
    case M_CONFIRM:
        wattrset(stdscr, ui_attr(t, ROLE_STATUS_ERROR));
        line = xasprintf(" %s", c->confirm_text);
        break;
    default:
        wattrset(stdscr, ui_attr(t, c->status_error ? ROLE_STATUS_ERROR
                                                    : ROLE_STATUS));
        line = xasprintf(" %s", c->status ? c->status : "");
        break;
    }
    ui_fill(stdscr, row, 0, COLS, ' ');
    ui_put_cut(t, stdscr, row, 0, COLS, line);
    free(line);
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
}

static void
draw_hints(struct console *c)
{
    struct view *v = top(c);
    const char *h = v->cls->hints ? v->cls->hints(c, v) : table_hints(c, v);

    wattrset(stdscr, ui_attr(c->t, ROLE_HINT));
    ui_fill(stdscr, LINES - 2, 0, COLS, ' ');
    ui_put_cut(c->t, stdscr, LINES - 2, 0, COLS, h);
}

bool
console_draw(struct console *c, bool force)
{
    struct ui_term *t = c->t;
    struct view *v = top(c);

    if (!c->dirty && !force)
        return false;
    c->dirty = false;
    if (COLS < MIN_W || LINES < MIN_H) {
        char line[128];

        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        werase(stdscr);
        snprintf(line, sizeof line, "terminal too small: %dx%d", COLS,
                 LINES);
        ui_put(stdscr, LINES / 2 - 1, 0, COLS, line);
        snprintf(line, sizeof line, "ferry needs %dx%d", MIN_W, MIN_H);
        ui_put(stdscr, LINES / 2, 0, COLS, line);
        wnoutrefresh(stdscr);
        doupdate();
        return true;
    }
    draw_header(c);
    v->cls->draw(c, v, 1, LINES - 3);
    if (c->mode == M_PROMPT)
        draw_ask(c);
    draw_hints(c);
    draw_status(c);
    wnoutrefresh(stdscr);
    doupdate();
    return true;
}

/* ---- keys -------------------------------------------------------------- */

/* Abort every job that has not ended (quitting with "a"). */
static void
abort_all(struct console *c)
{
    struct ferry_err err;

    for (size_t i = 0; i < n_jobs(c); i++) {
        const struct job_view *j = job_at(c, i);

        /* someone else's migration is theirs to end */
        if (!job_view_ended(j) && !(j->external && !j->taken_over))
            c->o.ops->act(c->o.ops_ctx, j->id, ACT_ABORT, 0, &err);
    }
}

static void
confirm_yes(struct console *c)
{
    struct ferry_err err;
    const struct job_view *j = job_by_id(c, c->confirm_job);
    struct view *dv;

    switch (c->confirm) {
    case C_QUIT:
        c->quit = true;
        break;
    case C_START:
        if ((dv = find_view(c, V_DIALOG)) != NULL)
            start_job(c, dv->dlg);
        break;
    case C_TAKE:
        if (j == NULL)
            break;
        if (c->o.ops->take_over == NULL)
            set_status(c, true, "%s: cannot be taken over here", j->vm);
        else if (c->o.ops->take_over(c->o.ops_ctx, j->id, NULL, 0, &err) < 0)
            set_status(c, true, "%s", err.msg);
        else
            set_status(c, false, "%s: taken over, ferry steers it", j->vm);
        break;
    case C_ABORT:
    case C_SWITCH:
        if (j == NULL)
            break;
        if (c->o.ops->act(c->o.ops_ctx, j->id,
                          c->confirm == C_ABORT ? ACT_ABORT : ACT_SWITCHOVER,
                          0, &err) < 0)
            set_status(c, true, "%s", err.msg);
        else
            set_status(c, false, "%s: %s requested", j->vm,
                       c->confirm == C_ABORT ? "abort" : "switchover");
        break;
    }
}

static void
ask(struct console *c, enum confirm_what w, long job, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = xstrdup("(y/n)");
    va_end(ap);
    free(c->confirm_text);
    c->confirm_text = s;
    c->mode = M_CONFIRM;
    c->confirm = w;
    c->confirm_job = job;
    c->dirty = true;
}

static void
confirm_key(struct console *c, int key)
{
    c->mode = M_NORMAL;
    if (c->confirm == C_QUIT) {
        /* detach is the default: nothing is lost by it */
        if (key == 'a' || key == 'A') {
            abort_all(c);
            c->quit = true;
        } else if (key == 'd' || key == 'D' || key == '\r' || key == '\n' ||
                   key == KEY_ENTER || key == 'q') {
            c->quit = true;
        } else {
            set_status(c, false, "still attached");
        }
        return;
    }
    if (key == 'y' || key == 'Y')
        confirm_yes(c);
    else
        set_status(c, false, "cancelled");
}

static void
line_edit(struct console *c, int key)
{
    size_t n = strlen(c->input);

    if (key == 27) {
        if (c->mode == M_FILTER)
            set_filter(top(c), "");
        c->mode = M_NORMAL;
    } else if (key == '\r' || key == '\n' || key == KEY_ENTER) {
        enum mode m = c->mode;

        c->mode = M_NORMAL;
        if (m == M_COMMAND) {
            char *cmd = xstrdup(c->input);

            console_command(c, cmd);
            free(cmd);
        }
    } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        if (n > 0)
            c->input[n - 1] = '\0';
        else
            c->mode = M_NORMAL;
    } else if (key >= 32 && key < 256 && key != 127) {
        c->input = xgrow(c->input, &c->cap_input, n + 2, 1);
        c->input[n] = (char)key;
        c->input[n + 1] = '\0';
    }
    /* The filter applies as it is typed. */
    if (c->mode == M_FILTER)
        set_filter(top(c), c->input);
    c->dirty = true;
}

/* The screen manager: the modal lines first, then the view on top, then
 * the key table. */
void
console_key(struct console *c, int key)
{
    struct view *v = top(c);
    const struct binding *b;
    enum vr r = VR_IGNORED;

    c->dirty = true;
    if (key == KEY_RESIZE)
        return;
    switch (c->mode) {
    case M_PROMPT:
        ask_key(c, key);
        return;
    case M_CONFIRM:
        confirm_key(c, key);
        return;
    case M_FILTER:
    case M_COMMAND:
        line_edit(c, key);
        return;
    case M_NORMAL:
        break;
    }
    if (v->cls->key != NULL)
        r = v->cls->key(c, v, key);
    if (r == VR_CLOSE) {
        pop(c);
        return;
    }
    if (r == VR_DONE)
        return;
    if ((b = binding_for(v, key)) != NULL)
        console_command(c, b->command);
}

/* ---- the views' classes ------------------------------------------------ */

static const struct view_class hosts_class = {
    .kind = V_HOSTS, .title = "Hosts", .where = "hosts",
    .cols = host_cols, .n_cols = ARRAY_SIZE(host_cols),
    .rows = rows_hosts, .rows_sig = sig_model_jobs, .draw = draw_hosts,
};
static const struct view_class vms_class = {
    .kind = V_VMS, .title = "VMs", .where = "VMs",
    .cols = vm_cols, .n_cols = ARRAY_SIZE(vm_cols),
    .rows = rows_vms, .rows_sig = sig_model_jobs, .draw = draw_vms,
};
static const struct view_class ds_class = {
    .kind = V_DS, .title = "Datastores", .where = "datastores",
    .cols = ds_cols, .n_cols = ARRAY_SIZE(ds_cols),
    .rows = rows_ds, .rows_sig = sig_model, .draw = draw_plain_table,
};
static const struct view_class jobs_class = {
    .kind = V_JOBS, .title = "Jobs", .where = "jobs",
    .cols = job_cols, .n_cols = ARRAY_SIZE(job_cols),
    .rows = rows_jobs, .rows_sig = sig_jobs, .draw = draw_jobs,
};
static const struct view_class logs_class = {
    .kind = V_LOGS, .title = "Flight logs", .where = "logs",
    .cols = log_cols, .n_cols = ARRAY_SIZE(log_cols),
    .rows = rows_logs, .rows_sig = sig_logs, .draw = draw_plain_table,
};
static const struct view_class help_class = {
    .kind = V_HELP, .title = "Help", .where = "help",
    .cols = help_cols, .n_cols = ARRAY_SIZE(help_cols),
    .rows = rows_help, .rows_sig = sig_none, .draw = draw_help,
};
static const struct view_class dash_class = {
    .kind = V_DASH, .title = "Migration", .where = "dashboard",
    .draw = draw_dash, .crumb = crumb_dash,
};
static const struct view_class dialog_class = {
    .kind = V_DIALOG, .title = "Migrate", .where = "dialog",
    .draw = draw_dialog_view, .key = dialog_key, .hints = dialog_hints,
    .fini = dialog_fini,
};
static const struct view_class wizard_class = {
    .kind = V_WIZARD, .title = "Migrate (guided)", .where = "wizard",
    .draw = wizard_view_draw, .key = wizard_view_key,
    .hints = wizard_view_hints, .tick = wizard_view_tick,
    .next_ms = wizard_view_timeout, .fini = wizard_view_fini,
};
static const struct view_class replay_class = {
    .kind = V_REPLAY, .title = "Replay", .where = "replay",
    .draw = replay_view_draw, .key = replay_view_key,
    .hints = replay_view_hints, .crumb = replay_crumb,
    .tick = replay_view_tick, .next_ms = replay_view_timeout,
    .fini = replay_view_fini,
};

static const struct view_class *const classes[V_COUNT] = {
    [V_HOSTS] = &hosts_class,   [V_VMS] = &vms_class,
    [V_DS] = &ds_class,         [V_JOBS] = &jobs_class,
    [V_LOGS] = &logs_class,     [V_HELP] = &help_class,
    [V_DASH] = &dash_class,     [V_DIALOG] = &dialog_class,
    [V_WIZARD] = &wizard_class, [V_REPLAY] = &replay_class,
};
