/* How a storage move copies a disk (see diskcopy.h for what "the
 * destination sees" means). */
#include "ferry/diskcopy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ferry/units.h"

const char *
diskcopy_format(const char *format)
{
    return format == NULL || format[0] == '\0' ? "raw" : format;
}

/* Extensions that name an image format: a copy named like one of these
 * takes its own format's instead. */
static bool
image_ext(const char *ext)
{
    static const char *const known[] = {".qcow2", ".qcow", ".qed", ".raw",
                                        ".img",   ".vmdk", ".vdi", ".vhd",
                                        ".vhdx",  ".iso",  NULL};

    for (size_t i = 0; known[i] != NULL; i++)
        if (strcasecmp(ext, known[i]) == 0)
            return true;
    return false;
}

char *
diskcopy_name(const char *path, const char *format, unsigned n)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    const char *fmt = diskcopy_format(format);
    size_t stem;
    const char *ext;
    char num[24] = "";

    if (dot == base)
        dot = NULL; /* ".hidden": all stem */
    stem = dot ? (size_t)(dot - base) : strlen(base);
    if (strcmp(fmt, "raw") == 0) {
        /* .raw and .img say raw; a raw disk named like another format
         * (the .qcow2 an earlier raw copy kept) becomes .raw; a name with
         * no image extension keeps its own */
        if (dot != NULL && (strcasecmp(dot, ".raw") == 0 ||
                            strcasecmp(dot, ".img") == 0))
            ext = dot;
        else if (dot != NULL && image_ext(dot))
            ext = ".raw";
        else {
            ext = "";
            stem = strlen(base);
        }
    } else if (dot != NULL && strcasecmp(dot + 1, fmt) == 0) {
        ext = dot;
    } else {
        /* qcow2 (and any other) is .FORMAT: an image extension is
         * replaced, any other part of the name is kept */
        if (dot != NULL && !image_ext(dot))
            stem = strlen(base);
        return n > 0 ? xasprintf("%.*s-%u.%s", (int)stem, base, n, fmt)
                     : xasprintf("%.*s.%s", (int)stem, base, fmt);
    }
    if (n > 0)
        snprintf(num, sizeof num, "-%u", n);
    return xasprintf("%.*s%s%s", (int)stem, base, num, ext);
}

/* "s1, s2, s3" */
static char *
join_names(const char *const *v, size_t n)
{
    return strv_join((char *const *)v, n, ", ");
}

/* Why the destination cannot keep using image b; NULL if it can.
 * Caller frees. */
static char *
unseen_reason(const struct diskcopy_image *b, const struct diskcopy_disk *d,
              const struct diskcopy_dest *to)
{
    if (b->datastore != NULL && d->datastore != NULL &&
        strcmp(b->datastore, d->datastore) == 0)
        return xasprintf("on %s, the datastore it leaves", b->datastore);
    if (b->dst_sees)
        return NULL;
    if (b->datastore != NULL)
        return xasprintf("on %s, which %s does not see", b->datastore,
                         to->host ? to->host : "the destination");
    return xasprintf("in no datastore ferry knows, so %s cannot be shown "
                     "to see it",
                     to->host ? to->host : "the destination");
}

static void
refuse(struct diskcopy_plan *out, char *msg)
{
    out->mode = DISKCOPY_REFUSE;
    out->status = CHECK_ERROR;
    out->message = msg;
}

void
diskcopy_decide(const struct diskcopy_disk *d,
                const struct diskcopy_dest *to, struct diskcopy_plan *out)
{
    const char *fmt = diskcopy_format(d->format);
    const char *vm = d->vm ? d->vm : "the VM";
    char a[32], b[32];
    uint64_t chain_data = d->allocation_bytes;
    bool chain_known = d->allocation_bytes > 0;
    size_t flat_at = d->n_backing; /* the first image the copy cannot keep */
    char *why = NULL;

    memset(out, 0, sizeof *out);
    out->capacity_bytes = d->capacity_bytes;
    out->format = strcmp(fmt, "qcow2") == 0 ? "qcow2" : "raw";
    if (strcmp(fmt, "raw") != 0 && strcmp(fmt, "qcow2") != 0) {
        refuse(out, xasprintf(
            "disk %s of %s is a %s image: ferry copies raw and qcow2 disks "
            "only, and a copy in another format would lose what %s keeps; "
            "convert it first (qemu-img convert -O qcow2) or move %s "
            "without its disks",
            d->target, vm, fmt, fmt, vm));
        return;
    }
    /* qcow2 grows as it is written (its preallocation is not visible in
     * the statistics); a raw image is thick when every byte is allocated */
    out->thin = strcmp(out->format, "qcow2") == 0 ||
                d->allocation_bytes < d->capacity_bytes;
    out->allocation_bytes = out->thin ? 0 : d->capacity_bytes;
    if (d->n_snapshots > 0) {
        char *names = join_names(d->snapshots, d->n_snapshots);

        refuse(out, xasprintf(
            "disk %s of %s has %zu internal snapshot%s (%s): %s; delete "
            "%s first (virsh snapshot-delete %s NAME)%s",
            d->target, vm, d->n_snapshots, d->n_snapshots > 1 ? "s" : "",
            names,
            to->cold ? "the copy would carry them inside the file, but "
                       "libvirt's snapshots still name the old file"
                     : "a copy would drop them (it copies what the guest "
                       "sees, not the image's snapshots)",
            d->n_snapshots > 1 ? "them" : "it", vm,
            to->with_vm ? ", or move the VM without its disks (--kind "
                          "compute) to a host that sees its datastore"
                        : ""));
        free(names);
        return;
    }
    for (size_t i = 0; i < d->n_backing; i++) {
        chain_known &= d->backing[i].allocation_bytes > 0;
        chain_data += d->backing[i].allocation_bytes;
        if (flat_at == d->n_backing &&
            (why = unseen_reason(&d->backing[i], d, to)) != NULL)
            flat_at = i;
    }
    if (d->n_backing == 0) {
        out->mode = DISKCOPY_FULL;
        out->status = CHECK_OK;
        out->copy_bytes = d->allocation_bytes && out->thin
                              ? MIN(d->allocation_bytes, d->capacity_bytes)
                              : d->capacity_bytes;
        out->message = xasprintf(
            "disk %s of %s: %s stays %s (%s virtual, %s)", d->target, vm,
            out->format, out->format,
            units_fmt_bytes(a, sizeof a, d->capacity_bytes),
            out->thin ? "thin" : "thick, allocated whole");
        if (to->cold)
            out->copy_bytes = d->allocation_bytes ? d->allocation_bytes
                                                  : d->capacity_bytes;
        return;
    }
    if (flat_at == d->n_backing) {
        /* the destination sees the whole chain: keep it */
        const struct diskcopy_image *top = &d->backing[0];
        char *where = top->datastore
                          ? xasprintf("on %s, which %s sees", top->datastore,
                                      to->host ? to->host : "it")
                          : xasprintf("which %s sees", to->host ? to->host
                                                                : "it");

        out->mode = DISKCOPY_SHALLOW;
        out->status = CHECK_OK;
        out->backing_path = top->path;
        out->backing_format = diskcopy_format(top->format);
        out->copy_bytes = d->allocation_bytes ? d->allocation_bytes
                                              : d->capacity_bytes;
        out->message = xasprintf(
            "disk %s of %s: %s on backing file %s (%s, %s): %s keeps the "
            "chain, only the top image%s%s%s moves",
            d->target, vm, out->format, top->path, out->backing_format,
            where, to->cold ? "the image file is copied as it is and"
                            : "a shallow copy",
            d->allocation_bytes ? " (" : "",
            d->allocation_bytes
                ? units_fmt_bytes(a, sizeof a, d->allocation_bytes)
                : "",
            d->allocation_bytes ? ")" : "");
        free(where);
        return;
    }
    if (to->cold) {
        /* a byte copy cannot flatten: the copy would point at a backing
         * file the destination cannot (or should not) use */
        refuse(out, xasprintf(
            "disk %s of %s has a backing file %s (%s): a cold move copies "
            "the image file as it is, and the copy would depend on it; "
            "start %s for a live move (which flattens the chain) or "
            "flatten it first (qemu-img convert)",
            d->target, vm, d->backing[flat_at].path, why, vm));
        free(why);
        return;
    }
    out->mode = DISKCOPY_FULL;
    out->status = CHECK_WARN;
    out->copy_bytes = chain_known ? MIN(chain_data, d->capacity_bytes)
                                  : d->capacity_bytes;
    {
        char *chain;

        if (d->n_backing > 1) {
            const char **paths = xcalloc(d->n_backing, sizeof *paths);
            char *list;

            for (size_t i = 0; i < d->n_backing; i++)
                paths[i] = d->backing[i].path;
            list = join_names(paths, d->n_backing);
            chain = xasprintf("a backing chain of %zu images (%s; %s is %s)",
                              d->n_backing, list, d->backing[flat_at].path,
                              why);
            free(list);
            free(paths);
        } else {
            chain = xasprintf("a backing file %s (%s)", d->backing[0].path,
                              why);
        }
        out->message = xasprintf(
            "disk %s of %s has %s: the copy flattens the chain into one %s "
            "image of %s%s%s%s, on no backing file",
            d->target, vm, chain, out->format,
            units_fmt_bytes(a, sizeof a, d->capacity_bytes),
            chain_known ? " (up to " : "",
            chain_known ? units_fmt_bytes(b, sizeof b, out->copy_bytes) : "",
            chain_known ? " of data)" : "");
        free(chain);
    }
    free(why);
}

void
diskcopy_plan_fini(struct diskcopy_plan *p)
{
    free(p->message);
    memset(p, 0, sizeof *p);
}
