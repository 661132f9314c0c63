/* ferry: live migration console for KVM/libvirt. */
int cli_main(int argc, char **argv);

int
main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
