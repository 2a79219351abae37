#include "apps/cpu_check.h"

#include <cstdio>
#include <cstdlib>

namespace ferris::apps {

void checkCpuOrExit() {
#if defined(__AVX2__) && (defined(__x86_64__) || defined(_M_X64))
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("bmi2")) {
        std::fprintf(stderr,
                     "error: this FerrisStreams build needs a CPU with AVX2 and BMI2 (x86-64 Haswell or newer); "
                     "rebuild with -DFERRIS_ARCH_FLAGS= for older CPUs\n");
        std::exit(2);
    }
#endif
}

}  // namespace ferris::apps
