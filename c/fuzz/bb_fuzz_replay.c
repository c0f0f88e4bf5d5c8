/*
 * Replays fuzz inputs through the libFuzzer target without libFuzzer: `mvn verify` builds this
 * with gcc and the sanitizers and runs it over every committed input (c/fuzz/corpus/: seeds and
 * past findings), one file per argument.
 */
#include "bb_fuzz.c"

int main(int argc, char **argv) {
    static uint8_t data[1 << 16];
    int k;
    for (k = 1; k < argc; k++) {
        FILE *f = fopen(argv[k], "rb");
        size_t n;
        if (f == NULL) {
            fprintf(stderr, "cannot open %s\n", argv[k]);
            return 2;
        }
        n = fread(data, 1, sizeof data, f);
        fclose(f);
        LLVMFuzzerTestOneInput(data, n);
    }
    printf("replayed %d fuzz inputs\n", argc - 1);
    return 0;
}
