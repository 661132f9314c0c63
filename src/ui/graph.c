/* Graphs and sparklines: braille packs two samples per cell (2x4 dots),
 * ASCII draws one sample per cell with four levels. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ferry/ui.h"
#include "ferry/units.h"

/* Braille dots filled from the bottom: left column then right column. */
static const unsigned left_fill[5] = {0, 0x40, 0x44, 0x46, 0x47};
static const unsigned right_fill[5] = {0, 0x80, 0xa0, 0xb0, 0xb8};
/* One dot at a given height (1-4 from the bottom) for a line series. */
static const unsigned left_dot[5] = {0, 0x40, 0x04, 0x02, 0x01};
static const unsigned right_dot[5] = {0, 0x80, 0x20, 0x10, 0x08};
static const char ascii_fill[5] = {' ', '.', ':', '|', '#'};

void
ui_graph_label(enum graph_unit u, double v, char *buf, size_t n)
{
    switch (u) {
    case GU_RATE:
        units_fmt_rate(buf, n, v);
        break;
    case GU_BYTES:
        units_fmt_bytes(buf, n, (uint64_t)(v < 0 ? 0 : v));
        break;
    case GU_MS:
        units_fmt_ms(buf, n, v);
        break;
    }
}

/* "Nice" axis maximum: 1, 2 or 5 times a power of ten, or binary steps
 * for bytes so that labels read 512 MiB, 1 GiB. */
static double
nice_max(double v, enum graph_unit u)
{
    double p, m;

    if (!(v > 0))
        return 1;
    if (u != GU_MS) {
        p = pow(2, ceil(log2(v)));
        if (p * 0.75 >= v)
            return p * 0.75;
        return p;
    }
    p = pow(10, floor(log10(v)));
    m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/* Resample src (n values) into dst (m slots) by the max of each bucket. */
static void
resample(const double *src, size_t n, double *dst, size_t m)
{
    if (n <= m) {
        for (size_t i = 0; i < m; i++)
            dst[i] = i < n ? src[i] : NAN;
        return;
    }
    for (size_t i = 0; i < m; i++) {
        size_t a = i * n / m, b = (i + 1) * n / m;
        double mx = NAN;

        for (size_t k = a; k < b && k < n; k++)
            if (isnan(mx) || src[k] > mx)
                mx = src[k];
        dst[i] = mx;
    }
}

static void
put_cell(const struct ui_term *t, WINDOW *w, int y, int x, unsigned bits,
         char ascii, enum role role)
{
    wattrset(w, ui_attr(t, role));
    if (t->utf8) {
        wchar_t s[2] = {(wchar_t)(0x2800 + bits), 0};

        mvwaddnwstr(w, y, x, s, 1);
    } else {
        mvwaddch(w, y, x, (chtype)(unsigned char)ascii);
    }
}

void
ui_graph_draw(const struct ui_term *t, WINDOW *w, int y, int x, int h,
              int width, const struct graph *g)
{
    enum { LABEL = 10 };
    int ph = h - 2, pw = width - LABEL - 1;
    int per_cell = t->utf8 ? 2 : 1;
    size_t slots;
    double area[512], line[512], mx = 0;
    char buf[64], lab[32];

    if (ph < 1 || pw < 4)
        return;
    if (pw > 256)
        pw = 256;
    slots = (size_t)(pw * per_cell);
    if (g->bars) {
        per_cell = 1; /* one round per cell, a gap cell between rounds */
        slots = (size_t)pw / 2;
    }
    resample(g->area, g->n_area, area, slots);
    resample(g->line, g->line ? g->n_line : 0, line, slots);
    for (size_t i = 0; i < slots; i++) {
        if (!isnan(area[i]) && area[i] > mx)
            mx = area[i];
        if (!isnan(line[i]) && line[i] > mx)
            mx = line[i];
    }
    if (g->ref > mx)
        mx = g->ref;
    mx = nice_max(mx * 1.05, g->unit);

    /* Title row: title, then the series keys. */
    wattrset(w, ui_attr(t, ROLE_TITLE));
    ui_put_pad(w, y, x, width, "");
    ui_put(w, y, x, width, g->title);
    {
        int cx = x + (int)strlen(g->title) + 2;

        if (g->area_label && cx + 4 < x + width) {
            wattrset(w, ui_attr(t, g->area_role));
            cx += ui_put(w, y, cx, x + width - cx, t->utf8 ? "\u28ff " : "# ");
            cx += ui_put(w, y, cx, x + width - cx, g->area_label) + 2;
        }
        if (g->line_label && cx + 4 < x + width) {
            wattrset(w, ui_attr(t, g->line_role));
            cx += ui_put(w, y, cx, x + width - cx, t->utf8 ? "\u2812 " : "- ");
            cx += ui_put(w, y, cx, x + width - cx, g->line_label) + 2;
        }
        if (g->ref >= 0 && g->ref_label && cx + 4 < x + width) {
            wattrset(w, ui_attr(t, g->ref_role));
            cx += ui_put(w, y, cx, x + width - cx, t->utf8 ? "\u2500 " : "= ");
            ui_put(w, y, cx, x + width - cx, g->ref_label);
        }
    }
    /* Plot. */
    for (int r = 0; r < ph; r++) {
        int row = y + 1 + r, level_base = (ph - 1 - r) * 4;
        bool ref_here = false;

        if (g->ref >= 0) {
            int ref_level = (int)lround(g->ref / mx * ph * 4);

            ref_here = ref_level > level_base && ref_level <= level_base + 4;
            if (ref_level == 0 && r == ph - 1)
                ref_here = true;
        }
        wattrset(w, ui_attr(t, ROLE_DIM));
        if (r == 0) {
            ui_graph_label(g->unit, mx, lab, sizeof lab);
            snprintf(buf, sizeof buf, "%*s", LABEL, lab);
        } else if (r == ph - 1) {
            snprintf(buf, sizeof buf, "%*s", LABEL, "0");
        } else {
            snprintf(buf, sizeof buf, "%*s", LABEL, "");
        }
        ui_put(w, row, x, LABEL, buf);
        wattrset(w, ui_attr(t, ROLE_BORDER));
        ui_put(w, row, x + LABEL, 1, t->utf8 ? "\u2502" : "|");
        for (int c = 0; c < pw; c++) {
            unsigned bits = 0;
            int best = 0, cell = c, lvl_line = -1;
            enum role role = g->area_role;
            bool has_line = false;

            if (g->bars)
                cell = c / 2;
            for (int k = 0; k < per_cell; k++) {
                size_t i = (size_t)(cell * per_cell + k);
                int fill = 0, lf;

                if (i >= slots)
                    continue;
                if (!isnan(area[i])) {
                    int lv = (int)lround(area[i] / mx * ph * 4);

                    if (lv == 0 && area[i] > 0)
                        lv = 1;
                    fill = lv - level_base;
                    fill = fill < 0 ? 0 : fill > 4 ? 4 : fill;
                }
                if (g->bars && c % 2 == 1)
                    fill = 0; /* a gap between round bars */
                bits |= k == 0 ? left_fill[fill] : right_fill[fill];
                if (g->bars)
                    bits |= right_fill[fill]; /* the bar fills the cell */
                if (fill > best)
                    best = fill;
                if (!isnan(line[i])) {
                    int lv = (int)lround(line[i] / mx * ph * 4);

                    if (lv == 0 && line[i] > 0)
                        lv = 1;
                    lf = lv - level_base;
                    if (lf >= 1 && lf <= 4) {
                        bits |= k == 0 ? left_dot[lf] : right_dot[lf];
                        has_line = true;
                        lvl_line = lf;
                    }
                }
            }
            if (has_line) {
                role = g->line_role;
                if (!t->utf8) {
                    put_cell(t, w, row, x + LABEL + 1 + c, 0, '-', role);
                    continue;
                }
            }
            (void)lvl_line;
            if (bits == 0 && ref_here) {
                wattrset(w, ui_attr(t, g->ref_role));
                ui_put(w, row, x + LABEL + 1 + c, 1,
                       t->utf8 ? "\u2500" : "=");
                continue;
            }
            if (bits == 0) {
                wattrset(w, ui_attr(t, ROLE_NORMAL));
                mvwaddch(w, row, x + LABEL + 1 + c, ' ');
                continue;
            }
            put_cell(t, w, row, x + LABEL + 1 + c, bits, ascii_fill[best],
                     role);
        }
    }
    /* X axis. */
    wattrset(w, ui_attr(t, ROLE_DIM));
    ui_put_pad(w, y + h - 1, x, width, "");
    if (g->span_s > 0) {
        units_fmt_ms(lab, sizeof lab, g->span_s * 1000);
        snprintf(buf, sizeof buf, "-%s", lab);
        ui_put(w, y + h - 1, x + LABEL + 1, width - LABEL - 1, buf);
        ui_put(w, y + h - 1, x + width - 3, 3, "now");
    } else if (g->bars) {
        snprintf(buf, sizeof buf, "round 1..%zu", g->n_area);
        ui_put(w, y + h - 1, x + LABEL + 1, width - LABEL - 1, buf);
    }
    wattrset(w, ui_attr(t, ROLE_NORMAL));
}

void
ui_sparkline(const struct ui_term *t, WINDOW *w, int y, int x, int width,
             const double *v, size_t n, enum role role)
{
    int per_cell = t->utf8 ? 2 : 1;
    size_t slots = (size_t)(width * per_cell);
    double buf[256], mx = 0;

    if (width <= 0)
        return;
    if (slots > 256)
        slots = 256;
    /* Right-aligned: the newest samples at the right edge. */
    {
        size_t first = n > slots ? n - slots : 0, m = n - first;

        for (size_t i = 0; i < slots; i++)
            buf[i] = i + m >= slots ? v[first + i + m - slots] : NAN;
    }
    for (size_t i = 0; i < slots; i++)
        if (!isnan(buf[i]) && buf[i] > mx)
            mx = buf[i];
    for (int c = 0; c < width; c++) {
        unsigned bits = 0;
        int best = 0;

        for (int k = 0; k < per_cell; k++) {
            double s = buf[c * per_cell + k];
            int lv;

            if (isnan(s))
                continue;
            lv = mx > 0 ? (int)lround(s / mx * 4) : 0;
            if (lv == 0 && s > 0)
                lv = 1;
            bits |= k == 0 ? left_fill[lv] : right_fill[lv];
            if (lv > best)
                best = lv;
        }
        if (bits == 0) {
            wattrset(w, ui_attr(t, ROLE_NORMAL));
            mvwaddch(w, y, x + c, ' ');
        } else {
            put_cell(t, w, y, x + c, bits, ascii_fill[best], role);
        }
    }
    wattrset(w, ui_attr(t, ROLE_NORMAL));
}
