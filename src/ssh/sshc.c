/* SSH sessions with libssh, non-blocking on ferry's loop (see sshc.h).
 *
 * One state machine per host: connect and key exchange, host-key check
 * against known_hosts (unknown: ask or --accept-new; changed or of another
 * type: refuse, never ask), then authentication as OpenSSH does it: the
 * agent and the keys that need no passphrase (ssh_userauth_publickey_auto),
 * then the keys the server accepted but that need a passphrase (asked),
 * then keyboard-interactive and password (asked). Every libssh call that
 * would wait returns SSH_AGAIN and is called again when the socket is
 * readable (LAB-NOTES: POLLOUT only while a write is pending). */
#include "ferry/sshc.h"

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ferry/util.h"

enum step {
    ST_START,
    ST_CONNECT,
    ST_ASK_HOSTKEY,
    ST_AUTH_NONE,
    ST_AUTH_AUTO,
    ST_KEY_NEXT,
    ST_ASK_PASS,
    ST_KEY_TRY,
    ST_KEY_AUTH,
    ST_KBD,
    ST_ASK_KBD,
    ST_ASK_PASSWORD,
    ST_PASSWORD,
    ST_READY,
    ST_LOST,
    ST_REFUSED,
};

struct exec_job {
    char *cmd;
    unsigned timeout_ms;
    sshc_exec_cb done;
    void *opaque;
    struct exec_job *next;
};

struct sshc {
    struct loop *loop;
    char *name, *target, *user_opt, *ssh_dir;
    unsigned port_opt;
    bool accept_new, can_prompt, ask_hostkey;
    sshc_change_cb on_change;
    void *opaque;

    ssh_session s;
    struct ssh_callbacks_struct cb;
    enum step st;
    int watch, timer, watched_events;
    uint64_t deadline_ms;
    int backoff_ms;
    char err[1024];

    /* resolved after connecting */
    char *host, *user, *known_hosts, *fingerprint, *auth, *keyfile;
    unsigned port;
    int methods;

    /* keys that need a passphrase (noted during publickey_auto) */
    char **keys;
    size_t n_keys, key_i;
    ssh_key pub, priv;
    int pass_tries;
    char *secret; /* the passphrase or password that worked */
    char *tried_secret;

    /* keyboard-interactive */
    int kbd_n, kbd_i;

    struct sshc_prompt prompt;
    unsigned prompt_seq;

    /* exec channels, one at a time */
    struct exec_job *jobs;
    ssh_channel ch;
    int ch_step; /* 0 open, 1 exec, 2 read */
    char *out, *errout;
    size_t n_out, n_err;
    uint64_t t_sent, t_first, ch_deadline;
    uint64_t next_ping;
};

static void step(struct sshc *c);

const char *
sshc_state_name(enum sshc_state s)
{
    static const char *const n[] = {"connecting", "waiting for you",
                                    "ready", "lost", "refused"};

    return (unsigned)s < ARRAY_SIZE(n) ? n[s] : "?";
}

enum sshc_state
sshc_state(const struct sshc *c)
{
    switch (c->st) {
    case ST_ASK_HOSTKEY:
    case ST_ASK_PASS:
    case ST_ASK_KBD:
    case ST_ASK_PASSWORD:
        return SSHC_PROMPT;
    case ST_READY:
        return SSHC_READY;
    case ST_LOST:
        return SSHC_LOST;
    case ST_REFUSED:
        return SSHC_REFUSED;
    default:
        return SSHC_CONNECTING;
    }
}

const char *
sshc_error(const struct sshc *c)
{
    return c->st == ST_READY ? "" : c->err;
}

const struct sshc_prompt *
sshc_prompt(const struct sshc *c)
{
    return sshc_state(c) == SSHC_PROMPT ? &c->prompt : NULL;
}

const char *
sshc_secret(const struct sshc *c)
{
    return c->secret;
}

void
sshc_info(const struct sshc *c, struct sshc_info *o)
{
    o->host = c->host;
    o->user = c->user;
    o->port = c->port;
    o->known_hosts = c->known_hosts;
    o->auth = c->auth;
    o->keyfile = c->keyfile;
    o->fingerprint = c->fingerprint;
    o->ssh_dir = c->ssh_dir;
}

static void
wipe(char **p)
{
    if (*p != NULL) {
        explicit_bzero(*p, strlen(*p));
        free(*p);
        *p = NULL;
    }
}

static void
changed(struct sshc *c)
{
    if (c->on_change != NULL)
        c->on_change(c, c->opaque);
}

/* ---- the session and its watch on the loop -------------------------- */

static void on_fd(int watch, int fd, int events, void *opaque);

static void
unwatch(struct sshc *c)
{
    if (c->watch > 0)
        loop_remove_fd(c->loop, c->watch);
    c->watch = 0;
    c->watched_events = 0;
}

/* Read always; write only while libssh has output queued once connected
 * (ssh_get_poll_flags keeps SSH_WRITE_PENDING set after the buffer is
 * drained, which made the loop spin: an empty flush is the real test).
 * While connecting, the 50 ms timer drives ssh_connect, which polls both
 * ways itself. */
static void
rewatch(struct sshc *c)
{
    int fd = c->s != NULL ? ssh_get_fd(c->s) : -1;
    int ev = LOOP_READ;

    if (fd < 0) {
        unwatch(c);
        return;
    }
    if (c->st == ST_READY && ssh_blocking_flush(c->s, 0) == SSH_AGAIN)
        ev |= LOOP_WRITE;
    if (c->watch <= 0) {
        c->watch = loop_add_fd(c->loop, fd, ev, on_fd, c, NULL);
        c->watched_events = ev;
    } else if (ev != c->watched_events) {
        loop_update_fd(c->loop, c->watch, ev);
        c->watched_events = ev;
    }
}

static void
drop_session(struct sshc *c)
{
    unwatch(c);
    if (c->ch != NULL) {
        ssh_channel_free(c->ch);
        c->ch = NULL;
    }
    if (c->s != NULL) {
        ssh_disconnect(c->s);
        ssh_free(c->s);
        c->s = NULL;
    }
    ssh_key_free(c->pub);
    ssh_key_free(c->priv);
    c->pub = c->priv = NULL;
    strv_free(c->keys, c->n_keys);
    c->keys = NULL;
    c->n_keys = c->key_i = 0;
}

static void fail_jobs(struct sshc *c, const char *why);

/* Network trouble: drop the session, retry with backoff. */
static void
go_lost(struct sshc *c, const char *why)
{
    char msg[sizeof c->err];

    snprintf(msg, sizeof msg, "%s", why);
    memcpy(c->err, msg, sizeof msg);
    drop_session(c);
    fail_jobs(c, c->err);
    c->st = ST_LOST;
    c->backoff_ms = c->backoff_ms ? MIN(c->backoff_ms * 2, 30000) : 1000;
    loop_update_timer(c->loop, c->timer, c->backoff_ms);
    changed(c);
}

static void
go_refused(struct sshc *c)
{
    drop_session(c);
    fail_jobs(c, c->err);
    c->st = ST_REFUSED;
    loop_update_timer(c->loop, c->timer, -1);
    changed(c);
}

static void
ask(struct sshc *c, enum step st, enum sshc_prompt_kind kind,
    const char *title, const char *text)
{
    c->st = st;
    c->prompt.kind = kind;
    snprintf(c->prompt.title, sizeof c->prompt.title, "%s", title);
    snprintf(c->prompt.text, sizeof c->prompt.text, "%s", text);
    c->prompt.seq = ++c->prompt_seq;
    loop_update_timer(c->loop, c->timer, -1); /* no deadline while asked */
    changed(c);
}

static char *
home_dir(void)
{
    const char *h = getenv("HOME");
    struct passwd *pw;

    if (h != NULL && h[0] == '/')
        return xstrdup(h);
    pw = getpwuid(getuid());
    return xstrdup(pw != NULL && pw->pw_dir ? pw->pw_dir : "/");
}

/* libssh's callback for key passphrases during publickey_auto: never
 * answer (that would block the loop); note the key, ask later. */
static int
auth_cb(const char *prompt, char *buf, size_t len, int echo, int verify,
        void *userdata)
{
    struct sshc *c = userdata;
    char *id = NULL;

    (void)prompt;
    (void)echo;
    (void)verify;
    (void)buf;
    (void)len;
    if (ssh_userauth_publickey_auto_get_current_identity(c->s, &id) == SSH_OK &&
        id != NULL) {
        if (!strv_contains(c->keys, c->n_keys, id)) {
            c->keys = xrealloc(c->keys, (c->n_keys + 1) * sizeof *c->keys);
            c->keys[c->n_keys++] = xstrdup(id);
        }
        ssh_string_free_char(id);
    }
    return -1;
}

static int
start_session(struct sshc *c, struct ferry_err *err)
{
    char *v = NULL;
    char cfg[1024];
    unsigned port = 0;
    int yes = 1;

    c->s = ssh_new();
    if (c->s == NULL) {
        err_set(err, "out of memory");
        return -1;
    }
    ssh_options_set(c->s, SSH_OPTIONS_SSH_DIR, c->ssh_dir);
    ssh_options_set(c->s, SSH_OPTIONS_HOST, c->target);
    /* ~/.ssh/config: Host aliases, HostName, User, Port, IdentityFile */
    snprintf(cfg, sizeof cfg, "%s/config", c->ssh_dir);
    if (access(cfg, R_OK) == 0 && ssh_options_parse_config(c->s, cfg) < 0) {
        err_set(err, "%s: cannot be read: %s", cfg, ssh_get_error(c->s));
        return -1;
    }
    ssh_options_set(c->s, SSH_OPTIONS_PROCESS_CONFIG, &(bool){false});
    if (c->user_opt != NULL)
        ssh_options_set(c->s, SSH_OPTIONS_USER, c->user_opt);
    if (c->port_opt != 0)
        ssh_options_set(c->s, SSH_OPTIONS_PORT, &c->port_opt);
    ssh_options_set(c->s, SSH_OPTIONS_NODELAY, &yes);
    free(c->host);
    free(c->user);
    c->host = c->user = NULL;
    if (ssh_options_get(c->s, SSH_OPTIONS_HOST, &v) == SSH_OK) {
        c->host = xstrdup(v);
        ssh_string_free_char(v);
    }
    v = NULL;
    if (ssh_options_get(c->s, SSH_OPTIONS_USER, &v) == SSH_OK) {
        c->user = xstrdup(v);
        ssh_string_free_char(v);
    } else {
        struct passwd *pw = getpwuid(getuid());

        c->user = xstrdup(pw != NULL ? pw->pw_name : "root");
        ssh_options_set(c->s, SSH_OPTIONS_USER, c->user);
    }
    ssh_options_get_port(c->s, &port);
    c->port = port ? port : 22;
    memset(&c->cb, 0, sizeof c->cb);
    c->cb.userdata = c;
    c->cb.auth_function = auth_cb;
    ssh_callbacks_init(&c->cb);
    ssh_set_callbacks(c->s, &c->cb);
    ssh_set_blocking(c->s, 0);
    return 0;
}

/* The first line of known_hosts recorded for host (plain or hashed, as
 * libssh matches them), for the message; 0 if none. */
static int
known_line(const char *file, const char *host)
{
    FILE *f = fopen(file, "r");
    char buf[8192];
    int n = 0;

    if (f == NULL)
        return 0;
    while (fgets(buf, sizeof buf, f) != NULL) {
        struct ssh_knownhosts_entry *e = NULL;

        n++;
        buf[strcspn(buf, "\r\n")] = '\0';
        if (buf[0] == '#' || buf[0] == '\0')
            continue;
        if (ssh_known_hosts_parse_line(host, buf, &e) == SSH_OK) {
            ssh_knownhosts_entry_free(e);
            fclose(f);
            return n;
        }
        ssh_knownhosts_entry_free(e);
    }
    fclose(f);
    return 0;
}

/* What the host showed, as OpenSSH prints it; 0, or -1 with c->err. */
static int
read_server_key(struct sshc *c, char *type, size_t ntype)
{
    ssh_key key = NULL;
    unsigned char *hash = NULL;
    size_t hlen = 0;
    char *fp;

    if (ssh_get_server_publickey(c->s, &key) < 0) {
        snprintf(c->err, sizeof c->err, "%s: no host key: %s", c->name,
                 ssh_get_error(c->s));
        return -1;
    }
    snprintf(type, ntype, "%s", ssh_key_type_to_char(ssh_key_type(key)));
    if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash,
                               &hlen) < 0) {
        ssh_key_free(key);
        snprintf(c->err, sizeof c->err, "%s: cannot hash the host key",
                 c->name);
        return -1;
    }
    fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
    free(c->fingerprint);
    c->fingerprint = xasprintf("%s %s", type, fp ? fp : "?");
    ssh_string_free_char(fp);
    ssh_clean_pubkey_hash(&hash);
    ssh_key_free(key);
    return 0;
}

static const char *
where(const struct sshc *c, char *buf, size_t n)
{
    if (c->port != 22)
        snprintf(buf, n, "[%s]:%u", c->host, c->port);
    else
        snprintf(buf, n, "%s", c->host);
    return buf;
}

/* Host-key decision; returns the next step. */
static enum step
verify_host(struct sshc *c)
{
    char type[32], upper[32], hp[300], text[1024], ln[16] = "";
    char *v = NULL;
    enum ssh_known_hosts_e k;
    int line;

    free(c->known_hosts);
    c->known_hosts = NULL;
    if (ssh_options_get(c->s, SSH_OPTIONS_KNOWNHOSTS, &v) == SSH_OK) {
        c->known_hosts = xstrdup(v);
        ssh_string_free_char(v);
    } else {
        c->known_hosts = xasprintf("%s/known_hosts", c->ssh_dir);
    }
    if (read_server_key(c, type, sizeof type) < 0)
        return ST_REFUSED;
    /* "ssh-ed25519" -> "ED25519", as OpenSSH names it */
    snprintf(upper, sizeof upper, "%s",
             strncmp(type, "ssh-", 4) == 0 ? type + 4 : type);
    for (char *u = upper; *u; u++)
        if (*u >= 'a' && *u <= 'z')
            *u = (char)(*u - 'a' + 'A');
    where(c, hp, sizeof hp);
    k = ssh_session_is_known_server(c->s);
    switch (k) {
    case SSH_KNOWN_HOSTS_OK:
        return ST_AUTH_NONE;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
        line = known_line(c->known_hosts, hp);
        if (line > 0)
            snprintf(ln, sizeof ln, ":%d", line);
        snprintf(c->err, sizeof c->err,
                 "%s: REMOTE HOST IDENTIFICATION HAS CHANGED for %s (it "
                 "now shows %s%s): someone could be eavesdropping, or the "
                 "host key was replaced. Offending key in %s%s; refused "
                 "(if expected: ssh-keygen -R '%s')",
                 c->name, hp, c->fingerprint,
                 k == SSH_KNOWN_HOSTS_OTHER ? ", another key type than the "
                                              "one recorded"
                                            : "",
                 c->known_hosts, ln, hp);
        return ST_REFUSED;
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
        if (c->accept_new) {
            if (ssh_session_update_known_hosts(c->s) < 0) {
                snprintf(c->err, sizeof c->err,
                         "%s: cannot record the host key in %s: %s", c->name,
                         c->known_hosts, ssh_get_error(c->s));
                return ST_REFUSED;
            }
            return ST_AUTH_NONE;
        }
        if (!c->ask_hostkey) {
            snprintf(c->err, sizeof c->err,
                     "%s: the authenticity of host %s can't be established "
                     "(%s is not in %s); refused: accept it with "
                     "--accept-new, or from the console",
                     c->name, hp, c->fingerprint, c->known_hosts);
            return ST_REFUSED;
        }
        snprintf(text, sizeof text,
                 "The authenticity of host %s can't be established.\n"
                 "%s key fingerprint is\n    %s\n"
                 "This key is not known by any other names.\n"
                 "Accepting records it in %s.\n"
                 "Are you sure you want to continue connecting (yes/no)?",
                 hp, upper, strchr(c->fingerprint, ' ') + 1, c->known_hosts);
        snprintf(hp, sizeof hp, "Host key of %s (%s)", c->name, c->host);
        ask(c, ST_ASK_HOSTKEY, SSHC_ASK_HOSTKEY, hp, text);
        return ST_ASK_HOSTKEY;
    case SSH_KNOWN_HOSTS_ERROR:
    default:
        snprintf(c->err, sizeof c->err, "%s: cannot check the host key "
                 "against %s: %s", c->name, c->known_hosts,
                 ssh_get_error(c->s));
        return ST_REFUSED;
    }
}

static void
set_done(struct sshc *c, const char *auth, const char *keyfile)
{
    free(c->auth);
    free(c->keyfile);
    c->auth = xstrdup(auth);
    c->keyfile = keyfile ? xstrdup(keyfile) : NULL;
    c->st = ST_READY;
    c->err[0] = '\0';
    c->backoff_ms = 0;
    c->next_ping = loop_now_ms() + 15000;
    loop_update_timer(c->loop, c->timer, 0);
}

static void
methods_text(int m, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s%s",
             m & SSH_AUTH_METHOD_PUBLICKEY ? "publickey," : "",
             m & SSH_AUTH_METHOD_INTERACTIVE ? "keyboard-interactive," : "",
             m & SSH_AUTH_METHOD_PASSWORD ? "password," : "",
             m == 0 ? "none," : "");
    if (buf[0] != '\0')
        buf[strlen(buf) - 1] = '\0';
}

static void
auth_failed(struct sshc *c)
{
    char m[96];

    methods_text(c->methods, m, sizeof m);
    snprintf(c->err, sizeof c->err,
             "%s: Permission denied (%s) for %s@%s: neither the agent nor "
             "the keys offered (%s) were accepted",
             c->name, m, c->user, c->host,
             c->n_keys ? c->keys[0] : "IdentityFile of ~/.ssh/config, "
                                      "~/.ssh/id_*");
}

/* The key the server accepted last, for libvirt's keyfile= (the
 * identity publickey_auto succeeded with). */
static char *
first_identity(struct sshc *c)
{
    char *id = NULL, *r = NULL;

    if (ssh_options_get(c->s, SSH_OPTIONS_IDENTITY, &id) == SSH_OK && id) {
        if (strncmp(id, "%d/", 3) == 0)
            r = xasprintf("%s/%s", c->ssh_dir, id + 3);
        else if (id[0] == '~' && id[1] == '/') {
            char *h = home_dir();

            r = xasprintf("%s/%s", h, id + 2);
            free(h);
        } else
            r = xstrdup(id);
        ssh_string_free_char(id);
    }
    if (r != NULL && access(r, R_OK) != 0) {
        free(r);
        r = NULL;
    }
    return r;
}

/* Ask for the passphrase of the current key. */
static void
ask_pass(struct sshc *c, bool again)
{
    char title[160], text[1100];

    snprintf(title, sizeof title, "Passphrase for %s", c->name);
    snprintf(text, sizeof text, "%s for key '%s':",
             again ? "Bad passphrase, try again" : "Enter passphrase",
             c->keys[c->key_i]);
    ask(c, ST_ASK_PASS, SSHC_ASK_SECRET, title, text);
}

/* Ask keyboard-interactive question kbd_i (the first with the server's
 * instruction). */
static void
ask_kbd(struct sshc *c)
{
    char echo = 0, title[160], text[1024];
    const char *q = ssh_userauth_kbdint_getprompt(c->s, (unsigned)c->kbd_i,
                                                   &echo);
    const char *ins = c->kbd_i == 0 ? ssh_userauth_kbdint_getinstruction(c->s)
                                    : NULL;

    snprintf(title, sizeof title, "%s@%s asks", c->user, c->name);
    snprintf(text, sizeof text, "%s%s%s", ins && ins[0] ? ins : "",
             ins && ins[0] ? "\n" : "", q ? q : "");
    ask(c, ST_ASK_KBD, echo ? SSHC_ASK_TEXT : SSHC_ASK_SECRET, title, text);
}

/* The secret just tried worked: keep it for reconnects and libvirt. */
static void
keep_secret(struct sshc *c)
{
    wipe(&c->secret);
    c->secret = c->tried_secret;
    c->tried_secret = NULL;
}

/* Open the key with a passphrase; false when it is wrong. */
static bool
key_open(struct sshc *c, const char *a)
{
    const char *path = c->keys[c->key_i];
    char pub[1100];

    ssh_key_free(c->priv);
    c->priv = NULL;
    if (ssh_pki_import_privkey_file(path, a, NULL, NULL, &c->priv) != SSH_OK)
        return false;
    wipe(&c->tried_secret);
    c->tried_secret = xstrdup(a);
    ssh_key_free(c->pub);
    c->pub = NULL;
    snprintf(pub, sizeof pub, "%s.pub", path);
    if (ssh_pki_import_pubkey_file(pub, &c->pub) != SSH_OK &&
        ssh_pki_export_privkey_to_pubkey(c->priv, &c->pub) != SSH_OK) {
        c->key_i++;
        c->st = ST_KEY_NEXT;
    } else {
        c->st = ST_KEY_TRY;
    }
    return true;
}

/* One step of the machine. Returns true to continue at once, false to
 * wait (for the socket, a prompt, or the end). */
static bool
run(struct sshc *c)
{
    struct ferry_err err = {0};
    char text[1024], title[160];
    int r;

    switch (c->st) {
    case ST_START:
        if (start_session(c, &err) < 0) {
            snprintf(c->err, sizeof c->err, "%.100s: %.400s", c->name,
                     err.msg);
            go_refused(c);
            return false;
        }
        c->deadline_ms = loop_now_ms() + 20000;
        loop_update_timer(c->loop, c->timer, 50);
        c->st = ST_CONNECT;
        return true;
    case ST_CONNECT:
        r = ssh_connect(c->s);
        if (r == SSH_AGAIN)
            return false;
        if (r != SSH_OK) {
            char hp[300];

            snprintf(text, sizeof text, "%s: cannot connect to %s@%s: %s",
                     c->name, c->user, where(c, hp, sizeof hp),
                     ssh_get_error(c->s));
            go_lost(c, text);
            return false;
        }
        c->st = verify_host(c);
        if (c->st == ST_REFUSED) {
            go_refused(c);
            return false;
        }
        return c->st != ST_ASK_HOSTKEY;
    case ST_AUTH_NONE:
        r = ssh_userauth_none(c->s, NULL);
        if (r == SSH_AUTH_AGAIN)
            return false;
        if (r == SSH_AUTH_SUCCESS) {
            set_done(c, "none", NULL);
            return false;
        }
        if (r == SSH_AUTH_ERROR)
            goto lost;
        c->methods = ssh_userauth_list(c->s, NULL);
        c->st = c->methods & SSH_AUTH_METHOD_PUBLICKEY ? ST_AUTH_AUTO
                                                        : ST_KBD;
        return true;
    case ST_AUTH_AUTO:
        r = ssh_userauth_publickey_auto(c->s, NULL, NULL);
        if (r == SSH_AUTH_AGAIN)
            return false;
        if (r == SSH_AUTH_SUCCESS) {
            char *k = first_identity(c);

            set_done(c, "agent,privkey", k);
            free(k);
            return false;
        }
        if (r == SSH_AUTH_ERROR)
            goto lost;
        c->key_i = 0;
        c->st = ST_KEY_NEXT;
        return true;
    case ST_KEY_NEXT:
        ssh_key_free(c->pub);
        ssh_key_free(c->priv);
        c->pub = c->priv = NULL;
        if (c->key_i >= c->n_keys) {
            c->st = ST_KBD;
            return true;
        }
        c->pass_tries = 0;
        /* a reconnect: the passphrase that opened a key before */
        if (c->secret != NULL && key_open(c, c->secret))
            return true;
        if (!c->can_prompt) {
            snprintf(c->err, sizeof c->err,
                     "%s: the key %s needs a passphrase and there is no "
                     "terminal to ask it on (add it to the agent: ssh-add)",
                     c->name, c->keys[c->key_i]);
            go_refused(c);
            return false;
        }
        ask_pass(c, false);
        return false;
    case ST_KEY_TRY:
        r = ssh_userauth_try_publickey(c->s, NULL, c->pub);
        if (r == SSH_AUTH_AGAIN)
            return false;
        if (r == SSH_AUTH_ERROR)
            goto lost;
        if (r != SSH_AUTH_SUCCESS) {
            c->key_i++;
            c->st = ST_KEY_NEXT;
            return true;
        }
        c->st = ST_KEY_AUTH;
        return true;
    case ST_KEY_AUTH:
        r = ssh_userauth_publickey(c->s, NULL, c->priv);
        if (r == SSH_AUTH_AGAIN)
            return false;
        if (r == SSH_AUTH_ERROR)
            goto lost;
        if (r == SSH_AUTH_SUCCESS) {
            keep_secret(c);
            set_done(c, "privkey", c->keys[c->key_i]);
            return false;
        }
        c->key_i++;
        c->st = ST_KEY_NEXT;
        return true;
    case ST_KBD:
        if (!(c->methods & SSH_AUTH_METHOD_INTERACTIVE)) {
            c->st = ST_ASK_PASSWORD;
            return true;
        }
        r = ssh_userauth_kbdint(c->s, NULL, NULL);
        if (r == SSH_AUTH_AGAIN)
            return false;
        if (r == SSH_AUTH_SUCCESS) {
            set_done(c, "keyboard-interactive", NULL);
            return false;
        }
        if (r == SSH_AUTH_INFO) {
            c->kbd_n = ssh_userauth_kbdint_getnprompts(c->s);
            c->kbd_i = 0;
            if (c->kbd_n <= 0)
                return true; /* an empty round: answer it at once */
            if (!c->can_prompt) {
                snprintf(c->err, sizeof c->err, "%s: %s@%s asks questions "
                         "(keyboard-interactive) and there is no terminal",
                         c->name, c->user, c->host);
                go_refused(c);
                return false;
            }
            ask_kbd(c);
            return false;
        }
        if (r == SSH_AUTH_ERROR)
            goto lost;
        c->methods &= ~SSH_AUTH_METHOD_INTERACTIVE;
        c->st = ST_ASK_PASSWORD;
        return true;
    case ST_ASK_PASSWORD:
        if (!(c->methods & SSH_AUTH_METHOD_PASSWORD)) {
            auth_failed(c);
            go_refused(c);
            return false;
        }
        if (!c->can_prompt) {
            snprintf(c->err, sizeof c->err, "%s: %s@%s wants a password and "
                     "there is no terminal to ask it on", c->name, c->user,
                     c->host);
            go_refused(c);
            return false;
        }
        if (c->pass_tries >= 3) {
            c->methods &= ~SSH_AUTH_METHOD_PASSWORD;
            return true;
        }
        snprintf(title, sizeof title, "Password for %s", c->name);
        snprintf(text, sizeof text, "%s@%s's password:", c->user, c->host);
        ask(c, ST_ASK_PASSWORD, SSHC_ASK_SECRET, title, text);
        return false;
    case ST_PASSWORD:
        r = ssh_userauth_password(c->s, NULL, c->tried_secret);
        if (r == SSH_AUTH_AGAIN)
            return false;
        if (r == SSH_AUTH_SUCCESS) {
            keep_secret(c);
            set_done(c, "password", NULL);
            return false;
        }
        if (r == SSH_AUTH_ERROR)
            goto lost;
        wipe(&c->tried_secret);
        c->pass_tries++;
        c->st = ST_ASK_PASSWORD;
        return true;
    default:
        return false;
    }
lost:
    snprintf(text, sizeof text, "%s: connection lost while authenticating: "
             "%s", c->name, ssh_get_error(c->s));
    go_lost(c, text);
    return false;
}

/* ---- exec channels --------------------------------------------------- */

static void
finish_job(struct sshc *c, int status, const char *why)
{
    struct exec_job *j = c->jobs;

    if (c->ch != NULL) {
        ssh_channel_close(c->ch);
        ssh_channel_free(c->ch);
        c->ch = NULL;
    }
    c->jobs = j->next;
    j->done(j->opaque, status, c->out ? c->out : "",
            why ? why : (c->errout ? c->errout : ""), c->t_sent, c->t_first);
    free(c->out);
    free(c->errout);
    c->out = c->errout = NULL;
    c->n_out = c->n_err = 0;
    free(j->cmd);
    free(j);
}

static void
fail_jobs(struct sshc *c, const char *why)
{
    while (c->jobs != NULL)
        finish_job(c, -1, why);
}

static void
append(char **buf, size_t *n, const char *d, int len)
{
    if (*n > 1 << 20)
        return; /* a probe never says this much */
    *buf = xrealloc(*buf, *n + (size_t)len + 1);
    memcpy(*buf + *n, d, (size_t)len);
    *n += (size_t)len;
    (*buf)[*n] = '\0';
}

/* Drive the current exec job; false once it has to wait. */
static bool
run_exec(struct sshc *c)
{
    struct exec_job *j = c->jobs;
    char buf[4096];
    int r;

    if (j == NULL)
        return false;
    if (c->ch == NULL) {
        c->ch = ssh_channel_new(c->s);
        c->ch_step = 0;
        c->t_sent = c->t_first = 0;
        c->ch_deadline = loop_now_ms() + j->timeout_ms;
        if (c->ch == NULL) {
            finish_job(c, -1, "cannot open a channel");
            return true;
        }
    }
    if (loop_now_ms() > c->ch_deadline) {
        finish_job(c, -1, "no answer in time");
        return true;
    }
    switch (c->ch_step) {
    case 0:
        r = ssh_channel_open_session(c->ch);
        if (r == SSH_AGAIN)
            return false;
        if (r != SSH_OK) {
            finish_job(c, -1, ssh_get_error(c->s));
            return true;
        }
        c->ch_step = 1;
        /* fall through */
    case 1:
        r = ssh_channel_request_exec(c->ch, j->cmd);
        if (r == SSH_AGAIN)
            return false;
        if (r != SSH_OK) {
            finish_job(c, -1, ssh_get_error(c->s));
            return true;
        }
        c->t_sent = loop_now_ms();
        c->ch_step = 2;
        /* fall through */
    default:
        for (int e = 0; e < 2; e++) {
            while ((r = ssh_channel_read_nonblocking(c->ch, buf, sizeof buf,
                                                     e)) > 0) {
                if (!e && c->t_first == 0)
                    c->t_first = loop_now_ms();
                if (e)
                    append(&c->errout, &c->n_err, buf, r);
                else
                    append(&c->out, &c->n_out, buf, r);
            }
            if (r == SSH_ERROR) {
                finish_job(c, -1, ssh_get_error(c->s));
                return true;
            }
        }
        if (ssh_channel_is_eof(c->ch)) {
            finish_job(c, 0, NULL);
            return true;
        }
        return false;
    }
}

int
sshc_exec(struct sshc *c, const char *cmd, unsigned timeout_ms,
          sshc_exec_cb done, void *opaque)
{
    struct exec_job *j, **p;

    if (c->st != ST_READY)
        return -1;
    j = xcalloc(1, sizeof *j);
    j->cmd = xstrdup(cmd);
    j->timeout_ms = timeout_ms ? timeout_ms : 15000;
    j->done = done;
    j->opaque = opaque;
    for (p = &c->jobs; *p != NULL; p = &(*p)->next)
        ;
    *p = j;
    loop_update_timer(c->loop, c->timer, 0);
    return 0;
}

/* ---- driving ---------------------------------------------------------- */

static void
ready_step(struct sshc *c)
{
    int st;

    while (c->st == ST_READY && run_exec(c))
        ;
    if (c->st != ST_READY)
        return;
    if (c->jobs == NULL)
        ssh_blocking_flush(c->s, 0); /* read what came: EOF, keepalives */
    st = ssh_get_status(c->s);
    if (!ssh_is_connected(c->s) || (st & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
        char msg[300];

        snprintf(msg, sizeof msg, "%s: the SSH connection was closed",
                 c->name);
        go_lost(c, msg);
        return;
    }
    if (loop_now_ms() >= c->next_ping) {
        c->next_ping = loop_now_ms() + 15000;
        ssh_send_ignore(c->s, "ferry");
    }
    rewatch(c);
    /* idle: the socket wakes us; the timer only for the next keepalive
     * (or, while a command runs, its deadline) */
    loop_update_timer(c->loop, c->timer,
                      c->jobs ? 50 : (int)(c->next_ping - loop_now_ms()));
}

static void
step(struct sshc *c)
{
    enum step before = c->st;

    if (c->st == ST_READY) {
        ready_step(c);
        return;
    }
    while (run(c))
        ;
    if (c->st == ST_READY) {
        ready_step(c);
        changed(c);
        return;
    }
    if (sshc_state(c) == SSHC_CONNECTING) {
        if (loop_now_ms() > c->deadline_ms) {
            char msg[400];

            snprintf(msg, sizeof msg, "%s: no answer from %s within 20 s",
                     c->name, c->host ? c->host : c->target);
            go_lost(c, msg);
            return;
        }
        rewatch(c);
        loop_update_timer(c->loop, c->timer, 50);
    }
    if (c->st != before && sshc_state(c) == SSHC_CONNECTING)
        changed(c);
}

static void
on_fd(int watch, int fd, int events, void *opaque)
{
    struct sshc *c = opaque;

    (void)watch;
    (void)fd;
    if ((events & (LOOP_ERROR | LOOP_HANGUP)) && c->st == ST_READY) {
        ssh_blocking_flush(c->s, 0);
    }
    step(c);
}

static void
on_timer(int timer, void *opaque)
{
    struct sshc *c = opaque;

    (void)timer;
    if (c->st == ST_LOST) {
        c->st = ST_START;
        changed(c);
    }
    if (c->st != ST_REFUSED)
        step(c);
}

void
sshc_retry(struct sshc *c)
{
    if (c->st != ST_LOST && c->st != ST_REFUSED)
        return;
    drop_session(c);
    c->st = ST_START;
    c->backoff_ms = 0;
    loop_update_timer(c->loop, c->timer, 0);
    changed(c);
}

void
sshc_answer(struct sshc *c, const char *a)
{
    char hp[300];

    switch (c->st) {
    case ST_ASK_HOSTKEY:
        if (a == NULL || strcmp(a, "yes") != 0) {
            snprintf(c->err, sizeof c->err, "%s: host key of %s (%s) not "
                     "accepted", c->name, where(c, hp, sizeof hp),
                     c->fingerprint);
            go_refused(c);
            return;
        }
        if (ssh_session_update_known_hosts(c->s) < 0) {
            snprintf(c->err, sizeof c->err, "%s: cannot record the host "
                     "key in %s: %s", c->name, c->known_hosts,
                     ssh_get_error(c->s));
            go_refused(c);
            return;
        }
        c->st = ST_AUTH_NONE;
        break;
    case ST_ASK_PASS:
        if (a == NULL) {
            c->key_i++;
            c->st = ST_KEY_NEXT;
            break;
        }
        if (!key_open(c, a)) {
            if (++c->pass_tries >= 3) {
                c->key_i++;
                c->st = ST_KEY_NEXT;
                break;
            }
            ask_pass(c, true);
            return;
        }
        break;
    case ST_ASK_KBD:
        if (a == NULL)
            goto cancelled;
        ssh_userauth_kbdint_setanswer(c->s, (unsigned)c->kbd_i, a);
        if (++c->kbd_i < c->kbd_n) {
            ask_kbd(c);
            return;
        }
        c->st = ST_KBD;
        break;
    case ST_ASK_PASSWORD:
        if (a == NULL)
            goto cancelled;
        wipe(&c->tried_secret);
        c->tried_secret = xstrdup(a);
        c->st = ST_PASSWORD;
        break;
    default:
        return;
    }
    c->deadline_ms = loop_now_ms() + 20000;
    changed(c);
    step(c);
    return;
cancelled:
    snprintf(c->err, sizeof c->err, "%s: authentication cancelled", c->name);
    go_refused(c);
}

struct sshc *
sshc_new(struct loop *loop, const struct sshc_opts *o, sshc_change_cb cb,
         void *opaque)
{
    struct sshc *c = xcalloc(1, sizeof *c);
    char *home;

    c->loop = loop;
    c->name = xstrdup(o->name ? o->name : o->target);
    c->target = xstrdup(o->target);
    c->user_opt = o->user ? xstrdup(o->user) : NULL;
    c->port_opt = o->port;
    if (o->ssh_dir != NULL) {
        c->ssh_dir = xstrdup(o->ssh_dir);
    } else {
        home = home_dir();
        c->ssh_dir = xasprintf("%s/.ssh", home);
        free(home);
    }
    c->accept_new = o->accept_new;
    c->can_prompt = o->can_prompt;
    c->ask_hostkey = o->ask_hostkey;
    c->on_change = cb;
    c->opaque = opaque;
    c->st = ST_START;
    snprintf(c->err, sizeof c->err, "%s: connecting over SSH", c->name);
    c->timer = loop_add_timer(loop, 0, on_timer, c, NULL);
    return c;
}

void
sshc_free(struct sshc *c)
{
    if (c == NULL)
        return;
    c->on_change = NULL;
    fail_jobs(c, "closed");
    drop_session(c);
    loop_remove_timer(c->loop, c->timer);
    wipe(&c->secret);
    wipe(&c->tried_secret);
    free(c->name);
    free(c->target);
    free(c->user_opt);
    free(c->ssh_dir);
    free(c->host);
    free(c->user);
    free(c->known_hosts);
    free(c->fingerprint);
    free(c->auth);
    free(c->keyfile);
    free(c);
}
