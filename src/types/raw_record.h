#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "types/batch.h"

namespace ferris::types {

/// A record as a connector hands it over, before decoding: views of its bytes plus where
/// it came from. The bytes live in buffers the RawBatch pins.
struct RawRecord {
    std::string_view value;
    std::string_view key;
    bool hasKey = false;
    bool valueIsNull = false;        ///< a Kafka tombstone
    int32_t partition = 0;
    int64_t offset = 0;              ///< Kafka offset, or byte offset in a file
    int64_t line = 0;                ///< 1-based line number (files), 0 otherwise
    int64_t timestampMicros = 0;     ///< Kafka record timestamp, 0 when absent
    uint32_t headerBegin = 0;        ///< headers: RawBatch::headers[headerBegin, headerEnd)
    uint32_t headerEnd = 0;
    /// Bytes readable past the end of `value` (simdjson needs SIMDJSON_PADDING of them).
    uint32_t paddingAfter = 0;
};

/// What a source's poll returns: records in order, their headers, and the buffers their
/// views point into (moved into the decoded batch's pins).
struct RawBatch {
    std::vector<RawRecord> records;
    std::vector<Header> headers;
    std::vector<std::shared_ptr<const void>> buffers;

    void clear() {
        records.clear();
        headers.clear();
        buffers.clear();
    }
};

}  // namespace ferris::types
