/* The inventory every backend fills and every layer above reads: hosts,
 * links, datastores and VMs. Plain data, no behaviour beyond look-ups. */
#ifndef FERRY_MODEL_H
#define FERRY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/util.h"

enum vm_state {
    VM_RUNNING,
    VM_PAUSED,
    VM_SHUTOFF,
    VM_MIGRATING,
};

struct model_host {
    char *name;
    char *cpu_model;
    char **cpu_flags;
    size_t n_cpu_flags;
    unsigned cores;
    uint64_t memory_bytes;
    char **networks;
    size_t n_networks;
    bool up;
    char *uri;        /* how ferry reaches it (libvirt), or NULL */
    char *versions;   /* "libvirt 9.0.0, QEMU 7.2.22", or NULL */
    char *state_note; /* why it is down, or NULL */
    char *ssh;        /* "root@10.0.0.5 ssh-ed25519 SHA256:...", or NULL */
    char *probe;      /* "kernel ..., QEMU ..., clock +3 ms", or NULL */
    /* in maintenance: takes no new VMs from ferry (the server's state,
     * set on its model before checks and before the model is sent) */
    bool maintenance;
};

struct model_link {
    char *a, *b; /* host names; order does not matter */
    uint64_t bandwidth_bps;
    uint32_t latency_us;
};

struct model_datastore {
    char *name;
    char *type; /* nfs, iscsi, local, ... */
    uint64_t capacity_bytes;
    uint64_t used_bytes;
    uint64_t throughput_bps; /* sustained copy rate */
    uint64_t bandwidth_bps;  /* the operator's cap for storage moves (0: none) */
    char **hosts;
    size_t n_hosts;
    bool shared;
};

struct model_disk {
    char *target; /* vda, vdb, ... */
    char *datastore;
    uint64_t size_bytes;
    uint64_t allocated_bytes;
};

struct model_vm {
    char *name;
    char *host;
    enum vm_state state;
    unsigned vcpus;
    uint64_t memory_bytes;     /* what it has now (current memory) */
    uint64_t memory_max_bytes; /* what it may grow to (0: the same) */
    char *cpu_model;
    char **cpu_flags; /* flags the guest CPU definition needs */
    size_t n_cpu_flags;
    struct model_disk *disks;
    size_t n_disks;
    char **networks;
    size_t n_networks;
    bool migrating;
    bool live_migratable; /* false with host devices or local-only state */
    char *not_migratable_reason;
};

/* Names to positions, for look-ups that stay fast at tens of thousands of
 * VMs: open addressing, a slot holds position + 1 (0: empty). Kept up to
 * date by the _add functions; the first of two equal names wins. */
struct model_names {
    size_t *slot;
    size_t cap, n;
};

struct model {
    struct model_host *hosts;
    size_t n_hosts, cap_hosts;
    struct model_link *links;
    size_t n_links, cap_links;
    struct model_datastore *datastores;
    size_t n_datastores, cap_datastores;
    struct model_vm *vms;
    size_t n_vms, cap_vms;
    uint64_t default_link_bps;
    uint32_t default_link_latency_us;
    struct model_names host_names, ds_names, vm_names;
};

void model_init(struct model *m);
void model_fini(struct model *m);

struct model_host *model_host_add(struct model *m, const char *name);
struct model_link *model_link_add(struct model *m, const char *a,
                                  const char *b);
struct model_datastore *model_ds_add(struct model *m, const char *name);
struct model_vm *model_vm_add(struct model *m, const char *name);
struct model_disk *model_vm_disk_add(struct model_vm *vm, const char *target,
                                     const char *datastore);

struct model_host *model_host(const struct model *m, const char *name);
struct model_datastore *model_ds(const struct model *m, const char *name);
struct model_vm *model_vm(const struct model *m, const char *name);
/* A "link" from a host to itself: memory speed, no latency. */
#define MODEL_LOCAL_BPS (100ULL * 1024 * 1024 * 1024)

/* The link between two hosts, or NULL when they use the default. */
const struct model_link *model_link(const struct model *m, const char *a,
                                    const char *b);
/* Bandwidth and latency between two hosts (the same host: local). */
uint64_t model_link_bps(const struct model *m, const char *a, const char *b);
uint32_t model_link_latency_us(const struct model *m, const char *a,
                               const char *b);

bool model_ds_seen_by(const struct model_datastore *ds, const char *host);
/* Memory the VMs on a host use now (shut-off VMs count nothing). */
uint64_t model_host_mem_used(const struct model *m, const char *host);
unsigned model_host_vm_count(const struct model *m, const char *host);
/* The same for every host in one pass over the VMs: used[i] and count[i]
 * for m->hosts[i] (either may be NULL). */
void model_host_totals(const struct model *m, uint64_t *used,
                       unsigned *count);
/* Position of a host, VM or datastore in its array, or -1. */
long model_host_pos(const struct model *m, const char *name);
uint64_t model_vm_disk_bytes(const struct model_vm *vm);
/* The distinct datastores a VM's disks are on, in disk order; returns the
 * count (at most max written). Borrowed pointers. */
size_t model_vm_datastores(const struct model_vm *vm, const char **out,
                           size_t max);
/* The same joined with commas; caller frees. */
char *model_vm_datastores_str(const struct model_vm *vm);

const char *vm_state_name(enum vm_state s);

#endif
