/* The console's commands and key table: every key runs a ':' command,
 * and the help is a table made from both (and from the dialog's, the
 * wizard's and the replay's own key tables). */
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
#include "ferry/evacview.h"
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
    if (!con_is_table(v))
        return "";
    con_ready_table(c, v);
    return v->sel_id;
}

static void
cmd_go(struct console *c, struct view *v, const char *arg, int k)
{
    (void)v;
    (void)arg;
    con_go_list(c, (enum view_kind)k);
}

static void
cmd_help(struct console *c, struct view *v, const char *arg, int data)
{
    (void)v;
    (void)data;
    con_push(c, V_HELP);
    if (*arg != '\0') /* :help abort: the rows about it */
        con_set_filter(con_top(c), arg);
}

static void
cmd_logs(struct console *c, struct view *v, const char *arg, int data)
{
    (void)v;
    (void)arg;
    (void)data;
    con_logs_open(c);
}

static void
cmd_replay(struct console *c, struct view *v, const char *arg, int data)
{
    (void)data;
    if (*arg != '\0')
        con_replay_open(c, arg);
    else if (v->kind == V_LOGS && selected(c, v)[0] != '\0')
        con_replay_open(c, c->logs[atoi(v->sel_id)].path);
    else
        con_set_status(c, true, ":replay needs a flight log file");
}

/* The VM a command is about: named, or the selected one in the VMs. */
static const char *
vm_arg(struct console *c, struct view *v, const char *arg, const char *cmd)
{
    if (*arg != '\0')
        return arg;
    if (v->kind == V_VMS && selected(c, v)[0] != '\0')
        return v->sel_id;
    con_set_status(c, true, ":%s needs a VM name (or select one in the VMs)",
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
        con_dialog_open(c, name);
    else
        con_wizard_open(c, name);
    free(name);
}

static void
cmd_open(struct console *c, struct view *v, const char *arg, int data)
{
    const char *id = selected(c, v);

    (void)arg;
    (void)data;
    if (v->kind == V_EVAC && id[0] == '\0') {
        con_evac_enter(c, v); /* a plan that moves nothing starts too */
    } else if (id[0] == '\0') {
        con_set_status(c, false, "nothing selected");
    } else if (v->kind == V_VMS) {
        const struct job_view *j = con_job_of_vm(c, id);

        if (j == NULL)
            con_set_status(c, false, "%s has no migration: m starts one", id);
        else
            con_open_dashboard(c, j->id);
    } else if (v->kind == V_JOBS) {
        con_open_dashboard(c, atol(id));
    } else if (v->kind == V_EVAC) {
        con_evac_enter(c, v);
    } else if (v->kind == V_LOGS) {
        size_t i = (size_t)atoi(id);

        if (i < c->n_logs && c->logs[i].ok)
            con_replay_open(c, c->logs[i].path);
        else if (i < c->n_logs)
            con_set_status(c, true, "%s: %s", c->logs[i].path,
                       c->logs[i].error);
    } else {
        con_set_status(c, false, "nothing to open in the %s: Enter opens a "
                   "VM's or a job's dashboard, a flight log's replay",
                   v->cls->where);
    }
}

static void
cmd_filter(struct console *c, struct view *v, const char *arg, int data)
{
    (void)data;
    if (*arg != '\0') {
        con_set_filter(v, arg);
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
    con_ready_table(c, v);
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
        con_set_status(c, true, "%s%s%s: sort by one of %s (or next, prev)",
                   *arg ? "no column " : ":sort needs a column", arg,
                   *arg ? " here" : "", names);
        free(names);
        return;
    }
    v->sort_col = col;
    con_set_status(c, false, "sorted by %s", t->cols[col].title);
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
    con_set_sel(v, ""); /* by position until the next arrange */
}

/* The migration a command is about: a VM named, else the dashboard's, the
 * selected VM's or the selected job. NULL (said why) when there is none. */
static const struct job_view *
job_target(struct console *c, struct view *v, const char *vm,
           const char *cmd)
{
    const struct job_view *j = NULL;

    if (vm != NULL && *vm != '\0') {
        if ((j = con_job_of_vm(c, vm)) == NULL)
            con_set_status(c, true, ":%s: %s has no migration", cmd, vm);
        return j;
    }
    if (v->kind == V_DASH)
        j = con_job_by_id(c, v->job);
    else if (v->kind == V_VMS && selected(c, v)[0] != '\0')
        j = con_job_of_vm(c, v->sel_id);
    else if (v->kind == V_JOBS && selected(c, v)[0] != '\0')
        j = con_job_by_id(c, atol(v->sel_id));
    if (j == NULL)
        con_set_status(c, true, ":%s: which migration? open its dashboard, or "
                   ":%s VM", cmd, cmd);
    return j;
}

/* Can ferry steer j now? Says why not. */
static bool
steerable(struct console *c, const struct job_view *j, bool external_ok)
{
    if (job_view_ended(j)) {
        con_set_status(c, true, "%s: the migration has ended", j->vm);
        return false;
    }
    if (!external_ok && j->external && !j->taken_over) {
        con_set_status(c, true, "%s: not ferry's migration (T takes it over)",
                   j->vm);
        return false;
    }
    return true;
}

static void
cmd_abort(struct console *c, struct view *v, const char *arg, int data)
{
    const struct job_view *j;

    (void)data;
    if (v->kind == V_EVAC && *arg == '\0') { /* the whole evacuation */
        con_evac_ask_abort(c, v);
        return;
    }
    j = job_target(c, v, arg, "abort");
    if (j != NULL && steerable(c, j, true))
        con_ask(c, C_ABORT, j->id, "abort this migration%s%s? the VM stays on "
            "its source (y/n)", v->kind == V_DASH ? "" : " of ",
            v->kind == V_DASH ? "" : j->vm);
}

static void
cmd_switchover(struct console *c, struct view *v, const char *arg, int data)
{
    const struct job_view *j = job_target(c, v, arg, "switchover");

    (void)data;
    if (j != NULL && steerable(c, j, false))
        con_ask(c, C_SWITCH, j->id, "switch over %s now, whatever the downtime? "
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
        con_set_status(c, true, "%s: ferry steers this one already", j->vm);
    else
        con_ask(c, C_TAKE, j->id, "take this migration over? ferry steers it "
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
        con_set_status(c, true, ":budget needs milliseconds: 300, +50 or -50");
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
        con_set_status(c, true, "%s", err.msg);
    else
        con_set_status(c, false, "%s: downtime budget %llu ms", j->vm,
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
        con_set_status(c, true, "%s", err.msg);
    else
        con_set_status(c, false, "%s: post-copy requested", j->vm);
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
        con_set_status(c, true, ":throttle needs a percentage: 30, or +10");
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
        con_set_status(c, true, "%s", err.msg);
    else
        con_set_status(c, false, "%s: throttle %llu%%", j->vm,
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
        con_set_status(c, true, "%s is not queued%s", j->vm,
                   !job_view_ended(j) && how == Q_CANCEL
                       ? ": abort it from its dashboard (a)"
                       : "");
        return;
    }
    if (how == Q_CANCEL) {
        if (c->o.ops->act(c->o.ops_ctx, id, ACT_ABORT, 0, &err) < 0) {
            con_set_status(c, true, "%s", err.msg);
        } else {
            con_seen_set(c, id, JOB_ENDED);
            con_set_status(c, false, "%s: removed from the queue", j->vm);
        }
        return;
    }
    if (c->o.ops->queue_move(c->o.ops_ctx, id, how, &err) < 0)
        con_set_status(c, false, "%s", err.msg);
    else if ((j = con_job_by_id(c, id)) != NULL)
        con_set_status(c, false, "%s is now #%d in the queue", j->vm,
                   j->queue_pos);
}

/* The host a command is about: named, else the selected one in the
 * hosts, else the evacuation's. NULL (said why) when there is none. */
static const char *
host_arg(struct console *c, struct view *v, const char *arg, const char *cmd)
{
    if (*arg != '\0')
        return arg;
    if (v->kind == V_HOSTS && selected(c, v)[0] != '\0')
        return v->sel_id;
    if (v->kind == V_EVAC)
        return con_evac_host(v);
    con_set_status(c, true, ":%s needs a host name (or select one in the "
                   "hosts)", cmd);
    return NULL;
}

static void
cmd_evacuate(struct console *c, struct view *v, const char *arg, int data)
{
    const char *host = host_arg(c, v, arg, "evacuate");
    char *name;

    (void)data;
    if (host == NULL)
        return;
    name = xstrdup(host); /* the views below may go */
    con_evacuate(c, name);
    free(name);
}

/* :maintenance [HOST] [on|off]: without on or off, the other state. */
static void
cmd_maintenance(struct console *c, struct view *v, const char *arg, int data)
{
    const char *sp = strrchr(arg, ' '), *last = sp ? sp + 1 : arg, *host;
    int want = strcmp(last, "on") == 0 ? 1 : strcmp(last, "off") == 0 ? 0 : -1;
    char *named = xstrndup(arg, want < 0 ? strlen(arg)
                                         : (size_t)(last - arg));
    const struct model_host *h;
    const struct evac_view *e;
    struct ferry_err err;

    (void)data;
    str_trim(named);
    if ((host = host_arg(c, v, named, "maintenance")) == NULL)
        goto done;
    if ((h = model_host(c->o.hv->model, host)) == NULL) {
        con_set_status(c, true, "no host named %s", host);
        goto done;
    }
    if (want < 0)
        want = !h->maintenance;
    e = con_evac_of_host(c, h->name);
    if (!want && v->kind == V_EVAC && e != NULL && !con_evac_is_over(e)) {
        con_set_status(c, true, "%s is being evacuated: maintenance ends "
                       "once the evacuation has (a aborts it)", h->name);
        goto done;
    }
    err.msg[0] = '\0';
    if (c->o.ops->maintenance == NULL)
        con_set_status(c, true, "maintenance is the ferry server's: this "
                       "console has none to ask");
    else if (c->o.ops->maintenance(c->o.ops_ctx, h->name, want, &err) < 0)
        con_set_status(c, true, "%s", err.msg);
    else if (want)
        con_set_status(c, false, "%s is in maintenance: it takes no new VMs "
                       "(M ends it)", h->name);
    else
        con_set_status(c, false, "%s: maintenance ended, it takes VMs again",
                       h->name);
done:
    free(named);
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
        con_set_status(c, true, "no theme named %s", *arg ? arg : "(none)");
    } else if (theme_load(&th, path, warn, sizeof warn, &err) < 0) {
        con_set_status(c, true, "%s", err.msg);
    } else {
        ui_term_apply(c->t, &th);
        if (warn[0])
            con_set_status(c, true, "%s", warn);
        else
            con_set_status(c, false, "theme %s", th.name);
    }
    free(path);
}

static void
cmd_back(struct console *c, struct view *v, const char *arg, int data)
{
    (void)arg;
    (void)data;
    if (con_is_table(v) && v->filter[0] != '\0')
        con_set_filter(v, "");
    else
        con_pop(c);
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
    if (!detach && (con_running_jobs(c) > 0 || con_jobs_in(c, JOB_QUEUED) > 0))
        con_ask(c, C_QUIT, 0, "migrations run in the server: d (Enter) "
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
    {"evacuate", NULL, "[HOST]", SC_ANY, cmd_evacuate, 0,
     "empty a host (the selected one) for maintenance: the plan first, "
     "Enter starts it, then its dashboard"},
    {"maintenance", NULL, "[HOST] [on|off]", SC_ANY, cmd_maintenance, 0,
     "a host (the selected one) in or out of maintenance (no argument: "
     "the other state); in maintenance it takes no new VMs"},
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
    {SC(V_HOSTS), {'e'}, "e", "evacuate", "e evacuate", NULL},
    /* no hint: the hosts' line is full (the host's line says M) */
    {SC(V_HOSTS), {'M'}, "M", "maintenance", NULL,
     "the selected host in or out of maintenance"},
    {SC(V_EVAC), {'\r', '\n', KEY_ENTER}, "Enter", "open", NULL,
     "the plan: start the evacuation; its dashboard: the selected move's "
     "migration dashboard"},
    {SC(V_EVAC), {'a'}, "a", "abort", NULL,
     "abort the evacuation (asks first): what waits is cancelled, what "
     "runs is aborted"},
    {SC(V_EVAC), {'M'}, "M", "maintenance off", NULL,
     "end the host's maintenance once the evacuation has ended"},
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
            return con_classes[k]->where;
    return "some views";
}

void
console_command(struct console *c, const char *line)
{
    const char *arg;
    char *name = first_word(line + strspn(line, " \t:"), &arg);
    const struct command *cmd = command_named(name);
    struct view *v = con_top(c);
    char *a;

    if (name[0] == '\0') {
        free(name);
        return;
    }
    if (cmd == NULL) {
        con_set_status(c, true, "unknown command :%s (:help lists them)", name);
    } else if ((cmd->scope & SC(v->kind)) == 0) {
        con_set_status(c, true, ":%s works in %s, not here", cmd->name,
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
const struct binding *
con_binding_for(const struct view *v, int key)
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

const char *
con_binding_command(const struct binding *b)
{
    return b->command;
}

/* The hints line from the key table: the view's own keys first, then
 * those of every list and every view, whole hints while they fit. */
const char *
con_table_hints(struct console *c, struct view *v)
{
    size_t len = 0, cap = 0;
    char *h = NULL;
    bool queued = con_jobs_in(c, JOB_QUEUED) > 0;

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
    con_ready_table(c, v);
    con_draw_table(c, v, y, h - 1);
    con_blank_line(c, y + h - 1);
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
    m = con_dialog_keymap(&n);
    help_keymap(t, 2, "dialog", m, n);
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


const struct view_class con_help_class = {
    .kind = V_HELP, .title = "Help", .where = "help",
    .cols = help_cols, .n_cols = ARRAY_SIZE(help_cols),
    .rows = rows_help, .rows_sig = con_sig_none, .draw = draw_help,
};
