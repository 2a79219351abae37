#include "common/status.h"

#include <fmt/format.h>

namespace ferris {

std::string_view errorCodeName(ErrorCode code) {
    switch (code) {
        case ErrorCode::kOk: return "ok";
        case ErrorCode::kSyntaxError: return "syntax_error";
        case ErrorCode::kUnknownColumn: return "unknown_column";
        case ErrorCode::kUnknownFunction: return "unknown_function";
        case ErrorCode::kUnknownSource: return "unknown_source";
        case ErrorCode::kUnknownKey: return "unknown_key";
        case ErrorCode::kInvalidValue: return "invalid_value";
        case ErrorCode::kTypeMismatch: return "type_mismatch";
        case ErrorCode::kDuplicateName: return "duplicate_name";
        case ErrorCode::kNotSupported: return "not_supported";
        case ErrorCode::kInvalidQuery: return "invalid_query";
        case ErrorCode::kConfigError: return "config_error";
        case ErrorCode::kDecodeError: return "decode_error";
        case ErrorCode::kDecimalOverflow: return "decimal_overflow";
        case ErrorCode::kIntegerOverflow: return "integer_overflow";
        case ErrorCode::kDivisionByZero: return "division_by_zero";
        case ErrorCode::kInvalidArgument: return "invalid_argument";
        case ErrorCode::kCastError: return "cast_error";
        case ErrorCode::kLateRecord: return "late_record";
        case ErrorCode::kIoError: return "io_error";
        case ErrorCode::kResourceExhausted: return "resource_exhausted";
        case ErrorCode::kCancelled: return "cancelled";
        case ErrorCode::kInternal: return "internal";
        case ErrorCode::kDeliveryFailed: return "delivery_failed";
        case ErrorCode::kNotFound: return "not_found";
        case ErrorCode::kConflict: return "conflict";
        case ErrorCode::kInvalidState: return "invalid_state";
        case ErrorCode::kTimeout: return "timeout";
        case ErrorCode::kTransactionAborted: return "transaction_aborted";
        case ErrorCode::kFenced: return "fenced";
    }
    return "unknown";
}

Status Status::user(ErrorCode code, std::string message, SourceLocation location) {
    return Status(std::make_shared<const State>(
        State{code, ErrorCategory::kUser, std::move(message), location}));
}

Status Status::system(ErrorCode code, std::string message) {
    return Status(std::make_shared<const State>(
        State{code, ErrorCategory::kSystem, std::move(message), {}}));
}

Status Status::internal(std::string message) {
    return Status(std::make_shared<const State>(
        State{ErrorCode::kInternal, ErrorCategory::kInternal, std::move(message), {}}));
}

Status Status::notSupported(std::string_view what, SourceLocation location) {
    return user(ErrorCode::kNotSupported, fmt::format("not supported yet: {}", what), location);
}

const std::string& Status::message() const {
    static const std::string kEmpty;
    return state_ ? state_->message : kEmpty;
}

Status Status::withContext(std::string_view prefix) const {
    if (!state_) return *this;
    State copy = *state_;
    copy.message = fmt::format("{}: {}", prefix, copy.message);
    return Status(std::make_shared<const State>(std::move(copy)));
}

Status Status::withLocation(SourceLocation location) const {
    if (!state_ || state_->location.valid()) return *this;
    State copy = *state_;
    copy.location = location;
    return Status(std::make_shared<const State>(std::move(copy)));
}

std::string Status::toString() const {
    if (!state_) return "OK";
    if (state_->location.valid()) {
        return fmt::format("{}:{}: {}", state_->location.line, state_->location.column,
                           state_->message);
    }
    return state_->message;
}

}  // namespace ferris
