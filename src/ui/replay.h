/* Replaying a flight log: the migration dashboard fed from the log at a
 * position on a timeline, played at a speed or moved by keys; a summary;
 * what-if runs side by side. Used by `ferry replay FILE` on its own and by
 * the console's :logs. */
#ifndef FERRY_UI_REPLAY_H
#define FERRY_UI_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "ferry/flogread.h"
#include "ferry/policy.h"
#include "ferry/ui.h"

struct loop;

struct replay_opts {
    const struct policy_set *policies; /* what-if choices */
    struct loop *loop;                 /* woken when a what-if ends */
    uint64_t whatif_budget_ms;         /* 0: the log's */
};

struct replay;

/* Takes d. Caller frees with replay_free. */
struct replay *replay_new(struct ui_term *t, struct flog_data *d,
                          const struct replay_opts *o);
void replay_free(struct replay *r);
/* A key; false when the replay does not take it (the caller's: q, Esc on
 * the dashboard close it). */
bool replay_key(struct replay *r, int key, uint64_t now_ms);
/* Its keys while it plays (the help shows them). */
struct keymap;
const struct keymap *replay_keymap(size_t *n);
/* Advance playback to wall time now_ms; true when the screen changed. */
bool replay_tick(struct replay *r, uint64_t now_ms);
/* Milliseconds until replay_tick is needed; -1 when paused. */
int replay_timeout_ms(const struct replay *r, uint64_t now_ms);
/* Draw rows y .. y+h-1. */
void replay_draw(struct replay *r, int y, int h);
const char *replay_hints(const struct replay *r);
/* A message for the status line since the last call (or NULL). */
const char *replay_message(struct replay *r, bool *error);
const struct flog_data *replay_data(const struct replay *r);
/* Set the position (tests): job time in ms. */
void replay_seek(struct replay *r, uint64_t t_ms);
/* Open the summary (tests and --summary in the console). */
void replay_show_summary(struct replay *r);
/* Run a what-if with this policy now and show it (tests). */
bool replay_whatif(struct replay *r, const char *policy);
/* Start a what-if on a worker thread (Enter in the chooser); the replay
 * keeps answering keys, shows its progress, Esc cancels it, and
 * replay_tick shows the outcome when it ends. */
bool replay_whatif_start(struct replay *r, const char *policy);
bool replay_whatif_running(const struct replay *r);
/* The whole screen on its own (`ferry replay FILE`): title, body,
 * status and hints. Returns true if it drew. */
bool replay_screen_draw(struct replay *r, bool force);
void replay_invalidate(struct replay *r);
bool replay_closed(const struct replay *r);

#endif
