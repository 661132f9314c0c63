/* Hints from earlier flight logs, and the names of new ones. */
#include "ferry/hints.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ferry/flogread.h"

/* Longer VM names are shortened in a log's file name (a file name has at
 * most 255 bytes); the header inside keeps the whole name. */
#define LOG_NAME_VM_MAX 160

/* The VM as its logs' file names carry it: whole, or when long its first
 * characters and a hash of the whole name. Caller frees. */
static char *
log_name_vm(const char *vm)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    if (strlen(vm) <= LOG_NAME_VM_MAX)
        return xstrdup(vm);
    for (const char *p = vm; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return xasprintf("%.*s~%08x", LOG_NAME_VM_MAX - 10, vm, (unsigned)h);
}

/* The newest *.jsonl in dir whose name carries -VM-. Caller frees. */
static char *
latest_log(const char *dir, const char *vm)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char *short_vm = log_name_vm(vm);
    char *best = NULL, *needle = xasprintf("-%s-", short_vm);
    time_t best_t = 0;

    while (d != NULL && (e = readdir(d)) != NULL) {
        char *path;
        struct stat st;
        size_t len = strlen(e->d_name);

        if (strstr(e->d_name, needle) == NULL || len < 6 ||
            strcmp(e->d_name + len - 6, ".jsonl") != 0)
            continue;
        path = xasprintf("%s/%s", dir, e->d_name);
        if (stat(path, &st) == 0 && (best == NULL || st.st_mtime >= best_t)) {
            best_t = st.st_mtime;
            free(best);
            best = path;
        } else {
            free(path);
        }
    }
    if (d != NULL)
        closedir(d);
    free(needle);
    free(short_vm);
    return best;
}

static bool
obs_u64(json_object *obs, const char *key, uint64_t *out)
{
    json_object *v;

    if (!json_object_object_get_ex(obs, key, &v) ||
        json_object_get_int64(v) <= 0)
        return false;
    *out = (uint64_t)json_object_get_int64(v);
    return true;
}

void
job_hints_apply(const char *dir, const char *vm, struct hv_plan *p)
{
    char *path;
    json_object *o, *obs;
    uint64_t v;

    if (dir == NULL || vm == NULL || !p->learn_from_logs)
        return;
    path = latest_log(dir, vm);
    /* the result line is the last one: read the tail, not an hour of
     * samples (plans are made as the operator types in the dialog) */
    o = path ? flog_last_line(path) : NULL;
    free(path);
    if (o == NULL)
        return;
    if (json_object_object_get_ex(o, "observed", &obs)) {
        /* a measurement just made (zero pages read) beats an old log */
        if (!p->hint_measured && obs_u64(obs, "first_round_bytes", &v))
            p->memory_wire_bytes = v;
        {
            json_object *x;

            if (!p->hint_measured &&
                json_object_object_get_ex(obs, "dirty_bps", &x))
                p->hint_dirty_bps = (uint64_t)json_object_get_int64(x);
            if (json_object_object_get_ex(obs, "wss_bytes", &x))
                p->hint_wss_bytes = (uint64_t)json_object_get_int64(x);
        }
        if (obs_u64(obs, "setup_ms", &v))
            p->setup_ms = v;
        if (obs_u64(obs, "bw_bps", &v) && p->link_bps > 0)
            p->link_bps = MIN(p->link_bps, v);
    }
    json_object_put(o);
}

char *
job_log_path(const char *dir, const char *vm, long tag)
{
    char stamp[32], *short_vm = log_name_vm(vm), *path;
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    path = xasprintf("%s/%s-%s-%ld.jsonl", dir, stamp, short_vm, tag);
    free(short_vm);
    return path;
}
