/* A table of text cells: rows added in any number, filtered and sorted
 * into a view order, and column widths laid out from the content and the
 * width there is. Pure C: the console draws it, the CLI prints it. */
#ifndef FERRY_TABLE_H
#define FERRY_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ferry/util.h"

struct table_col {
    const char *title;
    int min;   /* never narrower (0: the title's width) */
    int max;   /* never wider than this unless it is the flex column (0: no
                * limit) */
    int give;  /* short of room, the highest gives way first (shrinks, then
                * hides); 0 shrinks last and is never hidden */
    bool right;
    bool flex; /* takes the width left over */
};

struct table_row {
    size_t id;    /* offset of the row's id in the text arena */
    size_t cell0; /* its first cell in cells[] */
    int role;     /* the drawer's (enum role) */
    const void *tag; /* the drawer's (a job for a sparkline) */
};

struct table_cell {
    size_t text; /* offset in the text arena */
    double key;  /* NAN: sort by text */
};

struct table {
    const struct table_col *cols;
    int n_cols;
    struct table_row *rows;
    size_t n_rows, cap_rows;
    struct table_cell *cells;
    size_t cap_cells;
    char *text; /* every id and cell, NUL-terminated */
    size_t text_len, cap_text;
    size_t *order; /* rows shown, filtered and sorted */
    size_t n_shown, cap_order;
    int *want;     /* widest content per column, title included */
};

void table_init(struct table *t, const struct table_col *cols, int n_cols);
/* Forget the rows, keep the memory for the next build. */
void table_clear(struct table *t);
void table_fini(struct table *t);

/* A new row (cells empty, keys NAN); returns its index. */
size_t table_add(struct table *t, const char *id, int role);
void table_set(struct table *t, size_t row, int col, double key,
               const char *fmt, ...) FERRY_PRINTF(5, 6);
const char *table_cell(const struct table *t, size_t row, int col);
const char *table_id(const struct table *t, size_t row);

/* Rows whose cells or id contain filter (case-insensitive; "" or NULL: all)
 * sorted by col (keys as numbers when both have one, else text, then id). */
void table_arrange(struct table *t, const char *filter, int sort_col,
                   bool desc);
/* The shown row at position i. */
size_t table_shown(const struct table *t, size_t i);
/* Position of the shown row with this id, or -1. */
long table_find(const struct table *t, const char *id);

/* Columns laid out in width terminal columns, one space between and one
 * before the first: widths[i] 0 hides column i. Every column gets its
 * content's width if there is room, the flex column the rest; short of
 * room, columns shrink to their minimum, the highest give first, then
 * columns are hidden, the highest give first. Returns the columns shown. */
int table_layout(const struct table_col *cols, int n, const int *want,
                 int width, int *widths);
/* The same with want measured from the table's rows (all, not just the
 * shown, so widths do not jump while filtering), the sorted column's title
 * with room for its arrow. */
int table_widths(const struct table *t, int sort_col, int width,
                 int *widths);

/* The rows as text, in the order added: each column as wide as its widest
 * cell or title (nothing cut), one blank apart, no trailing blanks. After
 * row r, after(f, r, ctx) may print lines of its own. */
void table_print(FILE *f, const struct table *t,
                 void (*after)(FILE *f, size_t row, void *ctx), void *ctx);

/* Terminal columns a UTF-8 string takes (one per character: ferry's own
 * texts and names are narrow). */
int text_width(const char *s);
/* s in exactly w columns: padded with blanks, or cut to w - 1 and an
 * ellipsis ("~" without UTF-8). Caller frees. */
char *text_fit(const char *s, int w, bool utf8);

#endif
