/* Table rows in one text arena, a view order made by filter and qsort_r,
 * and a column layout that follows the content and the width there is. */
#include "ferry/table.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
table_init(struct table *t, const struct table_col *cols, int n_cols)
{
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->n_cols = n_cols;
    t->want = xcalloc((size_t)n_cols, sizeof *t->want);
}

void
table_clear(struct table *t)
{
    t->n_rows = 0;
    t->text_len = 0;
    t->n_shown = 0;
}

void
table_fini(struct table *t)
{
    free(t->rows);
    free(t->cells);
    free(t->text);
    free(t->order);
    free(t->want);
    memset(t, 0, sizeof *t);
}

static size_t
put_text(struct table *t, const char *s, size_t len)
{
    size_t at = t->text_len;

    t->text = xgrow(t->text, &t->cap_text, at + len + 1, 1);
    memcpy(t->text + at, s, len);
    t->text[at + len] = '\0';
    t->text_len += len + 1;
    return at;
}

size_t
table_add(struct table *t, const char *id, int role)
{
    size_t r = t->n_rows, c0 = r * (size_t)t->n_cols;
    struct table_row *row;

    t->rows = xgrow(t->rows, &t->cap_rows, r + 1, sizeof *t->rows);
    t->cells = xgrow(t->cells, &t->cap_cells, c0 + (size_t)t->n_cols,
                     sizeof *t->cells);
    if (t->text_len == 0)
        put_text(t, "", 0); /* offset 0: the empty cell */
    row = &t->rows[r];
    row->id = put_text(t, id, strlen(id));
    row->cell0 = c0;
    row->role = role;
    row->tag = NULL;
    for (int i = 0; i < t->n_cols; i++)
        t->cells[c0 + (size_t)i] = (struct table_cell){0, NAN};
    t->n_rows++;
    return r;
}

void
table_set(struct table *t, size_t row, int col, double key, const char *fmt,
          ...)
{
    struct table_cell *c = &t->cells[t->rows[row].cell0 + (size_t)col];
    char small[128], *s = small;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof small) {
        s = xmalloc((size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(s, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    c->text = put_text(t, s, (size_t)n);
    c->key = key;
    if (s != small)
        free(s);
}

const char *
table_cell(const struct table *t, size_t row, int col)
{
    return t->text + t->cells[t->rows[row].cell0 + (size_t)col].text;
}

const char *
table_id(const struct table *t, size_t row)
{
    return t->text + t->rows[row].id;
}

static bool
row_matches(const struct table *t, size_t r, const char *filter)
{
    for (int i = 0; i < t->n_cols; i++)
        if (strcasestr(table_cell(t, r, i), filter) != NULL)
            return true;
    return strcasestr(table_id(t, r), filter) != NULL;
}

struct sort_by {
    const struct table *t;
    int col;
    bool desc;
};

static int
row_cmp(const void *a, const void *b, void *arg)
{
    const struct sort_by *s = arg;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const struct table *t = s->t;
    double kx = t->cells[t->rows[x].cell0 + (size_t)s->col].key,
           ky = t->cells[t->rows[y].cell0 + (size_t)s->col].key;
    int r;

    if (!isnan(kx) && !isnan(ky))
        r = kx < ky ? -1 : kx > ky;
    else
        r = strcasecmp(table_cell(t, x, s->col), table_cell(t, y, s->col));
    if (r == 0)
        r = strcmp(table_id(t, x), table_id(t, y));
    return s->desc ? -r : r;
}

void
table_arrange(struct table *t, const char *filter, int sort_col, bool desc)
{
    struct sort_by by = {t, sort_col, desc};

    t->order = xgrow(t->order, &t->cap_order, t->n_rows + 1,
                     sizeof *t->order);
    t->n_shown = 0;
    for (size_t r = 0; r < t->n_rows; r++)
        if (filter == NULL || filter[0] == '\0' || row_matches(t, r, filter))
            t->order[t->n_shown++] = r;
    if (sort_col >= 0 && sort_col < t->n_cols)
        qsort_r(t->order, t->n_shown, sizeof *t->order, row_cmp, &by);
}

size_t
table_shown(const struct table *t, size_t i)
{
    return t->order[i];
}

long
table_find(const struct table *t, const char *id)
{
    for (size_t i = 0; i < t->n_shown; i++)
        if (strcmp(table_id(t, t->order[i]), id) == 0)
            return (long)i;
    return -1;
}

int
text_width(const char *s)
{
    int n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int
col_min(const struct table_col *c)
{
    return c->min > 0 ? c->min : text_width(c->title);
}

/* Take up to *excess from column i, down to floor. */
static void
shrink(int *widths, int i, int floor, int *excess)
{
    int take = MIN(*excess, widths[i] - floor);

    if (take > 0) {
        widths[i] -= take;
        *excess -= take;
    }
}

/* The widths of the columns not hidden, as they would like them. */
static int
natural(const struct table_col *cols, int n, const int *want,
        const bool *hidden, int *widths, int *cap)
{
    int total = 1, shown = 0;

    for (int i = 0; i < n; i++) {
        int w = MAX(want[i], col_min(&cols[i]));

        if (cols[i].max > 0 && !cols[i].flex)
            w = MIN(w, MAX(cols[i].max, col_min(&cols[i])));
        cap[i] = w;
        widths[i] = hidden[i] ? 0 : w;
        if (!hidden[i])
            total += w + (shown++ ? 1 : 0);
    }
    return total;
}

#define NAME_FLOOR 16 /* a name column keeps this much before others hide */

int
table_layout(const struct table_col *cols, int n, const int *want, int width,
             int *widths)
{
    bool *hidden = xcalloc((size_t)n + 1, sizeof *hidden);
    int *cap = xcalloc((size_t)n + 1, sizeof *cap);
    int shown = 0, max_give = 0, excess;

    for (int i = 0; i < n; i++)
        max_give = MAX(max_give, cols[i].give);
    for (;;) {
        int pick = -1;

        excess = natural(cols, n, want, hidden, widths, cap) - width;
        /* shrink the columns that may go, the highest give first (the
         * rightmost of equals), then the names to a readable width */
        for (int g = max_give; g > 0 && excess > 0; g--)
            for (int i = n - 1; i >= 0 && excess > 0; i--)
                if (!hidden[i] && cols[i].give == g)
                    shrink(widths, i, col_min(&cols[i]), &excess);
        for (int i = n - 1; i >= 0 && excess > 0; i--)
            if (!hidden[i] && cols[i].give == 0)
                shrink(widths, i, MAX(col_min(&cols[i]), NAME_FLOOR),
                       &excess);
        if (excess <= 0)
            break;
        /* still too wide: hide the highest give (never 0) */
        for (int i = n - 1; i >= 0; i--)
            if (!hidden[i] && cols[i].give > 0 &&
                (pick < 0 || cols[i].give > cols[pick].give))
                pick = i;
        if (pick < 0) {
            for (int i = n - 1; i >= 0 && excess > 0; i--)
                if (cols[i].give == 0)
                    shrink(widths, i, col_min(&cols[i]), &excess);
            break; /* what is still too wide is clipped at the edge */
        }
        hidden[pick] = true;
    }
    /* room left: back to the columns that gave it, names first, then the
     * flex column takes the rest */
    for (int g = 0; g <= max_give && excess < 0; g++)
        for (int i = 0; i < n && excess < 0; i++)
            if (!hidden[i] && cols[i].give == g && widths[i] < cap[i]) {
                int give = MIN(-excess, cap[i] - widths[i]);

                widths[i] += give;
                excess += give;
            }
    for (int i = 0; i < n && excess < 0; i++)
        if (!hidden[i] && cols[i].flex) {
            widths[i] -= excess;
            excess = 0;
        }
    for (int i = 0; i < n; i++)
        shown += !hidden[i];
    free(hidden);
    free(cap);
    return shown;
}

int
table_widths(const struct table *t, int sort_col, int width, int *widths)
{
    for (int c = 0; c < t->n_cols; c++)
        t->want[c] = text_width(t->cols[c].title) + (c == sort_col); /* ↑ */
    for (size_t r = 0; r < t->n_rows; r++)
        for (int c = 0; c < t->n_cols; c++) {
            int w = text_width(table_cell(t, r, c));

            if (w > t->want[c])
                t->want[c] = w;
        }
    return table_layout(t->cols, t->n_cols, t->want, width, widths);
}

char *
text_fit(const char *s, int w, bool utf8)
{
    int have = text_width(s);
    size_t len = strlen(s), cut = 0;
    char *out;

    if (w <= 0)
        return xstrdup("");
    if (have <= w) {
        out = xmalloc(len + (size_t)(w - have) + 1);
        memcpy(out, s, len);
        memset(out + len, ' ', (size_t)(w - have));
        out[len + (size_t)(w - have)] = '\0';
        return out;
    }
    /* w - 1 characters, then the ellipsis */
    for (int n = 0; s[cut] && n < w - 1; n++)
        for (cut++; ((unsigned char)s[cut] & 0xC0) == 0x80; cut++)
            ;
    out = xmalloc(cut + 4);
    memcpy(out, s, cut);
    strcpy(out + cut, utf8 ? "\u2026" : "~");
    return out;
}

static void
print_cell(FILE *f, const struct table *t, int c, const char *s, int w,
           bool last)
{
    int pad = MAX(0, w - text_width(s));

    if (c > 0)
        fputc(' ', f);
    if (t->cols[c].right)
        fprintf(f, "%*s%s", pad, "", s);
    else if (last)
        fputs(s, f);
    else
        fprintf(f, "%s%*s", s, pad, "");
}

void
table_print(FILE *f, const struct table *t,
            void (*after)(FILE *f, size_t row, void *ctx), void *ctx)
{
    for (int c = 0; c < t->n_cols; c++) {
        t->want[c] = text_width(t->cols[c].title);
        for (size_t r = 0; r < t->n_rows; r++)
            t->want[c] = MAX(t->want[c], text_width(table_cell(t, r, c)));
    }
    for (int c = 0; c < t->n_cols; c++)
        print_cell(f, t, c, t->cols[c].title, t->want[c], c == t->n_cols - 1);
    fputc('\n', f);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (int c = 0; c < t->n_cols; c++)
            print_cell(f, t, c, table_cell(t, r, c), t->want[c],
                       c == t->n_cols - 1);
        fputc('\n', f);
        if (after != NULL)
            after(f, r, ctx);
    }
}
