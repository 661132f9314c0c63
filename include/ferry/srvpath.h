/* Where a server lives: a private directory for its socket, pid and lock
 * files ($XDG_RUNTIME_DIR/ferry, else /tmp/ferry-UID, mode 0700), a name
 * per configuration so that `ferry` finds the right one, and its log
 * under $XDG_STATE_HOME/ferry. */
#ifndef FERRY_SRVPATH_H
#define FERRY_SRVPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/util.h"

/* What makes one configuration: the backend's source and the config file
 * that gives policies, defaults and the queue. */
struct srv_ident {
    const char *kind; /* "demo", "sim" or "hosts" */
    const char *file; /* the --sim file (resolved here) */
    bool have_seed;
    uint64_t seed;
    const char *config;      /* the ferry.ini read (resolved here), or NULL */
    const char *const *uris; /* --connect URIs (order does not matter) */
    size_t n_uris;
};

/* "demo-1f3a...": the kind and a hash of everything else (and of $HOME,
 * whose ~/.ssh a server uses). Caller frees. */
char *srv_name(const struct srv_ident *id);
/* The private directory, created when missing; refused (NULL with err)
 * when it is not a directory of this user's that only they can enter.
 * Caller frees. */
char *srv_dir(struct ferry_err *err);
/* DIR/NAME.EXT. Caller frees. */
char *srv_path(const char *dir, const char *name, const char *ext);
/* $XDG_STATE_HOME/ferry/server-NAME.log (directory created). Caller
 * frees. */
char *srv_log_path(const char *name);

/* For the server: take NAME.lock (held while the process lives: a second
 * server for the same name gets errno EWOULDBLOCK), replace a stale
 * socket, listen, and write NAME.pid. Returns the listening socket, or -1
 * with err (*busy true when another server holds the lock). */
int srv_listen(const char *dir, const char *name, int *lock_fd, bool *busy,
               struct ferry_err *err);
/* Remove the socket and pid files (the server exits). */
void srv_unlink(const char *dir, const char *name);
/* For a client: connect to the server of that name. -1 with err; *none
 * true when none runs (no socket, or nobody listening). */
int srv_connect(const char *dir, const char *name, bool *none,
                struct ferry_err *err);

#endif
