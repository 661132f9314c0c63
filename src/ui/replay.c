/* The replay view (see replay.h). The position is a job time; the sample
 * shown is the last one at or before it, found by binary search, so
 * seeking costs the same on a log of a million samples as on a short one.
 * Playing advances job time by speed x wall time and redraws at most five
 * times a second; paused, nothing runs. */
#include "replay.h"
#include "keymap.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dash.h"
#include "ferry/loop.h"
#include "ferry/units.h"
#include "ferry/whatif.h"

#define FRAME_MS 200
#define WHATIF_PROGRESS_MS 250
#define TIMELINE_ROWS 2

static const double speeds[] = {0.25, 0.5, 1, 2, 4, 8, 16, 32, 64};
#define SPEED_1X 2

enum rmode { R_DASH, R_SUMMARY, R_CHOOSE, R_WHATIF };

struct replay {
    struct ui_term *t;
    struct flog_data *d;
    struct replay_opts o;
    enum rmode mode;
    uint64_t t_ms;        /* position: job time */
    size_t k;             /* the sample shown */
    bool playing;
    int speed;
    uint64_t wall_ms;     /* wall time of the last advance */
    double carry;         /* fractional job ms */
    bool dirty, closed;
    char *text;           /* the summary or the what-if comparison */
    int scroll;
    int choice;           /* policy in the chooser */
    uint64_t budget_ms;   /* what-if budget */
    struct whatif_task *task; /* a what-if running on its worker */
    char *task_policy;
    uint64_t task_shown;  /* simulated ms last shown */
    char *msg; /* never NULL */
    bool msg_error, msg_new;
};

static void FERRY_PRINTF(3, 4)
say(struct replay *r, bool error, const char *fmt, ...)
{
    va_list ap;

    free(r->msg);
    va_start(ap, fmt);
    r->msg = xvasprintf(fmt, ap);
    va_end(ap);
    r->msg_error = error;
    r->msg_new = true;
    r->dirty = true;
}

static void
set_text(struct replay *r, char *text, enum rmode m)
{
    free(r->text);
    r->text = text;
    r->scroll = 0;
    r->mode = m;
    r->dirty = true;
}

void
replay_seek(struct replay *r, uint64_t t_ms)
{
    uint64_t a = flog_start_ms(r->d), b = flog_end_ms(r->d);

    r->t_ms = MIN(MAX(t_ms, a), b);
    r->k = flog_index_at(r->d, r->t_ms);
    r->carry = 0;
    r->dirty = true;
}

struct replay *
replay_new(struct ui_term *t, struct flog_data *d,
           const struct replay_opts *o)
{
    struct replay *r = xcalloc(1, sizeof *r);

    r->t = t;
    r->msg = xstrdup("");
    r->task_policy = xstrdup("");
    r->d = d;
    r->o = *o;
    r->speed = SPEED_1X;
    r->budget_ms = o->whatif_budget_ms ? o->whatif_budget_ms
                                       : d->h.budget_ms;
    replay_seek(r, flog_start_ms(d));
    if (d->n == 0)
        say(r, true, "%s has no samples to replay", d->path);
    else if (d->cut_short) {
        char a[32];

        say(r, true, "the log is cut short at %s (no result line): it "
            "replays up to its last complete line",
            units_fmt_ms(a, sizeof a, (double)flog_end_ms(d)));
    }
    else if (d->n_problems > 0)
        say(r, true, "%zu line%s of %s could not be read (s: summary "
            "lists them)", d->n_problems, d->n_problems == 1 ? "" : "s",
            d->path);
    return r;
}

void
replay_free(struct replay *r)
{
    if (r == NULL)
        return;
    whatif_task_free(r->task); /* before the log it reads */
    flog_data_free(r->d);
    free(r->text);
    free(r->msg);
    free(r->task_policy);
    free(r);
}

const struct flog_data *
replay_data(const struct replay *r)
{
    return r->d;
}

bool
replay_closed(const struct replay *r)
{
    return r->closed;
}

void
replay_invalidate(struct replay *r)
{
    r->dirty = true;
}

const char *
replay_message(struct replay *r, bool *error)
{
    if (!r->msg_new)
        return NULL;
    r->msg_new = false;
    *error = r->msg_error;
    return r->msg;
}

void
replay_show_summary(struct replay *r)
{
    set_text(r, flog_summary(r->d), R_SUMMARY);
}

bool
replay_whatif(struct replay *r, const char *policy)
{
    struct ferry_err err;
    struct policy *own;
    const struct policy *p = whatif_policy(r->d, r->o.policies, policy, &own,
                                           &err);
    struct whatif w;
    int rc;

    if (p == NULL) {
        say(r, true, "what-if: %s", err.msg);
        return false;
    }
    rc = whatif_run(r->d, p, r->budget_ms, &w, &err);
    whatif_policy_free(own);
    if (rc < 0) {
        say(r, true, "what-if: %s", err.msg);
        return false;
    }
    set_text(r, whatif_compare(r->d, &w), R_WHATIF);
    say(r, false, "what-if: %s with a %llu ms budget: %s", w.policy,
        (unsigned long long)w.budget_ms,
        w.res.phase == PH_DONE ? "completed" : "did not complete");
    whatif_fini(&w);
    return true;
}

static void
wake_loop(void *loop)
{
    loop_wake(loop);
}

bool
replay_whatif_start(struct replay *r, const char *policy)
{
    struct ferry_err err;
    struct policy *own;
    const struct policy *p;

    if (r->task != NULL) {
        say(r, true, "a what-if under %s is running (Esc cancels it)",
            r->task_policy);
        return false;
    }
    p = whatif_policy(r->d, r->o.policies, policy, &own, &err);
    if (p == NULL) {
        say(r, true, "what-if: %s", err.msg);
        return false;
    }
    r->task = whatif_task_start(r->d, p, own, r->budget_ms,
                                r->o.loop ? wake_loop : NULL, r->o.loop,
                                &err);
    if (r->task == NULL) {
        say(r, true, "%s", err.msg);
        return false;
    }
    free(r->task_policy);
    r->task_policy = xstrdup(policy);
    r->task_shown = 0;
    r->mode = R_DASH;
    say(r, false, "what-if: running %s with a %llu ms budget... (Esc "
        "cancels)", policy, (unsigned long long)r->budget_ms);
    return true;
}

bool
replay_whatif_running(const struct replay *r)
{
    return r->task != NULL;
}

/* Esc while a what-if runs: stop it, keep the replay. */
static void
whatif_cancel(struct replay *r)
{
    whatif_task_free(r->task);
    r->task = NULL;
    say(r, false, "what-if under %s cancelled", r->task_policy);
}

/* On the loop's thread: the worker's progress, or its outcome. */
static void
whatif_poll(struct replay *r)
{
    struct whatif w;
    struct ferry_err err;
    uint64_t sim, limit;
    char a[32], b[32];

    if (r->task == NULL)
        return;
    if (!whatif_task_done(r->task)) {
        whatif_task_progress(r->task, &sim, &limit);
        if (sim != r->task_shown && limit > 0) {
            r->task_shown = sim;
            say(r, false, "what-if: running %s, %s of at most %s simulated "
                "(Esc cancels)", r->task_policy,
                units_fmt_ms(a, sizeof a, (double)sim),
                units_fmt_ms(b, sizeof b, (double)limit));
        }
        return;
    }
    if (whatif_task_take(r->task, &w, &err) < 0) {
        say(r, true, "what-if: %s", err.msg);
    } else {
        set_text(r, whatif_compare(r->d, &w), R_WHATIF);
        say(r, false, "what-if: %s with a %llu ms budget: %s", w.policy,
            (unsigned long long)w.budget_ms,
            w.res.phase == PH_DONE ? "completed" : "did not complete");
        whatif_fini(&w);
    }
    whatif_task_free(r->task);
    r->task = NULL;
}

/* ---- keys ----------------------------------------------------------- */

static void
pause_at(struct replay *r, uint64_t t)
{
    r->playing = false;
    replay_seek(r, t);
}

static void
step(struct replay *r, int dir)
{
    size_t k = r->k;

    if (dir > 0 && k + 1 < r->d->n)
        k++;
    else if (dir < 0 && k > 0)
        k--;
    if (r->d->n)
        pause_at(r, r->d->pt[k].t_ms);
}

static void
seek_by(struct replay *r, int dir, int parts)
{
    uint64_t span = flog_end_ms(r->d) - flog_start_ms(r->d);
    uint64_t by = MAX(span / (uint64_t)parts, 1);

    if (dir < 0)
        replay_seek(r, r->t_ms > by ? r->t_ms - by : 0);
    else
        replay_seek(r, r->t_ms + by);
}

static void
event(struct replay *r, int dir)
{
    uint64_t t;
    char a[32];

    if (!flog_next_event(r->d, r->t_ms, dir, &t)) {
        say(r, false, "no %s decision or phase change",
            dir > 0 ? "later" : "earlier");
        return;
    }
    pause_at(r, t);
    say(r, false, "at %s", units_fmt_ms(a, sizeof a, (double)t));
}

static bool
text_key(struct replay *r, int key)
{
    switch (key) {
    case KEY_UP:
    case 'k':
        r->scroll = MAX(r->scroll - 1, 0);
        break;
    case KEY_DOWN:
    case 'j':
        r->scroll++;
        break;
    case KEY_PPAGE:
        r->scroll = MAX(r->scroll - 10, 0);
        break;
    case KEY_NPAGE:
        r->scroll += 10;
        break;
    case 's':
    case 27:
    case 'q':
    case KEY_BACKSPACE:
        r->mode = R_DASH;
        break;
    case 'w':
        r->mode = R_CHOOSE;
        break;
    default:
        return false;
    }
    r->dirty = true;
    return true;
}

static bool
choose_key(struct replay *r, int key)
{
    int n = (int)r->o.policies->n;

    switch (key) {
    case KEY_UP:
    case 'k':
        r->choice = (r->choice + n - 1) % MAX(n, 1);
        break;
    case KEY_DOWN:
    case 'j':
        r->choice = (r->choice + 1) % MAX(n, 1);
        break;
    case '+':
        r->budget_ms += 50;
        break;
    case '-':
        r->budget_ms = r->budget_ms > 50 ? r->budget_ms - 50 : r->budget_ms;
        break;
    case '\n':
    case '\r':
    case KEY_ENTER:
        if (n > 0)
            replay_whatif_start(r, r->o.policies->v[r->choice].name);
        break;
    case 27:
    case 'q':
    case 'w':
        r->mode = R_DASH;
        break;
    default:
        return false;
    }
    r->dirty = true;
    return true;
}

/* The replay's keys (while it plays; the summary, the what-if and the
 * chooser take Up/Down, Enter and Esc). */
enum {
    RK_NONE, RK_PLAY, RK_STEP, RK_STEP_BACK, RK_FASTER, RK_SLOWER, RK_START,
    RK_END, RK_EVENT, RK_EVENT_BACK, RK_SEEK, RK_SEEK_BACK, RK_SEEK_FAR,
    RK_SEEK_FAR_BACK, RK_SUMMARY, RK_WHATIF, RK_CLOSE,
};

static const struct keymap keys[] = {
    {{' ', 'p'}, "Space p", RK_PLAY, "play / pause (again from the start at "
                                     "the end)"},
    {{'.'}, ".", RK_STEP, "one sample forward"},
    {{','}, ",", RK_STEP_BACK, "one sample back"},
    {{'+', '>'}, "+ >", RK_FASTER, "play faster"},
    {{'-', '<'}, "- <", RK_SLOWER, "play slower"},
    {{KEY_HOME, 'g'}, "Home g", RK_START, "to the start"},
    {{KEY_END, 'G'}, "End G", RK_END, "to the end"},
    {{'n', ']'}, "n ]", RK_EVENT, "to the next event (phase, decision)"},
    {{'N', '['}, "N [", RK_EVENT_BACK, "to the previous event"},
    {{KEY_RIGHT}, "Right", RK_SEEK, "forward a fiftieth of the migration"},
    {{KEY_LEFT}, "Left", RK_SEEK_BACK, "back a fiftieth"},
    {{KEY_NPAGE, KEY_SRIGHT}, "PgDn S-Right", RK_SEEK_FAR,
     "forward a tenth"},
    {{KEY_PPAGE, KEY_SLEFT}, "PgUp S-Left", RK_SEEK_FAR_BACK, "back a tenth"},
    {{'s'}, "s", RK_SUMMARY, "the summary of the migration"},
    {{'w'}, "w", RK_WHATIF, "what-if: the same guest under another policy "
                            "or budget (Esc stops one running)"},
    {{'q', 27}, "q Esc", RK_CLOSE, "close the replay"},
};

const struct keymap *
replay_keymap(size_t *n)
{
    *n = ARRAY_SIZE(keys);
    return keys;
}

bool
replay_key(struct replay *r, int key, uint64_t now_ms)
{
    if (key == 27 && r->task != NULL) {
        whatif_cancel(r);
        return true;
    }
    if (r->mode == R_SUMMARY || r->mode == R_WHATIF)
        return text_key(r, key);
    if (r->mode == R_CHOOSE)
        return choose_key(r, key);
    if (r->msg[0] != '\0') { /* an old message goes with the next key */
        r->msg[0] = '\0';
        r->msg_error = false;
        r->msg_new = true;
    }
    switch (keymap_action(keys, ARRAY_SIZE(keys), key, RK_NONE)) {
    case RK_PLAY:
        if (!r->playing && r->k + 1 >= r->d->n)
            replay_seek(r, flog_start_ms(r->d)); /* again from the start */
        r->playing = !r->playing;
        r->wall_ms = now_ms;
        r->carry = 0;
        break;
    case RK_STEP:
        step(r, 1);
        break;
    case RK_STEP_BACK:
        step(r, -1);
        break;
    case RK_FASTER:
        r->speed = MIN(r->speed + 1, (int)ARRAY_SIZE(speeds) - 1);
        say(r, false, "speed %gx", speeds[r->speed]);
        break;
    case RK_SLOWER:
        r->speed = MAX(r->speed - 1, 0);
        say(r, false, "speed %gx", speeds[r->speed]);
        break;
    case RK_START:
        pause_at(r, flog_start_ms(r->d));
        break;
    case RK_END:
        pause_at(r, flog_end_ms(r->d));
        break;
    case RK_EVENT:
        event(r, 1);
        break;
    case RK_EVENT_BACK:
        event(r, -1);
        break;
    case RK_SEEK:
        seek_by(r, 1, 50);
        break;
    case RK_SEEK_BACK:
        seek_by(r, -1, 50);
        break;
    case RK_SEEK_FAR:
        seek_by(r, 1, 10);
        break;
    case RK_SEEK_FAR_BACK:
        seek_by(r, -1, 10);
        break;
    case RK_SUMMARY:
        replay_show_summary(r);
        break;
    case RK_WHATIF:
        if (r->o.policies == NULL || r->o.policies->n == 0) {
            say(r, true, "what-if: no policies");
            break;
        }
        r->mode = R_CHOOSE;
        for (size_t i = 0; i < r->o.policies->n; i++)
            if (strcmp(r->o.policies->v[i].name, r->d->h.policy) == 0)
                r->choice = (int)i;
        break;
    case RK_CLOSE:
        r->closed = true;
        return false;
    default:
        return false;
    }
    r->dirty = true;
    return true;
}

bool
replay_tick(struct replay *r, uint64_t now_ms)
{
    double adv;
    uint64_t end = flog_end_ms(r->d);
    size_t k;

    whatif_poll(r);
    if (!r->playing) {
        r->wall_ms = now_ms;
        return r->dirty;
    }
    if (now_ms < r->wall_ms + FRAME_MS)
        return r->dirty;
    adv = (double)(now_ms - r->wall_ms) * speeds[r->speed] + r->carry;
    r->wall_ms = now_ms;
    r->carry = adv - floor(adv);
    r->t_ms = MIN(r->t_ms + (uint64_t)adv, end);
    k = flog_index_at(r->d, r->t_ms);
    if (k != r->k)
        r->dirty = true;
    r->k = k;
    if (r->t_ms >= end) {
        r->playing = false;
        r->dirty = true;
    }
    return r->dirty;
}

int
replay_timeout_ms(const struct replay *r, uint64_t now_ms)
{
    int64_t due;

    if (!r->playing)
        /* a running what-if wakes the loop when it ends; until then its
         * progress is shown a few times a second */
        return r->task != NULL ? WHATIF_PROGRESS_MS : -1;
    due = (int64_t)(r->wall_ms + FRAME_MS) - (int64_t)now_ms;
    return due < 0 ? 0 : (int)due;
}

/* ---- drawing -------------------------------------------------------- */

/* The dashboard at the current sample. */
static void
draw_dash(struct replay *r, int y, int h)
{
    struct dash ds;

    dash_fill(&ds, r->d, r->k, r->t_ms);
    dash_draw(r->t, y, h, &ds);
}

/* Marker for each cell: phase changes and decisions, the played part. */
static void
draw_timeline(struct replay *r, int y)
{
    const struct flog_data *d = r->d;
    struct ui_term *t = r->t;
    int w = COLS - 2;
    uint64_t a = flog_start_ms(d), b = flog_end_ms(d), span = b - a;
    int cur = span ? (int)((double)(r->t_ms - a) / (double)span * (w - 1))
                   : 0;
    char line[256], x[32], z[32];
    int kind[512];

    w = MIN(w, (int)ARRAY_SIZE(kind));
    memset(kind, 0, sizeof kind);
    for (size_t i = 0; i < d->n_ph; i++)
        if (span && d->ph[i].t_ms >= a)
            kind[MIN((int)((double)(d->ph[i].t_ms - a) / (double)span *
                           (w - 1)),
                     w - 1)] = 1;
    for (size_t i = 0; i < d->n_dec; i++)
        if (span && d->dec[i].t_ms >= a)
            kind[MIN((int)((double)(d->dec[i].t_ms - a) / (double)span *
                           (w - 1)),
                     w - 1)] = 2;
    wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
    ui_fill(stdscr, y, 0, COLS, ' ');
    for (int c = 0; c < w; c++) {
        const char *g;
        enum role role = c <= cur ? ROLE_PROGRESS : ROLE_DIM;

        if (c == cur) {
            g = t->utf8 ? "\u25cf" : "O";
            role = ROLE_TITLE;
        } else if (kind[c] == 2) {
            g = t->utf8 ? "\u25c6" : "*";
            role = ROLE_WARNING;
        } else if (kind[c] == 1) {
            g = t->utf8 ? "\u2503" : "|";
            role = ROLE_TITLE;
        } else {
            g = c < cur ? (t->utf8 ? "\u2501" : "=")
                        : (t->utf8 ? "\u2500" : "-");
        }
        if (role == ROLE_PROGRESS && t->colors)
            role = ROLE_GRAPH_BW; /* a coloured line, not a filled bar */
        wattrset(stdscr, ui_attr(t, role));
        ui_put(stdscr, y, 1 + c, 1, g);
    }
    wattrset(stdscr, ui_attr(t, ROLE_TITLE));
    ui_fill(stdscr, y + 1, 0, COLS, ' ');
    snprintf(line, sizeof line, " %s %gx  %s / %s  sample %zu/%zu%s",
             r->playing ? (t->utf8 ? "\u25b6" : ">") : "||",
             speeds[r->speed], units_fmt_ms(x, sizeof x, (double)r->t_ms),
             units_fmt_ms(z, sizeof z, (double)b), d->n ? r->k + 1 : 0, d->n,
             d->cut_short ? "  CUT SHORT: no result" : "");
    ui_put(stdscr, y + 1, 0, COLS, line);
}

/* The summary or a what-if: lines wrapped to the width (continuations
 * indented), scrolled. */
static void
draw_text(struct replay *r, int y, int h, const char *title)
{
    struct ui_term *t = r->t;
    const char *s = r->text ? r->text : "";
    int w = MAX(COLS - 2, 20), rows = 0, row = 0;

    /* count the wrapped rows first, to bound the scroll */
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p);

        rows += len <= w ? 1 : 2 + (len - w) / (w / 2); /* at most */
        p += len + (nl != NULL);
    }
    r->scroll = MIN(r->scroll, MAX(rows - (h - 1), 0));
    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    ui_fill(stdscr, y, 0, COLS, ' ');
    ui_put(stdscr, y, 1, COLS - 1, title);
    for (int i = 1; i < h; i++) {
        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_fill(stdscr, y + i, 0, COLS, ' ');
    }
    for (const char *p = s; *p && row - r->scroll < h - 1;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int)(nl - p) : (int)strlen(p), off = 0;
        bool warn = strncmp(p, "stall", 5) == 0 ||
                    (len >= 4 && memmem(p, (size_t)len, "OVER", 4) != NULL);

        while (off < len || off == 0) {
            int indent = off ? 2 : 0, n = MIN(len - off, w - indent);
            char buf[512];

            if (n < len - off) /* break at a space if there is one */
                for (int k = n; k > n / 2; k--)
                    if (p[off + k] == ' ') {
                        n = k;
                        break;
                    }

            if (row >= r->scroll && row - r->scroll < h - 1) {
                snprintf(buf, sizeof buf, "%*s%.*s", indent, "", MIN(n, 500),
                         p + off);
                wattrset(stdscr, ui_attr(t, warn ? ROLE_WARNING
                                                 : ROLE_NORMAL));
                ui_put(stdscr, y + 1 + row - r->scroll, 1, COLS - 2, buf);
            }
            row++;
            off += MAX(n, 1);
            while (off < len && p[off] == ' ')
                off++;
        }
        p += len + (nl != NULL);
    }
}

static void
draw_chooser(struct replay *r, int y, int h)
{
    struct ui_term *t = r->t;
    const struct policy_set *set = r->o.policies;
    char line[256];

    wattrset(stdscr, ui_attr(t, ROLE_COLUMN));
    ui_fill(stdscr, y, 0, COLS, ' ');
    snprintf(line, sizeof line, "What-if: the recorded workload under "
             "another policy (budget %llu ms, +/- to change)",
             (unsigned long long)r->budget_ms);
    ui_put(stdscr, y, 1, COLS - 1, line);
    for (int i = 1; i < h; i++) {
        int k = i - 1;

        wattrset(stdscr, ui_attr(t, ROLE_NORMAL));
        ui_fill(stdscr, y + i, 0, COLS, ' ');
        if (k >= (int)set->n)
            continue;
        snprintf(line, sizeof line, " %-24s %s%s", set->v[k].name,
                 set->v[k].description,
                 strcmp(set->v[k].name, r->d->h.policy) == 0 ? " (recorded)"
                                                             : "");
        wattrset(stdscr, ui_attr(t, k == r->choice ? ROLE_SELECTION
                                                   : ROLE_NORMAL));
        ui_put_pad(stdscr, y + i, 0, COLS, line);
    }
}

void
replay_draw(struct replay *r, int y, int h)
{
    switch (r->mode) {
    case R_DASH:
        draw_dash(r, y, h - TIMELINE_ROWS);
        draw_timeline(r, y + h - TIMELINE_ROWS);
        break;
    case R_SUMMARY:
        draw_text(r, y, h, "Summary (s or Esc: back to the replay)");
        break;
    case R_WHATIF:
        draw_text(r, y, h, "What-if (w: another, Esc: back)");
        break;
    case R_CHOOSE:
        draw_chooser(r, y, h);
        break;
    }
    r->dirty = false;
}

const char *
replay_hints(const struct replay *r)
{
    switch (r->mode) {
    case R_SUMMARY:
    case R_WHATIF:
        return " Up/Down scroll  w what-if  s/Esc back";
    case R_CHOOSE:
        return " Up/Down policy  +/- budget  Enter run  Esc back";
    default:
        if (r->task != NULL)
            return " Space play  ,. step  +- speed  <-/-> seek  n/N event  "
                   "Esc stop what-if";
        return " Space play  ,. step  +- speed  <-/-> seek  n/N event  "
               "s summary  w what-if";
    }
}

bool
replay_screen_draw(struct replay *r, bool force)
{
    struct ui_term *t = r->t;
    char line[512];

    if (!force && !r->dirty)
        return false;
    if (force)
        clearok(curscr, TRUE);
    if (COLS < 40 || LINES < 12) {
        erase();
        mvaddstr(0, 0, "ferry replay: the terminal is too small");
        refresh();
        r->dirty = false;
        return true;
    }
    wattrset(stdscr, ui_attr(t, ROLE_HEADER));
    ui_fill(stdscr, 0, 0, COLS, ' ');
    snprintf(line, sizeof line, " ferry replay  %s", r->d->path);
    ui_put(stdscr, 0, 0, COLS, line);
    replay_draw(r, 1, LINES - 3);
    wattrset(stdscr, ui_attr(t, r->msg_error ? ROLE_STATUS_ERROR
                                             : ROLE_STATUS));
    ui_fill(stdscr, LINES - 2, 0, COLS, ' ');
    ui_put_cut(r->t, stdscr, LINES - 2, 1, COLS - 1, r->msg);
    wattrset(stdscr, ui_attr(t, ROLE_HINT));
    ui_fill(stdscr, LINES - 1, 0, COLS, ' ');
    ui_put(stdscr, LINES - 1, 0, COLS, replay_hints(r));
    refresh();
    return true;
}
