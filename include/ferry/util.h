/* Small shared pieces: allocation that never returns NULL, error messages. */
#ifndef FERRY_UTIL_H
#define FERRY_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FERRY_VERSION_STRING "0.1.0"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__)
#define FERRY_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define FERRY_NORETURN __attribute__((noreturn))
#else
#define FERRY_PRINTF(f, a)
#define FERRY_NORETURN
#endif

/* A message a person can act on; filled by the function that failed. */
struct ferry_err {
    char msg[1024];
};

void err_set(struct ferry_err *err, const char *fmt, ...) FERRY_PRINTF(2, 3);
void err_clear(struct ferry_err *err);
/* Put what fmt says in front of the message ("file:3: "). */
void err_prefix(struct ferry_err *err, const char *fmt, ...) FERRY_PRINTF(2, 3);

/* Broken invariant: print and abort. Never for user errors. */
FERRY_NORETURN void fatal(const char *fmt, ...) FERRY_PRINTF(1, 2);
/* Run fn first in fatal() (NULL: nothing): the console ends curses. */
void fatal_set_hook(void (*fn)(void));

/* mkdir -p for the directory part of path (new ones get mode). */
int mkdir_parents(const char *path, unsigned mode, struct ferry_err *err);

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow *p to hold at least want elements of size sz; *cap is updated. */
void *xgrow(void *p, size_t *cap, size_t want, size_t sz);
char *xstrdup(const char *s);
/* In an array of n elements of size bytes sorted by the uint64_t at
 * offset off: how many have it <= key (a binary search). */
size_t count_le_u64(const void *base, size_t n, size_t size, size_t off,
                    uint64_t key);
/* The first n bytes of s (which need not end there), NUL-terminated. */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) FERRY_PRINTF(1, 2);
/* The same from a va_list (the caller's va_end). */
char *xvasprintf(const char *fmt, va_list ap) FERRY_PRINTF(1, 0);

/* Split s at any byte of seps, trimming blanks; empty items are dropped.
 * Caller frees each item and the array (strv_free). */
char **strv_split_by(const char *s, const char *seps, size_t *n);
/* The same at commas. */
char **strv_split(const char *s, size_t *n);
/* Words separated by blanks (strv_split_by with " \t"). */
char **str_words(const char *s, size_t *n);
void strv_free(char **v, size_t n);
bool strv_contains(char *const *v, size_t n, const char *s);
/* The items joined with sep between them; caller frees. */
char *strv_join(char *const *v, size_t n, const char *sep);

/* Trim blanks at both ends, in place. */
char *str_trim(char *s);
bool str_eq(const char *a, const char *b);
bool str_starts(const char *s, const char *prefix);

/* Read a whole file. Caller frees. */
char *file_read_all(const char *path, size_t *len, struct ferry_err *err);

#endif
