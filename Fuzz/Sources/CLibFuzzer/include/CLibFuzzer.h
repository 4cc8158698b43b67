#ifndef JOURNEYKIT_FUZZ_CLIBFUZZER_H
#define JOURNEYKIT_FUZZ_CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (in the runtime that `-sanitize=fuzzer` links): parses the libFuzzer
/// flags in argv and runs `callback` on every input.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
