/* libvirt's connection through ferry's SSH (see sshc.h). The relay thread
 * owns a second libssh session in blocking mode: it connects, checks the
 * host key against the known_hosts file the first session verified (OK or
 * nothing: it never asks), authenticates the way the first one did, then
 * accepts libvirt's one connection on the private UNIX socket and copies
 * bytes both ways between it and an exec channel on the host. */
#include "ferry/sshc.h"

#include <errno.h>
#include <libssh/libssh.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ferry/util.h"

struct sshc_relay {
    char *host, *user, *known_hosts, *ssh_dir, *auth, *keyfile, *secret;
    unsigned port;
    char *cmd;
    char dir[64], path[100]; /* sun_path holds 108 */
    int lfd;      /* listening socket */
    int stop[2];  /* a byte here stops the thread */
    pthread_t th;
    bool started;
    pthread_mutex_t lock;
    char status[512];
};

static void
set_status(struct sshc_relay *r, const char *fmt, const char *detail)
{
    pthread_mutex_lock(&r->lock);
    snprintf(r->status, sizeof r->status, fmt, detail);
    pthread_mutex_unlock(&r->lock);
}

void
sshc_relay_status(struct sshc_relay *r, char *buf, size_t n)
{
    pthread_mutex_lock(&r->lock);
    snprintf(buf, n, "%s", r->status);
    pthread_mutex_unlock(&r->lock);
}

const char *
sshc_relay_path(const struct sshc_relay *r)
{
    return r->path;
}

static int
relay_auth(struct sshc_relay *r, ssh_session s)
{
    ssh_key key = NULL;
    int rc;

    if (strcmp(r->auth, "none") == 0)
        return ssh_userauth_none(s, NULL);
    if (strcmp(r->auth, "agent,privkey") == 0)
        return ssh_userauth_publickey_auto(s, NULL, NULL);
    if (strcmp(r->auth, "privkey") == 0) {
        if (ssh_pki_import_privkey_file(r->keyfile, r->secret, NULL, NULL,
                                        &key) != SSH_OK)
            return SSH_AUTH_DENIED;
        rc = ssh_userauth_publickey(s, NULL, key);
        ssh_key_free(key);
        return rc;
    }
    if (strcmp(r->auth, "password") == 0 && r->secret != NULL)
        return ssh_userauth_password(s, NULL, r->secret);
    return SSH_AUTH_DENIED; /* keyboard-interactive answers are one-off */
}

/* All of buf to libvirt's side; never SIGPIPE when it has gone. */
static bool
send_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        buf += w;
        n -= (size_t)w;
    }
    return true;
}

/* Copy until either side closes or stop is asked. */
static void
pump(struct sshc_relay *r, ssh_session s, ssh_channel ch, int fd)
{
    char buf[65536];

    for (;;) {
        struct pollfd p[3] = {{fd, POLLIN, 0},
                              {ssh_get_fd(s), POLLIN, 0},
                              {r->stop[0], POLLIN, 0}};
        int n;

        /* libssh may hold data it read already: drain before sleeping
         * (the stall libvirt's own transport has) */
        while ((n = ssh_channel_read_nonblocking(ch, buf, sizeof buf, 0)) > 0)
            if (!send_all(fd, buf, (size_t)n))
                return;
        if (n == SSH_ERROR || ssh_channel_is_eof(ch)) {
            set_status(r, "%s", "the host closed libvirt's channel");
            return;
        }
        if (poll(p, 3, 1000) < 0 && errno != EINTR)
            return;
        if (p[2].revents)
            return;
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t got = read(fd, buf, sizeof buf);

            if (got <= 0)
                return; /* libvirt closed its connection */
            if (ssh_channel_write(ch, buf, (uint32_t)got) != got) {
                set_status(r, "%s", ssh_get_error(s));
                return;
            }
        }
    }
}

static void *
relay_main(void *arg)
{
    struct sshc_relay *r = arg;
    ssh_session s = ssh_new();
    ssh_channel ch = NULL;
    bool no = false;
    int fd = -1;
    struct pollfd p[2];

    ssh_options_set(s, SSH_OPTIONS_SSH_DIR, r->ssh_dir);
    ssh_options_set(s, SSH_OPTIONS_HOST, r->host);
    ssh_options_set(s, SSH_OPTIONS_USER, r->user);
    ssh_options_set(s, SSH_OPTIONS_PORT, &r->port);
    ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, r->known_hosts);
    ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
    if (r->keyfile != NULL) /* the IdentityFile the first session used */
        ssh_options_set(s, SSH_OPTIONS_ADD_IDENTITY, r->keyfile);
    if (ssh_connect(s) != SSH_OK) {
        set_status(r, "relay: cannot connect: %s", ssh_get_error(s));
        goto out;
    }
    if (ssh_session_is_known_server(s) != SSH_KNOWN_HOSTS_OK) {
        set_status(r, "relay: the host key is not the one verified in %s",
                   r->known_hosts);
        goto out;
    }
    if (relay_auth(r, s) != SSH_AUTH_SUCCESS) {
        set_status(r, "relay: authentication as before (%s) failed",
                   r->auth);
        goto out;
    }
    ch = ssh_channel_new(s);
    if (ch == NULL || ssh_channel_open_session(ch) != SSH_OK ||
        ssh_channel_request_exec(ch, r->cmd) != SSH_OK) {
        set_status(r, "relay: cannot start libvirt's helper: %s",
                   ssh_get_error(s));
        goto out;
    }
    p[0] = (struct pollfd){r->lfd, POLLIN, 0};
    p[1] = (struct pollfd){r->stop[0], POLLIN, 0};
    if (poll(p, 2, 60000) <= 0 || p[1].revents)
        goto out;
    fd = accept(r->lfd, NULL, NULL);
    if (fd < 0)
        goto out;
    pump(r, s, ch, fd);
    set_status(r, "%s", "relay: closed");
out:
    /* a connection waiting in the backlog gets reset, not a hang */
    close(r->lfd);
    r->lfd = -1;
    if (fd >= 0)
        close(fd);
    if (ch != NULL) {
        ssh_channel_close(ch);
        ssh_channel_free(ch);
    }
    ssh_disconnect(s);
    ssh_free(s);
    return NULL;
}

struct sshc_relay *
sshc_relay_new(const struct sshc *c, const char *remote_cmd, char *err,
               size_t n)
{
    struct sshc_relay *r = xcalloc(1, sizeof *r);
    struct sshc_info i;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *tmp = getenv("XDG_RUNTIME_DIR");

    sshc_info(c, &i);
    r->lfd = r->stop[0] = r->stop[1] = -1;
    pthread_mutex_init(&r->lock, NULL);
    r->host = xstrdup(i.host);
    r->user = xstrdup(i.user);
    r->port = i.port;
    r->known_hosts = xstrdup(i.known_hosts);
    r->ssh_dir = xstrdup(i.ssh_dir);
    r->auth = xstrdup(i.auth);
    r->keyfile = i.keyfile ? xstrdup(i.keyfile) : NULL;
    r->secret = sshc_secret(c) ? xstrdup(sshc_secret(c)) : NULL;
    r->cmd = xstrdup(remote_cmd);
    snprintf(r->dir, sizeof r->dir, "%s/ferry-XXXXXX",
             tmp && tmp[0] == '/' && strlen(tmp) < 40 ? tmp : "/tmp");
    if (mkdtemp(r->dir) == NULL) {
        snprintf(err, n, "cannot create a private directory %s: %s", r->dir,
                 strerror(errno));
        r->dir[0] = '\0';
        goto fail;
    }
    snprintf(r->path, sizeof r->path, "%s/libvirt.sock", r->dir);
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", r->path);
    r->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (r->lfd < 0 || bind(r->lfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        listen(r->lfd, 1) < 0 || pipe(r->stop) < 0) {
        snprintf(err, n, "cannot listen on %s: %s", r->path, strerror(errno));
        goto fail;
    }
    if (pthread_create(&r->th, NULL, relay_main, r) != 0) {
        snprintf(err, n, "cannot start the relay thread");
        goto fail;
    }
    r->started = true;
    return r;
fail:
    sshc_relay_free(r);
    return NULL;
}

void
sshc_relay_free(struct sshc_relay *r)
{
    if (r == NULL)
        return;
    if (r->started) {
        if (write(r->stop[1], "x", 1) < 0) {
            /* the thread still ends when libvirt closes its side */
        }
        pthread_join(r->th, NULL);
    }
    for (int k = 0; k < 2; k++)
        if (r->stop[k] >= 0)
            close(r->stop[k]);
    if (r->lfd >= 0)
        close(r->lfd);
    if (r->path[0])
        unlink(r->path);
    if (r->dir[0])
        rmdir(r->dir);
    if (r->secret != NULL)
        explicit_bzero(r->secret, strlen(r->secret));
    free(r->secret);
    free(r->host);
    free(r->user);
    free(r->known_hosts);
    free(r->ssh_dir);
    free(r->auth);
    free(r->keyfile);
    free(r->cmd);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
