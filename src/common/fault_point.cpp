#include "common/fault_point.h"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace ferris {

namespace {

struct FaultPoint {
    std::string point;  ///< empty: no fault point set
    long long hit = 1;  ///< which arrival kills
};

const FaultPoint& configured() {
    static const FaultPoint fault = [] {
        FaultPoint out;
        const char* value = std::getenv("FERRIS_FAULT_POINT");
        if (value == nullptr) return out;
        std::string text(value);
        size_t colon = text.find(':');
        out.point = text.substr(0, colon);
        if (colon != std::string::npos) out.hit = std::max(1LL, std::atoll(text.c_str() + colon + 1));
        return out;
    }();
    return fault;
}

std::atomic<long long> arrivals{0};

}  // namespace

void faultPoint(std::string_view point) {
    const FaultPoint& fault = configured();
    if (fault.point.empty() || fault.point != point) return;
    if (arrivals.fetch_add(1) + 1 != fault.hit) return;
    std::fprintf(stderr, "FERRIS_FAULT_POINT %s:%lld reached: killing the process\n", fault.point.c_str(), fault.hit);
    std::fflush(stderr);
    std::raise(SIGKILL);
}

bool faultAbort() {
    // Read at each commit (a few a second), so that a test can set it for one in-process run.
    const char* value = std::getenv("FERRIS_FAULT_ABORT");
    long long every = value == nullptr ? 0LL : std::max(0LL, std::atoll(value));
    static std::atomic<long long> commits{0};
    return every > 0 && (commits.fetch_add(1) + 1) % every == 0;
}

}  // namespace ferris
