/* An evacuation as a client sees it: the evacuation object the server
 * sends (ferry/evac.h has its form) read into plain data, and a summary
 * log read whole (plan, events, result) for the replay's timeline. Pure
 * C over json-c. */
#ifndef FERRY_EVACVIEW_H
#define FERRY_EVACVIEW_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/util.h"

enum evac_move_state {
    EVM_PLANNED,
    EVM_QUEUED,
    EVM_RUNNING,
    EVM_DONE,
    EVM_FAILED,
    EVM_CANCELLED,
};
const char *evac_move_state_name(enum evac_move_state s);

struct evac_move_view {
    char *vm, *to, *ds, *kind, *how, *reason, *error, *log;
    char **tried;
    size_t n_tried;
    bool cold, converges;
    int order, attempt;
    long job;
    enum evac_move_state state;
    double start_ms, end_ms, predicted_ms, predicted_downtime_ms;
    double real_ms, real_downtime_ms;
};

struct evac_stay_view {
    char *vm, *reason;
    bool shutoff;
};

struct evac_view {
    long id;
    char *host, *state, *policy, *log;
    uint64_t budget_ms;
    bool include_shutoff, allow_storage;
    unsigned parallel;
    double planned_ms, elapsed_ms, predicted_end_ms;
    struct evac_move_view *moves;
    size_t n_moves;
    struct evac_stay_view *stays;
    size_t n_stays;
    char **remaining;
    size_t n_remaining;
    bool ended;    /* state "ended" with a result */
    bool empty;    /* the result: no VM that had to leave is left */
    unsigned moved, failed;
    struct evac_stay_view *left; /* the result's VMs left, with reasons */
    size_t n_left;
};

void evac_view_init(struct evac_view *v);
void evac_view_fini(struct evac_view *v);
/* v (fini'd first) becomes what o says; -1 with err naming the field. */
int evac_view_read(json_object *o, struct evac_view *v, struct ferry_err *err);
/* The move of a VM, or NULL. */
const struct evac_move_view *evac_view_move(const struct evac_view *v,
                                            const char *vm);

/* One step of a summary log. */
struct evac_event {
    double t_ms;
    char *vm, *event, *to, *log, *outcome, *error;
    long job;
    double real_ms, downtime_ms;
};

/* A summary log read whole. */
struct evac_log {
    char *host;
    int64_t unix_ms;
    struct evac_view plan;   /* as planned */
    struct evac_view result; /* as ended (has_result) */
    bool has_result;
    struct evac_event *events;
    size_t n_events;
};

/* -1 with err naming the file and line when it is not a summary log. */
int evac_log_read(const char *path, struct evac_log *out,
                  struct ferry_err *err);
void evac_log_fini(struct evac_log *l);
/* Whether the file's first line is an evac_header (for `ferry replay`). */
bool evac_log_is(const char *path);

#endif
