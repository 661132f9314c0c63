/* Units: parsing and formatting bytes, rates and durations. */
#ifndef FERRY_UNITS_H
#define FERRY_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "ferry/util.h"

#define KiB (1024ULL)
#define MiB (1024ULL * 1024)
#define GiB (1024ULL * 1024 * 1024)
#define TiB (1024ULL * 1024 * 1024 * 1024)

/* "4GiB", "512 MiB", "1.5G" (binary), "4GB" (decimal), "4096" (bytes). */
int units_parse_bytes(const char *s, uint64_t *bytes, struct ferry_err *err);
/* "200MiB/s", "1.5 GiB/s", "10Gbit", "10 Gbps", "100Mbit/s"; a bare number
 * is MiB/s, as on the command line. Result in bytes per second. */
int units_parse_rate(const char *s, uint64_t *bps, struct ferry_err *err);
/* "500ms", "1.5s", "2m", "1h"; a bare number is milliseconds. */
int units_parse_ms(const char *s, uint64_t *ms, struct ferry_err *err);
/* "20%", "20" -> 20; must lie in [0, 100]. */
int units_parse_percent(const char *s, double *pct, struct ferry_err *err);

/* Format into buf; return buf. */
char *units_fmt_bytes(char *buf, size_t n, uint64_t bytes);
char *units_fmt_rate(char *buf, size_t n, double bps);
char *units_fmt_ms(char *buf, size_t n, double ms);

#endif
