/* The lab guest's workload, run as /init's last step. It keeps a working
 * set of memory dirty at a set rate and writes a disk in self-checking
 * blocks, so that a migration can be watched converge (or not) and its
 * result verified afterwards.
 *
 * Kernel command line: ferry.wss=MiB ferry.rate=MiB/s ferry.disk=KiB/s
 * ferry.busy=0|1 (default 1).
 *
 * Why it spins between steps instead of sleeping: on this QEMU (7.2, TCG)
 * a guest that sleeps in nanosleep() at 100 Hz while it writes memory
 * crashes or hangs in the kernel's hrtimer code right after a live
 * migration (plain QEMU, no libvirt, with or without HPET, single- or
 * multi-threaded TCG, any clocksource); the same guest spinning on
 * clock_gettime() migrates and verifies every page. ferry.busy=0 keeps
 * the sleeping variant for whoever wants to look into it.
 * Control on the second serial port (/dev/ttyS1), one command per line:
 *   rate N     dirty N MiB/s from now on       -> "ok rate N"
 *   disk N     write the disk at N KiB/s        -> "ok disk N"
 *   ping       liveness                         -> "pong TICKS"
 *   verify     check every working-set page     -> "ok verify PAGES" or
 *              holds what was last written         "bad page I"
 *   sync       stop writing the disk, flush     -> "ok sync SEQ"
 * Disk blocks (64 KiB): "FERRYBLK", the 64-bit sequence number, then that
 * number xor a constant repeated. Block j always holds a sequence number
 * congruent to j, so a stale block after a copy shows at once. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define BLOCK 65536u
#define FILL 0x5a5aa5a55a5aa5a5ull

static uint64_t *mem;      /* working set */
static uint64_t *last;     /* what each page's first word was last set to */
static size_t npages, cursor;
static uint64_t counter = 1;

static int disk_fd = -1;
static uint64_t *blk;
static uint64_t disk_blocks, seq;

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned long
cmdline_num(const char *cmd, const char *key, unsigned long def)
{
    const char *p = strstr(cmd, key);

    return p ? strtoul(p + strlen(key), NULL, 10) : def;
}

static void
touch_page(size_t i)
{
    uint64_t *p = mem + i * (PAGE / 8);

    p[0] = ++counter;
    last[i] = counter;
}

static int
write_block(void)
{
    uint64_t j = seq % disk_blocks;

    blk[0] = 0x4b4c425952524546ull; /* "FERRYBLK" little-endian */
    blk[1] = seq;
    for (size_t k = 2; k < BLOCK / 8; k++)
        blk[k] = seq ^ FILL;
    if (pwrite(disk_fd, blk, BLOCK, (off_t)(j * BLOCK)) != (ssize_t)BLOCK)
        return -1;
    seq++;
    return 0;
}

static void
reply(int fd, const char *fmt, unsigned long long v)
{
    char buf[96];
    int n = snprintf(buf, sizeof buf, fmt, v);

    if (fd >= 0 && write(fd, buf, (size_t)n) < 0) {
        /* nobody listening */
    }
}

int
main(void)
{
    char cmd[1024] = "", line[128];
    size_t line_n = 0;
    double rate, disk_rate, t0, debt = 0, disk_debt = 0;
    unsigned long wss_mb, busy;
    int ctl, f;
    struct termios tio;

    f = open("/proc/cmdline", O_RDONLY);
    if (f >= 0) {
        ssize_t n = read(f, cmd, sizeof cmd - 1);

        cmd[n > 0 ? n : 0] = '\0';
        close(f);
    }
    wss_mb = cmdline_num(cmd, "ferry.wss=", 64);
    rate = (double)cmdline_num(cmd, "ferry.rate=", 4) * 1048576.0;
    disk_rate = (double)cmdline_num(cmd, "ferry.disk=", 0) * 1024.0;
    busy = cmdline_num(cmd, "ferry.busy=", 1);
    npages = wss_mb * 1048576ul / PAGE;
    mem = malloc(npages * PAGE);
    last = calloc(npages, sizeof *last);
    if (mem == NULL || last == NULL) {
        printf("ferry-dirtier: cannot allocate %lu MiB\n", wss_mb);
        return 1;
    }
    for (size_t i = 0; i < npages * (PAGE / 8); i++)
        mem[i] = FILL ^ i; /* non-zero: zero pages travel for free */
    for (size_t i = 0; i < npages; i++)
        touch_page(i);

    disk_fd = open("/dev/vda", O_RDWR | O_DIRECT | O_SYNC);
    if (disk_fd >= 0 && posix_memalign((void **)&blk, PAGE, BLOCK) == 0) {
        off_t size = lseek(disk_fd, 0, SEEK_END);

        disk_blocks = size > 0 ? (uint64_t)size / BLOCK : 0;
        for (uint64_t i = 0; i < disk_blocks; i++)
            if (write_block() < 0)
                break;
    } else {
        disk_fd = -1;
    }

    ctl = open("/dev/ttyS1", O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (ctl >= 0 && tcgetattr(ctl, &tio) == 0) {
        cfmakeraw(&tio);
        tcsetattr(ctl, TCSANOW, &tio);
    }
    printf("ferry-dirtier: wss %lu MiB, rate %.0f MiB/s, disk %.0f KiB/s, "
           "%llu disk blocks\n",
           wss_mb, rate / 1048576.0, disk_rate / 1024.0,
           (unsigned long long)disk_blocks);
    fflush(stdout);

    t0 = now_s();
    for (unsigned long long tick = 0;; tick++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        double t = now_s(), dt = t - t0;
        char c;

        t0 = t;
        if (dt > 0.5)
            dt = 0.5; /* after a pause do not catch up all at once */
        debt += rate * dt / PAGE;
        while (debt >= 1) {
            touch_page(cursor);
            cursor = (cursor + 1) % npages;
            debt -= 1;
        }
        if (disk_fd >= 0 && disk_blocks > 0) {
            disk_debt += disk_rate * dt / BLOCK;
            while (disk_debt >= 1) {
                write_block();
                disk_debt -= 1;
            }
        }
        while (ctl >= 0 && read(ctl, &c, 1) == 1) {
            if (c != '\n' && c != '\r') {
                if (line_n < sizeof line - 1)
                    line[line_n++] = c;
                continue;
            }
            line[line_n] = '\0';
            line_n = 0;
            if (strncmp(line, "rate ", 5) == 0) {
                rate = strtod(line + 5, NULL) * 1048576.0;
                reply(ctl, "ok rate %llu\n",
                      (unsigned long long)(rate / 1048576.0));
            } else if (strncmp(line, "disk ", 5) == 0) {
                disk_rate = strtod(line + 5, NULL) * 1024.0;
                reply(ctl, "ok disk %llu\n",
                      (unsigned long long)(disk_rate / 1024.0));
            } else if (strcmp(line, "ping") == 0) {
                reply(ctl, "pong %llu\n", tick);
            } else if (strcmp(line, "sync") == 0) {
                disk_rate = 0;
                disk_debt = 0;
                if (disk_fd >= 0)
                    fsync(disk_fd);
                reply(ctl, "ok sync %llu\n", (unsigned long long)seq);
            } else if (strcmp(line, "verify") == 0) {
                size_t bad = npages;

                for (size_t i = 0; i < npages && bad == npages; i++) {
                    const uint64_t *p = mem + i * (PAGE / 8);

                    if (p[0] != last[i] ||
                        p[1] != (FILL ^ (i * (PAGE / 8) + 1)))
                        bad = i;
                }
                if (bad == npages)
                    reply(ctl, "ok verify %llu\n",
                          (unsigned long long)npages);
                else
                    reply(ctl, "bad page %llu\n", (unsigned long long)bad);
            } else if (line[0] != '\0') {
                reply(ctl, "unknown command (%llu chars)\n",
                      (unsigned long long)strlen(line));
            }
        }
        if (busy) {
            while (now_s() - t < 0.01)
                ;
        } else {
            nanosleep(&ts, NULL);
        }
    }
}
