/* Remote probes: the script and its parser (see probe.h). */
#include "ferry/probe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const probe_tls_files[PTLS_COUNT] = {
    "ca-cert.pem", "server-cert.pem", "server-key.pem", "client-cert.pem",
    "client-key.pem"};

/* 'quoted' for sh */
static void
put_quoted(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    }
    fputc('\'', f);
}

char *
probe_script(char *const *paths, size_t n_paths, char *const *addrs,
             size_t n_addrs)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);

    /* the time first: the skew is measured against its arrival */
    fputs("echo \"time=$(date +%s.%N)\"\n"
          "echo \"kernel=$(uname -r)\"\n"
          "q=$(command -v qemu-system-x86_64 || ls /usr/bin/qemu-system-* "
          "2>/dev/null | head -n 1)\n"
          "[ -n \"$q\" ] && echo \"qemu=$(\"$q\" --version 2>/dev/null | "
          "head -n 1)\"\n",
          f);
    for (size_t i = 0; i < n_paths; i++) {
        fputs("p=", f);
        put_quoted(f, paths[i]);
        fputs("; df -P -B1 \"$p\" 2>/dev/null | awk -v p=\"$p\" "
              "'NR == 2 {print \"fs=\" $4 \" \" $2 \" \" p}'\n",
              f);
    }
    for (size_t i = 0; i < n_addrs; i++) {
        fputs("a=", f);
        put_quoted(f, addrs[i]);
        fprintf(f, "; if command -v bash >/dev/null && command -v timeout "
                   ">/dev/null; then r=$(timeout 3 bash -c \"exec "
                   "3<>/dev/tcp/$a/%d\" 2>&1); c=$?; echo \"reach=$a $c "
                   "$(echo $r | tr '\\n' ' ')\"; fi\n",
                PROBE_MIG_PORT);
    }
    /* QEMU's migration certificates: libvirt's qemu.conf names the
     * directory (migrate_tls_x509_cert_dir, else default_tls_x509_cert_dir,
     * else /etc/pki/qemu); only whether each file exists (its key may be
     * readable by QEMU's user alone) */
    fputs("c=/etc/libvirt/qemu.conf; d=; for k in migrate_tls_x509_cert_dir "
          "default_tls_x509_cert_dir; do [ -n \"$d\" ] || d=$(sed -n "
          "\"s/^[[:space:]]*$k[[:space:]]*=[[:space:]]*\\\"\\([^\\\"]*\\)"
          "\\\".*/\\1/p\" \"$c\" 2>/dev/null | tail -n 1); done; "
          "[ -n \"$d\" ] || d=/etc/pki/qemu; echo \"tlsdir=$d\"; "
          "for f in",
          f);
    for (size_t i = 0; i < PTLS_COUNT; i++)
        fprintf(f, " %s", probe_tls_files[i]);
    fputs("; do [ -e \"$d/$f\" ] && echo \"tlsfile=$f 1\" || "
          "echo \"tlsfile=$f 0\"; done\n",
          f);
    fputs("echo end=1\n", f);
    fclose(f);
    return out;
}

static enum probe_reach_result
reach_result(int code, const char *msg)
{
    if (code == 0)
        return REACH_OK;
    if (code == 124)
        return REACH_NO; /* timeout: no answer at all */
    if (strstr(msg, "refused") != NULL)
        return REACH_REFUSED; /* the host answered: the path works */
    if (strstr(msg, "unreachable") != NULL || strstr(msg, "No route") ||
        strstr(msg, "timed out") || strstr(msg, "Name or service") ||
        strstr(msg, "resolve"))
        return REACH_NO;
    return REACH_UNKNOWN;
}

/* What the connect said, shortly. */
static char *
reach_detail(int code, char *msg)
{
    static const char *const known[] = {
        "Connection refused", "No route to host", "Network is unreachable",
        "Connection timed out", "Name or service not known"};

    if (code == 0)
        return xstrdup("connected");
    if (code == 124)
        return xstrdup("no answer within 3 s");
    for (size_t i = 0; i < ARRAY_SIZE(known); i++)
        if (strstr(msg, known[i]) != NULL)
            return xstrdup(known[i]);
    return xstrndup(str_trim(msg), 80);
}

int
probe_parse(const char *out, struct host_probe *p, struct ferry_err *err)
{
    const char *s = out;
    int line = 0;
    bool end = false;

    probe_fini(p);
    while (*s != '\0') {
        size_t l = strcspn(s, "\n");
        char *ln = xstrndup(s, l), *v = strchr(ln, '=');

        line++;
        s += l + (s[l] == '\n');
        if (v == NULL) {
            free(ln);
            continue; /* a login banner or a shell's noise */
        }
        *v++ = '\0';
        if (strcmp(ln, "time") == 0) {
            char *e;

            p->remote_time = strtod(v, &e);
            p->has_time = e != v && isfinite(p->remote_time);
        } else if (strcmp(ln, "kernel") == 0) {
            free(p->kernel);
            p->kernel = v[0] ? xstrdup(v) : NULL;
        } else if (strcmp(ln, "qemu") == 0) {
            const char *ver = strstr(v, "version ");

            free(p->qemu);
            p->qemu = NULL;
            if (ver != NULL)
                p->qemu = xstrndup(ver + 8, strcspn(ver + 8, " ("));
            else if (v[0])
                p->qemu = xstrdup(v);
        } else if (strcmp(ln, "fs") == 0) {
            unsigned long long av, sz;
            int off = 0;

            if (sscanf(v, "%llu %llu %n", &av, &sz, &off) != 2 || off == 0 ||
                v[off] == '\0') {
                err_set(err, "probe output line %d: bad fs= line '%s'", line,
                        v);
                free(ln);
                return -1;
            }
            p->fs = xrealloc(p->fs, (p->n_fs + 1) * sizeof *p->fs);
            p->fs[p->n_fs++] = (struct probe_fs){xstrdup(v + off), av, sz};
        } else if (strcmp(ln, "reach") == 0) {
            char addr[256];
            int code, off = 0;

            if (sscanf(v, "%255s %d %n", addr, &code, &off) < 2) {
                err_set(err, "probe output line %d: bad reach= line '%s'",
                        line, v);
                free(ln);
                return -1;
            }
            p->reach = xrealloc(p->reach, (p->n_reach + 1) * sizeof *p->reach);
            p->reach[p->n_reach].addr = xstrdup(addr);
            p->reach[p->n_reach].result = reach_result(code, v + off);
            p->reach[p->n_reach].detail = reach_detail(code, v + off);
            p->n_reach++;
        } else if (strcmp(ln, "tlsdir") == 0) {
            free(p->tls_dir);
            p->tls_dir = xstrdup(v);
        } else if (strcmp(ln, "tlsfile") == 0) {
            size_t fl = strcspn(v, " ");

            for (size_t i = 0; i < PTLS_COUNT; i++)
                if (strlen(probe_tls_files[i]) == fl &&
                    strncmp(v, probe_tls_files[i], fl) == 0) {
                    if (strcmp(v + fl, " 1") == 0)
                        p->tls_have |= 1u << i;
                    else
                        p->tls_have &= ~(1u << i);
                }
        } else if (strcmp(ln, "end") == 0) {
            end = true;
        }
        free(ln);
    }
    if (!end) {
        err_set(err, "probe output ends early (%d lines, no end marker)",
                line);
        return -1;
    }
    p->valid = true;
    return 0;
}

void
probe_set_skew(struct host_probe *p, uint64_t sent_ms, uint64_t first_ms)
{
    double mid;

    if (!p->has_time || first_ms < sent_ms)
        return;
    /* the host read its clock somewhere between: take the middle */
    mid = ((double)sent_ms + (double)first_ms) / 2.0;
    p->skew_ms = (int64_t)llround(p->remote_time * 1000.0 - mid);
    p->skew_err_ms = (first_ms - sent_ms + 1) / 2;
    p->has_skew = true;
}

void
probe_fini(struct host_probe *p)
{
    free(p->kernel);
    free(p->qemu);
    for (size_t i = 0; i < p->n_fs; i++)
        free(p->fs[i].path);
    free(p->fs);
    for (size_t i = 0; i < p->n_reach; i++) {
        free(p->reach[i].addr);
        free(p->reach[i].detail);
    }
    free(p->reach);
    free(p->tls_dir);
    memset(p, 0, sizeof *p);
}

char *
probe_tls_missing(const struct host_probe *p, unsigned need)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f;
    bool any = false;

    if ((need & ~p->tls_have) == 0)
        return NULL;
    f = open_memstream(&out, &n);
    for (size_t i = 0; i < PTLS_COUNT; i++)
        if ((need >> i) & 1 && !((p->tls_have >> i) & 1)) {
            fprintf(f, "%s%s", any ? ", " : "", probe_tls_files[i]);
            any = true;
        }
    fclose(f);
    return out;
}

const struct probe_fs *
probe_fs_of(const struct host_probe *p, const char *path)
{
    for (size_t i = 0; i < p->n_fs; i++)
        if (strcmp(p->fs[i].path, path) == 0)
            return &p->fs[i];
    return NULL;
}

const struct probe_reach *
probe_reach_of(const struct host_probe *p, const char *addr)
{
    for (size_t i = 0; i < p->n_reach; i++)
        if (strcmp(p->reach[i].addr, addr) == 0)
            return &p->reach[i];
    return NULL;
}

const char *
probe_reach_name(enum probe_reach_result r)
{
    static const char *const n[] = {"unknown", "reachable",
                                    "reachable (port closed)", "unreachable"};

    return (unsigned)r < ARRAY_SIZE(n) ? n[r] : "?";
}

char *
probe_summary(const struct host_probe *p, char *buf, size_t n)
{
    if (!p->valid) {
        snprintf(buf, n, "not probed");
        return buf;
    }
    snprintf(buf, n, "kernel %s, QEMU %s", p->kernel ? p->kernel : "?",
             p->qemu ? p->qemu : "?");
    if (p->has_skew) {
        size_t l = strlen(buf);

        snprintf(buf + l, n - l, ", clock %+lld ms (+/-%llu)",
                 (long long)p->skew_ms, (unsigned long long)p->skew_err_ms);
    }
    return buf;
}
