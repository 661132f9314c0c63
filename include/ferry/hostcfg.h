/* Host entries of ferry.ini ([host NAME], [datastore NAME]) and --connect
 * URIs: plain data, validated with file and line. */
#ifndef FERRY_HOSTCFG_H
#define FERRY_HOSTCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/ini.h"
#include "ferry/util.h"

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
    char *where;             /* "file:line" of the entry, for errors */
};

struct lv_cfg {
    struct lv_host_cfg *hosts;
    size_t n_hosts;
    char **shared;           /* pool names that are the same storage */
    size_t n_shared;
    const char *log_dir;     /* earlier flight logs: hints for predictions */
};

void lv_cfg_fini(struct lv_cfg *c);
struct lv_host_cfg *lv_cfg_add_host(struct lv_cfg *c, const char *name);
/* Read every [host NAME] and [datastore NAME] section of doc. */
int lv_cfg_load(struct lv_cfg *c, const struct ini_doc *doc,
                struct ferry_err *err);
/* Forget the host entries (--connect names the only hosts), keep the
 * datastores. */
void lv_cfg_clear_hosts(struct lv_cfg *c);
/* Add a --connect URI (checked like a uri = value). */
int lv_cfg_add_uri(struct lv_cfg *c, const char *uri, struct ferry_err *err);

#endif
