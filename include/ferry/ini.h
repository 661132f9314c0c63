/* INI documents read with inih, kept with their line numbers so that every
 * consumer can say exactly where a bad value is. */
#ifndef FERRY_INI_H
#define FERRY_INI_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/util.h"

struct ini_entry {
    char *section; /* "" before the first section; consecutive entries
                    * of one section share it (read-only) */
    char *key;
    char *value;
    int line;
};

struct ini_doc {
    char *name; /* file name, or a label for built-in text */
    struct ini_entry *v;
    size_t n, cap;
};

/* Caller frees with ini_free. */
struct ini_doc *ini_load_file(const char *path, struct ferry_err *err);
struct ini_doc *ini_load_string(const char *name, const char *text,
                                struct ferry_err *err);
void ini_free(struct ini_doc *doc);

/* "file:line: [section] key: " prefix for messages about e. */
void ini_where(const struct ini_doc *doc, const struct ini_entry *e,
               char *buf, size_t n);
/* Set err to "<where>: <message>". Returns -1 for convenience. */
int ini_error(const struct ini_doc *doc, const struct ini_entry *e,
              struct ferry_err *err, const char *fmt, ...) FERRY_PRINTF(4, 5);

/* Typed readers: parse e->value, on failure fill err with the place. */
int ini_get_bytes(const struct ini_doc *doc, const struct ini_entry *e,
                  uint64_t *out, struct ferry_err *err);
int ini_get_rate(const struct ini_doc *doc, const struct ini_entry *e,
                 uint64_t *out, struct ferry_err *err);
int ini_get_ms(const struct ini_doc *doc, const struct ini_entry *e,
               uint64_t *out, struct ferry_err *err);
int ini_get_uint(const struct ini_doc *doc, const struct ini_entry *e,
                 uint64_t min, uint64_t max, uint64_t *out,
                 struct ferry_err *err);
int ini_get_double(const struct ini_doc *doc, const struct ini_entry *e,
                   double min, double max, double *out,
                   struct ferry_err *err);
int ini_get_percent(const struct ini_doc *doc, const struct ini_entry *e,
                    double *out, struct ferry_err *err);
int ini_get_bool(const struct ini_doc *doc, const struct ini_entry *e,
                 bool *out, struct ferry_err *err);

/* Split "kind name" section headers: returns the name part or NULL when the
 * section is not of that kind. */
const char *ini_section_name(const char *section, const char *kind);

#endif
