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

/* Text written directly, for messages too large to build as objects (a
 * datacenter's inventory): always NUL-terminated. */
struct wire_buf {
    char *p;
    size_t len, cap;
};

void wire_buf_fini(struct wire_buf *b);
void wire_buf_put(struct wire_buf *b, const char *s, size_t n);
void wire_buf_str(struct wire_buf *b, const char *s); /* a JSON string */
void wire_buf_u64(struct wire_buf *b, uint64_t v);

/* The inventory as JSON text appended to b; a VM's workload words come
 * from hv's workload op when it has one. Each item's name comes first. */
void wire_model_write(const struct hv *hv, struct wire_buf *b);
/* The same as objects (tests, small tools). Caller puts. */
json_object *wire_model(const struct hv *hv);

/* A VM's workload as the inventory carried it (word NULL: none). */
struct wire_workload {
    char *word;
    uint64_t dirty_bps;
};

void wire_workloads_free(struct wire_workload *wl, size_t n);
/* Read the inventory from its text into m (initialised here; model_fini
 * frees it) without building objects; with wl, each VM's workload too
 * (m->n_vms of them; caller frees with wire_workloads_free). An item's
 * name must come first in it. -1 with err. */
int wire_model_parse(const char *s, size_t n, struct model *m,
                     struct wire_workload **wl, struct ferry_err *err);
/* The same from objects. */
int wire_model_read(json_object *o, struct model *m, struct ferry_err *err);
/* A message line with a "model" member: the inventory is read into m (and
 * wl) as wire_model_parse does, and rest is the line with "model":{} in
 * its place, for proto_parse. 1 when done, 0 when the line has no such
 * member (or is not an object: let proto_parse say what is wrong), -1
 * with err when the inventory cannot be read. */
int wire_msg_take_model(const char *line, size_t len, struct wire_buf *rest,
                        struct model *m, struct wire_workload **wl,
                        struct ferry_err *err);

/* Pre-flight results (the flight log's form). */
json_object *wire_checks(const struct check_result *r, size_t n);
/* Read the results into out (cleared first); check names are kept for
 * the process's life. Returns the count, or -1 with err. */
int wire_checks_read(json_object *a, struct checks *out,
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
