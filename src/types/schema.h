#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "types/data_type.h"

namespace ferris::types {

/// The system columns of §1.3, in their fixed slot order after a source's user columns.
/// Never part of `SELECT *`; always selectable by name.
enum class SystemColumn : uint8_t {
    kTimestamp,       ///< `_timestamp`: the Kafka record timestamp
    kEventTime,       ///< `_event_time`
    kProcessingTime,  ///< `_processing_time`: the job clock at ingestion
    kOffset,          ///< `_offset`
    kPartition,       ///< `_partition`
    kTopic,           ///< `_topic`
    kKey,             ///< `_key`
    kWindowStart,     ///< `_window_start`
    kWindowEnd,       ///< `_window_end`
};
inline constexpr int kNumSystemColumns = 9;

std::string_view systemColumnName(SystemColumn column);
DataType systemColumnType(SystemColumn column);
/// Parses `_event_time` etc. (case-insensitive).
std::optional<SystemColumn> parseSystemColumn(std::string_view name);

/// A named, typed column of a schema.
struct Column {
    std::string name;
    DataType type;
};

/// The declared columns of a source or the output columns of a query.
class Schema {
public:
    Schema() = default;
    explicit Schema(std::vector<Column> columns) : columns_(std::move(columns)) {}

    const std::vector<Column>& columns() const { return columns_; }
    size_t size() const { return columns_.size(); }
    const Column& column(size_t index) const { return columns_[index]; }
    void add(Column column) { columns_.push_back(std::move(column)); }

    /// Index of a column by name, case-insensitive; -1 when absent.
    int indexOf(std::string_view name) const;
    std::vector<std::string> names() const;

    /// The slot of a system column for a source with this schema: user columns come first.
    size_t systemSlot(SystemColumn column) const { return columns_.size() + static_cast<size_t>(column); }
    /// User columns plus the system columns: the number of slots of a source batch.
    size_t numSlots() const { return columns_.size() + kNumSystemColumns; }

    /// Columns forming the primary key (declared tables), by index.
    const std::vector<int>& primaryKey() const { return primaryKey_; }
    void setPrimaryKey(std::vector<int> key) { primaryKey_ = std::move(key); }

private:
    std::vector<Column> columns_;
    std::vector<int> primaryKey_;
};

}  // namespace ferris::types
