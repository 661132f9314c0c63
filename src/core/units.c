/* Units that operators type and read: bytes, rates, durations. */
#include "ferry/units.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct unit {
    const char *name;
    double factor;
};

static const struct unit byte_units[] = {
    {"", 1},         {"b", 1},           {"bytes", 1},
    {"k", 1024.0},   {"kib", 1024.0},    {"kb", 1e3},
    {"m", 1048576.0}, {"mib", 1048576.0}, {"mb", 1e6},
    {"g", 1073741824.0}, {"gib", 1073741824.0}, {"gb", 1e9},
    {"t", 1099511627776.0}, {"tib", 1099511627776.0}, {"tb", 1e12},
    {"p", 1125899906842624.0}, {"pib", 1125899906842624.0}, {"pb", 1e15},
    {"e", 1152921504606846976.0}, {"eib", 1152921504606846976.0},
    {"eb", 1e18},
};

static const struct unit rate_units[] = {
    {"", 1048576.0}, /* bare number: MiB/s */
    {"b/s", 1},      {"kib/s", 1024.0}, {"mib/s", 1048576.0},
    {"gib/s", 1073741824.0}, {"tib/s", 1099511627776.0},
    {"kb/s", 1e3}, {"mb/s", 1e6}, {"gb/s", 1e9}, {"tb/s", 1e12},
    {"kbit", 1e3 / 8}, {"mbit", 1e6 / 8}, {"gbit", 1e9 / 8},
    {"tbit", 1e12 / 8},
    {"kbit/s", 1e3 / 8}, {"mbit/s", 1e6 / 8}, {"gbit/s", 1e9 / 8},
    {"tbit/s", 1e12 / 8},
    {"kbps", 1e3 / 8}, {"mbps", 1e6 / 8}, {"gbps", 1e9 / 8},
    {"tbps", 1e12 / 8},
    {"gbe", 1e9 / 8},
};

static const struct unit time_units[] = {
    {"", 1}, {"ms", 1}, {"s", 1000}, {"sec", 1000}, {"m", 60000},
    {"min", 60000}, {"h", 3600000},
};

/* Parse "<number><unit>" where unit is looked up case-insensitively. */
static int
parse_with_units(const char *s, const struct unit *units, size_t nunits,
                 double *out, const char *what, struct ferry_err *err)
{
    char *end;
    double v;
    char unit[16];
    size_t n = 0;

    if (s == NULL) {
        err_set(err, "missing %s", what);
        return -1;
    }
    while (isspace((unsigned char)*s))
        s++;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || errno != 0 || !isfinite(v)) {
        err_set(err, "'%s' is not a %s", s, what);
        return -1;
    }
    if (v < 0) {
        err_set(err, "'%s': a %s cannot be negative", s, what);
        return -1;
    }
    while (isspace((unsigned char)*end))
        end++;
    while (*end != '\0' && n + 1 < sizeof unit)
        unit[n++] = (char)tolower((unsigned char)*end++);
    while (n > 0 && isspace((unsigned char)unit[n - 1]))
        n--;
    unit[n] = '\0';
    if (*end != '\0')
        goto bad_unit;
    for (size_t i = 0; i < nunits; i++) {
        if (strcmp(units[i].name, unit) == 0) {
            *out = v * units[i].factor;
            return 0;
        }
    }
bad_unit:
    err_set(err, "'%s': unknown unit for a %s", s, what);
    return -1;
}

int
units_parse_bytes(const char *s, uint64_t *bytes, struct ferry_err *err)
{
    double v;

    if (parse_with_units(s, byte_units, ARRAY_SIZE(byte_units), &v, "size",
                         err) < 0)
        return -1;
    if (v >= 18446744073709551615.0) {
        err_set(err, "'%s' is too large (at most 15 EiB)", s);
        return -1;
    }
    *bytes = (uint64_t)(v + 0.5);
    return 0;
}

int
units_parse_rate(const char *s, uint64_t *bps, struct ferry_err *err)
{
    double v;

    if (parse_with_units(s, rate_units, ARRAY_SIZE(rate_units), &v, "rate",
                         err) < 0)
        return -1;
    if (v >= 1e18) {
        err_set(err, "'%s' is too large", s);
        return -1;
    }
    *bps = (uint64_t)llround(v);
    return 0;
}

int
units_parse_ms(const char *s, uint64_t *ms, struct ferry_err *err)
{
    double v;

    if (parse_with_units(s, time_units, ARRAY_SIZE(time_units), &v,
                         "duration", err) < 0)
        return -1;
    if (v >= 1e15) {
        err_set(err, "'%s' is too long", s);
        return -1;
    }
    *ms = (uint64_t)llround(v);
    return 0;
}

int
units_parse_percent(const char *s, double *pct, struct ferry_err *err)
{
    char *end;
    double v;

    if (s == NULL) {
        err_set(err, "missing percentage");
        return -1;
    }
    errno = 0;
    v = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (*end == '%')
        end++;
    while (isspace((unsigned char)*end))
        end++;
    if (end == s || *end != '\0' || errno != 0 || !(v >= 0 && v <= 100)) {
        err_set(err, "'%s' is not a percentage between 0 and 100", s);
        return -1;
    }
    *pct = v;
    return 0;
}

/* Pick the largest binary unit that keeps the number >= 1. */
static void
fmt_scaled(char *buf, size_t n, double v, const char *const *names)
{
    int u = 0;

    while (v >= 1024.0 && names[u + 1] != NULL) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, n, "%.0f %s", v, names[u]);
    else if (v < 10)
        snprintf(buf, n, "%.2f %s", v, names[u]);
    else if (v < 100)
        snprintf(buf, n, "%.1f %s", v, names[u]);
    else
        snprintf(buf, n, "%.0f %s", v, names[u]);
}

char *
units_fmt_bytes(char *buf, size_t n, uint64_t bytes)
{
    static const char *const names[] = {"B",   "KiB", "MiB", "GiB",
                                        "TiB", "PiB", "EiB", NULL};

    fmt_scaled(buf, n, (double)bytes, names);
    return buf;
}

char *
units_fmt_rate(char *buf, size_t n, double bps)
{
    static const char *const names[] = {"B/s", "KiB/s", "MiB/s", "GiB/s",
                                        "TiB/s", "PiB/s", NULL};

    fmt_scaled(buf, n, bps < 0 ? 0 : bps, names);
    return buf;
}

char *
units_fmt_ms(char *buf, size_t n, double ms)
{
    if (ms < 0)
        ms = 0;
    if (ms < 1000)
        snprintf(buf, n, "%.0f ms", ms);
    else if (ms < 60000)
        snprintf(buf, n, "%.1f s", ms / 1000);
    else if (ms < 3600000) {
        long s = lround(ms / 1000);
        snprintf(buf, n, "%ldm%02lds", s / 60, s % 60);
    } else {
        long m = lround(ms / 60000);
        snprintf(buf, n, "%ldh%02ldm", m / 60, m % 60);
    }
    return buf;
}
