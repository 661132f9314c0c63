/* Build helper: turn a text file into a C string definition. */
#include <stdio.h>

int
main(int argc, char **argv)
{
    FILE *in, *out;
    int c, col = 0;

    if (argc != 4) {
        fprintf(stderr, "usage: embed SYMBOL INPUT OUTPUT\n");
        return 2;
    }
    in = fopen(argv[2], "rb");
    out = fopen(argv[3], "wb");
    if (in == NULL || out == NULL) {
        perror("embed");
        return 1;
    }
    fprintf(out, "/* Generated from %s. */\nconst char %s[] = {\n", argv[2],
            argv[1]);
    while ((c = fgetc(in)) != EOF) {
        fprintf(out, "%d,", c);
        if (++col == 20) {
            fputc('\n', out);
            col = 0;
        }
    }
    fprintf(out, "0};\n");
    fclose(in);
    return fclose(out) == 0 ? 0 : 1;
}
