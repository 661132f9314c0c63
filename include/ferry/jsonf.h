/* Fields of JSON objects read with their presence and type checked: the
 * protocol's messages and requests. An absent field or a JSON null is
 * "not given"; a field of the wrong type is an error naming it. */
#ifndef FERRY_JSONF_H
#define FERRY_JSONF_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "ferry/util.h"

/* A non-empty string (borrowed from o). Returns 1 when given, 0 when not
 * (an error when required), -1 with err when wrong. */
int jf_str(json_object *o, const char *key, bool required, const char **out,
           struct ferry_err *err);
/* The same, copied (caller frees *out; unchanged when not given). */
int jf_strdup(json_object *o, const char *key, bool required, char **out,
              struct ferry_err *err);
/* A whole number, 0 or more. */
int jf_u64(json_object *o, const char *key, bool required, uint64_t *out,
           struct ferry_err *err);
/* Any whole number. */
int jf_i64(json_object *o, const char *key, bool required, int64_t *out,
           struct ferry_err *err);
int jf_bool(json_object *o, const char *key, bool required, bool *out,
            struct ferry_err *err);
/* A number (whole or not). */
int jf_double(json_object *o, const char *key, bool required, double *out,
              struct ferry_err *err);
/* An object or array member (borrowed). */
int jf_obj(json_object *o, const char *key, bool required, json_object **out,
           struct ferry_err *err);
int jf_array(json_object *o, const char *key, bool required, json_object **out,
             struct ferry_err *err);

/* A JSON array of the strings (a new object). */
json_object *jf_strv_new(char *const *v, size_t n);

/* Add a field when it is given (v non-NULL / non-zero / true). */
void jf_add_str(json_object *o, const char *key, const char *v);
void jf_add_u64(json_object *o, const char *key, uint64_t v);
void jf_add_bool(json_object *o, const char *key, bool v);

#endif
