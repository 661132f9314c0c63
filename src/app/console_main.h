/* The console and the replay as programs: the terminal, signals and the
 * poll loop around them (console_main.c), for the command line. */
#ifndef FERRY_APP_CONSOLE_MAIN_H
#define FERRY_APP_CONSOLE_MAIN_H

#include <signal.h>
#include <stddef.h>

#include "ferry/console.h"
#include "ferry/flogread.h"
#include "../ui/replay.h"

struct loop;

/* Run the console until the operator quits. Returns an exit code. */
int console_run(const struct console_opts *o, const char *theme_name,
                char *warn, size_t warn_n, struct loop *loop);
/* The console's jobs through the app's client (the server owns them). */
extern const struct console_ops console_link_ops;
/* SIGTERM, SIGINT or SIGHUP seen: a request waiting for the server gives
 * up too. */
volatile sig_atomic_t *console_term_flag(void);
/* `ferry replay FILE`: the replay on its own. Takes d. */
int replay_run(struct flog_data *d, const struct replay_opts *o,
               const char *theme_name, struct loop *loop);

/* `ferry replay FILE` on an evacuation's summary log (evac_log_is): the
 * timeline of the whole evacuation, each move's flight log a key away. */
int evac_replay_run(const char *path, const char *theme_name,
                    struct loop *loop);

#endif
