/* Themes: colours named by meaning, read from flat INI files. Parsing is
 * pure; ui/term.c turns a theme into curses colour pairs. */
#ifndef FERRY_THEME_H
#define FERRY_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "ferry/util.h"

enum role {
    ROLE_NORMAL,
    ROLE_HEADER,
    ROLE_BREADCRUMB,
    ROLE_COLUMN,
    ROLE_SELECTION,
    ROLE_STATUS,
    ROLE_STATUS_ERROR,
    ROLE_HINT,
    ROLE_DIM,
    ROLE_OK,
    ROLE_WARNING,
    ROLE_ERROR,
    ROLE_BORDER,
    ROLE_TITLE,
    ROLE_GRAPH_DIRTY,
    ROLE_GRAPH_BW,
    ROLE_GRAPH_REMAINING,
    ROLE_GRAPH_DOWNTIME,
    ROLE_BUDGET,
    ROLE_THRESHOLD,
    ROLE_PROGRESS,
    ROLE_COUNT
};

/* A colour: -1 terminal default, 0-255 palette index. */
struct style {
    short fg, bg;
    unsigned attrs; /* ATTR_* below, independent of curses */
};

#define ATTR_BOLD 1u
#define ATTR_DIM 2u
#define ATTR_UNDERLINE 4u
#define ATTR_REVERSE 8u

struct theme {
    char name[64];
    struct style s[ROLE_COUNT];
    bool mono; /* attributes only */
};

extern const char *const role_names[ROLE_COUNT];

/* The built-in default (dark) theme. */
void theme_default(struct theme *t);
/* The monochrome theme: attributes carry every meaning. */
void theme_mono(struct theme *t);
/* Parse a theme file over the default. Bad values are reported in warn
 * (file and line; the default is kept for that key); a missing or
 * unreadable file is an error. */
int theme_load(struct theme *t, const char *path, char *warn, size_t warn_n,
               struct ferry_err *err);
/* The same from text (name is used in messages). */
int theme_load_string(struct theme *t, const char *name, const char *text,
                      char *warn, size_t warn_n, struct ferry_err *err);
/* Find NAME.theme in the search path (XDG data dir, then the installed and
 * source themes/). Caller frees; NULL when not found. */
char *theme_find(const char *name);
/* Parse "fg, bg[, bold|dim|underline|reverse...]". */
int style_parse(const char *text, struct style *out, struct ferry_err *err);
/* Nearest of the 8 basic colours for a palette index (-1 stays -1). */
short color_to8(short c);

#endif
