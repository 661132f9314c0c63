/* Host entries of ferry.ini and --connect URIs. */
#include "ferry/hostcfg.h"

#include <stdlib.h>
#include <string.h>

void
lv_cfg_clear_hosts(struct lv_cfg *c)
{
    for (size_t i = 0; i < c->n_hosts; i++) {
        free(c->hosts[i].name);
        free(c->hosts[i].uri);
        free(c->hosts[i].migration_address);
        free(c->hosts[i].migration_uri);
        free(c->hosts[i].where);
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

    if (why != NULL) {
        err_set(err, "--connect: '%s' %s", uri, why);
        return -1;
    }
    for (size_t i = 0; i < c->n_hosts; i++)
        if (strcmp(c->hosts[i].uri, uri) == 0) {
            err_set(err, "--connect: '%s' is given twice", uri);
            return -1;
        }
    lv_cfg_add_host(c, NULL)->uri = xstrdup(uri);
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
        return set_str(doc, e, &h->uri, err);
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
    return ini_error(doc, e, err, "unknown key (uri, migration_address, "
                     "migration_uri, link_speed, max_bandwidth, "
                     "switchover_overhead, max_migrations)");
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
            bool shared;

            if (strcmp(e->key, "shared") != 0)
                return ini_error(doc, e, err, "unknown key (shared)");
            if (ini_get_bool(doc, e, &shared, err) < 0)
                return -1;
            if (shared && !strv_contains(c->shared, c->n_shared, name)) {
                c->shared = xrealloc(c->shared,
                                     (c->n_shared + 1) * sizeof *c->shared);
                c->shared[c->n_shared++] = xstrdup(name);
            }
        }
    }
    for (size_t i = 0; i < c->n_hosts; i++)
        if (c->hosts[i].name != NULL && c->hosts[i].uri == NULL) {
            err_set(err, "%s: [host %s] has no uri = (a libvirt URI such as "
                         "qemu+ssh://root@%s/system)",
                    c->hosts[i].where, c->hosts[i].name, c->hosts[i].name);
            return -1;
        }
    return 0;
}
