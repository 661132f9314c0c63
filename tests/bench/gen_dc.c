/* A simulated datacenter of any size, for benchmarks and tests:
 *   gen_dc HOSTS VMS [DATASTORES] [--long-names] > dc.ini
 * Every host sees the shared datastores: the first one through hosts = *,
 * the others through a hosts = line naming every host (thousands of
 * characters at hundreds of hosts). Each host also has a local datastore.
 * VMs are spread over the hosts round robin with the demo's workloads.
 * --long-names gives host 0 and VM 0 names of 60 characters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const workloads[] = {"web", "database", "idle", "batch",
                                        "cache", "idle", "web", "idle"};
static const unsigned mem_gib[] = {2, 4, 8, 4, 16, 2, 4, 2};

static const char *host_fmt = "kvm-%03ld.dc2.example.net";
static const char *vm_fmt = "vm-%05ld";
static const char *long_host =
    "kvm-node-017-rack-42-row-7-hall-b.dc2.example.net.internal01";
static const char *long_vm =
    "customer-portal-frontend-production-blue-green-replica-00042";

static void
host_name(char *b, size_t n, long i, int long_names)
{
    if (long_names && i == 0)
        snprintf(b, n, "%s", long_host);
    else
        snprintf(b, n, host_fmt, i);
}

int
main(int argc, char **argv)
{
    long hosts, vms, dss = 2;
    int long_names = 0, pos = 0;
    char name[128];

    for (int i = 1; i < argc; i++) {
        long *slot[] = {&hosts, &vms, &dss};

        if (strcmp(argv[i], "--long-names") == 0) {
            long_names = 1;
        } else if (pos < 3) {
            char *end;

            *slot[pos] = strtol(argv[i], &end, 10);
            if (*end != '\0' || *slot[pos] < (pos == 2 ? 1 : pos == 0)) {
                fprintf(stderr, "gen_dc: '%s' is not a count\n", argv[i]);
                return 2;
            }
            pos++;
        } else {
            pos = 9;
        }
    }
    if (pos < 2 || pos > 3) {
        fprintf(stderr, "usage: gen_dc HOSTS VMS [DATASTORES] "
                        "[--long-names]\n");
        return 2;
    }
    printf("; generated: %ld hosts, %ld VMs, %ld shared datastores\n"
           "[sim]\nseed = 7\nlink_bandwidth = 25Gbit\nlink_latency_us = 100\n"
           "switchover_overhead = 25ms\ndevice_state = 2MiB\n\n",
           hosts, vms, dss);
    for (long h = 0; h < hosts; h++) {
        /* room for every VM it has, with headroom for moves */
        long per = (vms + hosts - 1) / hosts;
        unsigned long long mem = (unsigned long long)per * 16 + 512;

        host_name(name, sizeof name, h, long_names);
        printf("[host %s]\ncpu_model = Intel Xeon Gold 6338 (Ice Lake)\n"
               "cpu_flags = sse4_2, avx, avx2, fma, aes, vmx\ncores = 128\n"
               "memory = %lluGiB\nnetworks = prod, mgmt\n\n",
               name, mem);
    }
    for (long d = 0; d < dss; d++) {
        printf("[datastore shared-%02ld]\ntype = nfs\ncapacity = 2PiB\n"
               "throughput = 4GiB/s\nshared = yes\nhosts = ",
               d);
        if (d == 0) {
            printf("*\n\n");
            continue;
        }
        for (long h = 0; h < hosts; h++) {
            host_name(name, sizeof name, h, long_names);
            printf("%s%s", h ? ", " : "", name);
        }
        printf("\n\n");
    }
    for (long h = 0; h < hosts; h++) {
        host_name(name, sizeof name, h, long_names);
        printf("[datastore local-%03ld]\ntype = local\ncapacity = 8TiB\n"
               "throughput = 1500MiB/s\nhosts = %s\n\n",
               h, name);
    }
    for (long v = 0; v < vms; v++) {
        char host[128];
        size_t k = (size_t)v % (sizeof workloads / sizeof workloads[0]);

        host_name(host, sizeof host, v % hosts, long_names);
        if (long_names && v == 0)
            snprintf(name, sizeof name, "%s", long_vm);
        else
            snprintf(name, sizeof name, vm_fmt, v);
        printf("[vm %s]\nhost = %s\nmemory = %uGiB\nvcpus = %u\n"
               "cpu_flags = sse4_2, avx2\ndisks = vda:shared-%02ld:40GiB:8GiB\n"
               "networks = prod\nworkload = %s\n\n",
               name, host, mem_gib[k], mem_gib[k] / 2 + 1, v % dss,
               workloads[k]);
    }
    return 0;
}
