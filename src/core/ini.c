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

/* inih reads lines through this; counting them gives each entry its line.
 *
 * inih parses into fixed buffers: a line of at most INI_MAX_LINE bytes (200
 * in Debian's build) and section names of at most 49. So a line that does
 * not fit, or a section header with a long name, is parsed here and handed
 * to inih as a short stand-in ("key = \x1fN" or "[\x1fN]") whose value or
 * section on_entry looks up again: no length limit, and inih still does
 * the rest (comments, continuation lines, the BOM, syntax errors). */
#define LONG_MARK '\x1f'
#define SHORT_SECTION 40

struct reader {
    const char *p;
    int line;
    char **longs; /* the long values and section names, by stand-in */
    size_t n_longs, cap_longs;
};

static bool
is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
           ch == '\f' || ch == '\v';
}

/* [s, e) without surrounding white space, as inih strips it. */
static void
strip(const char **s, const char **e)
{
    while (*s < *e && is_space(**s))
        (*s)++;
    while (*e > *s && is_space((*e)[-1]))
        (*e)--;
}

static size_t
keep_long(struct reader *r, const char *s, const char *e)
{
    r->longs = xgrow(r->longs, &r->cap_longs, r->n_longs + 1,
                     sizeof *r->longs);
    r->longs[r->n_longs] = xstrndup(s, (size_t)(e - s));
    return r->n_longs++;
}

/* An inline comment starts at ';' after white space, as in inih. */
static const char *
comment_or_end(const char *s, const char *e)
{
    for (const char *q = s; q < e; q++)
        if (*q == ';' && (q == s || is_space(q[-1])))
            return q;
    return e;
}

/* Write the stand-in for the line [s, e) into str when it needs one.
 * Returns false when inih can take the line as it is. */
static bool
stand_in(struct reader *r, const char *s, const char *e, char *str, int num)
{
    const char *b = s, *x = e, *sep;
    bool fits = e - s <= num - 2;

    strip(&b, &x);
    if (b == x || *b == ';' || *b == '#') {
        if (fits)
            return false;
        snprintf(str, (size_t)num, "\n"); /* inih would drop it anyway */
        return true;
    }
    if (*b == '[') {
        const char *close = memchr(b, ']', (size_t)(x - b));
        const char *ns = b + 1, *ne = close ? close : x;

        strip(&ns, &ne);
        if (close == NULL && !fits) {
            snprintf(str, (size_t)num, "[\n"); /* inih's "no ]" error */
            return true;
        }
        if (close == NULL || (fits && ne - ns <= SHORT_SECTION))
            return false; /* inih reports what is wrong, or takes it */
        snprintf(str, (size_t)num, "[%c%zu]\n", LONG_MARK,
                 keep_long(r, ns, ne));
        return true;
    }
    if (fits)
        return false;
    sep = b;
    while (sep < x && *sep != '=' && *sep != ':')
        sep++;
    if (sep == x || sep - b > num / 2) {
        /* no key = value, or a key no setting has: inih's error */
        snprintf(str, (size_t)num, "%c\n", LONG_MARK);
        return true;
    }
    {
        const char *vs = sep + 1, *ve = comment_or_end(sep + 1, x);

        strip(&vs, &ve);
        snprintf(str, (size_t)num, "%.*s= %c%zu\n", (int)(sep - b), b,
                 LONG_MARK, keep_long(r, vs, ve));
    }
    return true;
}

static char *
reader_next(char *str, int num, void *stream)
{
    struct reader *r = stream;
    const char *nl;
    size_t len;

    if (*r->p == '\0')
        return NULL;
    nl = strchr(r->p, '\n');
    len = nl ? (size_t)(nl - r->p) + 1 : strlen(r->p);
    r->line++;
    if (!stand_in(r, r->p, r->p + len, str, num)) {
        memcpy(str, r->p, len);
        str[len] = '\0';
    }
    r->p += len;
    return str;
}

/* The text a stand-in stands for, or s itself. */
static const char *
resolve(const struct reader *r, const char *s)
{
    char *end;
    unsigned long long i;

    if (s == NULL || s[0] != LONG_MARK)
        return s;
    i = strtoull(s + 1, &end, 10);
    return *end == '\0' && i < r->n_longs ? r->longs[i] : s;
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
    const char *sec = resolve(c->rd, section);

    d->v = xgrow(d->v, &d->cap, d->n + 1, sizeof *d->v);
    e = &d->v[d->n++];
    /* the entries of a section share its name (ini_free knows) */
    e->section = d->n > 1 && strcmp(e[-1].section, sec) == 0 ? e[-1].section
                                                              : xstrdup(sec);
    e->key = xstrdup(name);
    e->value = xstrdup(value ? resolve(c->rd, value) : "");
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
    for (size_t i = 0; i < rd.n_longs; i++)
        free(rd.longs[i]);
    free(rd.longs);
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
        if (i == 0 || doc->v[i].section != doc->v[i - 1].section)
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
