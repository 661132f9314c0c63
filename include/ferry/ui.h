/* The console's curses layer: terminal set-up, styles, widgets. Only ui/
 * includes curses. */
#ifndef FERRY_UI_H
#define FERRY_UI_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ferry/theme.h"

struct ui_term {
    SCREEN *screen;
    FILE *in, *out;
    bool utf8;      /* braille and box glyphs */
    int colors;     /* 0 (mono), 8, 256 */
    struct theme theme;
    attr_t attr[ROLE_COUNT];
};

/* Start curses on the given streams (stdin/stdout for the console, /dev/null
 * for off-screen tests). no_color forces mono. Returns 0 or -1. */
int ui_term_init(struct ui_term *t, FILE *in, FILE *out, const char *termtype,
                 const struct theme *theme, bool no_color);
void ui_term_fini(struct ui_term *t);
/* Re-apply a theme (colour pairs), e.g. after loading one. */
void ui_term_apply(struct ui_term *t, const struct theme *theme);

static inline attr_t
ui_attr(const struct ui_term *t, enum role r)
{
    return t->attr[r];
}

/* Write s clipped to n columns (UTF-8 aware); returns columns used. */
int ui_put(WINDOW *w, int y, int x, int n, const char *s);
/* Same, padding with blanks to exactly n columns. */
void ui_put_pad(WINDOW *w, int y, int x, int n, const char *s);
/* Like ui_put, but a text wider than n ends in an ellipsis ("~" without
 * UTF-8) so that nothing is cut silently. */
/* A formatted line in exactly n columns: padded with blanks, or cut with
 * an ellipsis (what it formats may be any length). */
void ui_line(const struct ui_term *t, WINDOW *w, int y, int x, int n,
             const char *fmt, ...) FERRY_PRINTF(6, 7);
int ui_put_cut(const struct ui_term *t, WINDOW *w, int y, int x, int n,
               const char *s);
/* Terminal columns s takes. */
int ui_width(const char *s);
void ui_fill(WINDOW *w, int y, int x, int n, chtype ch);
/* Word-wrap s (lines split at '\n') into at most max_lines rows of n
 * columns, each padded; returns the rows used. */
int ui_put_wrapped(WINDOW *w, int y, int x, int n, int max_lines,
                   const char *s);

/* Graphs: values per sample, drawn as an area (braille packs two samples
 * per cell; ASCII one). An optional second series is drawn as a line and a
 * horizontal reference line (the budget) as dashes. */
enum graph_unit {
    GU_RATE,  /* bytes/s */
    GU_BYTES,
    GU_MS,
};

struct graph {
    const char *title;
    enum graph_unit unit;
    const double *area;
    size_t n_area;
    enum role area_role;
    const char *area_label;
    const double *line;
    size_t n_line;
    enum role line_role;
    const char *line_label;
    double ref;       /* horizontal line; < 0 for none */
    enum role ref_role;
    const char *ref_label;
    double span_s;    /* time the samples cover, for the x axis (0: rounds) */
    bool bars;        /* one bar per sample (rounds), two cells wide */
};

void ui_graph_draw(const struct ui_term *t, WINDOW *w, int y, int x, int h,
                   int width, const struct graph *g);
/* Format a value of the unit for an axis label (short). */
void ui_graph_label(enum graph_unit u, double v, char *buf, size_t n);
/* A one-line sparkline of up to width cells (braille or ASCII). */
void ui_sparkline(const struct ui_term *t, WINDOW *w, int y, int x,
                  int width, const double *v, size_t n, enum role role);

#endif
