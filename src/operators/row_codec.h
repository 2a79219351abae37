#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "types/data_type.h"
#include "types/value.h"
#include "types/vector.h"

namespace ferris::operators {

// The canonical bytes of scalar values: group and partition keys (equal values, equal bytes)
// and the values held in checkpointed state. A NULL flag byte, then a string's length and
// bytes, or the value's fixed-width bytes. ARRAY, MAP and STRUCT have no such bytes.

/// Appends the value at `row` of `column`.
void appendKeyBytes(const types::Vector& column, uint32_t row, std::string& out);
/// Appends `value` (of `type`).
void appendValueBytes(const types::Value& value, const types::DataType& type, std::string& out);
/// Reads one value of `type` from the front of `bytes`, advancing it.
Result<types::Value> readValueBytes(const types::DataType& type, std::string_view& bytes);
/// Reads values of `types` that fill `bytes` exactly.
Result<std::vector<types::Value>> decodeKeyBytes(std::span<const types::DataType> types, std::string_view bytes);

// ---- Checkpointed state records: native-endian fields and length-prefixed bytes ----------

template <typename T>
void put(std::string& out, T value) {
    out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

inline void putBytes(std::string& out, std::string_view bytes) {
    put(out, static_cast<uint32_t>(bytes.size()));
    out += bytes;
}

/// Reads what put/putBytes wrote, front to back; every read says whether the bytes were there.
class Reader {
public:
    explicit Reader(std::string_view bytes) : rest_(bytes) {}
    template <typename T>
    bool get(T& value) {
        if (rest_.size() < sizeof value) return false;
        std::memcpy(&value, rest_.data(), sizeof value);
        rest_.remove_prefix(sizeof value);
        return true;
    }
    bool getBytes(std::string_view& bytes) {
        uint32_t size = 0;
        if (!get(size) || rest_.size() < size) return false;
        bytes = rest_.substr(0, size);
        rest_.remove_prefix(size);
        return true;
    }
    /// What is not read yet (readValueBytes consumes from it).
    std::string_view& rest() { return rest_; }
    bool atEnd() const { return rest_.empty(); }

private:
    std::string_view rest_;
};

}  // namespace ferris::operators
