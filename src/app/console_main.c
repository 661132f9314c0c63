/* The console on the app's one poll() loop: the terminal, a self-pipe
 * that signals write to (SIGWINCH only sets a flag), the console's own
 * timers, and whatever the backend watches (libvirt's events). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "ferry/console.h"
#include "ferry/loop.h"
#include "ferry/ui.h"

static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t got_winch, got_term;

static void
on_signal(int sig)
{
    int saved = errno;
    char c = (char)sig;

    if (sig == SIGWINCH)
        got_winch = 1;
    else
        got_term = 1;
    if (write(sig_pipe[1], &c, 1) < 0) {
        /* the pipe is full: the loop will wake anyway */
    }
    errno = saved;
}

struct io {
    bool input, hangup;
};

static void
on_stdin(int watch, int fd, int events, void *opaque)
{
    struct io *io = opaque;

    (void)watch;
    (void)fd;
    if (events & LOOP_READ)
        io->input = true;
    else if (events & (LOOP_HANGUP | LOOP_ERROR))
        io->hangup = true;
}

static void
on_sig_pipe(int watch, int fd, int events, void *opaque)
{
    char buf[64];

    (void)watch;
    (void)events;
    (void)opaque;
    while (read(fd, buf, sizeof buf) > 0)
        ;
}

int console_run(const struct console_opts *o, const char *theme_name,
                char *warn, size_t warn_n, struct loop *loop);

/* Run the console until the operator quits. Returns an exit code. */
int
console_run(const struct console_opts *o, const char *theme_name, char *warn,
            size_t warn_n, struct loop *loop)
{
    struct io io = {0};
    int w_in, w_sig;
    struct ui_term t;
    struct theme th;
    struct console *c;
    struct sigaction sa;
    bool no_color = getenv("NO_COLOR") != NULL && getenv("NO_COLOR")[0];
    char *path = NULL;
    struct ferry_err err;

    theme_default(&th);
    if (theme_name != NULL) {
        path = theme_find(theme_name);
        if (path == NULL) {
            fprintf(stderr, "ferry: no theme named '%s' (default, light, "
                            "high-contrast, mono)\n",
                    theme_name);
            return 2;
        }
        if (theme_load(&th, path, warn, warn_n, &err) < 0) {
            fprintf(stderr, "ferry: %s\n", err.msg);
            free(path);
            return 2;
        }
        if (strcmp(th.name, "mono") == 0)
            th.mono = true;
        free(path);
    }
    if (pipe(sig_pipe) < 0)
        return 1;
    fcntl(sig_pipe[0], F_SETFL, O_NONBLOCK);
    fcntl(sig_pipe[1], F_SETFL, O_NONBLOCK);
    fcntl(sig_pipe[0], F_SETFD, FD_CLOEXEC);
    fcntl(sig_pipe[1], F_SETFD, FD_CLOEXEC);
    if (ui_term_init(&t, stdin, stdout, NULL, &th, no_color) < 0) {
        fprintf(stderr, "ferry: cannot start the terminal (TERM=%s)\n",
                getenv("TERM") ? getenv("TERM") : "unset");
        return 1;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    c = console_new(&t, o);
    if (warn != NULL && warn[0] != '\0')
        console_status(c, true, warn); /* a bad theme value, and where */
    console_tick(c, loop_now_ms());
    console_draw(c, true);
    w_in = loop_add_fd(loop, STDIN_FILENO, LOOP_READ, on_stdin, &io, NULL);
    w_sig = loop_add_fd(loop, sig_pipe[0], LOOP_READ, on_sig_pipe, NULL, NULL);
    while (!console_quit(c) && !got_term && !io.hangup) {
        int timeout = console_timeout_ms(c, loop_now_ms());

        if (loop_run_once(loop, timeout) < 0)
            break;
        if (got_winch) {
            struct winsize ws;

            got_winch = 0;
            if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
                resizeterm(ws.ws_row, ws.ws_col);
            console_invalidate(c);
        }
        if (io.input) {
            wint_t ch;
            int r;

            io.input = false;
            while ((r = get_wch(&ch)) != ERR) {
                if (r == KEY_CODE_YES || ch < 0x80)
                    console_key(c, (int)ch);
            }
        }
        console_tick(c, loop_now_ms());
        console_draw(c, false);
    }
    loop_remove_fd(loop, w_in);
    loop_remove_fd(loop, w_sig);
    loop_run_once(loop, 0); /* run the removals */
    console_free(c);
    ui_term_fini(&t);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    return 0;
}
