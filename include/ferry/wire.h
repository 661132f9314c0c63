/* What travels between the server and its clients besides job records,
 * in JSON: the inventory (every field of the model, so a console draws
 * from a copy of it exactly as from the backend's), pre-flight results,
 * a backend's plan for a move, and a question for the operator. Each
 * writer has a reader that gives back the same data, or an error naming
 * the field. */
#ifndef FERRY_WIRE_H
#define FERRY_WIRE_H

#include <json-c/json.h>

#include "ferry/checks.h"
#include "ferry/hv.h"
#include "ferry/model.h"

/* The inventory; a VM's workload words come from hv's workload op when
 * it has one. Caller puts. */
json_object *wire_model(const struct hv *hv);
/* Read it into m (initialised here; model_fini frees it). -1 with err. */
int wire_model_read(json_object *o, struct model *m, struct ferry_err *err);
/* The workload word and dirty rate wire_model recorded for a VM (NULL
 * when none). */
const char *wire_model_workload(json_object *model, long hint, const char *vm,
                                uint64_t *dirty_bps);

/* Pre-flight results (the flight log's form). */
json_object *wire_checks(const struct check_result *r, size_t n);
/* Read up to max results; check names are kept for the process's life.
 * Returns the count, or -1 with err. */
int wire_checks_read(json_object *a, struct check_result *out, size_t max,
                     struct ferry_err *err);

json_object *wire_mig_params(const struct hv_mig_params *p);
/* Strings stay borrowed from o. */
int wire_mig_params_read(json_object *o, struct hv_mig_params *p,
                         struct ferry_err *err);
json_object *wire_plan(const struct hv_plan *p);
int wire_plan_read(json_object *o, struct hv_plan *p, struct ferry_err *err);

json_object *wire_prompt(const struct hv_prompt *p);
const char *wire_prompt_kind_name(enum hv_prompt_kind k);

#endif
