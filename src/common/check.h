#pragma once

#include <fmt/format.h>

#include <string_view>

namespace ferris::detail {
[[noreturn]] void checkFailed(const char* file, int line, std::string_view condition,
                              std::string_view message);
}  // namespace ferris::detail

/// Invariant checks: a failure is a FerrisStreams bug, reported with the operands and
/// the location, then the process aborts. Never used for bad user input.
#define FERRIS_CHECK(cond, msg)                                               \
    do {                                                                      \
        if (!(cond)) [[unlikely]] {                                           \
            ::ferris::detail::checkFailed(__FILE__, __LINE__, #cond, (msg));  \
        }                                                                     \
    } while (0)

#define FERRIS_CHECK_OP(a, b, op)                                                        \
    do {                                                                                 \
        const auto& _ferris_a = (a);                                                     \
        const auto& _ferris_b = (b);                                                     \
        if (!(_ferris_a op _ferris_b)) [[unlikely]] {                                    \
            ::ferris::detail::checkFailed(                                               \
                __FILE__, __LINE__, #a " " #op " " #b,                                   \
                fmt::format("{} vs {}", _ferris_a, _ferris_b));                          \
        }                                                                                \
    } while (0)

#define FERRIS_CHECK_EQ(a, b) FERRIS_CHECK_OP(a, b, ==)
#define FERRIS_CHECK_NE(a, b) FERRIS_CHECK_OP(a, b, !=)
#define FERRIS_CHECK_LT(a, b) FERRIS_CHECK_OP(a, b, <)
#define FERRIS_CHECK_LE(a, b) FERRIS_CHECK_OP(a, b, <=)
#define FERRIS_CHECK_GE(a, b) FERRIS_CHECK_OP(a, b, >=)
#define FERRIS_UNREACHABLE(msg) ::ferris::detail::checkFailed(__FILE__, __LINE__, "unreachable", (msg))
