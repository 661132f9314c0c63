/* The console: a stack of views, one key table, a status line. Drawing
 * happens only when something changed; ncurses sends only the difference. */
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
#include "replay.h"
#include "wizard.h"

#define DASH_REFRESH_MS 1000 /* graphs redraw once a second */
#define MIN_W 64
#define MIN_H 18

enum view_kind {
    V_HOSTS, V_VMS, V_DS, V_JOBS, V_LOGS, V_DASH, V_HELP, V_DIALOG, V_WIZARD,
    V_REPLAY
};

/* Views that are tables (filter, sort, move the selection). */
static bool
is_table(enum view_kind k)
{
    return k <= V_LOGS;
}

static const char *const view_titles[] = {
    [V_HOSTS] = "Hosts", [V_VMS] = "VMs", [V_DS] = "Datastores",
    [V_JOBS] = "Jobs",   [V_DASH] = "Migration", [V_HELP] = "Help",
    [V_DIALOG] = "Migrate", [V_WIZARD] = "Migrate (guided)",
    [V_LOGS] = "Flight logs", [V_REPLAY] = "Replay",
};

struct view {
    enum view_kind kind;
    int sel, top;
    int sort_col;
    bool sort_desc;
    char *filter;   /* never NULL */
    long job;       /* V_DASH: the job's id */
    char *sel_id;   /* the selected row's id, "" for none; never NULL */
    struct table tbl; /* table views: their rows */
};

struct dialog {
    char vm[64];
    int host, ds, policy;
    enum job_kind kind;
    uint64_t budget_ms;
    int field;
    char budget_text[16];
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
    char host[64], title[160], text[1024];
    char answer[256]; /* wiped once given */
    char note[96];
};

enum confirm_what { C_ABORT, C_SWITCH, C_QUIT, C_START, C_TAKE };

struct console {
    struct ui_term *t;
    struct console_opts o;
    struct view stack[8];
    int depth;
    enum mode mode;
    char *input; /* the filter or command being typed; never NULL */
    size_t cap_input;
    enum confirm_what confirm;
    char confirm_text[160];
    char status[256];
    bool status_error;
    struct dialog dlg;
    struct ask ask;
    struct wizard *wz;
    struct replay *rp;       /* the log being replayed (V_REPLAY) */
    struct flog_brief *logs; /* :logs */
    size_t n_logs;
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
};

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


/* Key table: help is generated from it. */
struct binding {
    const char *keys;
    const char *where;
    const char *help;
};

static const struct binding bindings[] = {
    {":", "any", "command: :hosts :vms :ds :jobs :logs :migrate VM "
                 ":quick VM :replay FILE :theme NAME :q"},
    {"/", "lists", "filter rows (Esc clears)"},
    {"?", "any", "this help"},
    {"Esc", "any", "back"},
    {"1 2 3 4", "any", "hosts, VMs, datastores, jobs"},
    {"Up Down PgUp PgDn", "lists", "move; Home End (g G): first, last"},
    {"< >", "lists", "sort by the previous / next column"},
    {"r", "lists", "reverse the sort"},
    {"m", "VMs", "migrate the selected VM, guided step by step"},
    {"M", "VMs", "migrate the selected VM (quick dialog)"},
    {"Enter", "VMs, jobs", "open the migration dashboard"},
    {"a", "dashboard", "abort the migration (asks first)"},
    {"S T", "dashboard", "switch over now / take over another's (ask)"},
    {"+ -", "dashboard", "raise / lower the downtime budget by 50 ms"},
    {"p t", "dashboard", "start post-copy (if the policy enabled it); "
                         "throttle the guest 10% more"},
    {"Space , . n N", "replay", "play/pause, step, next/previous event; "
                                "s summary, w what-if"},
    {"Tab", "dialog", "next field; Left/Right change it; Enter starts"},
    {"Enter Bksp", "wizard", "next / previous step; ? explains the step"},
    {"[ ] x", "jobs", "move a queued job earlier / later; cancel it"},
    {"q d", "any", "quit; d detaches: migrations go on in the server"},
};

static struct view *
top(struct console *c)
{
    return &c->stack[c->depth - 1];
}

static void
set_status(struct console *c, bool error, const char *fmt, ...)
    FERRY_PRINTF(3, 4);

static void
set_status(struct console *c, bool error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(c->status, sizeof c->status, fmt, ap);
    va_end(ap);
    c->status_error = error;
    c->dirty = true;
}

static void
view_fini(struct view *v)
{
    free(v->filter);
    free(v->sel_id);
    table_fini(&v->tbl);
    memset(v, 0, sizeof *v);
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

static void
push(struct console *c, enum view_kind k)
{
    struct view *v;

    if (c->depth > 0 && top(c)->kind == k && k != V_DASH)
        return;
    if (c->depth == (int)ARRAY_SIZE(c->stack)) {
        view_fini(&c->stack[0]);
        memmove(c->stack, c->stack + 1, sizeof c->stack - sizeof c->stack[0]);
        memset(&c->stack[c->depth - 1], 0, sizeof c->stack[0]);
        c->depth--;
    }
    v = &c->stack[c->depth];
    view_fini(v);
    v->kind = k;
    v->filter = xstrdup("");
    v->sel_id = xstrdup("");
    c->depth++;
    c->dirty = true;
}

/* Switch the base list view (1-4, :hosts ...): keep the stack short. */
static void
go_list(struct console *c, enum view_kind k)
{
    replay_free(c->rp);
    c->rp = NULL;
    c->depth = 0;
    push(c, k);
    c->status[0] = '\0';
}

static void
pop(struct console *c)
{
    if (c->depth > 1) {
        if (top(c)->kind == V_REPLAY) {
            replay_free(c->rp);
            c->rp = NULL;
        }
        c->depth--;
    }
    c->dirty = true;
}

struct console *
console_new(struct ui_term *t, const struct console_opts *o)
{
    struct console *c = xcalloc(1, sizeof *c);

    c->t = t;
    c->o = *o;
    c->input = xgrow(NULL, &c->cap_input, 64, 1);
    c->input[0] = '\0';
    if (c->o.default_budget_ms == 0)
        c->o.default_budget_ms = 300;
    push(c, V_VMS);
    set_status(c, false, "? help  : command  / filter  m migrate  q quit");
    return c;
}

void
console_free(struct console *c)
{
    if (c == NULL)
        return;
    wizard_free(c->wz);
    replay_free(c->rp);
    for (size_t i = 0; i < ARRAY_SIZE(c->stack); i++)
        view_fini(&c->stack[i]);
    free(c->input);
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
    memset(&c->ask, 0, sizeof c->ask);
    c->ask.id = p.id;
    c->ask.kind = p.kind;
    snprintf(c->ask.host, sizeof c->ask.host, "%s", p.host);
    snprintf(c->ask.title, sizeof c->ask.title, "%s", p.title);
    snprintf(c->ask.text, sizeof c->ask.text, "%s", p.text);
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

    a->note[0] = '\0';
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
            snprintf(a->note, sizeof a->note,
                     "Please type 'yes' or 'no' (Esc declines)");
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
    snprintf(line, sizeof line, " %s", a->title);
    ui_put(stdscr, row++, x, w, line);
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
    else
        snprintf(line, sizeof line, "  > %s", a->answer);
    ui_put_pad(stdscr, row++, x, w, line);
    wattrset(stdscr, ui_attr(t, a->note[0] ? ROLE_WARNING : ROLE_DIM));
    ui_fill(stdscr, row, x, w, ' ');
    snprintf(line, sizeof line, "  %s", a->note[0] ? a->note
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
        if (c->wz != NULL)
            wizard_refresh(c->wz);
    }
    if (c->wz != NULL && wizard_tick(c->wz))
        c->dirty = true;
    if (c->rp != NULL) {
        const char *msg;
        bool error;

        if (replay_tick(c->rp, now_ms))
            c->dirty = true;
        /* a what-if's progress, or its outcome */
        if ((msg = replay_message(c->rp, &error)) != NULL)
            set_status(c, error, "%s", msg);
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
    if (c->wz != NULL && wizard_measuring(c->wz) && (best < 0 || best > 250))
        best = 250;
    if (c->rp != NULL) {
        int r = replay_timeout_ms(c->rp, now_ms);

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
    push(c, V_DASH);
    top(c)->job = id;
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
    push(c, V_DASH);
    top(c)->job = id;
    set_status(c, false, "%s: migration started (policy %s, budget %llu ms)",
               ch->vm, c->o.policies->v[ch->policy].name,
               (unsigned long long)ch->budget_ms);
}

/* The quick dialog's choices, with the policy's own escalations. */
static void
start_job(struct console *c)
{
    struct dialog *d = &c->dlg;
    const struct model *m = c->o.hv->model;
    const struct policy *p = &c->o.policies->v[d->policy];
    struct mig_choice ch;

    memset(&ch, 0, sizeof ch);
    snprintf(ch.vm, sizeof ch.vm, "%s", d->vm);
    ch.kind = d->kind;
    if (d->kind != KIND_STORAGE)
        snprintf(ch.host, sizeof ch.host, "%s", m->hosts[d->host].name);
    if (d->kind != KIND_COMPUTE)
        snprintf(ch.ds, sizeof ch.ds, "%s", m->datastores[d->ds].name);
    ch.policy = d->policy;
    ch.budget_ms = d->budget_ms;
    mig_choice_escalations(&ch, p);
    ch.prio = PRIO_NORMAL;
    job_enqueue(c, &ch);
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

    for (size_t i = 0; i < c->o.policies->n; i++)
        if (str_eq(c->o.policies->v[i].name,
                   c->o.default_policy ? c->o.default_policy : "ferry"))
            env.default_policy = (int)i;
    wizard_free(c->wz);
    c->wz = wizard_new(&env, vm);
    if (c->wz != NULL)
        push(c, V_WIZARD);
}

static void
wizard_close(struct console *c)
{
    wizard_free(c->wz);
    c->wz = NULL;
    if (top(c)->kind == V_WIZARD)
        pop(c);
}

/* ---- dialog ------------------------------------------------------------ */

static void
dialog_update(struct console *c)
{
    struct dialog *d = &c->dlg;
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
    struct dialog *d = &c->dlg;
    const struct model *m = c->o.hv->model;
    const struct model_vm *v = model_vm(m, vm);

    if (v == NULL) {
        set_status(c, true, "no VM named %s", vm);
        return;
    }
    memset(d, 0, sizeof *d);
    snprintf(d->vm, sizeof d->vm, "%s", vm);
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
    push(c, V_DIALOG);
    dialog_update(c);
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

static void
dialog_key(struct console *c, int key)
{
    struct dialog *d = &c->dlg;
    const struct model *m = c->o.hv->model;
    int dir = 0;

    switch (key) {
    case '\t':
    case KEY_DOWN:
        do
            d->field = (d->field + 1) % F_COUNT;
        while (!field_shown(d, d->field));
        c->dirty = true;
        return;
    case KEY_BTAB:
    case KEY_UP:
        do
            d->field = (d->field + F_COUNT - 1) % F_COUNT;
        while (!field_shown(d, d->field));
        c->dirty = true;
        return;
    case KEY_LEFT:
        dir = -1;
        break;
    case KEY_RIGHT:
    case ' ':
        dir = 1;
        break;
    case '\r':
    case '\n':
    case KEY_ENTER:
        if (checks_worst(d->checks, d->n_checks) == CHECK_ERROR) {
            for (size_t i = 0; i < d->n_checks; i++)
                if (d->checks[i].status == CHECK_ERROR) {
                    set_status(c, true, "cannot start: %s",
                               d->checks[i].message);
                    break;
                }
            return;
        }
        c->mode = M_CONFIRM;
        c->confirm = C_START;
        snprintf(c->confirm_text, sizeof c->confirm_text,
                 "start migrating %s? (y/n)", d->vm);
        c->dirty = true;
        return;
    default:
        if (d->field == F_BUDGET && (isdigit(key) || key == KEY_BACKSPACE ||
                                     key == 127 || key == 8)) {
            size_t n = strlen(d->budget_text);

            if (isdigit(key) && n + 1 < sizeof d->budget_text) {
                d->budget_text[n] = (char)key;
                d->budget_text[n + 1] = '\0';
            } else if (!isdigit(key) && n > 0) {
                d->budget_text[n - 1] = '\0';
            }
            if (d->budget_text[0] != '\0') {
                uint64_t v = strtoull(d->budget_text, NULL, 10);

                if (v >= 1 && v <= 60000)
                    d->budget_ms = v;
                else
                    set_status(c, true, "a budget is 1 to 60000 ms");
            }
            dialog_update(c);
        }
        return;
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
    dialog_update(c);
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

static void
view_columns(enum view_kind k, const struct table_col **cols, int *n)
{
    switch (k) {
    case V_HOSTS:
        *cols = host_cols, *n = (int)ARRAY_SIZE(host_cols);
        break;
    case V_VMS:
        *cols = vm_cols, *n = (int)ARRAY_SIZE(vm_cols);
        break;
    case V_DS:
        *cols = ds_cols, *n = (int)ARRAY_SIZE(ds_cols);
        break;
    case V_JOBS:
        *cols = job_cols, *n = (int)ARRAY_SIZE(job_cols);
        break;
    default:
        *cols = log_cols, *n = (int)ARRAY_SIZE(log_cols);
        break;
    }
}

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
build_table(struct console *c, struct view *v)
{
    const struct model *m = c->o.hv->model;
    struct table *t = &v->tbl;
    char a[32], b[32], d[32];

    if (t->cols == NULL) {
        const struct table_col *cols;
        int n;

        view_columns(v->kind, &cols, &n);
        table_init(t, cols, n);
    }
    table_clear(t);
    switch (v->kind) {
    case V_HOSTS: {
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
        break;
    }
    case V_VMS: {
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
        break;
    }
    case V_DS:
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
        break;
    case V_LOGS:
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
        break;
    case V_JOBS:
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
        break;
    default:
        break;
    }
}

/* Apply the view's filter and sort; keep the selection on the same row. */
static void
arrange_table(struct view *v)
{
    struct table *t = &v->tbl;
    long at;

    if (v->sort_col >= t->n_cols)
        v->sort_col = 0;
    table_arrange(t, v->filter, v->sort_col, v->sort_desc);
    if (v->sel_id[0] != '\0' && (at = table_find(t, v->sel_id)) >= 0)
        v->sel = (int)at;
    if (v->sel >= (int)t->n_shown)
        v->sel = (int)t->n_shown - 1;
    if (v->sel < 0)
        v->sel = 0;
    if (t->n_shown > 0)
        set_sel(v, table_id(t, table_shown(t, (size_t)v->sel)));
}

/* The view's table from its data, filtered and sorted. */
static void
ready_table(struct console *c, struct view *v)
{
    build_table(c, v);
    arrange_table(v);
}

static void
draw_table(struct console *c, struct view *v, int y, int h)
{
    struct ui_term *t = c->t;
    struct table *tb = &v->tbl;
    int w = COLS, x, *widths = xcalloc((size_t)tb->n_cols, sizeof *widths);

    table_widths(tb, v->sort_col, w, widths);
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
    free(widths);
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
draw_dialog(struct console *c, int y, int h)
{
    struct ui_term *t = c->t;
    struct dialog *d = &c->dlg;
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

/* ---- help -------------------------------------------------------------- */

static void
draw_help(struct console *c, int y, int h)
{
    struct ui_term *t = c->t;
    char line[256];

    for (int r = 0; r < h; r++) {
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_fill(stdscr, y + r, 0, COLS, ' ');
    }
    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    ui_put_pad(stdscr, y, 0, COLS, " KEY               WHERE      WHAT");
    for (size_t i = 0; i < ARRAY_SIZE(bindings) && (int)i + 1 < h; i++) {
        wattrset(stdscr, ui_attr(t, ROLE_TITLE));
        snprintf(line, sizeof line, " %-17s", bindings[i].keys);
        ui_put(stdscr, y + 1 + (int)i, 0, 19, line);
        wattrset(stdscr, ui_attr(t, ROLE_DIM));
        snprintf(line, sizeof line, "%-10s ", bindings[i].where);
        ui_put(stdscr, y + 1 + (int)i, 19, 11, line);
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_put(stdscr, y + 1 + (int)i, 30, COLS - 30, bindings[i].help);
    }
}

/* ---- frame ------------------------------------------------------------- */

static void
draw_header(struct console *c)
{
    struct ui_term *t = c->t;
    char line[256];
    int x, run = running_jobs(c);
    const char *sep = t->utf8 ? " \u203a " : " > ";

    wattrset(stdscr, ui_attr(t, ROLE_HEADER));
    ui_fill(stdscr, 0, 0, COLS, ' ');
    snprintf(line, sizeof line, " ferry  %s", c->o.source_label);
    x = ui_put(stdscr, 0, 0, COLS, line);
    wattrset(stdscr, ui_attr(t, ROLE_BREADCRUMB));
    for (int i = 0; i < c->depth && x < COLS - 4; i++) {
        const struct view *v = &c->stack[i];

        x += ui_put(stdscr, 0, x, COLS - x, sep);
        if (v->kind == V_DASH && job_by_id(c, v->job) != NULL)
            snprintf(line, sizeof line, "%s", job_by_id(c, v->job)->vm);
        else if (v->kind == V_REPLAY && c->rp != NULL)
            snprintf(line, sizeof line, "Replay %s",
                     replay_data(c->rp)->h.vm);
        else
            snprintf(line, sizeof line, "%s", view_titles[v->kind]);
        x += ui_put(stdscr, 0, x, COLS - x, line);
    }
    if (run > 0) {
        snprintf(line, sizeof line, " %d running ", run);
        wattrset(stdscr, ui_attr(t, ROLE_HEADER));
        ui_put(stdscr, 0, COLS - (int)strlen(line), (int)strlen(line), line);
    }
}

static void
draw_status(struct console *c)
{
    struct ui_term *t = c->t;
    char line[300];
    int row = LINES - 1;

    switch (c->mode) {
    case M_FILTER:
    case M_COMMAND: {
        /* the end of what is typed stays in sight */
        size_t n = strlen(c->input), room = (size_t)MAX(COLS - 2, 1);

        wattrset(stdscr, ui_attr(t, ROLE_STATUS));
        snprintf(line, sizeof line, "%c%s", c->mode == M_FILTER ? '/' : ':',
                 n > room ? c->input + n - room : c->input);
        break;
    }
    case M_CONFIRM:
        wattrset(stdscr, ui_attr(t, ROLE_STATUS_ERROR));
        snprintf(line, sizeof line, " %s", c->confirm_text);
        break;
    default:
        wattrset(stdscr, ui_attr(t, c->status_error ? ROLE_STATUS_ERROR
                                                    : ROLE_STATUS));
        snprintf(line, sizeof line, " %s", c->status);
        break;
    }
    ui_fill(stdscr, row, 0, COLS, ' ');
    ui_put(stdscr, row, 0, COLS, line);
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
}

static void
draw_hints(struct console *c)
{
    struct ui_term *t = c->t;
    const char *h = "";

    switch (top(c)->kind) {
    case V_VMS:
        h = " m migrate (guided)  M quick  Enter dashboard  / filter  "
            "? help";
        break;
    case V_DASH:
        h = " a abort  S switchover  +/- budget  p post-copy  t throttle  "
            "Esc back";
        break;
    case V_DIALOG:
        h = " Tab/Up/Down field  Left/Right change  Enter start  Esc cancel";
        break;
    case V_JOBS:
        h = jobs_in(c, JOB_QUEUED) > 0
                ? " Enter dashboard  [ ] move queued  x cancel queued  "
                  "/ filter  Esc back"
                : " Enter dashboard  / filter  < > sort  Esc back";
        break;
    case V_WIZARD:
        h = c->wz ? wizard_hints(c->wz) : "";
        break;
    case V_LOGS:
        h = " Enter replay  / filter  < > sort  r reverse  Esc back";
        break;
    case V_REPLAY:
        h = c->rp ? replay_hints(c->rp) : "";
        break;
    default:
        h = " / filter  < > sort  r reverse  1-4 views  ? help  q quit";
        break;
    }
    wattrset(stdscr, ui_attr(t, ROLE_HINT));
    ui_fill(stdscr, LINES - 2, 0, COLS, ' ');
    ui_put(stdscr, LINES - 2, 0, COLS, h);
}

bool
console_draw(struct console *c, bool force)
{
    struct ui_term *t = c->t;
    struct view *v = top(c);
    int body = LINES - 3;

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
    switch (v->kind) {
    case V_JOBS:
        if (jobs_in(c, JOB_QUEUED) > 0) {
            ready_table(c, v);
            draw_table(c, v, 1, body - 1);
            draw_wait_line(c, v, body);
            break;
        }
        /* fall through */
    case V_HOSTS:
        if (v->kind == V_HOSTS) {
            ready_table(c, v);
            draw_table(c, v, 1, body - 2);
            draw_host_lines(c, v, body - 1);
            break;
        }
        /* fall through */
    case V_VMS:
        ready_table(c, v);
        draw_table(c, v, 1, body - 1);
        draw_vm_line(c, v, body);
        break;
    case V_DS:
    case V_LOGS:
        ready_table(c, v);
        draw_table(c, v, 1, body);
        break;
    case V_REPLAY:
        if (c->rp != NULL)
            replay_draw(c->rp, 1, body);
        break;
    case V_WIZARD:
        if (c->wz != NULL)
            wizard_draw(c->wz, t, 1, body);
        break;
    case V_DASH:
        if (job_by_id(c, v->job) != NULL)
            draw_dashboard(c, job_by_id(c, v->job), 1, body);
        break;
    case V_HELP:
        draw_help(c, 1, body);
        break;
    case V_DIALOG:
        if (c->depth >= 2 && is_table(c->stack[c->depth - 2].kind)) {
            ready_table(c, &c->stack[c->depth - 2]);
            draw_table(c, &c->stack[c->depth - 2], 1, body);
        }
        draw_dialog(c, 2, MIN(body - 1, 20));
        break;
    }
    if (c->mode == M_PROMPT)
        draw_ask(c);
    draw_hints(c);
    draw_status(c);
    wnoutrefresh(stdscr);
    doupdate();
    return true;
}

/* ---- flight logs ------------------------------------------------------- */

static void
logs_open(struct console *c)
{
    char *dir = c->o.log_dir ? xstrdup(c->o.log_dir) : flog_default_dir();
    struct ferry_err err;

    free(c->logs);
    err.msg[0] = '\0';
    c->n_logs = flog_list(dir, &c->logs, &err);
    if (err.msg[0])
        set_status(c, true, "flight logs: %s", err.msg);
    else
        set_status(c, false, "%zu flight log%s in %s", c->n_logs,
                   c->n_logs == 1 ? "" : "s", dir);
    free(dir);
    if (top(c)->kind != V_LOGS) {
        push(c, V_LOGS);
        top(c)->sort_desc = true; /* newest first */
    }
}

/* Replay a log in the console; errors go to the status line. */
static void
replay_open(struct console *c, const char *path)
{
    struct ferry_err err;
    struct flog_data *d = flog_load(path, &err);
    struct replay_opts ro = {.policies = c->o.policies, .loop = c->o.loop};
    const char *msg;
    bool error;

    if (d == NULL) {
        set_status(c, true, "%s", err.msg);
        return;
    }
    if (top(c)->kind == V_REPLAY)
        pop(c);
    replay_free(c->rp);
    c->rp = replay_new(c->t, d, &ro);
    push(c, V_REPLAY);
    msg = replay_message(c->rp, &error);
    set_status(c, msg && error, "%s", msg ? msg : "");
}

static void
replay_view_key(struct console *c, int key)
{
    const char *msg;
    bool error;

    replay_key(c->rp, key, c->now_ms);
    if (replay_closed(c->rp)) {
        pop(c);
        return;
    }
    msg = replay_message(c->rp, &error);
    if (msg != NULL)
        set_status(c, error, "%s", msg);
}

/* ---- commands and keys ------------------------------------------------- */

void
console_command(struct console *c, const char *cmd)
{
    char buf[128], *arg;

    snprintf(buf, sizeof buf, "%s", cmd);
    arg = strchr(buf, ' ');
    if (arg != NULL) {
        *arg++ = '\0';
        arg = str_trim(arg);
    }
    if (strcmp(buf, "q") == 0 || strcmp(buf, "quit") == 0) {
        console_key(c, 'q');
    } else if (strcmp(buf, "hosts") == 0) {
        go_list(c, V_HOSTS);
    } else if (strcmp(buf, "vms") == 0) {
        go_list(c, V_VMS);
    } else if (strcmp(buf, "ds") == 0 || strcmp(buf, "datastores") == 0) {
        go_list(c, V_DS);
    } else if (strcmp(buf, "jobs") == 0) {
        go_list(c, V_JOBS);
    } else if (strcmp(buf, "help") == 0) {
        push(c, V_HELP);
    } else if (strcmp(buf, "logs") == 0) {
        logs_open(c);
    } else if (strcmp(buf, "replay") == 0) {
        if (arg == NULL || *arg == '\0')
            set_status(c, true, ":replay needs a flight log file");
        else
            replay_open(c, arg);
    } else if (strcmp(buf, "migrate") == 0) {
        if (arg == NULL || *arg == '\0')
            set_status(c, true, ":migrate needs a VM name");
        else
            wizard_open(c, arg);
    } else if (strcmp(buf, "quick") == 0) {
        if (arg == NULL || *arg == '\0')
            set_status(c, true, ":quick needs a VM name");
        else
            dialog_open(c, arg);
    } else if (strcmp(buf, "theme") == 0) {
        char *path = arg ? theme_find(arg) : NULL;
        struct theme th;
        struct ferry_err err;
        char warn[256];

        theme_default(&th);
        if (path == NULL) {
            set_status(c, true, "no theme named %s", arg ? arg : "(none)");
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
        c->dirty = true;
    } else if (buf[0] != '\0') {
        set_status(c, true, "unknown command :%s (hosts, vms, ds, jobs, "
                   "migrate VM, quick VM, theme NAME, help, q)",
                   buf);
    }
}

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
    struct view *v = top(c);
    struct ferry_err err;
    const struct job_view *j;

    switch (c->confirm) {
    case C_QUIT:
        c->quit = true;
        break;
    case C_START:
        start_job(c);
        break;
    case C_TAKE:
        if (v->kind != V_DASH || (j = job_by_id(c, v->job)) == NULL)
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
        if (v->kind != V_DASH || (j = job_by_id(c, v->job)) == NULL)
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
ask(struct console *c, enum confirm_what w, const char *text)
{
    c->mode = M_CONFIRM;
    c->confirm = w;
    snprintf(c->confirm_text, sizeof c->confirm_text, "%s", text);
    c->dirty = true;
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
        if (m == M_COMMAND)
            console_command(c, c->input);
    } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        if (n > 0)
            c->input[n - 1] = '\0';
        else
            c->mode = M_NORMAL;
    } else if (key >= 32 && key < 127) {
        c->input = xgrow(c->input, &c->cap_input, n + 2, 1);
        c->input[n] = (char)key;
        c->input[n + 1] = '\0';
    }
    /* The filter applies as it is typed. */
    if (c->mode == M_FILTER)
        set_filter(top(c), c->input);
    c->dirty = true;
}

/* Reorder or cancel a queued job. */
static void
queued_key(struct console *c, long id, int key)
{
    const struct job_view *j = job_by_id(c, id);
    struct ferry_err err;

    if (j == NULL)
        return;
    if (j->state != JOB_QUEUED) {
        set_status(c, true, "%s is not queued%s", j->vm,
                   !job_view_ended(j) && key == 'x'
                       ? ": abort it from its dashboard (a)"
                       : "");
        return;
    }
    if (key == 'x') {
        if (c->o.ops->act(c->o.ops_ctx, id, ACT_ABORT, 0, &err) < 0) {
            set_status(c, true, "%s", err.msg);
        } else {
            seen_set(c, id, JOB_ENDED);
            set_status(c, false, "%s: removed from the queue", j->vm);
        }
        return;
    }
    if (c->o.ops->queue_move(c->o.ops_ctx, id, key == '[' ? -1 : 1, &err) <
        0)
        set_status(c, false, "%s", err.msg);
    else if ((j = job_by_id(c, id)) != NULL)
        set_status(c, false, "%s is now #%d in the queue", j->vm,
                   j->queue_pos);
}

static void
dash_key(struct console *c, int key)
{
    struct view *v = top(c);
    const struct job_view *j = job_by_id(c, v->job);
    struct ferry_err err;

    if (j == NULL)
        return;
    if (job_view_ended(j) && strchr("aSpt+-T", key) != NULL) {
        set_status(c, true, "%s: the migration has ended", j->vm);
        return;
    }
    if (j->external && !j->taken_over && strchr("Sp+-t", key) != NULL) {
        set_status(c, true, "%s: not ferry's migration (T takes it over)",
                   j->vm);
        return;
    }
    switch (key) {
    case 'a':
        ask(c, C_ABORT, "abort this migration? the VM stays on its source "
                        "(y/n)");
        break;
    case 'T':
        if (!j->external || j->taken_over) {
            set_status(c, true, "%s: ferry steers this one already", j->vm);
            break;
        }
        ask(c, C_TAKE, "take this migration over? ferry steers it from now "
                       "on under the default policy and budget (y/n)");
        break;
    case 'S':
        ask(c, C_SWITCH, "switch over now, whatever the downtime? (y/n)");
        break;
    case '+':
    case '-': {
        uint64_t b = j->budget_ms;

        b = key == '+' ? b + 50 : (b > 50 ? b - 50 : b);
        if (c->o.ops->budget(c->o.ops_ctx, j->id, b, &err) < 0)
            set_status(c, true, "%s", err.msg);
        else
            set_status(c, false, "%s: downtime budget %llu ms", j->vm,
                       (unsigned long long)b);
        break;
    }
    case 'p':
        if (c->o.ops->act(c->o.ops_ctx, j->id, ACT_POSTCOPY, 0, &err) < 0)
            set_status(c, true, "%s", err.msg);
        else
            set_status(c, false, "%s: post-copy requested", j->vm);
        break;
    case 't': {
        struct job_sample s;
        uint64_t cur = 0;

        if (flog_live_last(j->live, &s, NULL, NULL, NULL))
            cur = sample_get(&s, SF_AUTO_CONVERGE_THROTTLE, 0);
        if (c->o.ops->act(c->o.ops_ctx, j->id, ACT_THROTTLE,
                          MIN(cur + 10, 99), &err) < 0)
            set_status(c, true, "%s", err.msg);
        else
            set_status(c, false, "%s: throttle %llu%%", j->vm,
                       (unsigned long long)MIN(cur + 10, 99));
        break;
    }
    }
}

void
console_key(struct console *c, int key)
{
    struct view *v = top(c);

    c->dirty = true;
    if (key == KEY_RESIZE)
        return;
    if (c->mode == M_PROMPT) {
        ask_key(c, key);
        return;
    }
    if (c->mode == M_CONFIRM) {
        c->mode = M_NORMAL;
        if (c->confirm == C_QUIT) {
            /* detach is the default: nothing is lost by it */
            if (key == 'a' || key == 'A') {
                abort_all(c);
                c->quit = true;
            } else if (key == 'd' || key == 'D' || key == '\r' ||
                       key == '\n' || key == KEY_ENTER || key == 'q') {
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
        return;
    }
    if (c->mode == M_FILTER || c->mode == M_COMMAND) {
        line_edit(c, key);
        return;
    }
    if (v->kind == V_REPLAY && c->rp != NULL && key != ':') {
        replay_view_key(c, key);
        return;
    }
    if (v->kind == V_WIZARD) {
        enum wizard_result r =
            c->wz ? wizard_key(c->wz, key) : WZR_CLOSE;

        if (r == WZR_START) {
            struct mig_choice ch = *wizard_choice(c->wz);

            wizard_close(c);
            job_enqueue(c, &ch);
        } else if (r == WZR_CLOSE) {
            wizard_close(c);
        }
        return;
    }
    if (v->kind == V_DIALOG) {
        if (key == 27 || key == 'q') {
            pop(c);
            set_status(c, false, "migration not started");
        } else {
            dialog_key(c, key);
        }
        return;
    }
    switch (key) {
    case 'q':
        if (running_jobs(c) > 0 || jobs_in(c, JOB_QUEUED) > 0)
            ask(c, C_QUIT, "migrations run in the server: d (Enter) "
                           "detaches, they go on; a aborts them all; Esc "
                           "stays");
        else
            c->quit = true;
        return;
    case 'd':
        c->quit = true; /* detach: the server goes on with the jobs */
        return;
    case ':':
        c->mode = M_COMMAND;
        c->input[0] = '\0';
        return;
    case '/':
        if (is_table(v->kind)) {
            c->mode = M_FILTER;
            c->input = xgrow(c->input, &c->cap_input, strlen(v->filter) + 1,
                             1);
            strcpy(c->input, v->filter);
        }
        return;
    case '?':
        push(c, V_HELP);
        return;
    case 27:
        if (v->filter[0] != '\0')
            set_filter(v, "");
        else
            pop(c);
        return;
    case '1':
        go_list(c, V_HOSTS);
        return;
    case '2':
        go_list(c, V_VMS);
        return;
    case '3':
        go_list(c, V_DS);
        return;
    case '4':
        go_list(c, V_JOBS);
        return;
    }
    if (v->kind == V_DASH) {
        dash_key(c, key);
        return;
    }
    if (!is_table(v->kind))
        return;
    /* keys typed ahead of a redraw act on the row the move selected */
    if (v->sel_id[0] == '\0' &&
        (key == '\r' || key == '\n' || key == KEY_ENTER ||
         strchr("mM[]x", key) != NULL)) {
        ready_table(c, v);
    }
    switch (key) {
    case KEY_UP:
    case 'k':
        v->sel--;
        set_sel(v, "");
        break;
    case KEY_DOWN:
    case 'j':
        v->sel++;
        set_sel(v, "");
        break;
    case KEY_PPAGE:
        v->sel -= LINES - 5;
        set_sel(v, "");
        break;
    case KEY_NPAGE:
        v->sel += LINES - 5;
        set_sel(v, "");
        break;
    case KEY_HOME:
    case 'g':
        v->sel = 0;
        set_sel(v, "");
        break;
    case KEY_END:
    case 'G':
        v->sel = INT_MAX;
        set_sel(v, "");
        break;
    case '<':
    case '>':
        build_table(c, v);
        v->sort_col = (v->sort_col + v->tbl.n_cols + (key == '>' ? 1 : -1)) %
                      v->tbl.n_cols;
        set_status(c, false, "sorted by %s", v->tbl.cols[v->sort_col].title);
        break;
    case 'r':
        v->sort_desc = !v->sort_desc;
        break;
    case 'm':
        if (v->kind == V_VMS && v->sel_id[0])
            wizard_open(c, v->sel_id);
        break;
    case 'M':
        if (v->kind == V_VMS && v->sel_id[0])
            dialog_open(c, v->sel_id);
        break;
    case '[':
    case ']':
    case 'x':
        if (v->kind == V_JOBS && v->sel_id[0])
            queued_key(c, atol(v->sel_id), key);
        break;
    case '\r':
    case '\n':
    case KEY_ENTER:
        if (v->kind == V_VMS && v->sel_id[0]) {
            const struct job_view *j = job_of_vm(c, v->sel_id);

            if (j == NULL)
                set_status(c, false, "%s has no migration: m starts one",
                           v->sel_id);
            else
                open_dashboard(c, j->id);
        } else if (v->kind == V_JOBS && v->sel_id[0]) {
            open_dashboard(c, atol(v->sel_id));
        } else if (v->kind == V_LOGS && v->sel_id[0]) {
            size_t i = (size_t)atoi(v->sel_id);

            if (i < c->n_logs && c->logs[i].ok)
                replay_open(c, c->logs[i].path);
            else if (i < c->n_logs)
                set_status(c, true, "%s: %s", c->logs[i].path,
                           c->logs[i].error);
        }
        break;
    }
}
