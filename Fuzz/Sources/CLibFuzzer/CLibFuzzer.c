// Declarations only; the driver itself is in the libFuzzer runtime.
#include "CLibFuzzer.h"
