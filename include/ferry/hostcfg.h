/* Host entries of ferry.ini ([host NAME], [datastore NAME]) and --connect
 * URIs: plain data, validated with file and line. */
#ifndef FERRY_HOSTCFG_H
#define FERRY_HOSTCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/ini.h"
#include "ferry/util.h"

/* How one libvirtd reaches another's for a peer-to-peer migration (the
 * control connection; the memory stream goes to the migration address). */
enum lv_transport {
    LVT_UNSET,
    LVT_SSH,    /* qemu+ssh: OpenSSH, authenticated, encrypted */
    LVT_LIBSSH, /* qemu+libssh */
    LVT_TLS,    /* qemu+tls (qemu://host): x509, encrypted */
    LVT_TCP,    /* qemu+tcp: plain TCP, authenticated only with SASL */
    LVT_UNIX,   /* a local socket: reaches no other host */
};
const char *lv_transport_name(enum lv_transport t);
int lv_transport_lookup(const char *s, enum lv_transport *out);
/* The transport a libvirt URI names (qemu://host/... is TLS, qemu:///...
 * and qemu+unix a local socket); LVT_UNSET when it is not a URI. */
enum lv_transport lv_uri_transport(const char *uri);

/* A [host NAME] entry, or a --connect URI (name NULL: the hostname libvirt
 * reports). */
struct lv_host_cfg {
    char *name;
    char *uri;
    char *migration_address; /* data goes to tcp://ADDR */
    char *migration_uri;     /* peer-to-peer control URI for this host */
    uint64_t link_bps;       /* migration network speed, for predictions */
    uint64_t max_bw_bps;     /* cap per migration (0: none) */
    uint64_t overhead_ms;    /* fixed switchover cost (0: 100 ms) */
    unsigned max_migrations; /* 0: no limit of ferry's own */
    int on_steering_lost;    /* enum steer_lost (0: unset) */
    enum lv_transport transport; /* transport = (UNSET: the uri's) */
    int tls;                 /* tls = yes: 1, no: -1, unset: 0 */
    bool cleartext_ok;       /* encryption = none: a trusted network */
    unsigned parallel;       /* parallel_connections = (0: unset) */
    uint64_t stream_bps;     /* stream_speed = (0: unknown) */
    char *where;             /* "file:line" of the entry, for errors */
    /* SSH: from ssh = user@host[:port], or from a qemu+ssh:// or
     * qemu+libssh:// uri (ssh_host NULL: the host is not reached over
     * SSH). The libvirt connection then goes over libssh too, unless uri
     * names another transport. */
    char *ssh_user, *ssh_host;
    unsigned ssh_port;
};

/* user@host[:port] or [user@]host, or a libvirt URI's authority; *user
 * and *port stay as they are when absent. 0, or -1 with *why. */
int ssh_target_parse(const char *s, char **user, char **host,
                     unsigned *port, const char **why);
/* The SSH part of a qemu+ssh:// or qemu+libssh:// URI: 1 if it has one,
 * 0 if the URI uses another transport, -1 (with *why) if malformed. */
int ssh_target_from_uri(const char *uri, char **user, char **host,
                        unsigned *port, const char **why);
/* What libvirt's connection runs on a host reached over SSH, for the
 * libvirt URI uri (qemu+ssh://host/system, ...): virt-ssh-helper with the
 * local URI when the host has it, else nc to the daemon's socket (uri's
 * socket= or /var/run/libvirt/libvirt-sock), as libvirt's own netcat
 * probe does; NULL if uri is not a libvirt URI. Caller frees. */
char *lv_ssh_remote_cmd(const char *uri);
/* The URI libvirt uses for the local end of that connection, the relay's
 * socket: driver+unix:///path?socket=SOCK. Caller frees. */
char *lv_ssh_local_uri(const char *uri, const char *relay_socket);

/* The peer-to-peer control connection to a destination host. */
struct lv_p2p {
    char *uri;                  /* what the source's libvirtd opens */
    enum lv_transport transport;
    const char *how;            /* "migration_uri", "transport = tls", ... */
};
/* The URI the source host's libvirtd uses to reach dst's: dst's
 * migration_uri as given; else dst's transport (transport =, else its
 * uri's; qemu+libssh becomes qemu+ssh, OpenSSH on the host) to its
 * migration_address (else its uri's host, else its ssh host), with the
 * uri's path. A host ferry reaches over a local socket needs transport =
 * or migration_uri: 0, or -1 with err saying which key to set. Free
 * out->uri. */
int lv_p2p_uri(const struct lv_host_cfg *dst, struct lv_p2p *out,
               struct ferry_err *err);
/* A [datastore NAME] entry's limits (NAME: a pool's name on every host,
 * or one host's POOL@HOST). */
struct lv_ds_cfg {
    char *name;
    uint64_t bandwidth_bps; /* cap for storage moves to or from it (0: none) */
    char *where;            /* "file:line" of the entry, for errors */
};

struct lv_cfg {
    struct lv_host_cfg *hosts;
    size_t n_hosts;
    char **shared;           /* pool names that are the same storage */
    size_t n_shared;
    struct lv_ds_cfg *datastores; /* those with a limit */
    size_t n_datastores;
};

void lv_cfg_fini(struct lv_cfg *c);
struct lv_host_cfg *lv_cfg_add_host(struct lv_cfg *c, const char *name);
/* Read every [host NAME] and [datastore NAME] section of doc. */
int lv_cfg_load(struct lv_cfg *c, const struct ini_doc *doc,
                struct ferry_err *err);
/* The [datastore NAME] bandwidth cap for a datastore of the model (ds:
 * POOL@HOST for a local pool, POOL for a shared one): POOL@HOST's entry,
 * else POOL's; 0: no cap. */
uint64_t lv_cfg_ds_bandwidth(const struct lv_cfg *c, const char *ds);
/* Forget the host entries (--connect names the only hosts), keep the
 * datastores. */
void lv_cfg_clear_hosts(struct lv_cfg *c);
/* Add a --connect URI (checked like a uri = value). */
int lv_cfg_add_uri(struct lv_cfg *c, const char *uri, struct ferry_err *err);

#endif
