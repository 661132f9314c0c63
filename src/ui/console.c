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
#include "console_int.h"

#define DASH_REFRESH_MS 1000 /* graphs redraw once a second */
#define MIN_W 64
#define MIN_H 18


/* The jobs the server owns, as the console sees them. */
size_t
con_n_jobs(const struct console *c)
{
    return c->o.ops->n_jobs(c->o.ops_ctx);
}

const struct job_view *
con_job_at(const struct console *c, size_t i)
{
    return c->o.ops->job_at(c->o.ops_ctx, i);
}

const struct job_view *
con_job_by_id(const struct console *c, long id)
{
    return c->o.ops->job(c->o.ops_ctx, id);
}

struct view *
con_top(const struct console *c)
{
    return c->stack[c->depth - 1];
}

bool
con_is_table(const struct view *v)
{
    return v->cls->cols != NULL;
}

void
con_set_status(struct console *c, bool error, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
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

void
con_set_sel(struct view *v, const char *id)
{
    if (v->sel_id != id) {
        free(v->sel_id);
        v->sel_id = xstrdup(id);
    }
}

void
con_set_filter(struct view *v, const char *f)
{
    free(v->filter);
    v->filter = xstrdup(f);
}

/* A new view of kind k on con_top (the one on top already, when it is of
 * that kind and not a dashboard). */
struct view *
con_push(struct console *c, enum view_kind k)
{
    struct view *v;

    if (c->depth > 0 && con_top(c)->kind == k && k != V_DASH)
        return con_top(c);
    v = xcalloc(1, sizeof *v);
    v->cls = con_classes[k];
    v->kind = k;
    v->filter = xstrdup("");
    v->sel_id = xstrdup("");
    c->stack = xgrow(c->stack, &c->cap_stack, c->depth + 1, sizeof *c->stack);
    c->stack[c->depth++] = v;
    c->dirty = true;
    return v;
}

void
con_pop(struct console *c)
{
    if (c->depth > 1)
        view_free(c->stack[--c->depth]);
    c->dirty = true;
}

/* Switch the base list view (1-4, :hosts ...): the stack starts again. */
void
con_go_list(struct console *c, enum view_kind k)
{
    while (c->depth > 0)
        view_free(c->stack[--c->depth]);
    con_push(c, k);
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
    con_push(c, V_VMS);
    con_set_status(c, false, "? help  : command  / filter  m migrate  q quit");
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
    con_set_status(c, error, "%s", msg);
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

size_t
con_jobs_in(const struct console *c, enum job_state st)
{
    size_t n = 0;

    for (size_t i = 0; i < con_n_jobs(c); i++)
        n += con_job_at(c, i)->state == st;
    return n;
}

int
con_running_jobs(const struct console *c)
{
    return (int)con_jobs_in(c, JOB_RUNNING);
}

/* A VM's job: one that has not ended, else its newest. */
const struct job_view *
con_job_of_vm(const struct console *c, const char *vm)
{
    const struct job_view *found = NULL;

    for (size_t i = 0; i < con_n_jobs(c); i++) {
        const struct job_view *j = con_job_at(c, i);

        if (strcmp(j->vm, vm) == 0 &&
            (found == NULL || !job_view_ended(j) || job_view_ended(found)))
            found = j;
    }
    return found;
}

/* What makes a redraw worth it at once: a job's state, phase, decisions,
 * queue position, its end. Samples alone wait for the next second. */
uint64_t
con_jobs_signature(const struct console *c)
{
    uint64_t h = con_n_jobs(c);

    for (size_t i = 0; i < con_n_jobs(c); i++) {
        const struct job_view *j = con_job_at(c, i);
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
    con_set_status(c, answer == NULL, "%s: %s", c->ask.host,
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
void
con_seen_set(struct console *c, long id, enum job_state st)
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
    for (size_t i = 0; i < con_n_jobs(c); i++) {
        const struct job_view *j = con_job_at(c, i);
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
            con_set_status(c, false, "%s: left the queue, migration started",
                       j->vm);
        else if (j->state == JOB_ENDED && job_view_data(j) != NULL &&
                 job_view_data(j)->res.present &&
                 job_view_data(j)->res.phase == PH_DONE)
            con_set_status(c, false, "%s: migration completed in %.1f s, "
                       "downtime %llu ms", j->vm,
                       (double)job_view_data(j)->res.total_ms / 1000.0,
                       (unsigned long long)job_view_data(j)->res.downtime_ms);
        else if (j->state == JOB_ENDED)
            con_set_status(c, true, "%s: %s", j->vm,
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
            v == con_top(c))
            c->dirty = true;
    }
    if (hv->status_gen != c->seen_status) {
        c->seen_status = hv->status_gen;
        console_status(c, hv->status_error, hv->status);
    }
    ask_poll(c);
    /* the server's news about the jobs: phases, decisions and ends at
     * once, the graphs once a second */
    sig = con_jobs_signature(c);
    if (sig != c->jobs_sig) {
        c->jobs_sig = sig;
        c->dirty = true;
        job_news(c);
    }
    if (con_running_jobs(c) > 0 && now_ms >= c->last_dash_ms + DASH_REFRESH_MS) {
        c->last_dash_ms = now_ms;
        if (con_top(c)->kind != V_HOSTS && con_top(c)->kind != V_DS &&
            con_top(c)->kind != V_HELP)
            c->dirty = true;
    }
}

int
console_timeout_ms(const struct console *c, uint64_t now_ms)
{
    int64_t best = -1;

    /* news arrives on the server's socket; only the graphs' second
     * needs a timer */
    if (con_running_jobs(c) > 0) {
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

/* ---- frame ------------------------------------------------------------- */

static void
draw_header(struct console *c)
{
    struct ui_term *t = c->t;
    char *line, *run = NULL;
    int x, nrun = con_running_jobs(c), room = COLS;
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
    struct view *v = con_top(c);
    const char *h = v->cls->hints ? v->cls->hints(c, v) : con_table_hints(c, v);

    wattrset(stdscr, ui_attr(c->t, ROLE_HINT));
    ui_fill(stdscr, LINES - 2, 0, COLS, ' ');
    ui_put_cut(c->t, stdscr, LINES - 2, 0, COLS, h);
}

bool
console_draw(struct console *c, bool force)
{
    struct ui_term *t = c->t;
    struct view *v = con_top(c);

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

    for (size_t i = 0; i < con_n_jobs(c); i++) {
        const struct job_view *j = con_job_at(c, i);

        /* someone else's migration is theirs to end */
        if (!job_view_ended(j) && !(j->external && !j->taken_over))
            c->o.ops->act(c->o.ops_ctx, j->id, ACT_ABORT, 0, &err);
    }
}

static void
confirm_yes(struct console *c)
{
    struct ferry_err err;
    const struct job_view *j = con_job_by_id(c, c->confirm_job);
    struct view *dv;

    switch (c->confirm) {
    case C_QUIT:
        c->quit = true;
        break;
    case C_START:
        if ((dv = find_view(c, V_DIALOG)) != NULL)
            con_start_job(c, dv->dlg);
        break;
    case C_EVAC_ABORT:
        con_evac_abort(c, c->confirm_job);
        break;
    case C_TAKE:
        if (j == NULL)
            break;
        if (c->o.ops->take_over == NULL)
            con_set_status(c, true, "%s: cannot be taken over here", j->vm);
        else if (c->o.ops->take_over(c->o.ops_ctx, j->id, NULL, 0, &err) < 0)
            con_set_status(c, true, "%s", err.msg);
        else
            con_set_status(c, false, "%s: taken over, ferry steers it", j->vm);
        break;
    case C_ABORT:
    case C_SWITCH:
        if (j == NULL)
            break;
        if (c->o.ops->act(c->o.ops_ctx, j->id,
                          c->confirm == C_ABORT ? ACT_ABORT : ACT_SWITCHOVER,
                          0, &err) < 0)
            con_set_status(c, true, "%s", err.msg);
        else
            con_set_status(c, false, "%s: %s requested", j->vm,
                       c->confirm == C_ABORT ? "abort" : "switchover");
        break;
    }
}

void
con_ask(struct console *c, enum confirm_what w, long job, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
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
            con_set_status(c, false, "still attached");
        }
        return;
    }
    if (key == 'y' || key == 'Y')
        confirm_yes(c);
    else
        con_set_status(c, false, "cancelled");
}

static void
line_edit(struct console *c, int key)
{
    size_t n = strlen(c->input);

    if (key == 27) {
        if (c->mode == M_FILTER)
            con_set_filter(con_top(c), "");
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
        con_set_filter(con_top(c), c->input);
    c->dirty = true;
}

/* The screen manager: the modal lines first, then the view on top, then
 * the key table. */
void
console_key(struct console *c, int key)
{
    struct view *v = con_top(c);
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
        con_pop(c);
        return;
    }
    if (r == VR_DONE)
        return;
    if ((b = con_binding_for(v, key)) != NULL)
        console_command(c, con_binding_command(b));
}

