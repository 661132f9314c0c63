/* Flight logs: one JSON object per line (JSON Lines), written as the
 * migration runs so that a log cut short is still readable up to its last
 * line. The format is documented in README.md ("Flight log format"). */
#ifndef FERRY_FLIGHTLOG_H
#define FERRY_FLIGHTLOG_H

#include <json-c/json.h>
#include <stdio.h>

#include "ferry/checks.h"
#include "ferry/engine.h"
#include "ferry/sample.h"
#include "ferry/util.h"

#define FLOG_FORMAT "ferry-flightlog"
#define FLOG_VERSION 1

struct flog;

/* Create the file (and its directory). Caller closes. */
struct flog *flog_open(const char *path, struct ferry_err *err);
/* Open an existing log to go on writing it (a migration adopted by a new
 * server). Caller closes. */
struct flog *flog_open_append(const char *path, struct ferry_err *err);
/* Write one object as a line and flush it. */
int flog_write(struct flog *f, json_object *obj);
int flog_close(struct flog *f);
const char *flog_path(const struct flog *f);

/* $XDG_STATE_HOME/ferry/logs (or ~/.local/state/ferry/logs). Caller frees. */
char *flog_default_dir(void);

json_object *flog_sample_json(const struct job_sample *s, enum job_phase ph,
                              const struct estimate *e,
                              const struct prediction *p);
json_object *flog_decision_json(const struct decision *d);
json_object *flog_phase_json(uint64_t t_ms, enum job_phase from,
                             enum job_phase to);
json_object *flog_prediction_json(const struct prediction *p);
json_object *flog_checks_json(const struct check_result *r, size_t n);

#endif
