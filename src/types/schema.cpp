#include "types/schema.h"

#include <strings.h>

namespace ferris::types {

namespace {
constexpr std::string_view kSystemNames[kNumSystemColumns] = {
    "_timestamp", "_event_time", "_processing_time", "_offset", "_partition",
    "_topic",     "_key",        "_window_start",    "_window_end"};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}
}  // namespace

std::string_view systemColumnName(SystemColumn column) {
    return kSystemNames[static_cast<int>(column)];
}

DataType systemColumnType(SystemColumn column) {
    switch (column) {
        case SystemColumn::kTimestamp:
        case SystemColumn::kEventTime:
        case SystemColumn::kProcessingTime:
        case SystemColumn::kWindowStart:
        case SystemColumn::kWindowEnd: return DataType::timestamp();
        case SystemColumn::kOffset:
        case SystemColumn::kPartition: return DataType::bigint();
        case SystemColumn::kTopic:
        case SystemColumn::kKey: return DataType::string();
    }
    return DataType::null();
}

std::optional<SystemColumn> parseSystemColumn(std::string_view name) {
    for (int i = 0; i < kNumSystemColumns; ++i) {
        if (equalsIgnoreCase(name, kSystemNames[i])) return static_cast<SystemColumn>(i);
    }
    return std::nullopt;
}

int Schema::indexOf(std::string_view name) const {
    for (size_t i = 0; i < columns_.size(); ++i) {
        if (equalsIgnoreCase(columns_[i].name, name)) return static_cast<int>(i);
    }
    return -1;
}

std::vector<std::string> Schema::names() const {
    std::vector<std::string> out;
    out.reserve(columns_.size());
    for (const auto& column : columns_) out.push_back(column.name);
    return out;
}

}  // namespace ferris::types
