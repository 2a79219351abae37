#pragma once

#include <string>

#include "common/result.h"
#include "types/batch.h"
#include "types/schema.h"

namespace ferris::runtime {

/// Turns a source's event-time column (`event.time.field` in `event.time.format`) into the
/// `_event_time` system column. A missing, NULL or unparseable event time makes the record
/// bad, never time 0 (§1.4).
class EventTimeExtractor {
public:
    /// Checks the field exists and its type suits the format: TIMESTAMP (any format),
    /// BIGINT (epoch_millis, epoch_seconds), STRING (iso8601 or a strftime pattern).
    static Result<EventTimeExtractor> create(const types::Schema& schema, const std::string& field,
                                             const std::string& format);

    int fieldIndex() const { return fieldIndex_; }

    /// Fills `out` (a TIMESTAMP vector) for the selected rows from the field's column at
    /// `fieldSlot`; bad rows become batch errors.
    void extract(types::Batch& batch, int fieldSlot, types::Vector& out) const;

private:
    enum class Mode : uint8_t { kTimestamp, kEpochMillis, kEpochSeconds, kIso8601, kPattern };
    int fieldIndex_ = -1;
    std::string fieldName_;
    Mode mode_ = Mode::kEpochMillis;
    std::string pattern_;
};

}  // namespace ferris::runtime
