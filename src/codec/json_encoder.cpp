#include <cmath>
#include <cstring>

#include "codec/encoder.h"
#include "codec/value_text.h"
#include "common/base64.h"

namespace ferris::codec {

using types::Batch;
using types::DataType;
using types::TypeId;
using types::Vector;

void appendJsonString(std::string_view text, std::string& out) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    size_t runStart = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') [[likely]] continue;
        out.append(text.data() + runStart, i - runStart);
        runStart = i + 1;
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default: {
                char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
                out.append(escape, 6);
            }
        }
    }
    out.append(text.data() + runStart, text.size() - runStart);
    out += '"';
}

namespace {

void appendNested(const Vector& column, uint32_t row, TimestampFormat timestamps, std::string& out) {
    const DataType& type = column.type();
    if (type.id() == TypeId::kStruct) {
        out += '{';
        const auto& fields = type.fields();
        for (size_t i = 0; i < fields.size(); ++i) {
            if (i > 0) out += ',';
            appendJsonString(fields[i].name, out);
            out += ':';
            appendJsonValue(column.child(i), row, timestamps, out);
        }
        out += '}';
        return;
    }
    int32_t begin = column.offsets()[row];
    int32_t end = column.offsets()[row + 1];
    if (type.id() == TypeId::kArray) {
        out += '[';
        for (int32_t i = begin; i < end; ++i) {
            if (i > begin) out += ',';
            appendJsonValue(column.child(0), static_cast<uint32_t>(i), timestamps, out);
        }
        out += ']';
        return;
    }
    out += '{';
    for (int32_t i = begin; i < end; ++i) {
        if (i > begin) out += ',';
        appendJsonString(column.child(0).values<std::string_view>()[i], out);
        out += ':';
        appendJsonValue(column.child(1), static_cast<uint32_t>(i), timestamps, out);
    }
    out += '}';
}

}  // namespace

void appendJsonValue(const Vector& column, uint32_t row, TimestampFormat timestamps, std::string& out) {
    if (column.isNull(row)) {
        out += "null";
        return;
    }
    const DataType& type = column.type();
    char buffer[kValueTextMaxChars];
    switch (type.id()) {
        case TypeId::kString: appendJsonString(column.values<std::string_view>()[row], out); return;
        case TypeId::kBytes: {
            out += '"';
            base64Encode(column.values<std::string_view>()[row], out);
            out += '"';
            return;
        }
        case TypeId::kDouble: {
            double value = column.values<double>()[row];
            size_t size = formatScalar(column, row, timestamps, buffer);
            if (value != value || value == HUGE_VAL || value == -HUGE_VAL) {  // NaN, ±Infinity as strings
                out += '"';
                out.append(buffer, size);
                out += '"';
            } else {
                out.append(buffer, size);
            }
            return;
        }
        case TypeId::kDecimal:
        case TypeId::kDate: {
            out += '"';
            out.append(buffer, formatScalar(column, row, timestamps, buffer));
            out += '"';
            return;
        }
        case TypeId::kTimestamp: {
            size_t size = formatScalar(column, row, timestamps, buffer);
            if (timestamps == TimestampFormat::kIso8601) {
                out += '"';
                out.append(buffer, size);
                out += '"';
            } else {
                out.append(buffer, size);
            }
            return;
        }
        case TypeId::kArray:
        case TypeId::kMap:
        case TypeId::kStruct: appendNested(column, row, timestamps, out); return;
        default: out.append(buffer, formatScalar(column, row, timestamps, buffer)); return;
    }
}

namespace {

/// JSON objects with the output columns in order. Each column's `"name":` prefix is
/// escaped once, at construction.
class JsonEncoder final : public Encoder {
public:
    JsonEncoder(std::vector<EncodeColumn> columns, TimestampFormat timestamps)
        : columns_(std::move(columns)), timestamps_(timestamps) {
        for (size_t i = 0; i < columns_.size(); ++i) {
            std::string prefix = i == 0 ? "{" : ",";
            appendJsonString(columns_[i].name, prefix);
            prefix += ':';
            prefixes_.push_back(std::move(prefix));
        }
    }

    void encode(const Batch& batch, std::string& out) override {
        out.reserve(out.size() + batch.numSelected() * (columns_.size() * 16 + 2));
        for (uint32_t row : batch.selection()) {
            encodeRow(batch, row, out);
            out += '\n';
        }
    }

    void encodeRow(const Batch& batch, uint32_t row, std::string& out) override {
        if (columns_.empty()) {
            out += "{}";
            return;
        }
        for (size_t i = 0; i < columns_.size(); ++i) {
            out += prefixes_[i];
            appendJsonValue(batch.column(static_cast<size_t>(columns_[i].slot)), row, timestamps_, out);
        }
        out += '}';
    }

private:
    std::vector<EncodeColumn> columns_;
    TimestampFormat timestamps_;
    std::vector<std::string> prefixes_;
};

/// A table's changelog as JSON lines (§1.4.1 Changelogs): `{"_op":"upsert", <columns>}` and
/// `{"_op":"delete", <key columns>}`, by the batch's row kinds.
class JsonChangelogEncoder final : public Encoder {
public:
    JsonChangelogEncoder(std::vector<EncodeColumn> columns, std::vector<int> keyColumns, TimestampFormat timestamps)
        : columns_(std::move(columns)), keyColumns_(std::move(keyColumns)), timestamps_(timestamps) {
        for (const auto& column : columns_) {
            std::string prefix = ",";
            appendJsonString(column.name, prefix);
            prefix += ':';
            prefixes_.push_back(std::move(prefix));
        }
    }

    void encode(const Batch& batch, std::string& out) override {
        for (uint32_t row : batch.selection()) {
            encodeRow(batch, row, out);
            out += '\n';
        }
    }

    void encodeRow(const Batch& batch, uint32_t row, std::string& out) override {
        const auto& kinds = batch.rowKinds();
        bool isDelete = row < kinds.size() && kinds[row] == Batch::RowKind::kDelete;
        if (isDelete) {
            out += "{\"_op\":\"delete\"";
            for (int index : keyColumns_) append(batch, row, static_cast<size_t>(index), out);
        } else {
            out += "{\"_op\":\"upsert\"";
            for (size_t i = 0; i < columns_.size(); ++i) append(batch, row, i, out);
        }
        out += '}';
    }

private:
    void append(const Batch& batch, uint32_t row, size_t column, std::string& out) const {
        out += prefixes_[column];
        appendJsonValue(batch.column(static_cast<size_t>(columns_[column].slot)), row, timestamps_, out);
    }

    std::vector<EncodeColumn> columns_;
    std::vector<int> keyColumns_;
    TimestampFormat timestamps_;
    std::vector<std::string> prefixes_;
};

}  // namespace

Result<std::unique_ptr<Encoder>> makeJsonChangelogEncoder(std::vector<EncodeColumn> columns, std::vector<int> keyColumns,
                                                          TimestampFormat timestamps) {
    for (int index : keyColumns) {
        if (index < 0 || static_cast<size_t>(index) >= columns.size()) {
            return Status::internal("changelog key column out of range");
        }
    }
    return std::unique_ptr<Encoder>(
        std::make_unique<JsonChangelogEncoder>(std::move(columns), std::move(keyColumns), timestamps));
}

Result<std::unique_ptr<Encoder>> makeJsonEncoder(std::vector<EncodeColumn> columns, TimestampFormat timestamps) {
    return std::unique_ptr<Encoder>(std::make_unique<JsonEncoder>(std::move(columns), timestamps));
}

}  // namespace ferris::codec
