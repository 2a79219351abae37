#include "common/check.h"

#include <cstdio>
#include <cstdlib>

namespace ferris::detail {

void checkFailed(const char* file, int line, std::string_view condition,
                 std::string_view message) {
    std::fprintf(stderr, "internal error (a FerrisStreams bug) at %s:%d: check failed: %.*s (%.*s)\n",
                 file, line, static_cast<int>(condition.size()), condition.data(),
                 static_cast<int>(message.size()), message.data());
    std::fflush(stderr);
    std::abort();
}

}  // namespace ferris::detail
