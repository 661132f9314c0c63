/* INI reading on top of inih, with line numbers for every entry. */
#include "ferry/ini.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ferry/units.h"

/* inih reads lines through this; counting them gives each entry its line. */
struct reader {
    const char *p;
    int line;
    int long_line; /* first line that did not fit inih's buffer */
};

static char *
reader_next(char *str, int num, void *stream)
{
    struct reader *r = stream;
    const char *nl;
    size_t len, copy;

    if (*r->p == '\0')
        return NULL;
    nl = strchr(r->p, '\n');
    len = nl ? (size_t)(nl - r->p) + 1 : strlen(r->p);
    r->line++;
    copy = len;
    if (copy > (size_t)num - 1) {
        copy = (size_t)num - 2;
        if (r->long_line == 0)
            r->long_line = r->line;
    }
    memcpy(str, r->p, copy);
    if (copy < len && str[copy - 1] != '\n')
        str[copy++] = '\n';
    str[copy] = '\0';
    r->p += len;
    return str;
}

struct load_ctx {
    struct ini_doc *doc;
    struct reader *rd;
};

static int
on_entry(void *user, const char *section, const char *name, const char *value)
{
    struct load_ctx *c = user;
    struct ini_doc *d = c->doc;
    struct ini_entry *e;

    d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof *d->v);
    e = &d->v[d->n++];
    e->section = xstrdup(section);
    e->key = xstrdup(name);
    e->value = xstrdup(value ? value : "");
    e->line = c->rd->line;
    return 1;
}

/* Caller frees. */
struct ini_doc *
ini_load_string(const char *name, const char *text, struct ferry_err *err)
{
    struct ini_doc *doc = xcalloc(1, sizeof *doc);
    struct reader rd = {.p = text};
    struct load_ctx c = {.doc = doc, .rd = &rd};
    int rc;

    doc->name = xstrdup(name);
    rc = ini_parse_stream(reader_next, &rd, on_entry, &c);
    if (rd.long_line != 0 && (rc == 0 || rd.long_line < rc)) {
        err_set(err, "%s:%d: line too long (at most %d characters)", name,
                rd.long_line, INI_MAX_LINE - 2);
        ini_free(doc);
        return NULL;
    }
    if (rc != 0) {
        err_set(err,
                "%s:%d: syntax error: expected '[section]' or 'key = value'",
                name, rc);
        ini_free(doc);
        return NULL;
    }
    return doc;
}

/* Caller frees. */
struct ini_doc *
ini_load_file(const char *path, struct ferry_err *err)
{
    char *text = file_read_all(path, NULL, err);
    struct ini_doc *doc;

    if (text == NULL)
        return NULL;
    doc = ini_load_string(path, text, err);
    free(text);
    return doc;
}

void
ini_free(struct ini_doc *doc)
{
    if (doc == NULL)
        return;
    for (size_t i = 0; i < doc->n; i++) {
        free(doc->v[i].section);
        free(doc->v[i].key);
        free(doc->v[i].value);
    }
    free(doc->v);
    free(doc->name);
    free(doc);
}

void
ini_where(const struct ini_doc *doc, const struct ini_entry *e, char *buf,
          size_t n)
{
    if (e->section[0] != '\0')
        snprintf(buf, n, "%s:%d: [%s] %s", doc->name, e->line, e->section,
                 e->key);
    else
        snprintf(buf, n, "%s:%d: %s", doc->name, e->line, e->key);
}

int
ini_error(const struct ini_doc *doc, const struct ini_entry *e,
          struct ferry_err *err, const char *fmt, ...)
{
    char where[256], what[384];
    va_list ap;

    ini_where(doc, e, where, sizeof where);
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    err_set(err, "%s: %s", where, what);
    return -1;
}

/* Run a units parser and prefix its message with the place. */
static int
wrap(const struct ini_doc *doc, const struct ini_entry *e,
     struct ferry_err *err, int rc, const struct ferry_err *inner)
{
    if (rc == 0)
        return 0;
    return ini_error(doc, e, err, "%s", inner->msg);
}

int
ini_get_bytes(const struct ini_doc *doc, const struct ini_entry *e,
              uint64_t *out, struct ferry_err *err)
{
    struct ferry_err in;

    return wrap(doc, e, err, units_parse_bytes(e->value, out, &in), &in);
}

int
ini_get_rate(const struct ini_doc *doc, const struct ini_entry *e,
             uint64_t *out, struct ferry_err *err)
{
    struct ferry_err in;

    return wrap(doc, e, err, units_parse_rate(e->value, out, &in), &in);
}

int
ini_get_ms(const struct ini_doc *doc, const struct ini_entry *e,
           uint64_t *out, struct ferry_err *err)
{
    struct ferry_err in;

    return wrap(doc, e, err, units_parse_ms(e->value, out, &in), &in);
}

int
ini_get_percent(const struct ini_doc *doc, const struct ini_entry *e,
                double *out, struct ferry_err *err)
{
    struct ferry_err in;

    return wrap(doc, e, err, units_parse_percent(e->value, out, &in), &in);
}

int
ini_get_uint(const struct ini_doc *doc, const struct ini_entry *e,
             uint64_t min, uint64_t max, uint64_t *out, struct ferry_err *err)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(e->value, &end, 10);
    if (end == e->value || *end != '\0' || errno != 0 || e->value[0] == '-')
        return ini_error(doc, e, err, "'%s' is not a whole number", e->value);
    if (v < min || v > max)
        return ini_error(doc, e, err, "%llu is out of range (%llu to %llu)",
                         v, (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return 0;
}

int
ini_get_double(const struct ini_doc *doc, const struct ini_entry *e,
               double min, double max, double *out, struct ferry_err *err)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(e->value, &end);
    if (end == e->value || *end != '\0' || errno != 0 || !isfinite(v))
        return ini_error(doc, e, err, "'%s' is not a number", e->value);
    if (v < min || v > max)
        return ini_error(doc, e, err, "%g is out of range (%g to %g)", v, min,
                         max);
    *out = v;
    return 0;
}

int
ini_get_bool(const struct ini_doc *doc, const struct ini_entry *e, bool *out,
             struct ferry_err *err)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};

    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (strcasecmp(e->value, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(e->value, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return ini_error(doc, e, err, "'%s' is not yes or no", e->value);
}

const char *
ini_section_name(const char *section, const char *kind)
{
    size_t n = strlen(kind);

    if (strncmp(section, kind, n) != 0 || section[n] != ' ')
        return NULL;
    section += n;
    while (*section == ' ')
        section++;
    return *section ? section : NULL;
}
