/* How a storage move copies one disk, decided from what the disk is (its
 * format, sizes, internal snapshots, backing chain) and what the
 * destination sees: the copy's mode (whole, shallow or refused), the new
 * volume's format, name and size, and the sentence pre-flight shows. Pure:
 * a backend reads the facts, this decides, the backend does it.
 *
 * What "the destination sees a backing file" means:
 * - the destination host opens it at the same path: on the same host
 *   always; on another host only when it lives on a datastore both hosts
 *   see (a shared one: a local pool of the same name on another host is a
 *   different disk, whatever its path says);
 * - and it is not on the datastore the disk leaves: an operator emptying a
 *   datastore does not want the copy to depend on it still.
 * Then a shallow copy keeps the chain (only the top image is copied, the
 * new image names the same backing file); otherwise the copy flattens the
 * chain into one image, after a pre-flight warning that says so. */
#ifndef FERRY_DISKCOPY_H
#define FERRY_DISKCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ferry/checks.h"

/* One image below the disk's top image (its backing chain, nearest
 * first). */
struct diskcopy_image {
    const char *path;
    const char *format;        /* NULL: not known */
    uint64_t allocation_bytes; /* data in it (0: not known) */
    const char *datastore;     /* where it lives (NULL: no datastore) */
    bool dst_sees;             /* the destination host opens this path */
};

/* The disk as it is now. */
struct diskcopy_disk {
    const char *vm;
    const char *target;        /* vda */
    const char *path;          /* its top image (its file names the copy) */
    const char *format;        /* "qcow2", "raw", ... (NULL or "": raw) */
    uint64_t capacity_bytes;   /* what the guest sees */
    uint64_t allocation_bytes; /* what the top image holds (0: not known) */
    const char *datastore;     /* the datastore it leaves */
    /* internal snapshots that hold this disk's state (names) */
    const char *const *snapshots;
    size_t n_snapshots;
    const struct diskcopy_image *backing;
    size_t n_backing;
};

/* Where it goes, and how the bytes travel. */
struct diskcopy_dest {
    const char *host;      /* the destination host */
    const char *datastore; /* the destination datastore */
    bool same_host;
    bool cold;     /* the VM is off: the image file is copied as it is */
    bool with_vm;  /* a compute+storage move (the VM changes host too) */
};

enum diskcopy_mode {
    DISKCOPY_FULL,    /* everything the guest sees, into one image */
    DISKCOPY_SHALLOW, /* the top image only, on the same backing file */
    DISKCOPY_REFUSE,  /* not copied: the message says why */
};

struct diskcopy_plan {
    enum diskcopy_mode mode;
    enum check_status status; /* for pre-flight: ok, warn or error */
    char *message;            /* what pre-flight says of this disk */
    const char *format;       /* the new volume's: "qcow2" or "raw" */
    uint64_t capacity_bytes;  /* the new volume's virtual size */
    uint64_t allocation_bytes; /* to allocate at creation (0: thin) */
    bool thin;
    /* shallow: the new image's backing file (borrowed from the disk's) */
    const char *backing_path, *backing_format;
    uint64_t copy_bytes; /* what the copy moves at most */
};

/* Decide how d is copied to `to`. out is filled (message allocated):
 * release it with diskcopy_plan_fini. */
void diskcopy_decide(const struct diskcopy_disk *d,
                     const struct diskcopy_dest *to,
                     struct diskcopy_plan *out);
void diskcopy_plan_fini(struct diskcopy_plan *p);

/* The new volume's file name for a copy of the image at path (or a file
 * name) in format: its base name with the extension the format has
 * (.qcow2 for qcow2; .raw or .img as the source had it for raw, .raw for
 * a raw disk named like another format), "-N" before the extension when
 * n > 0 (the name is taken). Caller frees. */
char *diskcopy_name(const char *path, const char *format, unsigned n);

/* "raw" for NULL or "", else format. */
const char *diskcopy_format(const char *format);

#endif
