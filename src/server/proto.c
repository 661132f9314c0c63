/* The protocol's lines and messages (see proto.h). */
#include "ferry/proto.h"

#include <stdlib.h>
#include <string.h>

#include "ferry/jsonf.h"

/* ---- lines ----------------------------------------------------------------
 */

void
proto_reader_init(struct proto_reader *r)
{
    memset(r, 0, sizeof *r);
}

void
proto_reader_fini(struct proto_reader *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

void
proto_reader_feed(struct proto_reader *r, const char *data, size_t n)
{
    if (n == 0)
        return;
    /* what was taken already goes first, so the buffer does not creep */
    if (r->start > 0 && r->start >= r->len / 2) {
        memmove(r->buf, r->buf + r->start, r->len - r->start);
        r->len -= r->start;
        r->start = 0;
    }
    r->buf = xgrow(r->buf, &r->cap, r->len + n + 1, 1);
    memcpy(r->buf + r->len, data, n);
    r->len += n;
    r->buf[r->len] = '\0';
}

char *
proto_reader_next(struct proto_reader *r, size_t *len, bool *overlong)
{
    size_t max = r->max ? r->max : PROTO_MAX_LINE;

    *overlong = false;
    for (;;) {
        char *s = r->buf ? r->buf + r->start : NULL;
        size_t avail = r->len - r->start;
        char *nl = s ? memchr(s, '\n', avail) : NULL;

        if (nl == NULL) {
            if (avail > max) {
                /* drop it as it comes, and say so once, at its end */
                r->too_long += avail;
                r->skipping = true;
                r->start = r->len = 0;
            }
            return NULL;
        }
        r->start += (size_t)(nl - s) + 1;
        if (r->skipping || (size_t)(nl - s) > max) {
            r->skipping = false;
            r->too_long = 0;
            *overlong = true;
            return NULL;
        }
        *nl = '\0';
        *len = (size_t)(nl - s);
        if (*len > 0 && s[*len - 1] == '\r')
            s[--*len] = '\0';
        if (*len == 0)
            continue; /* blank lines are nothing */
        return s;
    }
}

size_t
proto_reader_pending(const struct proto_reader *r)
{
    return r->len - r->start + r->too_long;
}

/* ---- messages ------------------------------------------------------------ */

static const char *const type_names[PT_COUNT] = {
    [PT_HELLO] = "hello",     [PT_REQUEST] = "request",
    [PT_WELCOME] = "welcome", [PT_REPLY] = "reply",
    [PT_MODEL] = "model",     [PT_JOB] = "job",
    [PT_RECORD] = "record",   [PT_STATUS] = "status",
    [PT_PROMPT] = "prompt",   [PT_PROMPT_GONE] = "prompt_gone",
    [PT_ERROR] = "error",     [PT_BYE] = "bye",
    [PT_CHECKS] = "checks",   [PT_EVAC] = "evac",
};

const char *
proto_type_name(enum proto_type t)
{
    return (unsigned)t < PT_COUNT ? type_names[t] : "?";
}

void
proto_msg_fini(struct proto_msg *m)
{
    json_object_put(m->obj);
    memset(m, 0, sizeof *m);
}

/* What each type must carry. */
static int
check_fields(struct proto_msg *m, struct ferry_err *err)
{
    json_object *o = m->obj, *v;
    int64_t ver;

    switch (m->type) {
    case PT_HELLO:
    case PT_WELCOME:
        if (jf_i64(o, "protocol", true, &ver, err) < 0)
            return -1;
        if (ver != PROTO_VERSION) {
            err_set(err,
                    "protocol version %lld; this ferry speaks version "
                    "%d",
                    (long long)ver, PROTO_VERSION);
            return -1;
        }
        return 0;
    case PT_REQUEST:
        if (jf_i64(o, "id", true, &m->id, err) < 0 ||
            jf_str(o, "cmd", true, &m->cmd, err) < 0)
            return -1;
        if (m->id < 0) {
            err_set(err, "\"id\" must be 0 or more");
            return -1;
        }
        return 0;
    case PT_REPLY:
        if (jf_i64(o, "id", true, &m->id, err) < 0 ||
            jf_bool(o, "ok", true, &m->ok, err) < 0)
            return -1;
        if (!m->ok && jf_str(o, "error", true, &m->error, err) < 0)
            return -1;
        return 0;
    case PT_ERROR:
        return jf_str(o, "error", true, &m->error, err) < 0 ? -1 : 0;
    case PT_MODEL:
        return jf_obj(o, "model", true, &v, err) < 0 ? -1 : 0;
    case PT_JOB:
        return jf_obj(o, "job", true, &v, err) < 0 ? -1 : 0;
    case PT_RECORD:
        if (jf_i64(o, "job", true, &m->id, err) < 0 ||
            jf_obj(o, "record", true, &v, err) < 0)
            return -1;
        return 0;
    case PT_PROMPT:
        return jf_obj(o, "prompt", true, &v, err) < 0 ? -1 : 0;
    case PT_PROMPT_GONE:
        return jf_i64(o, "id", true, &m->id, err) < 0 ? -1 : 0;
    case PT_STATUS:
        return jf_str(o, "message", true, &m->error, err) < 0 ? -1 : 0;
    case PT_BYE:
        return 0;
    case PT_CHECKS: {
        int64_t index;

        if (jf_i64(o, "id", true, &m->id, err) < 0 ||
            jf_i64(o, "index", true, &index, err) < 0 ||
            jf_array(o, "checks", true, &v, err) < 0)
            return -1;
        if (index < 0) {
            err_set(err, "\"index\" must be 0 or more");
            return -1;
        }
        return 0;
    }
    case PT_EVAC:
        return jf_obj(o, "evac", true, &v, err) < 0 ? -1 : 0;
    case PT_COUNT:
        break;
    }
    return -1;
}

int
proto_parse(const char *line, size_t len, struct proto_msg *m,
            struct ferry_err *err)
{
    json_tokener *tok;
    const char *type = NULL;
    struct ferry_err why;

    memset(m, 0, sizeof *m);
    if (len > PROTO_MAX_LINE) {
        err_set(err, "a line of %zu bytes is too long", len);
        return -1;
    }
    tok = json_tokener_new();
    m->obj = json_tokener_parse_ex(tok, line, (int)len);
    if (m->obj != NULL) {
        size_t end = json_tokener_get_parse_end(tok);

        while (end < len &&
               (line[end] == ' ' || line[end] == '\t' || line[end] == '\r'))
            end++;
        if (end < len) {
            err_set(err, "not JSON: more after the object");
            json_tokener_free(tok);
            proto_msg_fini(m);
            return -1;
        }
    }
    if (m->obj == NULL) {
        enum json_tokener_error e = json_tokener_get_error(tok);

        err_set(err, "not JSON: %s",
                e == json_tokener_continue ? "the line ends inside the object"
                                           : json_tokener_error_desc(e));
        json_tokener_free(tok);
        proto_msg_fini(m);
        return -1;
    }
    json_tokener_free(tok);
    if (!json_object_is_type(m->obj, json_type_object)) {
        err_set(err, "a message is a JSON object, not %s",
                json_type_to_name(json_object_get_type(m->obj)));
        proto_msg_fini(m);
        return -1;
    }
    if (jf_str(m->obj, "type", true, &type, &why) < 0) {
        err_set(err, "%s", why.msg);
        proto_msg_fini(m);
        return -1;
    }
    m->type = PT_COUNT;
    for (int t = 0; t < PT_COUNT; t++)
        if (strcmp(type_names[t], type) == 0)
            m->type = (enum proto_type)t;
    if (m->type == PT_COUNT) {
        err_set(err, "unknown message type \"%.60s\"", type);
        proto_msg_fini(m);
        return -1;
    }
    if (check_fields(m, &why) < 0) {
        err_set(err, "%s: %s", type_names[m->type], why.msg);
        proto_msg_fini(m);
        return -1;
    }
    return 0;
}

json_object *
proto_new(enum proto_type t)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "type",
                           json_object_new_string(proto_type_name(t)));
    return o;
}

json_object *
proto_hello(const char *client_kind)
{
    json_object *o = proto_new(PT_HELLO);

    json_object_object_add(o, "protocol", json_object_new_int(PROTO_VERSION));
    jf_add_str(o, "client", client_kind);
    return o;
}

json_object *
proto_request(int64_t id, const char *cmd)
{
    json_object *o = proto_new(PT_REQUEST);

    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "cmd", json_object_new_string(cmd));
    return o;
}

json_object *
proto_reply(int64_t id, bool ok, const char *error)
{
    json_object *o = proto_new(PT_REPLY);

    json_object_object_add(o, "id", json_object_new_int64(id));
    json_object_object_add(o, "ok", json_object_new_boolean(ok));
    if (!ok)
        json_object_object_add(o, "error",
                               json_object_new_string(error ? error : "?"));
    return o;
}

json_object *
proto_error(const char *error)
{
    json_object *o = proto_new(PT_ERROR);

    json_object_object_add(o, "error", json_object_new_string(error));
    return o;
}

char *
proto_line(json_object *o, size_t *len)
{
    size_t n;
    const char *s = json_object_to_json_string_length(
        o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    char *line = xmalloc(n + 2);

    memcpy(line, s, n);
    line[n] = '\n';
    line[n + 1] = '\0';
    if (len != NULL)
        *len = n + 1;
    return line;
}
