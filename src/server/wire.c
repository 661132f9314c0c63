/* JSON forms of the inventory, checks, plans and questions (wire.h). */
#include "ferry/wire.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/jsonf.h"

/* ---- small pieces -----------------------------------------------------------
 */

static void
add_i(json_object *o, const char *key, uint64_t v)
{
    json_object_object_add(o, key, json_object_new_uint64(v));
}

/* ---- text written directly --------------------------------------------- */

void
wire_buf_fini(struct wire_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void
wire_buf_put(struct wire_buf *b, const char *s, size_t n)
{
    b->p = xgrow(b->p, &b->cap, b->len + n + 1, 1);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
put_s(struct wire_buf *b, const char *s)
{
    wire_buf_put(b, s, strlen(s));
}

/* A JSON string; bytes from 0x80 up pass as they are (UTF-8). */
void
wire_buf_str(struct wire_buf *b, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const char *run = s;

    b->p = xgrow(b->p, &b->cap, b->len + strlen(s) + 3, 1);
    b->p[b->len++] = '"';
    for (;; s++) {
        unsigned char ch = (unsigned char)*s;
        char esc[7];
        size_t n = 2;

        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        wire_buf_put(b, run, (size_t)(s - run));
        run = s + 1;
        if (ch == '\0')
            break;
        esc[0] = '\\';
        switch (ch) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\t': esc[1] = 't'; break;
        case '\r': esc[1] = 'r'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[ch >> 4];
            esc[5] = hex[ch & 15];
            n = 6;
        }
        wire_buf_put(b, esc, n);
    }
    wire_buf_put(b, "\"", 1);
}

void
wire_buf_u64(struct wire_buf *b, uint64_t v)
{
    char tmp[24];
    size_t n = sizeof tmp;

    do
        tmp[--n] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    wire_buf_put(b, tmp + n, sizeof tmp - n);
}

/* ,"key": */
static void
key(struct wire_buf *b, const char *k, bool first)
{
    b->p = xgrow(b->p, &b->cap, b->len + strlen(k) + 5, 1);
    if (!first)
        b->p[b->len++] = ',';
    b->p[b->len++] = '"';
    memcpy(b->p + b->len, k, strlen(k));
    b->len += strlen(k);
    b->p[b->len++] = '"';
    b->p[b->len++] = ':';
    b->p[b->len] = '\0';
}

static void
kstr(struct wire_buf *b, const char *k, const char *v)
{
    if (v != NULL) {
        key(b, k, false);
        wire_buf_str(b, v);
    }
}

static void
ku64(struct wire_buf *b, const char *k, uint64_t v)
{
    key(b, k, false);
    wire_buf_u64(b, v);
}

static void
kbool(struct wire_buf *b, const char *k, bool v)
{
    key(b, k, false);
    put_s(b, v ? "true" : "false");
}

static void
kstrv(struct wire_buf *b, const char *k, char *const *v, size_t n)
{
    key(b, k, false);
    put_s(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            put_s(b, ",");
        wire_buf_str(b, v[i]);
    }
    put_s(b, "]");
}

/* ---- the inventory ------------------------------------------------------- */

void
wire_model_write(const struct hv *hv, struct wire_buf *b)
{
    const struct model *m = hv->model;

    put_s(b, "{");
    key(b, "default_link_bps", true);
    wire_buf_u64(b, m->default_link_bps);
    ku64(b, "default_link_latency_us", m->default_link_latency_us);
    put_s(b, ",\"hosts\":[");
    for (size_t i = 0; i < m->n_hosts; i++) {
        const struct model_host *h = &m->hosts[i];

        put_s(b, i ? ",{" : "{");
        key(b, "name", true);
        wire_buf_str(b, h->name);
        kstr(b, "cpu_model", h->cpu_model);
        kstrv(b, "cpu_flags", h->cpu_flags, h->n_cpu_flags);
        ku64(b, "cores", h->cores);
        ku64(b, "memory_bytes", h->memory_bytes);
        kstrv(b, "networks", h->networks, h->n_networks);
        kbool(b, "up", h->up);
        kstr(b, "uri", h->uri);
        kstr(b, "versions", h->versions);
        kstr(b, "state_note", h->state_note);
        kstr(b, "ssh", h->ssh);
        kstr(b, "probe", h->probe);
        if (h->maintenance)
            kbool(b, "maintenance", true);
        put_s(b, "}");
    }
    put_s(b, "],\"links\":[");
    for (size_t i = 0; i < m->n_links; i++) {
        const struct model_link *l = &m->links[i];

        put_s(b, i ? ",{" : "{");
        key(b, "a", true);
        wire_buf_str(b, l->a);
        kstr(b, "b", l->b);
        ku64(b, "bandwidth_bps", l->bandwidth_bps);
        ku64(b, "latency_us", l->latency_us);
        put_s(b, "}");
    }
    put_s(b, "],\"datastores\":[");
    for (size_t i = 0; i < m->n_datastores; i++) {
        const struct model_datastore *d = &m->datastores[i];

        put_s(b, i ? ",{" : "{");
        key(b, "name", true);
        wire_buf_str(b, d->name);
        kstr(b, "type", d->type);
        ku64(b, "capacity_bytes", d->capacity_bytes);
        ku64(b, "used_bytes", d->used_bytes);
        ku64(b, "throughput_bps", d->throughput_bps);
        if (d->bandwidth_bps)
            ku64(b, "bandwidth_bps", d->bandwidth_bps);
        kstrv(b, "hosts", d->hosts, d->n_hosts);
        kbool(b, "shared", d->shared);
        put_s(b, "}");
    }
    put_s(b, "],\"vms\":[");
    for (size_t i = 0; i < m->n_vms; i++) {
        const struct model_vm *v = &m->vms[i];
        uint64_t dirty = 0;
        const char *wl = hv->ops->workload ? hv->ops->workload((struct hv *)hv,
                                                               v->name, &dirty)
                                           : NULL;

        put_s(b, i ? ",{" : "{");
        key(b, "name", true);
        wire_buf_str(b, v->name);
        kstr(b, "host", v->host);
        kstr(b, "state", vm_state_name(v->state));
        ku64(b, "vcpus", v->vcpus);
        ku64(b, "memory_bytes", v->memory_bytes);
        if (v->memory_max_bytes)
            ku64(b, "memory_max_bytes", v->memory_max_bytes);
        kstr(b, "cpu_model", v->cpu_model);
        kstrv(b, "cpu_flags", v->cpu_flags, v->n_cpu_flags);
        put_s(b, ",\"disks\":[");
        for (size_t k = 0; k < v->n_disks; k++) {
            put_s(b, k ? ",{" : "{");
            key(b, "target", true);
            wire_buf_str(b, v->disks[k].target);
            kstr(b, "datastore", v->disks[k].datastore);
            ku64(b, "size_bytes", v->disks[k].size_bytes);
            ku64(b, "allocated_bytes", v->disks[k].allocated_bytes);
            put_s(b, "}");
        }
        put_s(b, "]");
        kstrv(b, "networks", v->networks, v->n_networks);
        kbool(b, "migrating", v->migrating);
        kbool(b, "live_migratable", v->live_migratable);
        kstr(b, "not_migratable_reason", v->not_migratable_reason);
        if (wl != NULL) {
            kstr(b, "workload", wl);
            ku64(b, "dirty_bps", dirty);
        }
        put_s(b, "}");
    }
    put_s(b, "]}");
}

json_object *
wire_model(const struct hv *hv)
{
    struct wire_buf b = {0};
    json_object *o;

    wire_model_write(hv, &b);
    o = json_tokener_parse(b.p);
    wire_buf_fini(&b);
    return o;
}

static int
vm_state_lookup(const char *s, enum vm_state *out)
{
    for (int k = VM_RUNNING; k <= VM_MIGRATING; k++)
        if (strcmp(vm_state_name((enum vm_state)k), s) == 0) {
            *out = (enum vm_state)k;
            return 0;
        }
    return -1;
}

/* ---- reading JSON text directly ------------------------------------------
 *
 * The inventory of tens of thousands of VMs is read straight from its text
 * into the model: no tree of json-c objects to build and free. Strict
 * JSON; members it does not know are skipped. */

struct jr {
    const char *p, *e;
    struct ferry_err *err;
    bool failed;
    char *sbuf; /* a decoded string (escapes) */
    size_t scap;
};

static int
jr_fail(struct jr *r, const char *what)
{
    if (!r->failed)
        err_set(r->err, "%s (at byte %zu from the end)", what,
                (size_t)(r->e - r->p));
    r->failed = true;
    return -1;
}

static void
jr_ws(struct jr *r)
{
    while (r->p < r->e &&
           (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

/* The next byte after blanks, not taken ('\0' at the end). */
static char
jr_peek(struct jr *r)
{
    jr_ws(r);
    return r->p < r->e ? *r->p : '\0';
}

static int
jr_expect(struct jr *r, char ch)
{
    if (jr_peek(r) != ch) {
        char what[32];

        snprintf(what, sizeof what, "expected '%c'", ch);
        return jr_fail(r, what);
    }
    r->p++;
    return 0;
}

static int
jr_word(struct jr *r, const char *w)
{
    size_t n = strlen(w);

    jr_ws(r);
    if ((size_t)(r->e - r->p) < n || memcmp(r->p, w, n) != 0)
        return jr_fail(r, "not JSON");
    r->p += n;
    return 0;
}

static void
jr_utf8(struct jr *r, size_t *n, unsigned cp)
{
    r->sbuf = xgrow(r->sbuf, &r->scap, *n + 5, 1);
    if (cp < 0x80) {
        r->sbuf[(*n)++] = (char)cp;
    } else if (cp < 0x800) {
        r->sbuf[(*n)++] = (char)(0xc0 | cp >> 6);
        r->sbuf[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        r->sbuf[(*n)++] = (char)(0xe0 | cp >> 12);
        r->sbuf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        r->sbuf[(*n)++] = (char)(0x80 | (cp & 0x3f));
    } else {
        r->sbuf[(*n)++] = (char)(0xf0 | cp >> 18);
        r->sbuf[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
        r->sbuf[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
        r->sbuf[(*n)++] = (char)(0x80 | (cp & 0x3f));
    }
}

static int
jr_hex4(struct jr *r, unsigned *cp)
{
    *cp = 0;
    if (r->e - r->p < 4)
        return jr_fail(r, "a \\u escape is cut short");
    for (int i = 0; i < 4; i++) {
        char ch = *r->p++;

        *cp <<= 4;
        if (ch >= '0' && ch <= '9')
            *cp |= (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f')
            *cp |= (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F')
            *cp |= (unsigned)(ch - 'A' + 10);
        else
            return jr_fail(r, "a \\u escape that is not hexadecimal");
    }
    return 0;
}

/* A string, NUL-terminated in r->sbuf until the next string. */
static int
jr_str(struct jr *r, const char **out, size_t *len)
{
    size_t n = 0;

    if (jr_expect(r, '"') < 0)
        return -1;
    for (;;) {
        const char *q = r->p;

        while (q < r->e && *q != '"' && *q != '\\' &&
               (unsigned char)*q >= 0x20)
            q++;
        r->sbuf = xgrow(r->sbuf, &r->scap, n + (size_t)(q - r->p) + 1, 1);
        memcpy(r->sbuf + n, r->p, (size_t)(q - r->p));
        n += (size_t)(q - r->p);
        r->p = q;
        if (q >= r->e || (unsigned char)*q < 0x20)
            return jr_fail(r, "a string is not closed");
        r->p++;
        if (*q == '"')
            break;
        if (r->p >= r->e)
            return jr_fail(r, "a string is not closed");
        switch (*r->p++) {
        case '"': jr_utf8(r, &n, '"'); break;
        case '\\': jr_utf8(r, &n, '\\'); break;
        case '/': jr_utf8(r, &n, '/'); break;
        case 'b': jr_utf8(r, &n, '\b'); break;
        case 'f': jr_utf8(r, &n, '\f'); break;
        case 'n': jr_utf8(r, &n, '\n'); break;
        case 'r': jr_utf8(r, &n, '\r'); break;
        case 't': jr_utf8(r, &n, '\t'); break;
        case 'u': {
            unsigned cp, lo;

            if (jr_hex4(r, &cp) < 0)
                return -1;
            if (cp >= 0xd800 && cp < 0xdc00 && r->e - r->p >= 6 &&
                r->p[0] == '\\' && r->p[1] == 'u') {
                const char *back = r->p;

                r->p += 2;
                if (jr_hex4(r, &lo) < 0)
                    return -1;
                if (lo >= 0xdc00 && lo < 0xe000)
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                else
                    r->p = back, cp = 0xfffd;
            } else if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0xfffd; /* a lone surrogate */
            }
            if (cp == 0)
                return jr_fail(r, "a string holds a NUL");
            jr_utf8(r, &n, cp);
            break;
        }
        default:
            return jr_fail(r, "an unknown escape in a string");
        }
    }
    r->sbuf = xgrow(r->sbuf, &r->scap, n + 1, 1);
    r->sbuf[n] = '\0';
    *out = r->sbuf;
    if (len != NULL)
        *len = n;
    return 0;
}

static bool
jr_null(struct jr *r)
{
    if (jr_peek(r) == 'n' && r->e - r->p >= 4 && memcmp(r->p, "null", 4) == 0) {
        r->p += 4;
        return true;
    }
    return false;
}

static int
jr_skip(struct jr *r, int depth);

/* Members of an object: 1 with the key (in r->sbuf) and its ':' taken,
 * 0 at its end. first: right after the '{'. */
static int
jr_member(struct jr *r, bool *first, const char **k)
{
    char ch = jr_peek(r);

    if (ch == '}') {
        r->p++;
        return 0;
    }
    if (!*first && jr_expect(r, ',') < 0)
        return -1;
    *first = false;
    if (jr_str(r, k, NULL) < 0 || jr_expect(r, ':') < 0)
        return -1;
    return 1;
}

/* Elements of an array: 1 when one follows, 0 at its end. */
static int
jr_element(struct jr *r, bool *first)
{
    char ch = jr_peek(r);

    if (ch == ']') {
        r->p++;
        return 0;
    }
    if (!*first && jr_expect(r, ',') < 0)
        return -1;
    *first = false;
    return 1;
}

static int
jr_skip(struct jr *r, int depth)
{
    char ch = jr_peek(r);
    const char *k;
    bool first = true;
    int rc;

    if (depth > 64)
        return jr_fail(r, "nested too deep");
    switch (ch) {
    case '{':
        r->p++;
        while ((rc = jr_member(r, &first, &k)) == 1)
            if (jr_skip(r, depth + 1) < 0)
                return -1;
        return rc;
    case '[':
        r->p++;
        while ((rc = jr_element(r, &first)) == 1)
            if (jr_skip(r, depth + 1) < 0)
                return -1;
        return rc;
    case '"':
        return jr_str(r, &k, NULL);
    case 't':
        return jr_word(r, "true");
    case 'f':
        return jr_word(r, "false");
    case 'n':
        return jr_word(r, "null");
    default:
        if (ch == '-' || (ch >= '0' && ch <= '9')) {
            const char *q = r->p + 1;

            while (q < r->e && strchr("0123456789+-.eE", *q) != NULL)
                q++;
            r->p = q;
            return 0;
        }
        return jr_fail(r, "not JSON");
    }
}

/* Typed members: the key is named in the message. */
static int
jr_bad(struct jr *r, const char *k, const char *what)
{
    char m[160];

    snprintf(m, sizeof m, "\"%.60s\" must be %s", k, what);
    return jr_fail(r, m);
}

static int
jr_u64(struct jr *r, const char *k, uint64_t *out)
{
    uint64_t v = 0;
    const char *q;

    if (jr_null(r))
        return 0;
    q = r->p;
    if (q >= r->e || *q < '0' || *q > '9')
        return jr_bad(r, k, "a whole number, 0 or more");
    for (; q < r->e && *q >= '0' && *q <= '9'; q++) {
        if (v > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
            return jr_bad(r, k, "a whole number that fits 64 bits");
        v = v * 10 + (uint64_t)(*q - '0');
    }
    if (q < r->e && (*q == '.' || *q == 'e' || *q == 'E'))
        return jr_bad(r, k, "a whole number, 0 or more");
    r->p = q;
    *out = v;
    return 0;
}

static int
jr_u32(struct jr *r, const char *k, uint32_t *out)
{
    uint64_t v = *out;

    if (jr_u64(r, k, &v) < 0)
        return -1;
    if (v > UINT32_MAX)
        return jr_bad(r, k, "smaller");
    *out = (uint32_t)v;
    return 0;
}

static int
jr_unsigned(struct jr *r, const char *k, unsigned *out)
{
    uint32_t v = *out;

    if (jr_u32(r, k, &v) < 0)
        return -1;
    *out = v;
    return 0;
}

static int
jr_bool(struct jr *r, const char *k, bool *out)
{
    char ch = jr_peek(r);

    if (jr_null(r))
        return 0;
    if (ch == 't' && jr_word(r, "true") == 0)
        *out = true;
    else if (ch == 'f' && jr_word(r, "false") == 0)
        *out = false;
    else
        return jr_bad(r, k, "true or false");
    return 0;
}

/* An optional string into a field the model owns. */
static int
jr_strdup(struct jr *r, const char *k, char **field)
{
    const char *s;

    if (jr_null(r))
        return 0;
    if (jr_peek(r) != '"')
        return jr_bad(r, k, "a string");
    if (jr_str(r, &s, NULL) < 0)
        return -1;
    free(*field);
    *field = xstrdup(s);
    return 0;
}

static int
jr_strv(struct jr *r, const char *k, char ***v, size_t *n)
{
    bool first = true;
    size_t cap = *n;
    int rc;

    if (jr_null(r))
        return 0;
    if (jr_peek(r) != '[')
        return jr_bad(r, k, "an array of strings");
    r->p++;
    while ((rc = jr_element(r, &first)) == 1) {
        const char *s;

        if (jr_peek(r) != '"')
            return jr_bad(r, k, "an array of strings");
        if (jr_str(r, &s, NULL) < 0)
            return -1;
        *v = xgrow(*v, &cap, *n + 1, sizeof **v);
        (*v)[(*n)++] = xstrdup(s);
    }
    return rc;
}

/* An item whose name (key nk) comes first, as wire_model_write puts it:
 * the item is made from it, the other members fill it as they come. */
static int
jr_first_name(struct jr *r, const char *nk, const char **name)
{
    const char *k;
    bool first = true;

    if (jr_expect(r, '{') < 0)
        return -1;
    if (jr_member(r, &first, &k) != 1 || strcmp(k, nk) != 0)
        return jr_fail(r, "an item of the inventory must start with its name");
    if (jr_peek(r) != '"' || jr_str(r, name, NULL) < 0)
        return jr_bad(r, nk, "a string");
    if ((*name)[0] == '\0')
        return jr_bad(r, nk, "a non-empty string");
    return 0;
}

static int
jr_host(struct jr *r, struct model *m)
{
    const char *name, *k;
    bool first = false;
    struct model_host *h;
    int rc;

    if (jr_first_name(r, "name", &name) < 0)
        return -1;
    h = model_host_add(m, name);
    while ((rc = jr_member(r, &first, &k)) == 1) {
        int e;

        if (strcmp(k, "cpu_model") == 0)
            e = jr_strdup(r, "cpu_model", &h->cpu_model);
        else if (strcmp(k, "cpu_flags") == 0)
            e = jr_strv(r, "cpu_flags", &h->cpu_flags, &h->n_cpu_flags);
        else if (strcmp(k, "cores") == 0)
            e = jr_unsigned(r, "cores", &h->cores);
        else if (strcmp(k, "memory_bytes") == 0)
            e = jr_u64(r, "memory_bytes", &h->memory_bytes);
        else if (strcmp(k, "networks") == 0)
            e = jr_strv(r, "networks", &h->networks, &h->n_networks);
        else if (strcmp(k, "up") == 0)
            e = jr_bool(r, "up", &h->up);
        else if (strcmp(k, "uri") == 0)
            e = jr_strdup(r, "uri", &h->uri);
        else if (strcmp(k, "versions") == 0)
            e = jr_strdup(r, "versions", &h->versions);
        else if (strcmp(k, "state_note") == 0)
            e = jr_strdup(r, "state_note", &h->state_note);
        else if (strcmp(k, "ssh") == 0)
            e = jr_strdup(r, "ssh", &h->ssh);
        else if (strcmp(k, "probe") == 0)
            e = jr_strdup(r, "probe", &h->probe);
        else if (strcmp(k, "maintenance") == 0)
            e = jr_bool(r, "maintenance", &h->maintenance);
        else
            e = jr_skip(r, 0);
        if (e < 0)
            return -1;
    }
    return rc;
}

static int
jr_link(struct jr *r, struct model *m)
{
    const char *a, *k;
    char *b = NULL;
    bool first = false;
    struct model_link *l;
    uint64_t bps = m->default_link_bps;
    uint32_t lat = m->default_link_latency_us;
    int rc;

    if (jr_first_name(r, "a", &a) < 0)
        return -1;
    l = model_link_add(m, a, "");
    while ((rc = jr_member(r, &first, &k)) == 1) {
        int e;

        if (strcmp(k, "b") == 0)
            e = jr_strdup(r, "b", &b);
        else if (strcmp(k, "bandwidth_bps") == 0)
            e = jr_u64(r, "bandwidth_bps", &bps);
        else if (strcmp(k, "latency_us") == 0)
            e = jr_u32(r, "latency_us", &lat);
        else
            e = jr_skip(r, 0);
        if (e < 0) {
            free(b);
            return -1;
        }
    }
    l = &m->links[m->n_links - 1];
    if (rc == 0 && (b == NULL || b[0] == '\0')) {
        free(b);
        return jr_bad(r, "b", "a non-empty string");
    }
    free(l->b);
    l->b = b;
    l->bandwidth_bps = bps;
    l->latency_us = lat;
    return rc;
}

static int
jr_ds(struct jr *r, struct model *m)
{
    const char *name, *k;
    bool first = false;
    struct model_datastore *d;
    int rc;

    if (jr_first_name(r, "name", &name) < 0)
        return -1;
    d = model_ds_add(m, name);
    while ((rc = jr_member(r, &first, &k)) == 1) {
        int e;

        if (strcmp(k, "type") == 0)
            e = jr_strdup(r, "type", &d->type);
        else if (strcmp(k, "capacity_bytes") == 0)
            e = jr_u64(r, "capacity_bytes", &d->capacity_bytes);
        else if (strcmp(k, "used_bytes") == 0)
            e = jr_u64(r, "used_bytes", &d->used_bytes);
        else if (strcmp(k, "throughput_bps") == 0)
            e = jr_u64(r, "throughput_bps", &d->throughput_bps);
        else if (strcmp(k, "bandwidth_bps") == 0)
            e = jr_u64(r, "bandwidth_bps", &d->bandwidth_bps);
        else if (strcmp(k, "hosts") == 0)
            e = jr_strv(r, "hosts", &d->hosts, &d->n_hosts);
        else if (strcmp(k, "shared") == 0)
            e = jr_bool(r, "shared", &d->shared);
        else
            e = jr_skip(r, 0);
        if (e < 0)
            return -1;
    }
    return rc;
}

static int
jr_disks(struct jr *r, struct model_vm *v)
{
    bool first = true;
    int rc;

    if (jr_null(r))
        return 0;
    if (jr_peek(r) != '[')
        return jr_bad(r, "disks", "an array");
    r->p++;
    while ((rc = jr_element(r, &first)) == 1) {
        const char *target, *k;
        char *ds = NULL;
        bool f = false;
        uint64_t size = 0, alloc = 0;
        struct model_disk *d;
        int e = 0;

        if (jr_first_name(r, "target", &target) < 0)
            return -1;
        d = model_vm_disk_add(v, target, "");
        while (e == 0 && (e = jr_member(r, &f, &k)) == 1) {
            if (strcmp(k, "datastore") == 0)
                e = jr_strdup(r, "datastore", &ds);
            else if (strcmp(k, "size_bytes") == 0)
                e = jr_u64(r, "size_bytes", &size);
            else if (strcmp(k, "allocated_bytes") == 0)
                e = jr_u64(r, "allocated_bytes", &alloc);
            else
                e = jr_skip(r, 0);
        }
        d = &v->disks[v->n_disks - 1];
        if (e == 0 && (ds == NULL || ds[0] == '\0'))
            e = jr_bad(r, "datastore", "a non-empty string");
        if (e < 0) {
            free(ds);
            return -1;
        }
        free(d->datastore);
        d->datastore = ds;
        d->size_bytes = size;
        d->allocated_bytes = alloc;
    }
    return rc;
}

static int
jr_vm(struct jr *r, struct model *m, struct wire_workload *wl)
{
    const char *name, *k;
    bool first = false;
    struct model_vm *v;
    int rc;

    if (jr_first_name(r, "name", &name) < 0)
        return -1;
    v = model_vm_add(m, name);
    while ((rc = jr_member(r, &first, &k)) == 1) {
        int e;

        if (strcmp(k, "host") == 0) {
            e = jr_strdup(r, "host", &v->host);
        } else if (strcmp(k, "state") == 0) {
            const char *st;

            if (jr_null(r))
                continue;
            if (jr_peek(r) != '"' || jr_str(r, &st, NULL) < 0)
                return jr_bad(r, "state", "a string");
            if (vm_state_lookup(st, &v->state) < 0) {
                char why[200];

                snprintf(why, sizeof why, "\"state\": '%.60s' is not a VM "
                         "state", st);
                return jr_fail(r, why);
            }
            e = 0;
        } else if (strcmp(k, "vcpus") == 0) {
            e = jr_unsigned(r, "vcpus", &v->vcpus);
        } else if (strcmp(k, "memory_bytes") == 0) {
            e = jr_u64(r, "memory_bytes", &v->memory_bytes);
        } else if (strcmp(k, "memory_max_bytes") == 0) {
            e = jr_u64(r, "memory_max_bytes", &v->memory_max_bytes);
        } else if (strcmp(k, "cpu_model") == 0) {
            e = jr_strdup(r, "cpu_model", &v->cpu_model);
        } else if (strcmp(k, "cpu_flags") == 0) {
            e = jr_strv(r, "cpu_flags", &v->cpu_flags, &v->n_cpu_flags);
        } else if (strcmp(k, "networks") == 0) {
            e = jr_strv(r, "networks", &v->networks, &v->n_networks);
        } else if (strcmp(k, "disks") == 0) {
            e = jr_disks(r, v);
        } else if (strcmp(k, "migrating") == 0) {
            e = jr_bool(r, "migrating", &v->migrating);
        } else if (strcmp(k, "live_migratable") == 0) {
            e = jr_bool(r, "live_migratable", &v->live_migratable);
        } else if (strcmp(k, "not_migratable_reason") == 0) {
            e = jr_strdup(r, "not_migratable_reason",
                          &v->not_migratable_reason);
        } else if (wl != NULL && strcmp(k, "workload") == 0) {
            e = jr_strdup(r, "workload", &wl->word);
        } else if (wl != NULL && strcmp(k, "dirty_bps") == 0) {
            e = jr_u64(r, "dirty_bps", &wl->dirty_bps);
        } else {
            e = jr_skip(r, 0);
        }
        if (e < 0)
            return -1;
    }
    if (v->host == NULL)
        v->host = xstrdup("");
    return rc;
}

/* The inventory's object at r. */
static int
jr_model(struct jr *r, struct model *m, struct wire_workload **wl)
{
    const char *k;
    bool first = true;
    size_t cap_wl = 0;
    int rc;

    model_init(m);
    if (wl != NULL)
        *wl = NULL;
    if (jr_expect(r, '{') < 0)
        return -1;
    while ((rc = jr_member(r, &first, &k)) == 1) {
        int e = 0, el;
        bool f = true;
        enum { HOSTS, LINKS, DS, VMS, OTHER } what =
            strcmp(k, "hosts") == 0        ? HOSTS
            : strcmp(k, "links") == 0      ? LINKS
            : strcmp(k, "datastores") == 0 ? DS
            : strcmp(k, "vms") == 0        ? VMS
                                           : OTHER;

        if (what == OTHER) {
            if (strcmp(k, "default_link_bps") == 0)
                e = jr_u64(r, "default_link_bps", &m->default_link_bps);
            else if (strcmp(k, "default_link_latency_us") == 0)
                e = jr_u32(r, "default_link_latency_us",
                           &m->default_link_latency_us);
            else
                e = jr_skip(r, 0);
            if (e < 0)
                return -1;
            continue;
        }
        if (jr_peek(r) != '[')
            return jr_fail(r, "the inventory's hosts, links, datastores "
                              "and vms are arrays");
        r->p++;
        while ((el = jr_element(r, &f)) == 1) {
            if (what == VMS && wl != NULL) {
                *wl = xgrow(*wl, &cap_wl, m->n_vms + 1, sizeof **wl);
                memset(&(*wl)[m->n_vms], 0, sizeof **wl);
            }
            e = what == HOSTS ? jr_host(r, m)
                : what == LINKS ? jr_link(r, m)
                : what == DS    ? jr_ds(r, m)
                                : jr_vm(r, m, wl ? &(*wl)[m->n_vms] : NULL);
            if (e < 0)
                return -1;
        }
        if (el < 0)
            return -1;
    }
    return rc;
}

void
wire_workloads_free(struct wire_workload *wl, size_t n)
{
    for (size_t i = 0; wl != NULL && i < n; i++)
        free(wl[i].word);
    free(wl);
}

int
wire_model_parse(const char *s, size_t n, struct model *m,
                 struct wire_workload **wl, struct ferry_err *err)
{
    struct jr r = {.p = s, .e = s + n, .err = err};

    if (jr_model(&r, m, wl) < 0 || (jr_ws(&r), r.p != r.e)) {
        if (!r.failed)
            err_set(err, "more after the inventory");
        if (wl != NULL) {
            wire_workloads_free(*wl, m->n_vms);
            *wl = NULL;
        }
        model_fini(m);
        model_init(m);
        free(r.sbuf);
        return -1;
    }
    free(r.sbuf);
    return 0;
}

int
wire_msg_take_model(const char *line, size_t len, struct wire_buf *rest,
                    struct model *m, struct wire_workload **wl,
                    struct ferry_err *err)
{
    struct jr r = {.p = line, .e = line + len, .err = err};
    const char *k, *start;
    bool first = true, found = false;
    int rc;

    if (jr_expect(&r, '{') < 0) {
        free(r.sbuf);
        return 0;
    }
    rest->len = 0;
    wire_buf_put(rest, "{", 1);
    for (;;) {
        jr_ws(&r);
        start = r.p;
        if (!first && start < r.e && *start == ',')
            start++;
        if ((rc = jr_member(&r, &first, &k)) != 1)
            break;
        if (!found && strcmp(k, "model") == 0 && jr_peek(&r) == '{') {
            if (jr_model(&r, m, wl) < 0) {
                if (wl != NULL) {
                    wire_workloads_free(*wl, m->n_vms);
                    *wl = NULL;
                }
                model_fini(m);
                model_init(m);
                free(r.sbuf);
                return -1;
            }
            found = true;
            if (rest->len > 1)
                wire_buf_put(rest, ",", 1);
            put_s(rest, "\"model\":{}");
            continue;
        }
        if (jr_skip(&r, 0) < 0)
            break;
        if (rest->len > 1)
            wire_buf_put(rest, ",", 1);
        while (*start == ' ' || *start == '\t' || *start == '\n' ||
               *start == '\r')
            start++;
        wire_buf_put(rest, start, (size_t)(r.p - start));
    }
    free(r.sbuf);
    if (rc == 0 && (jr_ws(&r), r.p != r.e))
        rc = -1;
    if (rc < 0 || r.failed) {
        if (found) {
            if (wl != NULL) {
                wire_workloads_free(*wl, m->n_vms);
                *wl = NULL;
            }
            model_fini(m);
            model_init(m);
        }
        return found ? -1 : 0;
    }
    wire_buf_put(rest, "}", 1);
    return found ? 1 : 0;
}

/* Read it from json-c's objects: the same reader, over their text. */
int
wire_model_read(json_object *o, struct model *m, struct ferry_err *err)
{
    size_t n;
    const char *s;

    model_init(m);
    if (o == NULL || !json_object_is_type(o, json_type_object)) {
        err_set(err, "the inventory is not an object");
        return -1;
    }
    s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
    return wire_model_parse(s, n, m, NULL, err);
}

/* ---- checks ------------------------------------------------------------ */

json_object *
wire_checks(const struct check_result *r, size_t n)
{
    json_object *a = json_object_new_array();

    for (size_t i = 0; i < n; i++) {
        json_object *c = json_object_new_object();

        jf_add_str(c, "name", r[i].name);
        jf_add_str(c, "status", check_status_name(r[i].status));
        jf_add_str(c, "message", r[i].message);
        json_object_array_add(a, c);
    }
    return a;
}

/* Check names are few and fixed by the code; a client keeps each it was
 * sent for its whole life, as the backend's are static. */
static const char *
intern(const char *s)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char **v;
    static size_t n;
    const char *found = NULL;

    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < n && found == NULL; i++)
        if (strcmp(v[i], s) == 0)
            found = v[i];
    if (found == NULL) {
        v = xrealloc(v, (n + 1) * sizeof *v);
        found = v[n++] = xstrdup(s);
    }
    pthread_mutex_unlock(&lock);
    return found;
}

int
wire_checks_read(json_object *a, struct checks *out, struct ferry_err *err)
{
    checks_clear(out);
    if (a == NULL || !json_object_is_type(a, json_type_array)) {
        err_set(err, "checks must be an array");
        return -1;
    }
    for (size_t i = 0; i < json_object_array_length(a); i++) {
        json_object *c = json_object_array_get_idx(a, i);
        const char *name, *status, *msg = "";
        struct ferry_err why;
        enum check_status st;

        if (jf_str(c, "name", true, &name, &why) < 0 ||
            jf_str(c, "status", true, &status, &why) < 0 ||
            jf_str(c, "message", false, &msg, &why) < 0) {
            err_set(err, "checks[%zu]: %s", i, why.msg);
            return -1;
        }
        if (strcmp(status, "ok") == 0)
            st = CHECK_OK;
        else if (strcmp(status, "warning") == 0)
            st = CHECK_WARN;
        else if (strcmp(status, "error") == 0)
            st = CHECK_ERROR;
        else {
            err_set(err,
                    "checks[%zu]: status '%s' is not ok, warning or "
                    "error",
                    i, status);
            return -1;
        }
        checks_set(out, intern(name), st, "%s", msg);
    }
    return (int)out->n;
}

/* ---- plans --------------------------------------------------------------- */

json_object *
wire_mig_params(const struct hv_mig_params *p)
{
    json_object *o = json_object_new_object();

    jf_add_str(o, "vm", p->vm);
    jf_add_str(o, "host", p->dst_host);
    jf_add_str(o, "datastore", p->dst_ds);
    jf_add_str(o, "kind", job_kind_name(p->kind));
    add_i(o, "bandwidth_cap_bps", p->bandwidth_cap_bps);
    json_object_object_add(o, "auto_converge",
                           json_object_new_boolean(p->auto_converge));
    json_object_object_add(o, "ac_initial",
                           json_object_new_double(p->ac_initial));
    json_object_object_add(o, "ac_increment",
                           json_object_new_double(p->ac_increment));
    json_object_object_add(o, "postcopy", json_object_new_boolean(p->postcopy));
    add_i(o, "downtime_limit_ms", p->downtime_limit_ms);
    add_i(o, "seed", p->seed);
    json_object_object_add(o, "keep_source",
                           json_object_new_boolean(p->keep_source));
    return o;
}

int
wire_mig_params_read(json_object *o, struct hv_mig_params *p,
                     struct ferry_err *err)
{
    const char *kind = "compute";

    memset(p, 0, sizeof *p);
    if (jf_str(o, "vm", true, &p->vm, err) < 0 ||
        jf_str(o, "host", false, &p->dst_host, err) < 0 ||
        jf_str(o, "datastore", false, &p->dst_ds, err) < 0 ||
        jf_str(o, "kind", false, &kind, err) < 0 ||
        jf_u64(o, "bandwidth_cap_bps", false, &p->bandwidth_cap_bps, err) < 0 ||
        jf_bool(o, "auto_converge", false, &p->auto_converge, err) < 0 ||
        jf_double(o, "ac_initial", false, &p->ac_initial, err) < 0 ||
        jf_double(o, "ac_increment", false, &p->ac_increment, err) < 0 ||
        jf_bool(o, "postcopy", false, &p->postcopy, err) < 0 ||
        jf_u64(o, "downtime_limit_ms", false, &p->downtime_limit_ms, err) < 0 ||
        jf_u64(o, "seed", false, &p->seed, err) < 0 ||
        jf_bool(o, "keep_source", false, &p->keep_source, err) < 0)
        return -1;
    if (job_kind_lookup(kind, &p->kind) < 0) {
        err_set(err, "\"kind\": '%s' is not compute, storage or both", kind);
        return -1;
    }
    return 0;
}

json_object *
wire_plan(const struct hv_plan *p)
{
    json_object *o = json_object_new_object();

    add_i(o, "link_bps", p->link_bps);
    add_i(o, "final_bps", p->final_bps);
    add_i(o, "disk_bw_bps", p->disk_bw_bps);
    add_i(o, "overhead_ms", p->overhead_ms);
    add_i(o, "setup_ms", p->setup_ms);
    json_object_object_add(o, "cold", json_object_new_boolean(p->cold));
    add_i(o, "memory_wire_bytes", p->memory_wire_bytes);
    add_i(o, "hint_dirty_bps", p->hint_dirty_bps);
    add_i(o, "hint_wss_bytes", p->hint_wss_bytes);
    json_object_object_add(o, "hint_hot_fraction",
                           json_object_new_double(p->hint_hot_fraction));
    json_object_object_add(o, "hint_hot_share",
                           json_object_new_double(p->hint_hot_share));
    add_i(o, "hint_disk_dirty_bps", p->hint_disk_dirty_bps);
    add_i(o, "hint_disk_wss_bytes", p->hint_disk_wss_bytes);
    json_object_object_add(o, "hint_measured",
                           json_object_new_boolean(p->hint_measured));
    return o;
}

int
wire_plan_read(json_object *o, struct hv_plan *p, struct ferry_err *err)
{
    memset(p, 0, sizeof *p);
    if (jf_u64(o, "link_bps", false, &p->link_bps, err) < 0 ||
        jf_u64(o, "final_bps", false, &p->final_bps, err) < 0 ||
        jf_u64(o, "disk_bw_bps", false, &p->disk_bw_bps, err) < 0 ||
        jf_u64(o, "overhead_ms", false, &p->overhead_ms, err) < 0 ||
        jf_u64(o, "setup_ms", false, &p->setup_ms, err) < 0 ||
        jf_bool(o, "cold", false, &p->cold, err) < 0 ||
        jf_u64(o, "memory_wire_bytes", false, &p->memory_wire_bytes, err) < 0 ||
        jf_u64(o, "hint_dirty_bps", false, &p->hint_dirty_bps, err) < 0 ||
        jf_u64(o, "hint_wss_bytes", false, &p->hint_wss_bytes, err) < 0 ||
        jf_double(o, "hint_hot_fraction", false, &p->hint_hot_fraction, err) <
            0 ||
        jf_double(o, "hint_hot_share", false, &p->hint_hot_share, err) < 0 ||
        jf_u64(o, "hint_disk_dirty_bps", false, &p->hint_disk_dirty_bps, err) <
            0 ||
        jf_u64(o, "hint_disk_wss_bytes", false, &p->hint_disk_wss_bytes, err) <
            0 ||
        jf_bool(o, "hint_measured", false, &p->hint_measured, err) < 0)
        return -1;
    return 0;
}

/* ---- questions ------------------------------------------------------------
 */

const char *
wire_prompt_kind_name(enum hv_prompt_kind k)
{
    return k == HV_ASK_YESNO ? "yesno" : k == HV_ASK_TEXT ? "text" : "secret";
}

json_object *
wire_prompt(const struct hv_prompt *p)
{
    json_object *o = json_object_new_object();

    add_i(o, "id", p->id);
    jf_add_str(o, "kind", wire_prompt_kind_name(p->kind));
    jf_add_str(o, "host", p->host);
    jf_add_str(o, "title", p->title);
    jf_add_str(o, "text", p->text);
    return o;
}
