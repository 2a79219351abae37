#include "codec/record_assembler.h"

#include "codec/value_text.h"

#include <algorithm>

namespace ferris::codec {

using types::Batch;
using types::TypeId;

void RecordAssembler::appendKey(const Batch& batch, uint32_t row, std::string& out) const {
    const auto& columns = layout_.keyColumns;
    if (columns.size() == 1) {
        // One column: its text — a string unquoted, a number as its JSON text, a DECIMAL in
        // plain notation with its scale, a TIMESTAMP as epoch ms; NULL stays in the key.
        const types::Vector& column = batch.column(static_cast<size_t>(columns[0].slot));
        TypeId id = column.type().id();
        if (layout_.keyFormat == KeyFormat::kJson) {
            appendJsonValue(column, row, TimestampFormat::kEpochMillis, out);
        } else if (column.isNull(row)) {
            out += "null";
        } else if (id == TypeId::kString || id == TypeId::kBytes) {
            out += column.values<std::string_view>()[row];
        } else if (column.type().isNested()) {
            appendJsonValue(column, row, TimestampFormat::kEpochMillis, out);
        } else {
            char buffer[kValueTextMaxChars];
            out.append(buffer, formatScalar(column, row, TimestampFormat::kEpochMillis, buffer));
        }
        return;
    }
    // Several: a compact JSON object in key order.
    out += '{';
    for (size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) out += ',';
        appendJsonString(columns[i].name, out);
        out += ':';
        appendJsonValue(batch.column(static_cast<size_t>(columns[i].slot)), row, TimestampFormat::kEpochMillis, out);
    }
    out += '}';
}

void RecordAssembler::applyHeaderOps(const Batch& batch, uint32_t row, size_t first, EncodedBatch& out) {
    for (const auto& op : layout_.headerOps) {
        const types::Vector& keys = batch.column(static_cast<size_t>(op.keySlot));
        if (keys.isNull(row)) continue;
        std::string_view key = keys.values<std::string_view>()[row];
        // Both replace every header with this key: SET_HEADER by one (key, value) at the end.
        auto end = std::remove_if(out.headers.begin() + static_cast<std::ptrdiff_t>(first), out.headers.end(),
                                  [&](const EncodedHeader& header) { return header.key == key; });
        out.headers.erase(end, out.headers.end());
        if (!op.set) continue;
        const types::Vector& values = batch.column(static_cast<size_t>(op.valueSlot));
        if (values.isNull(row)) {
            out.headers.push_back({key, {}, true});
        } else {
            out.headers.push_back({key, values.values<std::string_view>()[row], false});
        }
    }
}

void RecordAssembler::assemble(const Batch& batch, EncodedBatch& out) {
    size_t first = out.records.size();
    values_.encodeRecords(batch, out);
    const auto& kinds = batch.rowKinds();
    const auto& origin = batch.origin();
    bool keysFromInput = layout_.keyColumns.empty() && layout_.passKeys && !origin.hasKey.empty();
    bool headers = layout_.passHeaders && !origin.headerBegin.empty() && !origin.headers.empty();
    bool avroKeys = !layout_.keyColumns.empty() && layout_.keyEncoder;
    if (avroKeys) {
        keys_.clear();
        layout_.keyEncoder->encodeRecords(batch, keys_);
    }
    size_t index = first;
    for (uint32_t row : batch.selection()) {
        EncodedRecord& record = out.records[index++];
        if (row < kinds.size() && kinds[row] == Batch::RowKind::kDelete) record.valueIsNull = true;
        if (avroKeys) {
            const EncodedRecord& key = keys_.records[index - 1 - first];
            record.keyBegin = static_cast<uint32_t>(out.data.size());
            out.data.append(keys_.data, key.valueBegin, key.valueEnd - key.valueBegin);
            record.keyEnd = static_cast<uint32_t>(out.data.size());
            record.hasKey = true;
        } else if (!layout_.keyColumns.empty()) {
            record.keyBegin = static_cast<uint32_t>(out.data.size());
            appendKey(batch, row, out.data);
            record.keyEnd = static_cast<uint32_t>(out.data.size());
            record.hasKey = true;
        } else if (keysFromInput && origin.hasKey[row]) {
            record.keyBegin = static_cast<uint32_t>(out.data.size());
            out.data += origin.key[row];
            record.keyEnd = static_cast<uint32_t>(out.data.size());
            record.hasKey = true;
        }
        record.headerBegin = static_cast<uint32_t>(out.headers.size());
        if (headers) {
            for (uint32_t h = origin.headerBegin[row]; h < origin.headerBegin[row + 1]; ++h) {
                const types::Header& header = origin.headers[h];
                if (layout_.dropDlqHeaders && header.key.starts_with("ferris.")) continue;
                out.headers.push_back({header.key, header.value, header.valueIsNull});
            }
        }
        if (!layout_.headerOps.empty()) applyHeaderOps(batch, row, record.headerBegin, out);
        record.headerEnd = static_cast<uint32_t>(out.headers.size());
    }
}

}  // namespace ferris::codec
