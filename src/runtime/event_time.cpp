#include "runtime/event_time.h"

#include <fmt/format.h>

#include "common/closest_name.h"
#include "types/time.h"

namespace ferris::runtime {

using types::TypeId;

Result<EventTimeExtractor> EventTimeExtractor::create(const types::Schema& schema, const std::string& field,
                                                      const std::string& format) {
    EventTimeExtractor extractor;
    extractor.fieldIndex_ = schema.indexOf(field);
    extractor.fieldName_ = field;
    if (extractor.fieldIndex_ < 0) {
        return Status::user(ErrorCode::kUnknownColumn,
                            fmt::format("event.time.field '{}' is not a column of the source{}", field,
                                        didYouMean(field, schema.names())));
    }
    const types::DataType& type = schema.column(static_cast<size_t>(extractor.fieldIndex_)).type;
    auto mismatch = [&] {
        return Status::user(ErrorCode::kTypeMismatch,
                            fmt::format("event.time.field '{}' is {}, which event.time.format '{}' cannot read "
                                        "(BIGINT for epoch_millis/epoch_seconds, STRING for iso8601 or a pattern, "
                                        "or TIMESTAMP)",
                                        field, type.toString(), format));
    };
    if (type.id() == TypeId::kTimestamp) {
        extractor.mode_ = Mode::kTimestamp;
    } else if (format == "epoch_millis" || format == "epoch_seconds") {
        if (type.id() != TypeId::kBigint) return mismatch();
        extractor.mode_ = format == "epoch_millis" ? Mode::kEpochMillis : Mode::kEpochSeconds;
    } else if (format == "iso8601") {
        if (type.id() != TypeId::kString) return mismatch();
        extractor.mode_ = Mode::kIso8601;
    } else {
        if (type.id() != TypeId::kString) return mismatch();
        std::string bad = types::validateTimestampPattern(format);
        if (!bad.empty() || format.find('%') == std::string::npos) {
            return Status::user(ErrorCode::kInvalidValue,
                                fmt::format("event.time.format '{}' is not epoch_millis, epoch_seconds, iso8601 or a "
                                            "strftime pattern{}",
                                            format, bad.empty() ? "" : fmt::format(" (unknown conversion {})", bad)));
        }
        extractor.mode_ = Mode::kPattern;
        extractor.pattern_ = format;
    }
    return extractor;
}

void EventTimeExtractor::extract(types::Batch& batch, int fieldSlot, types::Vector& out) const {
    const types::Vector& column = batch.column(static_cast<size_t>(fieldSlot));
    int64_t* result = out.values<int64_t>();
    for (uint32_t row : batch.selection()) {
        if (column.isNull(row)) {
            batch.addError(row, ErrorCode::kDecodeError, fmt::format("event time field '{}' is missing or null", fieldName_));
            out.setNull(row);
            continue;
        }
        bool ok = true;
        switch (mode_) {
            case Mode::kTimestamp: result[row] = column.values<int64_t>()[row]; break;
            case Mode::kEpochMillis:
                ok = !__builtin_mul_overflow(column.values<int64_t>()[row], types::kMicrosPerMilli, &result[row]);
                break;
            case Mode::kEpochSeconds:
                ok = !__builtin_mul_overflow(column.values<int64_t>()[row], types::kMicrosPerSecond, &result[row]);
                break;
            case Mode::kIso8601:
                ok = types::parseTimestampIso(column.values<std::string_view>()[row], result[row]) ==
                     types::TimeParseStatus::kOk;
                break;
            case Mode::kPattern:
                ok = types::parseTimestampPattern(column.values<std::string_view>()[row], pattern_, result[row]) ==
                     types::TimeParseStatus::kOk;
                break;
        }
        if (!ok) {
            batch.addError(row, ErrorCode::kDecodeError,
                           fmt::format("event time field '{}' cannot be read as a time", fieldName_));
            out.setNull(row);
        }
    }
}

}  // namespace ferris::runtime
