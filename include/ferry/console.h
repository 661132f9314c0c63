/* The console: views over the inventory and the jobs, driven by keys and
 * timers from the app's poll loop. */
#ifndef FERRY_CONSOLE_H
#define FERRY_CONSOLE_H

#include <stdbool.h>
#include <stdint.h>

#include "ferry/policy.h"
#include "ferry/hv.h"
#include "ferry/queue.h"
#include "ferry/ui.h"

struct console;
struct loop;

struct console_opts {
    struct hv *hv;
    const struct policy_set *policies;
    const char *source_label; /* "demo datacenter", a file name, ... */
    const char *note;         /* shown in the header, e.g. why the demo */
    const char *log_dir;      /* NULL: the default */
    uint64_t default_budget_ms;
    const char *default_policy;
    bool no_log;
    /* limits of the concurrency queue (NULL: vSphere's defaults) */
    const struct queue_cfg *queue;
    /* the poll loop, woken by worker threads (a what-if) */
    struct loop *loop;
};

/* Caller frees with console_free. The terminal must be initialised. */
struct console *console_new(struct ui_term *t, const struct console_opts *o);
void console_free(struct console *c);
/* Handle one key (curses key code or character). */
void console_key(struct console *c, int key);
/* Advance running migrations to wall time now_ms. */
void console_tick(struct console *c, uint64_t now_ms);
/* Milliseconds until console_tick is next needed; -1 when idle. */
int console_timeout_ms(const struct console *c, uint64_t now_ms);
/* Draw if anything changed (or force); returns true if it drew. */
bool console_draw(struct console *c, bool force);
bool console_quit(const struct console *c);
/* Mark everything for redraw (resize). */
void console_invalidate(struct console *c);
/* Show a message on the status line. */
void console_status(struct console *c, bool error, const char *msg);
/* For tests: run a ':' command. */
void console_command(struct console *c, const char *cmd);

#endif
