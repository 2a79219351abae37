#include "operators/row_codec.h"

#include <cstring>

#include <fmt/format.h>

#include "types/value_vector.h"

namespace ferris::operators {

using types::DataType;
using types::Vector;

void appendKeyBytes(const Vector& column, uint32_t row, std::string& out) {
    if (column.isNull(row)) {
        out += '\0';
        return;
    }
    out += '\1';
    const DataType& type = column.type();
    if (type.isStringLike()) {
        std::string_view text = column.values<std::string_view>()[row];
        auto length = static_cast<uint32_t>(text.size());
        out.append(reinterpret_cast<const char*>(&length), sizeof length);
        out += text;
        return;
    }
    size_t width = type.valueWidth();
    const char* bytes = reinterpret_cast<const char*>(column.values<uint8_t>()) + static_cast<size_t>(row) * width;
    out.append(bytes, width);
}

void appendValueBytes(const types::Value& value, const DataType& type, std::string& out) {
    Vector vector(type, 1);
    types::StringArena arena;
    types::writeValue(vector, 0, value, arena);
    appendKeyBytes(vector, 0, out);
}

Result<types::Value> readValueBytes(const DataType& type, std::string_view& bytes) {
    auto corrupt = [] { return Status::internal("corrupt value bytes in the checkpoint"); };
    Vector vector(type, 1);
    if (bytes.empty()) return corrupt();
    bool isNull = bytes[0] == '\0';
    bytes.remove_prefix(1);
    std::string text;
    if (isNull) {
        vector.setNull(0);
    } else if (type.isStringLike()) {
        uint32_t length = 0;
        if (bytes.size() < sizeof length) return corrupt();
        std::memcpy(&length, bytes.data(), sizeof length);
        bytes.remove_prefix(sizeof length);
        if (bytes.size() < length) return corrupt();
        text.assign(bytes.substr(0, length));
        bytes.remove_prefix(length);
        vector.setNotNull(0);
        vector.values<std::string_view>()[0] = text;
    } else {
        size_t width = type.valueWidth();
        if (bytes.size() < width) return corrupt();
        vector.setNotNull(0);
        std::memcpy(vector.values<uint8_t>(), bytes.data(), width);
        bytes.remove_prefix(width);
    }
    return types::readValue(vector, 0);
}

Result<std::vector<types::Value>> decodeKeyBytes(std::span<const DataType> types, std::string_view bytes) {
    std::vector<types::Value> values;
    for (const auto& type : types) {
        FERRIS_ASSIGN_OR_RETURN(auto value, readValueBytes(type, bytes));
        values.push_back(std::move(value));
    }
    if (!bytes.empty()) return Status::internal("corrupt key bytes in the checkpoint: trailing bytes");
    return values;
}

}  // namespace ferris::operators
