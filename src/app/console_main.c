/* The console's one poll() loop: terminal, timers, and a self-pipe that
 * signals write to. SIGWINCH only sets a flag. */
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

static uint64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int console_run(const struct console_opts *o, const char *theme_name,
                char *warn, size_t warn_n);

/* Run the console until the operator quits. Returns an exit code. */
int
console_run(const struct console_opts *o, const char *theme_name, char *warn,
            size_t warn_n)
{
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
    console_tick(c, now_ms());
    console_draw(c, true);
    while (!console_quit(c) && !got_term) {
        struct pollfd fds[2] = {
            {.fd = STDIN_FILENO, .events = POLLIN},
            {.fd = sig_pipe[0], .events = POLLIN},
        };
        int timeout = console_timeout_ms(c, now_ms());
        int n = poll(fds, 2, timeout);

        if (n < 0 && errno != EINTR)
            break;
        if (fds[1].revents & POLLIN) {
            char buf[64];

            while (read(sig_pipe[0], buf, sizeof buf) > 0)
                ;
        }
        if (got_winch) {
            struct winsize ws;

            got_winch = 0;
            if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
                resizeterm(ws.ws_row, ws.ws_col);
            console_invalidate(c);
        }
        if (fds[0].revents & (POLLHUP | POLLERR))
            break;
        if (fds[0].revents & POLLIN) {
            wint_t ch;
            int r;

            while ((r = get_wch(&ch)) != ERR) {
                if (r == KEY_CODE_YES || ch < 0x80)
                    console_key(c, (int)ch);
            }
        }
        console_tick(c, now_ms());
        console_draw(c, false);
    }
    console_free(c);
    ui_term_fini(&t);
    close(sig_pipe[0]);
    close(sig_pipe[1]);
    return 0;
}
