/* Host entries of ferry.ini and --connect URIs. */
#include "ferry/hostcfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
lv_cfg_clear_hosts(struct lv_cfg *c)
{
    for (size_t i = 0; i < c->n_hosts; i++) {
        free(c->hosts[i].name);
        free(c->hosts[i].uri);
        free(c->hosts[i].migration_address);
        free(c->hosts[i].migration_uri);
        free(c->hosts[i].where);
        free(c->hosts[i].ssh_user);
        free(c->hosts[i].ssh_host);
    }
    free(c->hosts);
    c->hosts = NULL;
    c->n_hosts = 0;
}

void
lv_cfg_fini(struct lv_cfg *c)
{
    lv_cfg_clear_hosts(c);
    strv_free(c->shared, c->n_shared);
    for (size_t i = 0; i < c->n_datastores; i++) {
        free(c->datastores[i].name);
        free(c->datastores[i].where);
    }
    free(c->datastores);
    memset(c, 0, sizeof *c);
}

struct lv_host_cfg *
lv_cfg_add_host(struct lv_cfg *c, const char *name)
{
    struct lv_host_cfg *h;

    c->hosts = xrealloc(c->hosts, (c->n_hosts + 1) * sizeof *c->hosts);
    h = &c->hosts[c->n_hosts++];
    memset(h, 0, sizeof *h);
    h->name = name ? xstrdup(name) : NULL;
    return h;
}

const char *
lv_transport_name(enum lv_transport t)
{
    static const char *const n[] = {"", "ssh", "libssh", "tls", "tcp",
                                    "unix"};

    return (unsigned)t < ARRAY_SIZE(n) ? n[t] : "";
}

int
lv_transport_lookup(const char *s, enum lv_transport *out)
{
    for (int t = LVT_SSH; t <= LVT_UNIX; t++)
        if (strcasecmp(s, lv_transport_name((enum lv_transport)t)) == 0) {
            *out = (enum lv_transport)t;
            return 0;
        }
    return -1;
}

enum lv_transport
lv_uri_transport(const char *uri)
{
    const char *sep = strstr(uri, "://"), *plus = strchr(uri, '+');
    enum lv_transport t;
    char *name;

    if (sep == NULL)
        return LVT_UNSET;
    if (plus == NULL || plus > sep) /* driver://host/ is TLS, :/// local */
        return sep[3] == '/' || sep[3] == '\0' || sep[3] == '?' ? LVT_UNIX
                                                              : LVT_TLS;
    name = xstrndup(plus + 1, (size_t)(sep - plus - 1));
    if (lv_transport_lookup(name, &t) < 0)
        t = LVT_UNSET; /* ext, ... */
    free(name);
    return t;
}

/* A libvirt URI as virsh takes it: driver[+transport]://[user@][host]/path */
static const char *
uri_problem(const char *u)
{
    const char *sep = strstr(u, "://");

    if (u[0] == '\0')
        return "is empty";
    if (sep == NULL || sep == u)
        return "is not a libvirt URI (like qemu:///system or "
               "qemu+ssh://user@host/system)";
    for (const char *p = u; p < sep; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '+' || *p == '-'))
            return "has a bad scheme (like qemu, qemu+ssh, qemu+tcp)";
    if (strchr(u, ' ') != NULL)
        return "contains a space";
    return NULL;
}

int
lv_cfg_add_uri(struct lv_cfg *c, const char *uri, struct ferry_err *err)
{
    const char *why = uri_problem(uri);
    struct lv_host_cfg *h;

    if (why != NULL) {
        err_set(err, "--connect: '%s' %s", uri, why);
        return -1;
    }
    for (size_t i = 0; i < c->n_hosts; i++)
        if (strcmp(c->hosts[i].uri, uri) == 0) {
            err_set(err, "--connect: '%s' is given twice", uri);
            return -1;
        }
    h = lv_cfg_add_host(c, NULL);
    h->uri = xstrdup(uri);
    if (ssh_target_from_uri(uri, &h->ssh_user, &h->ssh_host, &h->ssh_port,
                            &why) < 0) {
        err_set(err, "--connect: '%s' %s", uri, why);
        return -1;
    }
    return 0;
}

int
ssh_target_parse(const char *s, char **user, char **host, unsigned *port,
                 const char **why)
{
    const char *at = strrchr(s, '@'), *h = at ? at + 1 : s, *colon;
    size_t hl;

    *why = NULL;
    if (s[0] == '\0' || strpbrk(s, " /?#") != NULL) {
        *why = "is not user@host[:port]";
        return -1;
    }
    if (at == s) {
        *why = "has an empty user before '@'";
        return -1;
    }
    if (h[0] == '[') { /* [v6addr]:port */
        const char *close = strchr(h, ']');

        if (close == NULL) {
            *why = "has '[' without ']'";
            return -1;
        }
        hl = (size_t)(close - h - 1);
        h++;
        colon = close[1] == ':' ? close + 1 : NULL;
        if (close[1] != '\0' && colon == NULL) {
            *why = "has text after ']'";
            return -1;
        }
    } else {
        colon = strchr(h, ':');
        hl = colon ? (size_t)(colon - h) : strlen(h);
    }
    if (hl == 0) {
        *why = "has no host";
        return -1;
    }
    if (colon != NULL) {
        char *end;
        unsigned long p = strtoul(colon + 1, &end, 10);

        if (colon[1] == '\0' || *end != '\0' || p == 0 || p > 65535) {
            *why = "has a bad port (1-65535)";
            return -1;
        }
        *port = (unsigned)p;
    }
    if (at != NULL) {
        free(*user);
        *user = xstrndup(s, (size_t)(at - s));
    }
    free(*host);
    *host = xstrndup(h, hl);
    return 0;
}

int
ssh_target_from_uri(const char *uri, char **user, char **host,
                    unsigned *port, const char **why)
{
    const char *sep = strstr(uri, "://"), *plus = strchr(uri, '+');
    const char *auth, *end;
    char *a;
    int rc;

    *why = NULL;
    if (sep == NULL || plus == NULL || plus > sep)
        return 0;
    if (!((sep - plus == 4 && strncmp(plus, "+ssh", 4) == 0) ||
          (sep - plus == 7 && strncmp(plus, "+libssh", 7) == 0)))
        return 0;
    auth = sep + 3;
    end = auth + strcspn(auth, "/?");
    if (end == auth) {
        *why = "has no host to reach over SSH";
        return -1;
    }
    a = xstrndup(auth, (size_t)(end - auth));
    rc = ssh_target_parse(a, user, host, port, why);
    free(a);
    return rc < 0 ? -1 : 1;
}

/* The value of query parameter key in uri, or NULL. Caller frees. */
static char *
query_param(const char *uri, const char *key)
{
    const char *q = strchr(uri, '?');
    size_t kl = strlen(key);

    while (q != NULL) {
        q++;
        if (strncmp(q, key, kl) == 0 && q[kl] == '=')
            return xstrndup(q + kl + 1, strcspn(q + kl + 1, "&"));
        q = strchr(q, '&');
    }
    return NULL;
}

static bool
sh_safe(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || strchr("/-_.:+", *s)))
            return false;
    return true;
}

/* The driver ("qemu") and path ("/system") of a libvirt URI; false if
 * it is none. */
static bool
uri_parts(const char *uri, size_t *dlen, const char **path, size_t *plen)
{
    const char *sep = strstr(uri, "://"), *auth;

    if (sep == NULL)
        return false;
    *dlen = strcspn(uri, "+:");
    auth = sep + 3;
    *path = auth + strcspn(auth, "/?");
    *plen = strcspn(*path, "?");
    if (*plen == 0) {
        *path = "/system";
        *plen = 7;
    }
    return true;
}

char *
lv_ssh_remote_cmd(const char *uri)
{
    const char *path;
    size_t dlen, plen;
    char *sock, *cmd;
    char remote[256];

    if (!uri_parts(uri, &dlen, &path, &plen))
        return NULL;
    snprintf(remote, sizeof remote, "%.*s://%.*s", (int)dlen, uri, (int)plen,
             path);
    if (!sh_safe(remote))
        snprintf(remote, sizeof remote, "qemu:///system");
    sock = query_param(uri, "socket");
    if (sock != NULL && sh_safe(sock))
        cmd = xasprintf("exec nc -U %s", sock);
    else
        cmd = xasprintf("if virt-ssh-helper -V >/dev/null 2>&1; then exec "
                        "virt-ssh-helper %s; else exec nc -U "
                        "/var/run/libvirt/libvirt-sock; fi",
                        remote);
    free(sock);
    return cmd;
}

char *
lv_ssh_local_uri(const char *uri, const char *relay_socket)
{
    const char *path;
    size_t dlen, plen;

    if (!uri_parts(uri, &dlen, &path, &plen))
        return NULL;
    return xasprintf("%.*s+unix://%.*s?socket=%s", (int)dlen, uri, (int)plen,
                     path, relay_socket);
}

/* The authority of a libvirt URI: [user@]host[:port] (empty: none). */
static void
uri_authority(const char *uri, char **user, char **host, unsigned *port)
{
    const char *sep = strstr(uri, "://");
    const char *a = sep ? sep + 3 : "";
    size_t l = strcspn(a, "/?");
    char *auth = xstrndup(a, l);
    const char *why;

    *user = *host = NULL;
    *port = 0;
    if (l > 0 && ssh_target_parse(auth, user, host, port, &why) < 0) {
        free(*user);
        free(*host);
        *user = *host = NULL;
        *port = 0;
    }
    free(auth);
}

int
lv_p2p_uri(const struct lv_host_cfg *dst, struct lv_p2p *out,
           struct ferry_err *err)
{
    const char *name = dst->name ? dst->name : dst->uri;
    enum lv_transport ut = lv_uri_transport(dst->uri ? dst->uri : "");
    enum lv_transport t = dst->transport;
    char *user = NULL, *host = NULL, *hbuf;
    unsigned port = 0;
    const char *path = "/system";
    size_t dlen = 4, plen = 7;
    const char *drv = "qemu";

    memset(out, 0, sizeof *out);
    if (dst->migration_uri != NULL) {
        out->uri = xstrdup(dst->migration_uri);
        out->transport = lv_uri_transport(dst->migration_uri);
        out->how = "migration_uri";
        return 0;
    }
    if (t == LVT_UNSET) {
        t = ut == LVT_LIBSSH ? LVT_SSH : ut;
        out->how = ut == LVT_LIBSSH ? "the uri's SSH (OpenSSH on the host)"
                                    : "the uri's transport";
    } else {
        out->how = "transport =";
    }
    if (t == LVT_UNIX || t == LVT_UNSET) {
        err_set(err, "%s%s[host %s]: the other hosts' libvirtd cannot reach "
                     "%s through %s; set transport = ssh, tls or tcp (with "
                     "migration_address), or migration_uri",
                dst->where ? dst->where : "", dst->where ? ": " : "", name,
                name, dst->uri ? dst->uri : "its uri");
        return -1;
    }
    if (dst->uri != NULL) {
        const char *sep = strstr(dst->uri, "://"), *a;

        uri_authority(dst->uri, &user, &host, &port);
        dlen = strcspn(dst->uri, "+:");
        drv = dst->uri;
        if (sep != NULL) {
            a = sep + 3;
            a += strcspn(a, "/?");
            if (*a == '/' && strcspn(a, "?") > 1) {
                path = a;
                plen = strcspn(a, "?");
            }
        }
    }
    /* the uri's port belongs to the uri's transport only */
    if (t != (ut == LVT_LIBSSH ? LVT_SSH : ut))
        port = 0;
    if (t == LVT_SSH && user == NULL && dst->ssh_user != NULL)
        user = xstrdup(dst->ssh_user);
    if (t == LVT_SSH && dst->ssh_host != NULL && ut != LVT_SSH &&
        ut != LVT_LIBSSH)
        port = dst->ssh_port;
    if (t != LVT_SSH && t != LVT_LIBSSH) {
        free(user); /* a user is SSH's */
        user = NULL;
    }
    if (dst->migration_address != NULL) {
        free(host);
        host = xstrdup(dst->migration_address);
    } else if (t == LVT_SSH && dst->ssh_host != NULL && ut != LVT_SSH &&
               ut != LVT_LIBSSH) {
        free(host); /* where its sshd is, with that port */
        host = xstrdup(dst->ssh_host);
    } else if (host == NULL && dst->ssh_host != NULL) {
        host = xstrdup(dst->ssh_host);
    }
    if (host == NULL) {
        err_set(err, "%s%s[host %s]: no address for the other hosts' "
                     "libvirtd to reach it over %s; set migration_address "
                     "or migration_uri",
                dst->where ? dst->where : "", dst->where ? ": " : "", name,
                lv_transport_name(t));
        free(user);
        return -1;
    }
    hbuf = strchr(host, ':') ? xasprintf("[%s]", host) : xstrdup(host);
    out->transport = t;
    {
        char pbuf[16] = "";

        if (port)
            snprintf(pbuf, sizeof pbuf, ":%u", port);
        out->uri = xasprintf("%.*s+%s://%s%s%s%s%.*s", (int)dlen, drv,
                             lv_transport_name(t), user ? user : "",
                             user ? "@" : "", hbuf, pbuf, (int)plen, path);
    }
    free(hbuf);
    free(host);
    free(user);
    return 0;
}

static struct lv_host_cfg *
host_named(struct lv_cfg *c, const char *name)
{
    for (size_t i = 0; i < c->n_hosts; i++)
        if (c->hosts[i].name != NULL && strcmp(c->hosts[i].name, name) == 0)
            return &c->hosts[i];
    return NULL;
}

static int
set_str(const struct ini_doc *doc, const struct ini_entry *e, char **dst,
        struct ferry_err *err)
{
    if (*dst != NULL)
        return ini_error(doc, e, err, "given twice");
    if (e->value[0] == '\0')
        return ini_error(doc, e, err, "is empty");
    *dst = xstrdup(e->value);
    return 0;
}

static int
host_key(struct lv_cfg *c, const struct ini_doc *doc,
         const struct ini_entry *e, const char *name, struct ferry_err *err)
{
    struct lv_host_cfg *h = host_named(c, name);
    uint64_t v;
    const char *why;

    if (h == NULL) {
        for (const char *p = name; *p; p++)
            if (*p == ' ' || *p == '/' || *p == ':' || *p == ',')
                return ini_error(doc, e, err, "host name '%s' may not "
                                 "contain spaces, '/', ':' or ','", name);
        h = lv_cfg_add_host(c, name);
        h->where = xasprintf("%s:%d", doc->name, e->line);
    }
    if (strcmp(e->key, "uri") == 0) {
        if ((why = uri_problem(e->value)) != NULL)
            return ini_error(doc, e, err, "'%s' %s", e->value, why);
        if (h->ssh_host == NULL &&
            ssh_target_from_uri(e->value, &h->ssh_user, &h->ssh_host,
                                &h->ssh_port, &why) < 0)
            return ini_error(doc, e, err, "'%s' %s", e->value, why);
        return set_str(doc, e, &h->uri, err);
    }
    if (strcmp(e->key, "ssh") == 0) {
        free(h->ssh_user);
        free(h->ssh_host);
        h->ssh_user = h->ssh_host = NULL;
        h->ssh_port = 0;
        if (ssh_target_parse(e->value, &h->ssh_user, &h->ssh_host,
                             &h->ssh_port, &why) < 0)
            return ini_error(doc, e, err, "'%s' %s (like root@hv1 or "
                             "admin@10.0.0.5:2222, or a Host of "
                             "~/.ssh/config)", e->value, why);
        return 0;
    }
    if (strcmp(e->key, "migration_address") == 0) {
        if (strpbrk(e->value, " /") != NULL || strstr(e->value, "://"))
            return ini_error(doc, e, err, "'%s' is not a host name or "
                             "address (the migration network's address of "
                             "this host, like 10.0.0.5)", e->value);
        return set_str(doc, e, &h->migration_address, err);
    }
    if (strcmp(e->key, "migration_uri") == 0) {
        if ((why = uri_problem(e->value)) != NULL)
            return ini_error(doc, e, err, "'%s' %s", e->value, why);
        return set_str(doc, e, &h->migration_uri, err);
    }
    if (strcmp(e->key, "link_speed") == 0)
        return ini_get_rate(doc, e, &h->link_bps, err);
    if (strcmp(e->key, "max_bandwidth") == 0)
        return ini_get_rate(doc, e, &h->max_bw_bps, err);
    if (strcmp(e->key, "switchover_overhead") == 0)
        return ini_get_ms(doc, e, &h->overhead_ms, err);
    if (strcmp(e->key, "max_migrations") == 0) {
        if (ini_get_uint(doc, e, 1, 64, &v, err) < 0)
            return -1;
        h->max_migrations = (unsigned)v;
        return 0;
    }
    if (strcmp(e->key, "on_steering_lost") == 0) {
        if (strcasecmp(e->value, "abort") == 0)
            h->on_steering_lost = 1;
        else if (strcasecmp(e->value, "budget") == 0)
            h->on_steering_lost = 2;
        else
            return ini_error(doc, e, err, "'%s' is not abort or budget",
                             e->value);
        return 0;
    }
    if (strcmp(e->key, "transport") == 0) {
        if (lv_transport_lookup(e->value, &h->transport) < 0 ||
            h->transport == LVT_UNIX)
            return ini_error(doc, e, err, "'%s' is not ssh, libssh, tls or "
                             "tcp (how the other hosts' libvirtd reaches "
                             "this one for a migration)", e->value);
        return 0;
    }
    if (strcmp(e->key, "tls") == 0) {
        bool b;

        if (ini_get_bool(doc, e, &b, err) < 0)
            return -1;
        h->tls = b ? 1 : -1;
        return 0;
    }
    if (strcmp(e->key, "encryption") == 0) {
        if (strcasecmp(e->value, "none") == 0)
            h->cleartext_ok = true;
        else if (strcasecmp(e->value, "required") == 0)
            h->cleartext_ok = false;
        else
            return ini_error(doc, e, err, "'%s' is not none (migration data "
                             "may cross this host's network in the clear) "
                             "or required", e->value);
        return 0;
    }
    if (strcmp(e->key, "parallel_connections") == 0) {
        if (ini_get_uint(doc, e, 1, 255, &v, err) < 0)
            return -1;
        h->parallel = (unsigned)v;
        return 0;
    }
    if (strcmp(e->key, "stream_speed") == 0)
        return ini_get_rate(doc, e, &h->stream_bps, err);
    return ini_error(doc, e, err, "unknown key (uri, ssh, "
                     "migration_address, migration_uri, transport, tls, "
                     "encryption, parallel_connections, stream_speed, "
                     "link_speed, max_bandwidth, switchover_overhead, "
                     "max_migrations, on_steering_lost)");
}

/* One key of a [datastore NAME] section. */
static int
ds_key(struct lv_cfg *c, const struct ini_doc *doc, const struct ini_entry *e,
       const char *name, struct ferry_err *err)
{
    if (strcmp(e->key, "shared") == 0) {
        bool shared;

        if (ini_get_bool(doc, e, &shared, err) < 0)
            return -1;
        if (shared && !strv_contains(c->shared, c->n_shared, name)) {
            c->shared = xrealloc(c->shared,
                                 (c->n_shared + 1) * sizeof *c->shared);
            c->shared[c->n_shared++] = xstrdup(name);
        }
        return 0;
    }
    if (strcmp(e->key, "bandwidth") == 0) {
        struct lv_ds_cfg *d = NULL;
        uint64_t bps;

        for (size_t i = 0; i < c->n_datastores && d == NULL; i++)
            if (strcmp(c->datastores[i].name, name) == 0)
                d = &c->datastores[i];
        if (d != NULL && d->bandwidth_bps)
            return ini_error(doc, e, err, "given twice (first at %s)",
                             d->where);
        if (ini_get_rate(doc, e, &bps, err) < 0)
            return -1;
        if (bps == 0)
            return ini_error(doc, e, err, "'%s' is no bandwidth: a storage "
                             "move needs some (leave the key out for no "
                             "cap)", e->value);
        if (d == NULL) {
            c->datastores = xrealloc(c->datastores, (c->n_datastores + 1) *
                                                        sizeof *c->datastores);
            d = &c->datastores[c->n_datastores++];
            d->name = xstrdup(name);
        }
        d->bandwidth_bps = bps;
        d->where = xasprintf("%s:%d", doc->name, e->line);
        return 0;
    }
    return ini_error(doc, e, err, "unknown key (shared, bandwidth)");
}

/* The operator's cap for storage moves on datastore ds (a model name:
 * POOL@HOST for a local pool, POOL for a shared one); 0: none. */
uint64_t
lv_cfg_ds_bandwidth(const struct lv_cfg *c, const char *ds)
{
    const char *at = strrchr(ds, '@');
    uint64_t pool_bps = 0;

    for (size_t i = 0; i < c->n_datastores; i++) {
        const struct lv_ds_cfg *d = &c->datastores[i];

        if (strcmp(d->name, ds) == 0)
            return d->bandwidth_bps; /* POOL@HOST beats POOL */
        if (at != NULL && strlen(d->name) == (size_t)(at - ds) &&
            strncmp(d->name, ds, (size_t)(at - ds)) == 0)
            pool_bps = d->bandwidth_bps;
    }
    return pool_bps;
}

int
lv_cfg_load(struct lv_cfg *c, const struct ini_doc *doc,
            struct ferry_err *err)
{
    for (size_t i = 0; i < doc->n; i++) {
        const struct ini_entry *e = &doc->v[i];
        const char *name;

        if ((name = ini_section_name(e->section, "host")) != NULL) {
            if (host_key(c, doc, e, name, err) < 0)
                return -1;
        } else if ((name = ini_section_name(e->section, "datastore")) !=
                   NULL) {
            if (ds_key(c, doc, e, name, err) < 0)
                return -1;
        }
    }
    for (size_t i = 0; i < c->n_hosts; i++)
        if (c->hosts[i].name != NULL && c->hosts[i].uri == NULL &&
            c->hosts[i].ssh_host != NULL) {
            /* ssh = alone: libvirt goes over the same SSH */
            const char *hh = c->hosts[i].ssh_host;

            c->hosts[i].uri = xasprintf(strchr(hh, ':')
                                            ? "qemu+libssh://[%s]/system"
                                            : "qemu+libssh://%s/system",
                                        hh);
        } else if (c->hosts[i].name != NULL && c->hosts[i].uri == NULL) {
            err_set(err, "%s: [host %s] has no uri = (a libvirt URI such as "
                         "qemu+ssh://root@%s/system)",
                    c->hosts[i].where, c->hosts[i].name, c->hosts[i].name);
            return -1;
        }
    return 0;
}
