/* Storage moves keep the disk as it was. What diskcopy (engine/) decides
 * on is read here from libvirt: a disk's format and sizes, the internal
 * snapshots libvirt knows of, its backing chain and where each image of
 * it lives; then the pre-flight check of every disk that moves, the
 * datastores' bandwidth caps, and the destination XML a compute+storage
 * or cold move names.
 *
 * What ferry sees and what it does not: libvirt's own snapshot list (a
 * snapshot made with qemu-img or QMP behind libvirt's back is not in it:
 * only QEMU's monitor or qemu-img on the host would show it, and ferry
 * uses neither, to keep from tainting the domain or needing a shell);
 * the backing chain from the running domain's XML, or, shut off, from
 * the volumes' own XML as far as the images are volumes of a pool. */
#include "lv_internal.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/units.h"

static const char *
own(struct lv_diskfacts *f, char *s)
{
    if (s == NULL)
        return NULL;
    f->owned = xrealloc(f->owned, (f->n_owned + 1) * sizeof *f->owned);
    f->owned[f->n_owned++] = s;
    return s;
}

void
lv_diskfacts_fini(struct lv_diskfacts *f)
{
    strv_free(f->owned, f->n_owned);
    strv_free(f->snaps, f->n_snaps);
    free(f->img);
    memset(f, 0, sizeof *f);
}

/* The names of the snapshots libvirt knows of that hold disk target (or
 * path) inside its image. */
static void
internal_snapshots(virDomainPtr dom, const char *target, const char *path,
                   struct lv_diskfacts *f)
{
    virDomainSnapshotPtr *snaps = NULL;
    /* parents first: the order they were taken in, along each branch */
    int n = virDomainListAllSnapshots(dom, &snaps,
                                      VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL);

    for (int i = 0; i < n; i++) {
        char *xml = virDomainSnapshotGetXMLDesc(snaps[i], 0);
        struct lv_xml_h x;
        void **nodes = NULL;
        size_t nn;
        bool internal = false;

        if (xml != NULL && lv_xml_open(&x, xml) == 0) {
            nn = lv_xml_nodes(&x, "/domainsnapshot/disks/disk", &nodes);
            for (size_t k = 0; k < nn && !internal; k++) {
                char *name = lv_xml_str(&x, nodes[k], "string(@name)");
                char *how = lv_xml_str(&x, nodes[k], "string(@snapshot)");

                internal = name != NULL && how != NULL &&
                           strcmp(how, "internal") == 0 &&
                           (strcmp(name, target) == 0 ||
                            (path != NULL && strcmp(name, path) == 0));
                free(name);
                free(how);
            }
            free(nodes);
            lv_xml_close(&x);
        }
        free(xml);
        if (internal)
            lv_strv_push(&f->snaps, &f->n_snaps,
                         virDomainSnapshotGetName(snaps[i]));
        virDomainSnapshotFree(snaps[i]);
    }
    free(snaps);
}

/* The pool on h that holds the volume at path, by libvirt's answer. */
static const struct lv_pool *
pool_of_vol(struct lv_host *h, virStorageVolPtr v)
{
    virStoragePoolPtr p = v ? virStoragePoolLookupByVolume(v) : NULL;
    const struct lv_pool *r = NULL;

    if (p == NULL)
        return NULL;
    for (size_t i = 0; i < h->n_pools && r == NULL; i++)
        if (strcmp(h->pools[i].name, virStoragePoolGetName(p)) == 0)
            r = &h->pools[i];
    virStoragePoolFree(p);
    return r;
}

/* Where one image lives, how much data it holds, and whether dst opens it
 * at the same path (see diskcopy.h); its own backing file, as the volume's
 * XML says, into *next (caller frees). */
static void
image_facts(struct lv *lv, struct lv_host *src, struct lv_host *dst,
            const char *path, struct diskcopy_image *img,
            struct lv_diskfacts *f, char **next, char **next_fmt)
{
    virStorageVolPtr v = virStorageVolLookupByPath(src->conn, path);
    const struct lv_pool *p = pool_of_vol(src, v);
    virStorageVolInfo info;

    *next = *next_fmt = NULL;
    img->path = path;
    if (v != NULL && virStorageVolGetInfo(v, &info) == 0)
        img->allocation_bytes = info.allocation;
    if (p != NULL)
        img->datastore = own(f, lv_ds_name(lv, src, p));
    if (src == dst)
        img->dst_sees = true;
    else if (p != NULL && lv_pool_shared(lv, p)) {
        const struct model_datastore *ds =
            model_ds(&lv->model, img->datastore);

        img->dst_sees = ds != NULL && model_ds_seen_by(ds, dst->name);
    }
    if (v != NULL) {
        char *xml = virStorageVolGetXMLDesc(v, 0);
        struct lv_xml_h x;

        if (xml != NULL && lv_xml_open(&x, xml) == 0) {
            *next = lv_xml_str(&x, NULL, "string(/volume/backingStore/path)");
            *next_fmt = lv_xml_str(
                &x, NULL, "string(/volume/backingStore/format/@type)");
            lv_xml_close(&x);
        }
        free(xml);
        virStorageVolFree(v);
    }
}

int
lv_disk_facts(struct lv *lv, struct lv_host *src, virDomainPtr dom,
              const char *vm, const struct lv_disk *k, const char *ds,
              struct lv_host *dst, struct lv_diskfacts *f)
{
    struct diskcopy_disk *d = &f->disk;
    char *next = NULL, *next_fmt = NULL;

    memset(f, 0, sizeof *f);
    d->vm = vm;
    d->target = k->target;
    d->path = k->path;
    d->format = k->format;
    d->capacity_bytes = k->capacity;
    d->allocation_bytes = k->allocation;
    d->datastore = ds;
    if (dom != NULL)
        internal_snapshots(dom, k->target, k->path, f);
    d->snapshots = (const char *const *)f->snaps;
    d->n_snapshots = f->n_snaps;
    /* the chain: the XML's when it has one, else the volumes' */
    if (k->n_backing == 0 && k->path != NULL) {
        virStorageVolPtr v = virStorageVolLookupByPath(src->conn, k->path);
        char *xml = v ? virStorageVolGetXMLDesc(v, 0) : NULL;
        struct lv_xml_h x;

        if (xml != NULL && lv_xml_open(&x, xml) == 0) {
            next = lv_xml_str(&x, NULL, "string(/volume/backingStore/path)");
            next_fmt = lv_xml_str(
                &x, NULL, "string(/volume/backingStore/format/@type)");
            lv_xml_close(&x);
        }
        free(xml);
        if (v != NULL)
            virStorageVolFree(v);
    }
    for (size_t i = 0;; i++) {
        const char *path, *fmt;
        char *n2 = NULL, *f2 = NULL;
        bool seen = false;

        if (i < k->n_backing) {
            path = own(f, xstrdup(k->backing[i].path));
            fmt = k->backing[i].format;
        } else if (k->n_backing == 0 && next != NULL) {
            path = own(f, next);
            fmt = own(f, next_fmt);
            next = next_fmt = NULL;
        } else {
            break;
        }
        for (size_t j = 0; j < f->n_img && !seen; j++)
            seen = strcmp(f->img[j].path, path) == 0;
        if (seen || (k->path != NULL && strcmp(path, k->path) == 0))
            break; /* a loop in the chain: libvirt would refuse it anyway */
        f->img = xrealloc(f->img, (f->n_img + 1) * sizeof *f->img);
        memset(&f->img[f->n_img], 0, sizeof *f->img);
        image_facts(lv, src, dst, path, &f->img[f->n_img], f, &n2, &f2);
        f->img[f->n_img].format = fmt;
        f->n_img++;
        if (k->n_backing == 0) {
            next = n2;
            next_fmt = f2;
        } else {
            free(n2);
            free(f2);
        }
    }
    free(next);
    free(next_fmt);
    d->backing = f->img;
    d->n_backing = f->n_img;
    return 0;
}

/* The datastore name of disk k of a domain on h ("(no pool)" outside
 * every pool, as the model has it). Caller frees. */
char *
lv_disk_ds(struct lv *lv, struct lv_host *h, const struct lv_disk *k)
{
    for (size_t q = 0; k->pool != NULL && q < h->n_pools; q++)
        if (strcmp(h->pools[q].name, k->pool) == 0)
            return lv_ds_name(lv, h, &h->pools[q]);
    return xstrdup("(no pool)");
}

uint64_t
lv_disk_cap_bps(struct lv *lv, const struct model_vm *vm, const char *dst_ds,
                const char **which)
{
    const struct model_datastore *ds = dst_ds ? model_ds(&lv->model, dst_ds)
                                              : NULL;
    uint64_t cap = ds ? ds->bandwidth_bps : 0;

    if (which != NULL)
        *which = cap ? ds->name : NULL;
    for (size_t i = 0; dst_ds != NULL && i < vm->n_disks; i++) {
        const struct model_datastore *s;

        if (strcmp(vm->disks[i].datastore, dst_ds) == 0)
            continue; /* stays: nothing read from it */
        s = model_ds(&lv->model, vm->disks[i].datastore);
        if (s != NULL && s->bandwidth_bps &&
            (cap == 0 || s->bandwidth_bps < cap)) {
            cap = s->bandwidth_bps;
            if (which != NULL)
                *which = s->name;
        }
    }
    return cap;
}

void
lv_disk_checks(struct lv *lv, const struct mig_request *req,
               struct checks *out)
{
    const struct model_vm *vm = model_vm(&lv->model, req->vm);
    struct lv_host *src = vm ? lv_host_by_name(lv, vm->host) : NULL;
    struct lv_host *dst =
        req->dst_host ? lv_host_by_name(lv, req->dst_host) : src;
    struct lv_dom *d = src ? lv_dom_by_name(src, req->vm) : NULL;
    virDomainPtr dom;
    char *msg = xstrdup("");
    enum check_status worst = CHECK_OK;
    size_t n_moving = 0, n_shallow = 0;
    const char *capped_by;
    uint64_t cap;

    if (req->kind == KIND_COMPUTE || req->dst_ds == NULL || d == NULL ||
        dst == NULL || src->conn == NULL || dst->conn == NULL) {
        free(msg);
        return;
    }
    dom = virDomainLookupByName(src->conn, req->vm);
    for (size_t i = 0; i < d->n_disks; i++) {
        const struct lv_disk *k = &d->disks[i];
        char *ds = lv_disk_ds(lv, src, k);
        struct diskcopy_dest to = {
            .host = dst->name, .datastore = req->dst_ds,
            .same_host = src == dst, .cold = vm->state == VM_SHUTOFF,
            .with_vm = req->kind == KIND_BOTH};
        struct lv_diskfacts f;
        struct diskcopy_plan p;
        char *m2;

        if (k->path == NULL || strcmp(ds, req->dst_ds) == 0) {
            free(ds);
            continue; /* stays where it is */
        }
        lv_disk_facts(lv, src, dom, vm->name, k, ds, dst, &f);
        diskcopy_decide(&f.disk, &to, &p);
        n_moving++;
        n_shallow += p.mode == DISKCOPY_SHALLOW;
        if (p.status > worst)
            worst = p.status;
        m2 = xasprintf("%s%s%s", msg, *msg ? "; " : "", p.message);
        free(msg);
        msg = m2;
        diskcopy_plan_fini(&p);
        lv_diskfacts_fini(&f);
        free(ds);
    }
    if (dom != NULL)
        virDomainFree(dom);
    if (n_moving == 0) {
        free(msg);
        return;
    }
    if (req->kind == KIND_BOTH && vm->state != VM_SHUTOFF && n_shallow &&
        n_shallow < n_moving) {
        /* one migration copies every disk the same way */
        char *m2 = xasprintf(
            "%s; libvirt copies the disks of one migration all shallow or "
            "all whole: every chain is flattened",
            msg);

        free(msg);
        msg = m2;
        if (worst < CHECK_WARN)
            worst = CHECK_WARN;
    }
    cap = lv_disk_cap_bps(lv, vm, req->dst_ds, &capped_by);
    if (cap) {
        char r[32];
        char *m2 = xasprintf("%s; copied at most at %s ([datastore %s] "
                             "bandwidth%s)",
                             msg, units_fmt_rate(r, sizeof r, (double)cap),
                             capped_by,
                             req->kind == KIND_BOTH && vm->state != VM_SHUTOFF
                                 ? ": libvirt mirrors disks at the "
                                   "migration's bandwidth, so memory moves "
                                   "at most at it too"
                                 : "");

        free(msg);
        msg = m2;
    }
    checks_set(out, "disk-copy", worst, "%s", msg);
    free(msg);
}

/* ---- the destination's XML ------------------------------------------------ */

char *
lv_xml_escape(const char *s)
{
    xmlChar *e = xmlEncodeSpecialChars(NULL, (const xmlChar *)s);
    char *r = xstrdup(e ? (const char *)e : "");

    xmlFree(e);
    return r;
}

static xmlNodePtr
child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE &&
            strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

char *
lv_disk_dest_xml(const char *xml, const struct lv_disk_edit *e, size_t n)
{
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNodePtr devs = child(root, "devices");
    xmlBufferPtr b;
    char *r = NULL;

    if (devs == NULL) {
        xmlFreeDoc(doc);
        return NULL;
    }
    for (xmlNodePtr disk = devs->children; disk != NULL; disk = disk->next) {
        xmlNodePtr t, src, drv;
        xmlChar *dev;
        const struct lv_disk_edit *ed = NULL;

        if (disk->type != XML_ELEMENT_NODE ||
            strcmp((const char *)disk->name, "disk") != 0 ||
            (t = child(disk, "target")) == NULL)
            continue;
        dev = xmlGetProp(t, (const xmlChar *)"dev");
        for (size_t i = 0; dev != NULL && i < n && ed == NULL; i++)
            if (strcmp((const char *)dev, e[i].target) == 0)
                ed = &e[i];
        xmlFree(dev);
        if (ed == NULL)
            continue;
        /* a file now, whatever it was */
        xmlSetProp(disk, (const xmlChar *)"type", (const xmlChar *)"file");
        src = child(disk, "source");
        if (src == NULL)
            src = xmlNewChild(disk, NULL, (const xmlChar *)"source", NULL);
        xmlUnsetProp(src, (const xmlChar *)"dev");
        xmlSetProp(src, (const xmlChar *)"file",
                   (const xmlChar *)ed->new_path);
        drv = child(disk, "driver");
        if (drv == NULL) {
            drv = xmlNewChild(disk, NULL, (const xmlChar *)"driver", NULL);
            xmlSetProp(drv, (const xmlChar *)"name", (const xmlChar *)"qemu");
        }
        xmlSetProp(drv, (const xmlChar *)"type", (const xmlChar *)ed->format);
        if (ed->flatten) {
            xmlNodePtr bs;

            /* one image now: libvirt must not open the old chain */
            while ((bs = child(disk, "backingStore")) != NULL) {
                xmlUnlinkNode(bs);
                xmlFreeNode(bs);
            }
            xmlNewChild(disk, NULL, (const xmlChar *)"backingStore", NULL);
        }
    }
    b = xmlBufferCreate();
    if (xmlNodeDump(b, doc, root, 0, 0) > 0)
        r = xstrdup((const char *)xmlBufferContent(b));
    xmlBufferFree(b);
    xmlFreeDoc(doc);
    return r;
}
