/* `ferry evacuate` and `ferry maintenance`: the server's evacuations from
 * the command line (cli.c parses the options, this runs them). */
#ifndef FERRY_APP_CLI_EVAC_H
#define FERRY_APP_CLI_EVAC_H

#include <signal.h>
#include <stdbool.h>

#include "ferry/client.h"
#include "ferry/evac.h"

struct cli_evac {
    struct evac_args a; /* host, to, policy, budget, ... */
    bool dry_run, json, detach, abort;
    volatile sig_atomic_t *interrupted; /* ^C count */
    volatile sig_atomic_t *term;        /* SIGTERM / SIGHUP seen */
};

/* Exit codes: 0 the host is empty (a dry run: would be), 1 VMs remain
 * (listed with reasons), 2 bad input, 3 detached (it goes on). */
int cli_evacuate(struct client *cl, struct cli_evac *o);
/* `ferry maintenance [HOST [on|off]]`: set it, or say who is in it. */
int cli_maintenance(struct client *cl, const char *host, const char *onoff,
                    bool json);
/* `migrate/plan --to auto`: the host the server would pick for vm, and
 * why (printed unless quiet). NULL with err. Caller frees. */
char *cli_place(struct client *cl, const char *vm, bool allow_storage,
                bool quiet, struct ferry_err *err);

#endif
