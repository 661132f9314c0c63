/* Terminal set-up and styles. */
#include <langinfo.h>
#include <stdarg.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "ferry/ui.h"

static attr_t
to_curses_attrs(unsigned a)
{
    attr_t r = 0;

    if (a & ATTR_BOLD)
        r |= A_BOLD;
    if (a & ATTR_DIM)
        r |= A_DIM;
    if (a & ATTR_UNDERLINE)
        r |= A_UNDERLINE;
    if (a & ATTR_REVERSE)
        r |= A_REVERSE;
    return r;
}

void
ui_term_apply(struct ui_term *t, const struct theme *theme)
{
    t->theme = *theme;
    for (int r = 0; r < ROLE_COUNT; r++) {
        const struct style *s = &theme->s[r];
        short fg = s->fg, bg = s->bg;

        t->attr[r] = to_curses_attrs(s->attrs);
        if (t->colors == 0 || theme->mono)
            continue;
        if (t->colors < 256) {
            fg = color_to8(fg);
            bg = color_to8(bg);
            if (fg == bg && fg >= 0)
                fg = bg == 0 ? 7 : 0; /* keep text readable */
        }
        init_pair((short)(r + 1), fg, bg);
        t->attr[r] |= COLOR_PAIR(r + 1);
    }
}

/* fatal() under the console: the terminal back first. */
static void
end_curses(void)
{
    if (!isendwin())
        endwin();
}

int
ui_term_init(struct ui_term *t, FILE *in, FILE *out, const char *termtype,
             const struct theme *theme, bool no_color)
{
    const char *cs;
    struct theme mono;

    memset(t, 0, sizeof *t);
    setlocale(LC_ALL, "");
    cs = nl_langinfo(CODESET);
    t->utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;
    t->in = in;
    t->out = out;
    t->screen = newterm(termtype, out, in);
    if (t->screen == NULL)
        return -1;
    set_term(t->screen);
    fatal_set_hook(end_curses);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    /* Arrow keys in normal cursor mode too (terminals and multiplexers
     * that ignore the keypad-transmit mode send these). */
    define_key("\033[A", KEY_UP);
    define_key("\033[B", KEY_DOWN);
    define_key("\033[C", KEY_RIGHT);
    define_key("\033[D", KEY_LEFT);
    if (!no_color && has_colors()) {
        start_color();
        use_default_colors();
        t->colors = COLORS >= 256 ? 256 : 8;
    }
    if (t->colors == 0) {
        theme_mono(&mono);
        theme = &mono;
    }
    ui_term_apply(t, theme);
    return 0;
}

void
ui_term_fini(struct ui_term *t)
{
    if (t->screen == NULL)
        return;
    fatal_set_hook(NULL);
    endwin();
    delscreen(t->screen);
    t->screen = NULL;
}

int
ui_put(WINDOW *w, int y, int x, int n, const char *s)
{
    mbstate_t st;
    int used = 0;

    memset(&st, 0, sizeof st);
    wmove(w, y, x);
    while (*s && used < n) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s, MB_CUR_MAX, &st);
        int cw;

        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            memset(&st, 0, sizeof st);
            wc = L'?';
            k = 1;
        }
        cw = wcwidth(wc);
        if (cw < 0)
            cw = 1;
        if (used + cw > n)
            break;
        {
            wchar_t buf[2] = {wc, 0};
            waddnwstr(w, buf, 1);
        }
        used += cw;
        s += k;
    }
    return used;
}

int
ui_width(const char *s)
{
    mbstate_t st;
    int used = 0;

    memset(&st, 0, sizeof st);
    while (*s) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s, MB_CUR_MAX, &st);
        int cw;

        if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
            memset(&st, 0, sizeof st);
            k = 1;
            cw = 1;
        } else {
            cw = wcwidth(wc);
        }
        used += cw < 0 ? 1 : cw;
        s += k;
    }
    return used;
}

int
ui_put_cut(const struct ui_term *t, WINDOW *w, int y, int x, int n,
           const char *s)
{
    int used;

    if (n <= 0)
        return 0;
    if (ui_width(s) <= n)
        return ui_put(w, y, x, n, s);
    used = ui_put(w, y, x, n - 1, s);
    for (; used < n - 1; used++)
        waddch(w, ' ');
    if (t->utf8)
        waddnwstr(w, L"\u2026", 1);
    else
        waddch(w, '~');
    return n;
}

void
ui_line(const struct ui_term *t, WINDOW *w, int y, int x, int n,
        const char *fmt, ...)
{
    va_list ap;
    char *s;
    int used;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    used = ui_put_cut(t, w, y, x, n, s);
    for (; used < n; used++)
        waddch(w, ' ');
    free(s);
}

void
ui_put_pad(WINDOW *w, int y, int x, int n, const char *s)
{
    int used = ui_put(w, y, x, n, s);

    for (; used < n; used++)
        waddch(w, ' ');
}

void
ui_fill(WINDOW *w, int y, int x, int n, chtype ch)
{
    wmove(w, y, x);
    for (int i = 0; i < n; i++)
        waddch(w, ch);
}

int
ui_put_wrapped(WINDOW *win, int y, int x, int n, int max_lines, const char *s)
{
    int lines = 0;

    while (*s != '\0' && lines < max_lines) {
        int len = (int)strlen(s), cut = len;
        char buf[512];

        if (*s == '\n') {
            s++;
            continue;
        }
        {
            const char *nl = strchr(s, '\n');

            if (nl != NULL && nl - s < cut)
                cut = (int)(nl - s);
        }
        if (cut > n) {
            cut = n;
            while (cut > 0 && s[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = n;
        }
        snprintf(buf, sizeof buf, "%.*s", MIN(cut, (int)sizeof buf - 1), s);
        ui_put_pad(win, y + lines, x, n, buf);
        lines++;
        s += cut;
        while (*s == ' ')
            s++;
    }
    return lines;
}
