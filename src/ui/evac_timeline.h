/* An evacuation's timeline: `ferry replay FILE` on a summary log
 * (ferry/evacview.h reads it). A header (host, when, policy, budget, the
 * planned time until empty against the real one, moved/failed/left),
 * one row per move with a bar over the evacuation's time axis (the
 * plan's span and the real one), a time cursor moved by keys or played
 * at a speed, the events at the cursor, and the VMs that stayed with
 * their reasons. Enter opens the selected move's own flight log in the
 * replay (replay.h) over the timeline; q there comes back. */
#ifndef FERRY_UI_EVAC_TIMELINE_H
#define FERRY_UI_EVAC_TIMELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "ferry/evacview.h"
#include "ferry/ui.h"
#include "replay.h"

struct evac_tl;

/* Takes l (read from path: a move's relative "log" is resolved against
 * path's directory); ro is what a move's replay gets. Caller frees with
 * evac_tl_free. */
struct evac_tl *evac_tl_new(struct ui_term *t, struct evac_log *l,
                            const char *path, const struct replay_opts *ro);
void evac_tl_free(struct evac_tl *e);
/* A key (to the move's replay while one is open); false when not taken. */
bool evac_tl_key(struct evac_tl *e, int key, uint64_t now_ms);
/* Advance playback to wall time now_ms; true when the screen changed. */
bool evac_tl_tick(struct evac_tl *e, uint64_t now_ms);
/* Milliseconds until evac_tl_tick is needed; -1 when idle. */
int evac_tl_timeout_ms(const struct evac_tl *e, uint64_t now_ms);
/* The whole screen; true if it drew (nothing changed: nothing drawn). */
bool evac_tl_screen_draw(struct evac_tl *e, bool force);
void evac_tl_invalidate(struct evac_tl *e);
/* q on the timeline. */
bool evac_tl_closed(const struct evac_tl *e);

/* For tests: the cursor (ms from the start), the selected move (index
 * in the rows as drawn), whether a move's replay is open, the status
 * line's text. */
void evac_tl_seek(struct evac_tl *e, double t_ms);
void evac_tl_select(struct evac_tl *e, size_t row);
bool evac_tl_in_replay(const struct evac_tl *e);
const char *evac_tl_status(const struct evac_tl *e);

#endif
