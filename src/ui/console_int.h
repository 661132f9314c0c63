/* The console's parts: the screen manager (console.c), the views
 * (console_views.c) and the commands with the key table (console_cmd.c).
 * Inside ui/ only. */
#ifndef FERRY_UI_CONSOLE_INT_H
#define FERRY_UI_CONSOLE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ferry/checks.h"
#include "ferry/console.h"
#include "ferry/engine.h"
#include "ferry/table.h"
#include "keymap.h"

enum view_kind {
    V_HOSTS, V_VMS, V_DS, V_JOBS, V_LOGS, V_HELP, V_DASH, V_DIALOG,
    V_WIZARD, V_REPLAY, V_EVAC, V_COUNT
};

/* Where a key or a command works: one bit per kind of view. */
#define SC(k) (1u << (k))
#define SC_TABLES                                                            \
    (SC(V_HOSTS) | SC(V_VMS) | SC(V_DS) | SC(V_JOBS) | SC(V_LOGS) |          \
     SC(V_HELP) | SC(V_EVAC))
#define SC_ANY (~0u)

/* What a view's key handler did with a key. */
enum vr {
    VR_IGNORED, /* not its key: the key table's turn */
    VR_DONE,    /* taken; the manager redraws */
    VR_CLOSE,   /* taken, and the view is done: the manager pops it */
};

struct dialog;
struct evac_ui;
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
    struct evac_ui *ev;    /* V_EVAC */
};

struct dialog {
    char *vm;
    int host, ds, policy;
    enum job_kind kind;
    uint64_t budget_ms;
    int field;
    char budget_text[16]; /* up to 60000 typed */
    struct checks ck; /* the pre-flight checks of the choice */
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

enum confirm_what { C_ABORT, C_SWITCH, C_QUIT, C_START, C_TAKE, C_EVAC_ABORT };

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

/* The view classes, by kind. */
extern const struct view_class *const con_classes[V_COUNT];
extern const struct view_class con_help_class;

/* console.c */
size_t con_n_jobs(const struct console *c);
const struct job_view *con_job_at(const struct console *c, size_t i);
const struct job_view *con_job_by_id(const struct console *c, long id);
struct view *con_top(const struct console *c);
bool con_is_table(const struct view *v);
void con_set_status(struct console *c, bool error, const char *fmt, ...)
    FERRY_PRINTF(3, 4);
void con_set_sel(struct view *v, const char *id);
void con_set_filter(struct view *v, const char *f);
struct view *con_push(struct console *c, enum view_kind k);
void con_pop(struct console *c);
void con_go_list(struct console *c, enum view_kind k);
size_t con_jobs_in(const struct console *c, enum job_state st);
int con_running_jobs(const struct console *c);
const struct job_view *con_job_of_vm(const struct console *c, const char *vm);
uint64_t con_jobs_signature(const struct console *c);
void con_seen_set(struct console *c, long id, enum job_state st);
void con_ask(struct console *c, enum confirm_what w, long job,
             const char *fmt, ...) FERRY_PRINTF(4, 5);

/* console_views.c */
void con_open_dashboard(struct console *c, long id);
void con_start_job(struct console *c, struct dialog *d);
void con_wizard_open(struct console *c, const char *vm);
void con_dialog_open(struct console *c, const char *vm);
void con_ready_table(struct console *c, struct view *v);
void con_draw_table(struct console *c, struct view *v, int y, int h);
uint64_t con_sig_none(const struct console *c, const struct view *v);
void con_blank_line(struct console *c, int y);
void con_logs_open(struct console *c);
void con_replay_open(struct console *c, const char *path);
const struct keymap *con_dialog_keymap(size_t *n);

/* evac_view.c: an evacuation's plan, then its dashboard */
extern const struct view_class con_evac_class;
struct evac_view;
/* The plan for emptying host (asks the jobs' owner), or the dashboard of
 * the host's evacuation when one runs. */
void con_evacuate(struct console *c, const char *host);
/* The newest evacuation of host the owner has, or NULL. */
const struct evac_view *con_evac_of_host(const struct console *c,
                                         const char *host);
bool con_evac_is_over(const struct evac_view *e);
/* The host an evacuation view is about. */
const char *con_evac_host(const struct view *v);
/* The evacuation a V_EVAC view shows (NULL: none yet). */
const struct evac_view *con_evac_shown(const struct console *c,
                                       const struct view *v);
/* Enter: the plan starts; on the dashboard, the move's own dashboard. */
void con_evac_enter(struct console *c, struct view *v);
/* a: asks before aborting the view's evacuation; then con_evac_abort. */
void con_evac_ask_abort(struct console *c, struct view *v);
void con_evac_abort(struct console *c, long id);

/* console_cmd.c */
struct binding;
const struct binding *con_binding_for(const struct view *v, int key);
/* The command a binding runs. */
const char *con_binding_command(const struct binding *b);
const char *con_table_hints(struct console *c, struct view *v);

#endif
