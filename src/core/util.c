/* Allocation, errors and string helpers shared by every layer. */
#include "ferry/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Format an error message into err (NULL-safe). */
void
err_set(struct ferry_err *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

void
err_prefix(struct ferry_err *err, const char *fmt, ...)
{
    va_list ap;
    char *pre, *msg;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    pre = xvasprintf(fmt, ap);
    va_end(ap);
    msg = xasprintf("%s%s", pre, err->msg);
    snprintf(err->msg, sizeof err->msg, "%s", msg);
    free(pre);
    free(msg);
}

/* Forget a previous error. */
void
err_clear(struct ferry_err *err)
{
    if (err != NULL)
        err->msg[0] = '\0';
}

static void (*fatal_hook)(void);

void
fatal_set_hook(void (*fn)(void))
{
    fatal_hook = fn;
}

/* Report a broken invariant and abort, after the hook (the console ends
 * curses there, so the message is readable and the terminal restored). */
void
fatal(const char *fmt, ...)
{
    va_list ap;
    void (*hook)(void) = fatal_hook;

    fatal_hook = NULL; /* once, even if the hook itself fails */
    if (hook != NULL)
        hook();
    va_start(ap, fmt);
    fputs("ferry: fatal: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

void *
xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        fatal("out of memory (%zu bytes)", n);
    return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

    if (p == NULL)
        fatal("out of memory (%zu x %zu bytes)", nmemb, size);
    return p;
}

void *
xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL)
        fatal("out of memory (%zu bytes)", n);
    return q;
}

/* Grow an array geometrically so that appends stay amortised O(1). */
void *
xgrow(void *p, size_t *cap, size_t want, size_t sz)
{
    size_t ncap;

    if (want <= *cap)
        return p;
    ncap = *cap ? *cap : 8;
    while (ncap < want)
        ncap *= 2;
    p = xrealloc(p, ncap * sz);
    *cap = ncap;
    return p;
}

char *
xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);

    memcpy(d, s, n);
    return d;
}

char *
xstrndup(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);

    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* GCC 12 with -fsanitize reports a "null format string" here that cannot
 * happen (fmt is a checked printf format at every caller). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
/* Caller frees. */
char *
xvasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    char probe[1];
    int n;
    char *s;

    va_copy(ap2, ap);
    n = vsnprintf(probe, sizeof probe, fmt, ap);
    if (n < 0)
        fatal("xasprintf: output error");
    s = xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

char *
xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    return s;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

char *
str_trim(char *s)
{
    char *e;

    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = '\0';
    return s;
}

bool
str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

bool
str_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Split s at any of the bytes in seps, trimming blanks; empty items are
 * dropped. Caller frees with strv_free. */
char **
strv_split_by(const char *s, const char *seps, size_t *n)
{
    char *copy = xstrdup(s), *save = NULL, *tok;
    char **v = NULL;
    size_t cap = 0;

    *n = 0;
    for (tok = strtok_r(copy, seps, &save); tok != NULL;
         tok = strtok_r(NULL, seps, &save)) {
        char *t = str_trim(tok);

        if (*t == '\0')
            continue;
        v = xgrow(v, &cap, *n + 1, sizeof *v);
        v[(*n)++] = xstrdup(t);
    }
    free(copy);
    return v;
}

/* Caller frees with strv_free. */
char **
strv_split(const char *s, size_t *n)
{
    return strv_split_by(s, ",", n);
}

/* Caller frees with strv_free. */
char **
str_words(const char *s, size_t *n)
{
    return strv_split_by(s, " \t", n);
}

void
strv_free(char **v, size_t n)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

bool
strv_contains(char *const *v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

char *
strv_join(char *const *v, size_t n, const char *sep)
{
    size_t len = 1, k = strlen(sep);
    char *out, *p;

    for (size_t i = 0; i < n; i++)
        len += strlen(v[i]) + (i ? k : 0);
    p = out = xmalloc(len);
    for (size_t i = 0; i < n; i++) {
        if (i) {
            memcpy(p, sep, k);
            p += k;
        }
        memcpy(p, v[i], strlen(v[i]));
        p += strlen(v[i]);
    }
    *p = '\0';
    return out;
}

/* Caller frees. */
char *
file_read_all(const char *path, size_t *len, struct ferry_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0, got;

    if (f == NULL) {
        err_set(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        buf = xgrow(buf, &cap, n + 65536, 1);
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        err_set(err, "%s: read error", path);
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

size_t
count_le_u64(const void *base, size_t n, size_t size, size_t off,
             uint64_t key)
{
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t v;

        memcpy(&v, (const char *)base + mid * size + off, sizeof v);
        if (v <= key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int
mkdir_parents(const char *path, unsigned mode, struct ferry_err *err)
{
    char *p = xstrdup(path);

    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
            err_set(err, "%s: cannot create directory: %s", p,
                    strerror(errno));
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
}
