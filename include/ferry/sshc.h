/* SSH sessions to the hosts, with libssh, on ferry's poll loop: OpenSSH's
 * ~/.ssh/config, known_hosts and agent; host-key decisions and secrets
 * asked through prompts the caller answers (the console's dialogs, the
 * terminal, or a refusal); exec channels for remote probes. Only src/ssh
 * includes libssh; this header does not. */
#ifndef FERRY_SSHC_H
#define FERRY_SSHC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/loop.h"

enum sshc_state {
    SSHC_CONNECTING, /* TCP, key exchange, authentication */
    SSHC_PROMPT,     /* waiting for the operator (sshc_prompt) */
    SSHC_READY,
    SSHC_LOST,       /* network trouble: retried with backoff */
    SSHC_REFUSED,    /* host key or authentication refused: not retried */
};

enum sshc_prompt_kind {
    SSHC_ASK_HOSTKEY, /* yes/no: accept an unknown host key */
    SSHC_ASK_SECRET,  /* passphrase or password: never echoed */
    SSHC_ASK_TEXT,    /* a keyboard-interactive question that echoes */
};

struct sshc_prompt {
    enum sshc_prompt_kind kind;
    char title[160]; /* "Host key of lab-a (10.77.1.2)" */
    char text[1024]; /* the question, lines separated by '\n' */
    unsigned seq;    /* changes with every new prompt */
};

struct sshc_opts {
    const char *name;   /* the host's name in ferry, for messages */
    const char *target; /* host name or ~/.ssh/config alias */
    const char *user;   /* NULL: ~/.ssh/config's, then the local user */
    unsigned port;      /* 0: ~/.ssh/config's, then 22 */
    const char *ssh_dir;/* NULL: $HOME/.ssh */
    bool accept_new;    /* record unknown host keys without asking */
    bool can_prompt;    /* false: refuse what would need a prompt */
    bool ask_hostkey;   /* false: refuse unknown host keys (no prompt) */
};

struct sshc;
typedef void (*sshc_change_cb)(struct sshc *c, void *opaque);

/* Starts connecting at once. on_change runs (from the loop) whenever the
 * state or the prompt changes. Caller frees with sshc_free. */
struct sshc *sshc_new(struct loop *loop, const struct sshc_opts *o,
                      sshc_change_cb on_change, void *opaque);
void sshc_free(struct sshc *c);

enum sshc_state sshc_state(const struct sshc *c);
const char *sshc_state_name(enum sshc_state s);
/* Why it is not READY ("" when it is). */
const char *sshc_error(const struct sshc *c);
/* The pending question while SSHC_PROMPT, else NULL. */
const struct sshc_prompt *sshc_prompt(const struct sshc *c);
/* Answer it: "yes"/"no" for a host key, the text otherwise; NULL
 * declines (the connection is refused). */
void sshc_answer(struct sshc *c, const char *answer);
/* Connect again now (after LOST or REFUSED). */
void sshc_retry(struct sshc *c);

/* After READY: what the session resolved and used, for libvirt's own
 * connection over libssh ("agent,privkey", the key file, the verified
 * known_hosts file). Strings borrowed. */
struct sshc_info {
    const char *host, *user; /* after ~/.ssh/config */
    unsigned port;
    const char *known_hosts;
    const char *auth;     /* "agent,privkey", "privkey", "password", ... */
    const char *keyfile;  /* NULL: none */
    const char *fingerprint; /* "ssh-ed25519 SHA256:..." */
    const char *ssh_dir;
};
void sshc_info(const struct sshc *c, struct sshc_info *out);
/* The secret the operator gave for authentication (passphrase or
 * password), for libvirt's auth callback; NULL if none. Never logged. */
const char *sshc_secret(const struct sshc *c);

/* Run cmd on the host (READY only). done runs once, from the loop: status
 * 0 with the output, or -1 with err. t_first_ms is the loop time the first
 * byte of output arrived (0: none). Returns -1 when not READY. */
typedef void (*sshc_exec_cb)(void *opaque, int status, const char *out,
                             const char *err, uint64_t t_sent_ms,
                             uint64_t t_first_ms);
int sshc_exec(struct sshc *c, const char *cmd, unsigned timeout_ms,
              sshc_exec_cb done, void *opaque);

/* libvirt's connection to the host through ferry's SSH: a UNIX socket in
 * a private directory (0700) whose one connection is carried over a
 * second session to the same host, opened on the relay's own thread with
 * the host key and credentials the first one verified, to remote_cmd
 * (virt-ssh-helper, or nc to libvirtd's socket) on the host. libvirt then
 * connects to qemu+unix:///system?socket=PATH. (libvirt 9.0's own libssh
 * transport stalls about 5 s on every reply larger than a few KiB: see
 * LAB-NOTES.) */
struct sshc_relay;
struct sshc_relay *sshc_relay_new(const struct sshc *c, const char *remote_cmd,
                                  char *err, size_t n);
const char *sshc_relay_path(const struct sshc_relay *r);
/* Why the relay stopped ("" while it works). */
void sshc_relay_status(struct sshc_relay *r, char *buf, size_t n);
void sshc_relay_free(struct sshc_relay *r);

#endif
