#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace ferris {

/// Who is at fault: the user (bad SQL, bad config, bad input data) or the system (a bug,
/// an I/O failure). Decides the exit code and how an error is reported.
enum class ErrorCategory : uint8_t {
    kUser,     ///< bad SQL, configuration or input; fixable by the user
    kSystem,   ///< an environment failure (I/O, network) that is not the user's doing
    kInternal  ///< a bug in FerrisStreams
};

/// Stable error codes. They appear in messages, DLQ entries (`error_kind`), metrics labels
/// and the SQL test format (`expect error EXIT LINE:COL CODE`), so values are never reused.
enum class ErrorCode : uint16_t {
    kOk = 0,
    // front end
    kSyntaxError,
    kUnknownColumn,
    kUnknownFunction,
    kUnknownSource,
    kUnknownKey,
    kInvalidValue,
    kTypeMismatch,
    kDuplicateName,
    kNotSupported,
    kInvalidQuery,
    kConfigError,
    // data path (bad records)
    kDecodeError,
    kDecimalOverflow,
    kIntegerOverflow,
    kDivisionByZero,
    kInvalidArgument,
    kCastError,
    kLateRecord,  ///< a record for a window that had closed (late.data.strategy dead_letter)
    // system
    kIoError,
    kResourceExhausted,  ///< a job went over its max.memory.mb
    kCancelled,
    kInternal,
    kDeliveryFailed,  ///< a sink could not deliver an output record (a Kafka delivery report)
    // server
    kNotFound,      ///< no job, app or table of that name
    kConflict,      ///< a name already taken, a limit reached
    kInvalidState,  ///< a command the job's state does not allow (pause a finished job)
    kTimeout,       ///< a job did not answer a command in time
    // transactions (§2.2)
    kTransactionAborted,  ///< a Kafka transaction was aborted; the job rewinds and goes on
    kFenced,              ///< another instance with the same transactional.id took over
    kLastCode = kFenced,
};

/// Stable lower-case name of a code, e.g. "decimal_overflow".
std::string_view errorCodeName(ErrorCode code);

/// A 1-based line and column in a SQL text; line 0 means "no location".
struct SourceLocation {
    int line = 0;
    int column = 0;
    bool valid() const { return line > 0; }
};

/// The result of an operation that can fail. Cheap when OK (one null pointer).
class Status {
public:
    Status() = default;

    static Status ok() { return Status(); }
    static Status user(ErrorCode code, std::string message, SourceLocation location = {});
    static Status system(ErrorCode code, std::string message);
    static Status internal(std::string message);
    static Status notSupported(std::string_view what, SourceLocation location = {});
    static Status ioError(std::string message) { return system(ErrorCode::kIoError, std::move(message)); }

    bool isOk() const { return state_ == nullptr; }
    explicit operator bool() const { return isOk(); }

    ErrorCode code() const { return state_ ? state_->code : ErrorCode::kOk; }
    ErrorCategory category() const { return state_ ? state_->category : ErrorCategory::kUser; }
    const std::string& message() const;
    SourceLocation location() const { return state_ ? state_->location : SourceLocation{}; }

    /// Returns a copy with `prefix` put in front of the message ("job x: ...").
    Status withContext(std::string_view prefix) const;
    /// Returns a copy with a location set (if it had none).
    Status withLocation(SourceLocation location) const;

    /// "line:col: message" or just "message".
    std::string toString() const;

private:
    struct State {
        ErrorCode code;
        ErrorCategory category;
        std::string message;
        SourceLocation location;
    };
    explicit Status(std::shared_ptr<const State> state) : state_(std::move(state)) {}
    std::shared_ptr<const State> state_;
};

}  // namespace ferris
