/* Typed JSON field access (see jsonf.h). */
#include "ferry/jsonf.h"

#include <string.h>

/* The member, or NULL when absent or null; 0 or -1 like the callers. */
static int
member(json_object *o, const char *key, bool required, json_object **v,
       struct ferry_err *err)
{
    *v = NULL;
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        err_set(err, "not an object (looking for \"%s\")", key);
        return -1;
    }
    if (!json_object_object_get_ex(o, key, v) || *v == NULL) {
        *v = NULL;
        if (required) {
            err_set(err, "\"%s\" is missing", key);
            return -1;
        }
        return 0;
    }
    return 1;
}

int
jf_str(json_object *o, const char *key, bool required, const char **out,
       struct ferry_err *err)
{
    json_object *v;
    int r = member(o, key, required, &v, err);

    if (r <= 0)
        return r;
    if (!json_object_is_type(v, json_type_string) ||
        json_object_get_string_len(v) == 0) {
        err_set(err, "\"%s\" must be a non-empty string", key);
        return -1;
    }
    *out = json_object_get_string(v);
    return 1;
}

int
jf_strdup(json_object *o, const char *key, bool required, char **out,
          struct ferry_err *err)
{
    const char *s;
    int r = jf_str(o, key, required, &s, err);

    if (r == 1) {
        free(*out);
        *out = xstrdup(s);
    }
    return r;
}

int
jf_i64(json_object *o, const char *key, bool required, int64_t *out,
       struct ferry_err *err)
{
    json_object *v;
    int r = member(o, key, required, &v, err);

    if (r <= 0)
        return r;
    if (!json_object_is_type(v, json_type_int)) {
        err_set(err, "\"%s\" must be a whole number", key);
        return -1;
    }
    *out = json_object_get_int64(v);
    return 1;
}

int
jf_u64(json_object *o, const char *key, bool required, uint64_t *out,
       struct ferry_err *err)
{
    json_object *v;
    int r = member(o, key, required, &v, err);

    if (r <= 0)
        return r;
    if (!json_object_is_type(v, json_type_int) ||
        json_object_get_int64(v) < 0) {
        err_set(err, "\"%s\" must be a whole number, 0 or more", key);
        return -1;
    }
    /* json-c keeps numbers above INT64_MAX unsigned */
    *out = json_object_get_uint64(v);
    return 1;
}

int
jf_bool(json_object *o, const char *key, bool required, bool *out,
        struct ferry_err *err)
{
    json_object *v;
    int r = member(o, key, required, &v, err);

    if (r <= 0)
        return r;
    if (!json_object_is_type(v, json_type_boolean)) {
        err_set(err, "\"%s\" must be true or false", key);
        return -1;
    }
    *out = json_object_get_boolean(v);
    return 1;
}

int
jf_double(json_object *o, const char *key, bool required, double *out,
          struct ferry_err *err)
{
    json_object *v;
    int r = member(o, key, required, &v, err);

    if (r <= 0)
        return r;
    if (!json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double)) {
        err_set(err, "\"%s\" must be a number", key);
        return -1;
    }
    *out = json_object_get_double(v);
    return 1;
}

static int
typed(json_object *o, const char *key, bool required, json_object **out,
      json_type t, const char *what, struct ferry_err *err)
{
    json_object *v;
    int r = member(o, key, required, &v, err);

    if (r <= 0)
        return r;
    if (!json_object_is_type(v, t)) {
        err_set(err, "\"%s\" must be %s", key, what);
        return -1;
    }
    *out = v;
    return 1;
}

int
jf_obj(json_object *o, const char *key, bool required, json_object **out,
       struct ferry_err *err)
{
    return typed(o, key, required, out, json_type_object, "an object", err);
}

int
jf_array(json_object *o, const char *key, bool required, json_object **out,
         struct ferry_err *err)
{
    return typed(o, key, required, out, json_type_array, "an array", err);
}

void
jf_add_str(json_object *o, const char *key, const char *v)
{
    if (v != NULL)
        json_object_object_add(o, key, json_object_new_string(v));
}

void
jf_add_u64(json_object *o, const char *key, uint64_t v)
{
    if (v != 0)
        json_object_object_add(o, key, json_object_new_uint64(v));
}

void
jf_add_bool(json_object *o, const char *key, bool v)
{
    if (v)
        json_object_object_add(o, key, json_object_new_boolean(1));
}

json_object *
jf_strv_new(char *const *v, size_t n)
{
    json_object *a = json_object_new_array();

    for (size_t i = 0; i < n; i++)
        json_object_array_add(a, json_object_new_string(v[i]));
    return a;
}
