#pragma once

namespace ferris::apps {

/// Exits with a clear message when the CPU lacks what the build was compiled for (AVX2 on
/// x86-64, see FERRIS_ARCH_FLAGS), instead of dying later on an illegal instruction.
void checkCpuOrExit();

}  // namespace ferris::apps
