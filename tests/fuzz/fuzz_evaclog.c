/* libFuzzer target: an evacuation's summary log (evac_log_read, and
 * through it evac_view_read on the plan and the result). The input goes
 * to an anonymous file the reader opens by its /proc path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ferry/evacview.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ferry_err err;
    struct evac_log l;
    char path[64];
    int fd = memfd_create("evaclog", 0);

    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    evac_log_is(path);
    if (evac_log_read(path, &l, &err) == 0) {
        for (size_t i = 0; i < l.plan.n_moves; i++)
            evac_view_move(&l.result, l.plan.moves[i].vm);
        evac_log_fini(&l);
    }
    close(fd);
    return 0;
}
