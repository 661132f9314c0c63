/* How a storage move copies a disk: format, name, size, snapshots and
 * backing chains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/diskcopy.h"
#include "ferry/units.h"

static const struct diskcopy_dest same_host = {
    .host = "lab-a", .datastore = "fast@lab-a", .same_host = true};
static const struct diskcopy_dest other_host = {
    .host = "lab-b", .datastore = "local@lab-b", .with_vm = true};

static struct diskcopy_disk
qcow2_disk(void)
{
    struct diskcopy_disk d = {
        .vm = "web1", .target = "vda", .path = "/var/lib/libvirt/images/web1.qcow2",
        .format = "qcow2", .capacity_bytes = 10 * GiB,
        .allocation_bytes = 1 * GiB, .datastore = "local@lab-a"};

    return d;
}

static void
assert_has(const char *msg, const char *part)
{
    if (strstr(msg, part) == NULL)
        fail_msg("'%s' does not say '%s'", msg, part);
}

static void
qcow2_stays_qcow2_with_the_same_virtual_size_and_thin(void **state)
{
    struct diskcopy_disk d = qcow2_disk();
    struct diskcopy_plan p;

    (void)state;
    diskcopy_decide(&d, &same_host, &p);
    assert_int_equal(p.mode, DISKCOPY_FULL);
    assert_int_equal(p.status, CHECK_OK);
    assert_string_equal(p.format, "qcow2");
    assert_int_equal(p.capacity_bytes, 10 * GiB);
    assert_true(p.thin);
    assert_int_equal(p.allocation_bytes, 0);
    assert_null(p.backing_path);
    assert_int_equal(p.copy_bytes, 1 * GiB);
    assert_has(p.message, "disk vda of web1: qcow2 stays qcow2 (10.0 GiB virtual, thin)");
    diskcopy_plan_fini(&p);
}

static void
raw_stays_raw_thin_when_sparse_and_thick_when_allocated(void **state)
{
    struct diskcopy_disk d = qcow2_disk();
    struct diskcopy_plan p;

    (void)state;
    d.format = "raw";
    d.path = "/var/lib/libvirt/images/web1.img";
    diskcopy_decide(&d, &same_host, &p);
    assert_string_equal(p.format, "raw");
    assert_true(p.thin);
    assert_int_equal(p.allocation_bytes, 0);
    diskcopy_plan_fini(&p);
    d.allocation_bytes = d.capacity_bytes;
    diskcopy_decide(&d, &same_host, &p);
    assert_false(p.thin);
    assert_int_equal(p.allocation_bytes, 10 * GiB);
    assert_has(p.message, "raw stays raw");
    assert_has(p.message, "thick");
    diskcopy_plan_fini(&p);
    /* no driver type in the XML: libvirt's raw */
    d.format = NULL;
    diskcopy_decide(&d, &same_host, &p);
    assert_string_equal(p.format, "raw");
    diskcopy_plan_fini(&p);
}

static void
the_file_name_extension_follows_the_format(void **state)
{
    static const struct {
        const char *path, *format;
        unsigned n;
        const char *want;
    } cases[] = {
        {"/p/vm.qcow2", "qcow2", 0, "vm.qcow2"},
        {"/p/vm.img", "qcow2", 0, "vm.qcow2"},
        {"/p/vm.raw", "qcow2", 0, "vm.qcow2"},
        {"/p/vm.img", "raw", 0, "vm.img"},
        {"/p/vm.raw", "raw", 0, "vm.raw"},
        {"/p/vm.qcow2", "raw", 0, "vm.raw"}, /* an earlier raw copy's name */
        {"/p/vm.img", NULL, 0, "vm.img"},
        {"/p/disk0", "raw", 0, "disk0"},
        {"/p/disk0", "qcow2", 0, "disk0.qcow2"},
        {"/p/vm.v1", "qcow2", 0, "vm.v1.qcow2"},
        {"/p/vm.v1", "raw", 0, "vm.v1"},
        {"/p/vm.qcow2", "qcow2", 2, "vm-2.qcow2"},
        {"/p/vm.img", "raw", 1, "vm-1.img"},
        {"/p/disk0", "raw", 3, "disk0-3"},
        {"/dev/sdb", "raw", 0, "sdb"},
        {"web1.QCOW2", "qcow2", 0, "web1.QCOW2"},
        {"/p/.hidden", "qcow2", 0, ".hidden.qcow2"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = diskcopy_name(cases[i].path, cases[i].format, cases[i].n);

        if (strcmp(got, cases[i].want) != 0)
            fail_msg("%s as %s (%u): %s, not %s", cases[i].path,
                     cases[i].format ? cases[i].format : "(none)",
                     cases[i].n, got, cases[i].want);
        free(got);
    }
}

static void
a_disk_with_internal_snapshots_is_refused_naming_them(void **state)
{
    struct diskcopy_disk d = qcow2_disk();
    const char *snaps[] = {"s1", "s2"};
    struct diskcopy_plan p;

    (void)state;
    d.snapshots = snaps;
    d.n_snapshots = 2;
    diskcopy_decide(&d, &same_host, &p);
    assert_int_equal(p.mode, DISKCOPY_REFUSE);
    assert_int_equal(p.status, CHECK_ERROR);
    assert_has(p.message, "disk vda of web1 has 2 internal snapshots (s1, s2): "
                          "a copy would drop them");
    assert_has(p.message, "delete them first");
    diskcopy_plan_fini(&p);
    /* with the VM: moving it without its disks keeps them */
    d.n_snapshots = 1;
    diskcopy_decide(&d, &other_host, &p);
    assert_int_equal(p.mode, DISKCOPY_REFUSE);
    assert_has(p.message, "1 internal snapshot (s1)");
    assert_has(p.message, "move the VM without its disks");
    diskcopy_plan_fini(&p);
}

static void
a_cold_copy_refuses_snapshots_libvirt_would_lose_track_of(void **state)
{
    struct diskcopy_disk d = qcow2_disk();
    const char *snaps[] = {"before-upgrade"};
    struct diskcopy_dest to = same_host;
    struct diskcopy_plan p;

    (void)state;
    to.cold = true;
    d.snapshots = snaps;
    d.n_snapshots = 1;
    diskcopy_decide(&d, &to, &p);
    assert_int_equal(p.mode, DISKCOPY_REFUSE);
    assert_has(p.message, "(before-upgrade)");
    assert_has(p.message, "still name the old file");
    diskcopy_plan_fini(&p);
}

static void
a_backing_file_on_the_datastore_left_is_flattened_with_a_warning(void **state)
{
    struct diskcopy_disk d = qcow2_disk();
    struct diskcopy_image base = {
        .path = "/var/lib/libvirt/images/base.qcow2", .format = "qcow2",
        .allocation_bytes = 2 * GiB, .datastore = "local@lab-a",
        .dst_sees = true};
    struct diskcopy_plan p;

    (void)state;
    d.backing = &base;
    d.n_backing = 1;
    diskcopy_decide(&d, &same_host, &p);
    assert_int_equal(p.mode, DISKCOPY_FULL);
    assert_int_equal(p.status, CHECK_WARN);
    assert_string_equal(p.format, "qcow2");
    assert_null(p.backing_path);
    assert_int_equal(p.copy_bytes, 3 * GiB);
    assert_has(p.message, "has a backing file /var/lib/libvirt/images/base.qcow2 "
                          "(on local@lab-a, the datastore it leaves)");
    assert_has(p.message, "flattens the chain into one qcow2 image of 10.0 GiB "
                          "(up to 3.00 GiB of data)");
    diskcopy_plan_fini(&p);
}

static void
a_backing_file_the_destination_sees_gives_a_shallow_copy(void **state)
{
    struct diskcopy_disk d = qcow2_disk();
    struct diskcopy_image base = {
        .path = "/srv/base/debian.qcow2", .format = "qcow2",
        .allocation_bytes = 2 * GiB, .datastore = "templates",
        .dst_sees = true};
    struct diskcopy_plan p;

    (void)state;
    d.backing = &base;
    d.n_backing = 1;
    diskcopy_decide(&d, &same_host, &p);
    assert_int_equal(p.mode, DISKCOPY_SHALLOW);
    assert_int_equal(p.status, CHECK_OK);
    assert_string_equal(p.backing_path, "/srv/base/debian.qcow2");
    assert_string_equal(p.backing_format, "qcow2");
    assert_int_equal(p.copy_bytes, 1 * GiB);
    assert_has(p.message, "keeps the chain");
    diskcopy_plan_fini(&p);
    /* the same on another host that sees the shared datastore */
    diskcopy_decide(&d, &other_host, &p);
    assert_int_equal(p.mode, DISKCOPY_SHALLOW);
    assert_has(p.message, "on templates, which lab-b sees");
    diskcopy_plan_fini(&p);
}

static void
a_backing_file_another_host_does_not_see_is_flattened(void **state)
{
    struct diskcopy_disk d = qcow2_disk();
    struct diskcopy_image base = {
        .path = "/var/lib/libvirt/fast/base.qcow2", .format = "qcow2",
        .datastore = "fast@lab-a", .dst_sees = false};
    struct diskcopy_plan p;

    (void)state;
    d.backing = &base;
    d.n_backing = 1;
    diskcopy_decide(&d, &other_host, &p);
    assert_int_equal(p.mode, DISKCOPY_FULL);
    assert_int_equal(p.status, CHECK_WARN);
    assert_has(p.message, "(on fast@lab-a, which lab-b does not see)");
    /* the backing image's data is not known: the size alone */
    assert_has(p.message, "one qcow2 image of 10.0 GiB, on no backing file");
    assert_int_equal(p.copy_bytes, 10 * GiB);
    diskcopy_plan_fini(&p);
    base.datastore = NULL;
    diskcopy_decide(&d, &other_host, &p);
    assert_int_equal(p.mode, DISKCOPY_FULL);
    assert_has(p.message, "in no datastore ferry knows");
    diskcopy_plan_fini(&p);
}

static void
a_chain_is_kept_only_when_every_image_is_seen(void **state)
{
    struct diskcopy_disk d = qcow2_disk();
    struct diskcopy_image chain[] = {
        {.path = "/srv/base/mid.qcow2", .format = "qcow2",
         .allocation_bytes = 1 * GiB, .datastore = "templates", .dst_sees = true},
        {.path = "/var/lib/libvirt/images/base.raw", .format = "raw",
         .allocation_bytes = 4 * GiB, .datastore = "local@lab-a",
         .dst_sees = true},
    };
    struct diskcopy_plan p;

    (void)state;
    d.backing = chain;
    d.n_backing = 2;
    diskcopy_decide(&d, &same_host, &p);
    assert_int_equal(p.mode, DISKCOPY_FULL);
    assert_int_equal(p.status, CHECK_WARN);
    assert_has(p.message, "a backing chain of 2 images (/srv/base/mid.qcow2, "
                          "/var/lib/libvirt/images/base.raw; "
                          "/var/lib/libvirt/images/base.raw is on local@lab-a, "
                          "the datastore it leaves)");
    assert_int_equal(p.copy_bytes, 6 * GiB);
    diskcopy_plan_fini(&p);
    chain[1].datastore = "templates";
    diskcopy_decide(&d, &same_host, &p);
    assert_int_equal(p.mode, DISKCOPY_SHALLOW);
    assert_string_equal(p.backing_path, "/srv/base/mid.qcow2");
    diskcopy_plan_fini(&p);
}

static void
a_cold_copy_cannot_flatten_and_refuses_an_unseen_backing_file(void **state)
{
    struct diskcopy_disk d = qcow2_disk();
    struct diskcopy_image base = {
        .path = "/var/lib/libvirt/images/base.qcow2", .format = "qcow2",
        .datastore = "local@lab-a", .dst_sees = false};
    struct diskcopy_dest to = other_host;
    struct diskcopy_plan p;

    (void)state;
    to.cold = true;
    to.with_vm = true;
    d.backing = &base;
    d.n_backing = 1;
    diskcopy_decide(&d, &to, &p);
    assert_int_equal(p.mode, DISKCOPY_REFUSE);
    assert_has(p.message, "a cold move copies the image file as it is");
    assert_has(p.message, "start web1 for a live move");
    diskcopy_plan_fini(&p);
    /* on a datastore both see: the file keeps naming it, which works */
    base.datastore = "shared";
    base.dst_sees = true;
    diskcopy_decide(&d, &to, &p);
    assert_int_equal(p.mode, DISKCOPY_SHALLOW);
    assert_int_equal(p.status, CHECK_OK);
    diskcopy_plan_fini(&p);
}

static void
other_formats_are_refused_rather_than_converted(void **state)
{
    struct diskcopy_disk d = qcow2_disk();
    struct diskcopy_plan p;

    (void)state;
    d.format = "vmdk";
    diskcopy_decide(&d, &same_host, &p);
    assert_int_equal(p.mode, DISKCOPY_REFUSE);
    assert_has(p.message, "disk vda of web1 is a vmdk image");
    diskcopy_plan_fini(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(qcow2_stays_qcow2_with_the_same_virtual_size_and_thin),
        cmocka_unit_test(raw_stays_raw_thin_when_sparse_and_thick_when_allocated),
        cmocka_unit_test(the_file_name_extension_follows_the_format),
        cmocka_unit_test(a_disk_with_internal_snapshots_is_refused_naming_them),
        cmocka_unit_test(a_cold_copy_refuses_snapshots_libvirt_would_lose_track_of),
        cmocka_unit_test(a_backing_file_on_the_datastore_left_is_flattened_with_a_warning),
        cmocka_unit_test(a_backing_file_the_destination_sees_gives_a_shallow_copy),
        cmocka_unit_test(a_backing_file_another_host_does_not_see_is_flattened),
        cmocka_unit_test(a_chain_is_kept_only_when_every_image_is_seen),
        cmocka_unit_test(a_cold_copy_cannot_flatten_and_refuses_an_unseen_backing_file),
        cmocka_unit_test(other_formats_are_refused_rather_than_converted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
