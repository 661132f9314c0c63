/* Inside the libvirt backend (the only place that includes libvirt). */
#ifndef FERRY_LV_INTERNAL_H
#define FERRY_LV_INTERNAL_H

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "ferry/diskcopy.h"
#include "ferry/hostcfg.h"
#include "ferry/hv_libvirt.h"
#include "ferry/loop.h"
#include "ferry/model.h"
#include "ferry/probe.h"
#include "ferry/sshc.h"

/* One image of a disk's backing chain, as the domain's XML names it. */
struct lv_image {
    char *path, *format;
};

struct lv_disk {
    char *target, *path, *pool, *format;
    uint64_t capacity, allocation;
    /* the backing chain below path, nearest first (the live XML has it;
     * a shut-off domain's usually does not: ask the volumes) */
    struct lv_image *backing;
    size_t n_backing;
};

/* One domain as last read. Kept across refreshes by UUID: the bulk stats
 * (state, memory, vCPUs, disk sizes) are read for every domain at once,
 * the XML only when the domain is new or an event says it changed. */
struct lv_dom {
    unsigned char uuid[VIR_UUID_BUFLEN];
    unsigned id; /* libvirt's (a new one at each start): -1u shut off */
    char *name;
    int state, reason;
    unsigned vcpus;
    uint64_t memory, memory_max; /* now (the balloon's), and at most */
    char *cpu_model;
    char **nets;
    size_t n_nets;
    struct lv_disk *disks;
    size_t n_disks;
    bool persistent, incoming, migrating;
    bool have_xml; /* what the XML says is current */
    char *not_migratable;
};

struct lv_pool {
    unsigned char uuid[VIR_UUID_BUFLEN];
    char *name, *type, *path; /* type and path: from its XML, read once */
    uint64_t capacity, allocation, available;
};

struct lv;

struct lv_host {
    struct lv *lv;
    char *name, *uri;
    /* SSH: the session ferry verified; over_ssh when libvirt's own
     * connection goes over libssh too (base_uri is the configured one) */
    struct sshc *ssh;
    struct sshc_relay *relay; /* libvirt's connection through it */
    bool over_ssh;
    char *base_uri;
    struct host_probe probe;
    bool probing;
    uint64_t next_probe, skew_at;
    char *probe_err; /* NULL: none */
    struct lv_host_cfg cfg; /* copies of the limits and addresses */
    /* how another host's libvirtd reaches this one (lv_p2p_uri); p2p.uri
     * NULL with p2p_err when it cannot */
    struct lv_p2p p2p;
    char *p2p_err;
    virConnectPtr conn;
    char *err; /* why it is down (lv_host_err); NULL: nothing */
    int dom_cb[8], n_dom_cb;
    int pool_cb[4], n_pool_cb;
    /* set from any thread under lv->lock */
    bool closed, dirty;
    /* domains whose XML to read again at the next refresh (an event said
     * they changed), under lv->lock; all_stale: every one of them */
    unsigned char (*stale)[VIR_UUID_BUFLEN];
    size_t n_stale, cap_stale;
    bool all_stale, pools_stale;
    int close_reason;
    int backoff_ms;
    uint64_t retry_at;
    /* inventory; the node's part is read once per connection */
    bool node_read;
    char *hostname, *versions, *cpu_model;
    char **cpu_flags;
    size_t n_cpu_flags;
    unsigned cores;
    uint64_t memory;
    struct lv_dom *doms;
    size_t n_doms;
    struct lv_pool *pools;
    size_t n_pools;
};

struct lv_mig;

/* A dirty rate measured before a move (page sampling). */
struct lv_measured {
    char *vm;
    uint64_t bps;
    uint64_t started_ms;
    unsigned seconds;
    bool done;
    /* zero pages: guest pages read (virDomainMemoryPeek) at random */
    unsigned zero_read, zero_found, zero_failed;
    uint64_t zero_rng;
};

struct lv {
    struct hv base;
    struct model model;
    pthread_mutex_t lock;
    struct lv_host *hosts;
    size_t n_hosts;
    char **cfg_shared;
    size_t n_cfg_shared;
    struct lv_cfg cfg_ds; /* the [datastore NAME] limits (no hosts) */
    int tick_timer;
    bool need_rebuild;
    struct lv_mig **migs;
    size_t n_migs, cap_migs;
    struct lv_measured *measured;
    size_t n_measured, cap_measured;
    struct lv_open how;
    struct loop *loop;
    /* the fail-safe (lv_guard.c): -1 without one */
    int guard_fd, guard_watch;
    int guard_pid;
    char *guard_exe, *guard_notices, *guard_log;
    unsigned guard_seq;
    uint64_t guard_started_ms;
    /* workers let go still blocked in libvirt (their connections must not
     * be closed under them: the process exits instead) */
    unsigned orphans;
};

struct lv_xml_h {
    void *p;
};

const char *lv_errmsg(void);
void lv_strv_push(char ***v, size_t *n, const char *s);
int lv_xml_open(struct lv_xml_h *x, const char *text);
void lv_xml_close(struct lv_xml_h *x);
char *lv_xml_str(struct lv_xml_h *x, void *node, const char *expr);
size_t lv_xml_nodes(struct lv_xml_h *x, const char *expr, void ***out);

bool lv_pool_shared(const struct lv *lv, const struct lv_pool *p);
char *lv_ds_name(const struct lv *lv, const struct lv_host *h,
                 const struct lv_pool *p);
void lv_host_refresh(struct lv_host *h);
void lv_rebuild_model(struct lv *lv);
int lv_host_connect(struct lv_host *h);
void lv_mark_dirty(struct lv_host *h);
/* An event says d's definition changed: read its XML at the next refresh
 * (and refresh). d NULL: every domain of the host. */
void lv_mark_stale(struct lv_host *h, virDomainPtr d);
/* Set h->err (printf-style). */
void lv_host_err(struct lv_host *h, const char *fmt, ...) FERRY_PRINTF(2, 3);
/* vasprintf that cannot fail. Caller frees. */
char *lv_vfmt(const char *fmt, va_list ap) FERRY_PRINTF(1, 0);
/* A failed connect: retry after 1 s, doubling up to 30 s. */
void lv_backoff(struct lv_host *h, uint64_t now);
void lv_status(struct lv *lv, bool error, const char *fmt, ...)
    FERRY_PRINTF(3, 4);
struct lv_host *lv_host_by_name(struct lv *lv, const char *name);
struct lv_dom *lv_dom_by_name(struct lv_host *h, const char *name);

/* lv_ssh.c: SSH sessions, libvirt over libssh, remote probes */
void lv_ssh_start(struct lv_host *h, const struct lv_host_cfg *hc,
                  const struct lv_open *how);
void lv_ssh_stop(struct lv_host *h);
/* From the tick: connect libvirt once SSH is ready, start probes, notice a
 * lost session. Returns the ms until it is due again, -1 if only an
 * event can make it due. */
int lv_ssh_tick(struct lv_host *h, uint64_t now);
/* SSH hosts still settling (for lv_open.wait). */
bool lv_ssh_settling(const struct lv *lv);
bool lv_prompt(struct hv *hv, struct hv_prompt *out);
void lv_answer(struct hv *hv, unsigned id, const char *answer);
void lv_host_lost(struct lv_host *h, const char *why);
void lv_host_ssh_model(const struct lv_host *h, struct model_host *mh);
/* Checks from the remote probes (clock, migration network, free space,
 * QEMU versions). */
void lv_ssh_checks(struct lv *lv, const struct mig_request *req,
                   struct checks *out);

/* lv_mig.c */
void lv_mig_register_events(struct lv_host *h);
void lv_mig_host_lost(struct lv *lv, struct lv_host *h);
int lv_plan(struct hv *hv, const struct model_vm *vm,
            const struct hv_mig_params *p, struct hv_plan *out,
            struct ferry_err *err);
void *lv_mig_new(struct hv *hv, const struct hv_mig_params *p,
                 struct ferry_err *err);
void lv_mig_free(void *mig);
uint64_t lv_mig_advance(void *mig, uint64_t t_ms);
void lv_mig_sample(void *mig, struct job_sample *s);
int lv_mig_act(void *mig, const struct engine_action *a,
               struct ferry_err *err);
bool lv_mig_finished(void *mig, struct hv_result *r);
bool lv_mig_release(void *mig);
void lv_mig_take(void *mig, enum steer_lost mode, uint64_t budget_ms);
bool lv_external(struct hv *hv, const char *vm, char *dst, size_t n);
void lv_header(struct hv *hv, const char *vm, json_object *h);

/* How a live move from src to dst travels (lv_route). */
struct lv_route {
    bool p2p;             /* peer-to-peer (on_steering_lost = budget) */
    const char *control;  /* the URI that reaches dst's libvirtd (NULL:
                           * none, p2p_err says why) */
    const char *control_how;
    enum lv_transport transport;
    char *data;           /* "tcp://ADDR" (NULL: libvirt's choice) */
    bool tls;
    const char *tls_why;  /* who asked for it, or why not */
    bool encrypted, cleartext_ok;
    unsigned parallel;
    uint64_t stream_bps;  /* 0: unknown */
};
void lv_route(const struct lv_host *src, const struct lv_host *dst,
              const struct hv_mig_params *p, struct lv_route *r);
void lv_route_fini(struct lv_route *r);
json_object *lv_transport(struct hv *hv, const struct hv_mig_params *p);

/* lv_guard.c: the server's side of the fail-safe */
/* Tell the guard about a move (msg is put here); respawns a guard that
 * died. */
void lv_guard_send(struct lv *lv, json_object *msg);
void lv_guard_stop(struct lv *lv);
/* How the guard reaches a host without the server (libvirt's own
 * transports: over SSH, OpenSSH with the user's keys). */
const char *lv_guard_uri(const struct lv_host *h);
/* lv_mig.c: arm every move again (a new guard). */
void lv_mig_arm_all(struct lv *lv);

/* lv_disk.c: what a storage move keeps of a disk */
struct lv_diskfacts {
    struct diskcopy_disk disk; /* for diskcopy_decide */
    struct diskcopy_image *img;
    size_t n_img;
    char **snaps;
    size_t n_snaps;
    char **owned; /* strings disk and img borrow */
    size_t n_owned;
};

/* What diskcopy decides on for disk k of vm on src (dom: its domain, for
 * the snapshots; NULL: none asked), leaving datastore ds for dst. Borrows
 * k and ds: decide before they change. Release with lv_diskfacts_fini. */
int lv_disk_facts(struct lv *lv, struct lv_host *src, virDomainPtr dom,
                  const char *vm, const struct lv_disk *k, const char *ds,
                  struct lv_host *dst, struct lv_diskfacts *f);
void lv_diskfacts_fini(struct lv_diskfacts *f);
/* The datastore name of disk k of a domain on h, as the model has it.
 * Caller frees. */
char *lv_disk_ds(struct lv *lv, struct lv_host *h, const struct lv_disk *k);
/* The lowest [datastore] bandwidth of dst_ds and the datastores vm's
 * disks leave for it (0: none); *which names it. */
uint64_t lv_disk_cap_bps(struct lv *lv, const struct model_vm *vm,
                         const char *dst_ds, const char **which);
/* Pre-flight "disk-copy": how each disk that moves is copied. */
void lv_disk_checks(struct lv *lv, const struct mig_request *req,
                    struct checks *out);
/* A disk of the destination's domain XML: a file at new_path in format;
 * flatten: on no backing file any more. */
struct lv_disk_edit {
    const char *target, *new_path, *format;
    bool flatten;
};
/* s with &, <, >, ' and " as XML entities. Caller frees. */
char *lv_xml_escape(const char *s);
/* xml with those disks changed; NULL if it does not parse. Caller frees. */
char *lv_disk_dest_xml(const char *xml, const struct lv_disk_edit *e,
                       size_t n);

/* lv_check.c */
void lv_checks(struct hv *hv, const struct mig_request *req,
               struct checks *out);
int lv_measure_start(struct hv *hv, const char *vm, unsigned seconds,
                     struct ferry_err *err);
int lv_measure_poll(struct hv *hv, const char *vm, uint64_t *bps,
                    struct ferry_err *err);
/* A finished measurement's rate (libvirt counts whole MiB/s: 0 is a
 * quiet guest, not an unknown one). */
bool lv_measured_bps(struct lv *lv, const char *vm, uint64_t *bps);
/* The share of the VM's memory a measurement found zero; false if none. */
bool lv_measured_zero(struct lv *lv, const char *vm, double *share);

#endif
