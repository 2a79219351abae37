#pragma once

#include <type_traits>
#include <utility>
#include <variant>

#include "common/check.h"
#include "common/status.h"

namespace ferris {

/// A value or the Status saying why there is none (GCC 12 has no std::expected).
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
    Result(Status status) : data_(std::in_place_index<1>, std::move(status)) {  // NOLINT
        FERRIS_CHECK(!std::get<1>(data_).isOk(), "Result built from an OK status");
    }

    bool isOk() const { return data_.index() == 0; }
    explicit operator bool() const { return isOk(); }

    const Status& status() const {
        static const Status kOk;
        return isOk() ? kOk : std::get<1>(data_);
    }

    T& value() & {
        FERRIS_CHECK(isOk(), "value() on an error Result: " + std::get<1>(data_).toString());
        return std::get<0>(data_);
    }
    const T& value() const& {
        FERRIS_CHECK(isOk(), "value() on an error Result: " + std::get<1>(data_).toString());
        return std::get<0>(data_);
    }
    T&& value() && {
        FERRIS_CHECK(isOk(), "value() on an error Result: " + std::get<1>(data_).toString());
        return std::get<0>(std::move(data_));
    }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

private:
    std::variant<T, Status> data_;
};

}  // namespace ferris

#define FERRIS_CONCAT_INNER(a, b) a##b
#define FERRIS_CONCAT(a, b) FERRIS_CONCAT_INNER(a, b)

/// Returns the Status of `expr` from the enclosing function when it is an error.
#define FERRIS_RETURN_IF_ERROR(expr)                         \
    do {                                                     \
        ::ferris::Status _ferris_status = (expr);            \
        if (!_ferris_status.isOk()) return _ferris_status;   \
    } while (0)

#define FERRIS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)   \
    auto tmp = (expr);                                 \
    if (!tmp.isOk()) return tmp.status();              \
    lhs = std::move(tmp).value()

/// `FERRIS_ASSIGN_OR_RETURN(auto x, computeX());` — unwraps a Result or returns its error.
#define FERRIS_ASSIGN_OR_RETURN(lhs, expr) \
    FERRIS_ASSIGN_OR_RETURN_IMPL(FERRIS_CONCAT(_ferris_result_, __LINE__), lhs, expr)
