/* Theme files: parse, fall back to the default per key. No curses here. */
#include "ferry/theme.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "ferry/ini.h"

const char *const role_names[ROLE_COUNT] = {
    [ROLE_NORMAL] = "normal",
    [ROLE_HEADER] = "header",
    [ROLE_BREADCRUMB] = "breadcrumb",
    [ROLE_COLUMN] = "column",
    [ROLE_SELECTION] = "selection",
    [ROLE_STATUS] = "status",
    [ROLE_STATUS_ERROR] = "status_error",
    [ROLE_HINT] = "hint",
    [ROLE_DIM] = "dim",
    [ROLE_OK] = "ok",
    [ROLE_WARNING] = "warning",
    [ROLE_ERROR] = "error",
    [ROLE_BORDER] = "border",
    [ROLE_TITLE] = "title",
    [ROLE_GRAPH_DIRTY] = "graph_dirty",
    [ROLE_GRAPH_BW] = "graph_bandwidth",
    [ROLE_GRAPH_REMAINING] = "graph_remaining",
    [ROLE_GRAPH_DOWNTIME] = "graph_downtime",
    [ROLE_BUDGET] = "budget_line",
    [ROLE_THRESHOLD] = "threshold_line",
    [ROLE_PROGRESS] = "progress",
};

#define S(f, b, a) ((struct style){.fg = (f), .bg = (b), .attrs = (a)})

void
theme_default(struct theme *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "default");
    t->s[ROLE_NORMAL] = S(-1, -1, 0);
    t->s[ROLE_HEADER] = S(15, 24, ATTR_BOLD);
    t->s[ROLE_BREADCRUMB] = S(117, 24, 0);
    t->s[ROLE_COLUMN] = S(250, 236, ATTR_BOLD);
    t->s[ROLE_SELECTION] = S(16, 117, 0);
    t->s[ROLE_STATUS] = S(252, 236, 0);
    t->s[ROLE_STATUS_ERROR] = S(15, 124, ATTR_BOLD);
    t->s[ROLE_HINT] = S(244, -1, 0);
    t->s[ROLE_DIM] = S(244, -1, 0);
    t->s[ROLE_OK] = S(71, -1, 0);
    t->s[ROLE_WARNING] = S(214, -1, ATTR_BOLD);
    t->s[ROLE_ERROR] = S(203, -1, ATTR_BOLD);
    t->s[ROLE_BORDER] = S(240, -1, 0);
    t->s[ROLE_TITLE] = S(117, -1, ATTR_BOLD);
    t->s[ROLE_GRAPH_DIRTY] = S(209, -1, 0);
    t->s[ROLE_GRAPH_BW] = S(75, -1, 0);
    t->s[ROLE_GRAPH_REMAINING] = S(141, -1, 0);
    t->s[ROLE_GRAPH_DOWNTIME] = S(114, -1, 0);
    t->s[ROLE_BUDGET] = S(196, -1, ATTR_BOLD);
    t->s[ROLE_THRESHOLD] = S(226, -1, 0);
    t->s[ROLE_PROGRESS] = S(16, 71, 0);
}

void
theme_mono(struct theme *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "mono");
    t->mono = true;
    for (int r = 0; r < ROLE_COUNT; r++)
        t->s[r] = S(-1, -1, 0);
    t->s[ROLE_HEADER].attrs = ATTR_REVERSE | ATTR_BOLD;
    t->s[ROLE_BREADCRUMB].attrs = ATTR_REVERSE;
    t->s[ROLE_COLUMN].attrs = ATTR_BOLD | ATTR_UNDERLINE;
    t->s[ROLE_SELECTION].attrs = ATTR_REVERSE;
    t->s[ROLE_STATUS].attrs = ATTR_REVERSE;
    t->s[ROLE_STATUS_ERROR].attrs = ATTR_REVERSE | ATTR_BOLD;
    t->s[ROLE_HINT].attrs = ATTR_DIM;
    t->s[ROLE_DIM].attrs = ATTR_DIM;
    t->s[ROLE_WARNING].attrs = ATTR_BOLD;
    t->s[ROLE_ERROR].attrs = ATTR_BOLD | ATTR_UNDERLINE;
    t->s[ROLE_TITLE].attrs = ATTR_BOLD;
    t->s[ROLE_BUDGET].attrs = ATTR_BOLD;
    t->s[ROLE_GRAPH_BW].attrs = ATTR_BOLD;
    t->s[ROLE_PROGRESS].attrs = ATTR_REVERSE;
}

static const struct {
    const char *name;
    short c;
} color_names[] = {
    {"default", -1}, {"black", 0},   {"red", 1},     {"green", 2},
    {"yellow", 3},   {"blue", 4},    {"magenta", 5}, {"cyan", 6},
    {"white", 7},    {"gray", 8},    {"grey", 8},    {"brightred", 9},
    {"brightgreen", 10}, {"brightyellow", 11}, {"brightblue", 12},
    {"brightmagenta", 13}, {"brightcyan", 14}, {"brightwhite", 15},
};

/* Quantize 24-bit colour to the 6x6x6 cube (or the grey ramp). */
static short
rgb_to_256(int r, int g, int b)
{
    static const int lv[6] = {0, 95, 135, 175, 215, 255};
    int ri = 0, gi = 0, bi = 0, best = 1 << 30, grey, gidx, gd, cd;

    for (int i = 0; i < 6; i++) {
        if (abs(lv[i] - r) < abs(lv[ri] - r))
            ri = i;
        if (abs(lv[i] - g) < abs(lv[gi] - g))
            gi = i;
        if (abs(lv[i] - b) < abs(lv[bi] - b))
            bi = i;
    }
    cd = (lv[ri] - r) * (lv[ri] - r) + (lv[gi] - g) * (lv[gi] - g) +
         (lv[bi] - b) * (lv[bi] - b);
    grey = (r + g + b) / 3;
    gidx = grey < 8 ? 0 : grey > 238 ? 23 : (grey - 8) / 10;
    gd = 3 * (8 + 10 * gidx - grey) * (8 + 10 * gidx - grey);
    best = cd;
    if (gd < best)
        return (short)(232 + gidx);
    return (short)(16 + 36 * ri + 6 * gi + bi);
}

static int
parse_color(const char *s, short *out)
{
    char *end;
    long v;

    for (size_t i = 0; i < ARRAY_SIZE(color_names); i++)
        if (strcasecmp(s, color_names[i].name) == 0) {
            *out = color_names[i].c;
            return 0;
        }
    if (s[0] == '#' && strlen(s) == 7) {
        unsigned r, g, b;

        if (sscanf(s + 1, "%2x%2x%2x", &r, &g, &b) != 3)
            return -1;
        for (int i = 1; i < 7; i++)
            if (!isxdigit((unsigned char)s[i]))
                return -1;
        *out = rgb_to_256((int)r, (int)g, (int)b);
        return 0;
    }
    if (strncasecmp(s, "color", 5) == 0)
        s += 5;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 0 || v > 255)
        return -1;
    *out = (short)v;
    return 0;
}

int
style_parse(const char *text, struct style *out, struct ferry_err *err)
{
    size_t n;
    char **v = strv_split(text, &n);
    struct style s = {-1, -1, 0};
    int rc = 0;

    if (n == 0) {
        err_set(err, "empty style (expected 'fg, bg[, bold...]')");
        rc = -1;
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        static const struct {
            const char *name;
            unsigned a;
        } attrs[] = {{"bold", ATTR_BOLD},
                     {"dim", ATTR_DIM},
                     {"underline", ATTR_UNDERLINE},
                     {"reverse", ATTR_REVERSE}};
        bool found = false;

        if (i < 2) {
            short *c = i == 0 ? &s.fg : &s.bg;

            if (parse_color(v[i], c) == 0)
                continue;
        }
        for (size_t k = 0; k < ARRAY_SIZE(attrs); k++)
            if (strcasecmp(v[i], attrs[k].name) == 0) {
                s.attrs |= attrs[k].a;
                found = true;
            }
        if (!found) {
            err_set(err,
                    "'%s' is not a colour (name, 0-255, #rrggbb) or an "
                    "attribute (bold, dim, underline, reverse)",
                    v[i]);
            rc = -1;
        }
    }
    strv_free(v, n);
    if (rc == 0)
        *out = s;
    return rc;
}

static int
theme_load_doc(struct theme *t, struct ini_doc *doc, char *warn,
               size_t warn_n)
{
    size_t off = 0;

    if (warn_n > 0)
        warn[0] = '\0';
    if (doc == NULL)
        return -1;
    for (size_t i = 0; i < doc->n; i++) {
        const struct ini_entry *e = &doc->v[i];
        struct ferry_err in;
        char where[200];
        int role = -1;

        ini_where(doc, e, where, sizeof where);
        if (strcmp(e->section, "theme") == 0 && strcmp(e->key, "name") == 0) {
            snprintf(t->name, sizeof t->name, "%s", e->value);
            continue;
        }
        if (strcmp(e->section, "colors") == 0)
            for (int r = 0; r < ROLE_COUNT; r++)
                if (strcmp(role_names[r], e->key) == 0)
                    role = r;
        if (role < 0) {
            snprintf(in.msg, sizeof in.msg, "unknown key (default kept)");
        } else if (style_parse(e->value, &t->s[role], &in) == 0) {
            continue;
        }
        if (off < warn_n)
            off += (size_t)snprintf(warn + off, warn_n - off, "%s%s: %s",
                                    off ? "; " : "", where, in.msg);
    }
    ini_free(doc);
    return 0;
}

int
theme_load(struct theme *t, const char *path, char *warn, size_t warn_n,
           struct ferry_err *err)
{
    return theme_load_doc(t, ini_load_file(path, err), warn, warn_n);
}

int
theme_load_string(struct theme *t, const char *name, const char *text,
                  char *warn, size_t warn_n, struct ferry_err *err)
{
    return theme_load_doc(t, ini_load_string(name, text, err), warn, warn_n);
}

char *
theme_find(const char *name)
{
    const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
    char *cand[4] = {0};
    char *found = NULL;
    struct stat st;
    size_t n = 0;

    if (strchr(name, '/') != NULL)
        return stat(name, &st) == 0 ? xstrdup(name) : NULL;
    if (xdg != NULL && xdg[0] == '/')
        cand[n++] = xasprintf("%s/ferry/themes/%s.theme", xdg, name);
    else if (home != NULL)
        cand[n++] = xasprintf("%s/.local/share/ferry/themes/%s.theme", home,
                              name);
    cand[n++] = xasprintf("%s/%s.theme", FERRY_THEMEDIR, name);
    cand[n++] = xasprintf("%s/%s.theme", FERRY_SRC_THEMEDIR, name);
    for (size_t i = 0; i < n; i++) {
        if (found == NULL && stat(cand[i], &st) == 0)
            found = xstrdup(cand[i]);
        free(cand[i]);
    }
    return found;
}

short
color_to8(short c)
{
    static const short cube8[6] = {0, 0, 0, 1, 1, 1};
    int r, g, b;

    if (c < 0)
        return c;
    if (c < 8)
        return c;
    if (c < 16)
        return (short)(c - 8);
    if (c >= 232)
        return c < 244 ? 0 : 7;
    c = (short)(c - 16);
    r = cube8[c / 36];
    g = cube8[(c / 6) % 6];
    b = cube8[c % 6];
    if (r == 0 && g == 0 && b == 0) {
        /* dark colours: keep the dominant hue if any */
        int rr = c / 36, gg = (c / 6) % 6, bb = c % 6;

        if (rr >= gg && rr >= bb && rr > 0)
            return 1;
        if (gg >= rr && gg >= bb && gg > 0)
            return 2;
        if (bb > 0)
            return 4;
        return 0;
    }
    return (short)(r | (g << 1) | (b << 2));
}
