#include <simdjson.h>

#include <cstring>

#include <fmt/format.h>

#include "codec/decoder.h"
#include "codec/json_value_reader.h"

namespace ferris::codec {

using types::Batch;
using types::RawRecord;
using types::Vector;

namespace {

/// Decodes JSON objects with simdjson On-Demand. Fields are matched by comparing the raw
/// key bytes with the declared names, trying first the field that followed the previous
/// match (records of one topic or file nearly always share their field order), so a
/// record costs one comparison per field it carries.
class JsonDecoder final : public Decoder {
public:
    explicit JsonDecoder(std::vector<DecodeField> fields) : fields_(std::move(fields)) {}

    void decode(std::span<const RawRecord> records, Batch& batch) override {
        uint32_t rows = static_cast<uint32_t>(records.size());
        std::vector<Vector*> columns;
        for (const auto& field : fields_) {
            auto column = std::make_shared<Vector>(field.type, rows);
            if (batch.columns().size() <= static_cast<size_t>(field.slot)) {
                batch.columns().resize(static_cast<size_t>(field.slot) + 1);
            }
            batch.columns()[static_cast<size_t>(field.slot)] = column;
            columns.push_back(column.get());
        }
        std::vector<uint8_t> seen(fields_.size());
        std::string error;
        for (uint32_t row = 0; row < rows; ++row) {
            const RawRecord& record = records[row];
            std::fill(seen.begin(), seen.end(), 0);
            for (Vector* column : columns) {
                if (column->type().id() == types::TypeId::kArray || column->type().id() == types::TypeId::kMap) {
                    column->offsets()[row + 1] = column->offsets()[row];
                }
            }
            if (!decodeRecord(record, batch, columns, seen, row, error)) {
                batch.addError(row, ErrorCode::kDecodeError, std::move(error));
                error.clear();
                for (Vector* column : columns) column->setNull(row);
                continue;
            }
            for (size_t i = 0; i < fields_.size(); ++i) {
                if (!seen[i]) columns[i]->setNull(row);  // a missing field is NULL
            }
        }
    }

private:
    bool decodeRecord(const RawRecord& record, Batch& batch, const std::vector<Vector*>& columns,
                      std::vector<uint8_t>& seen, uint32_t row, std::string& error) {
        if (record.valueIsNull) {
            error = "the record has no value (null)";
            return false;
        }
        const char* data = record.value.data();
        size_t size = record.value.size();
        if (record.paddingAfter < simdjson::SIMDJSON_PADDING) {
            // Copied into the batch's arena, with padding: string views into the record
            // must live as long as the batch.
            char* copy = batch.arena().allocate(size + simdjson::SIMDJSON_PADDING);
            std::memcpy(copy, data, size);
            std::memset(copy + size, 0, simdjson::SIMDJSON_PADDING);
            data = copy;
        }
        simdjson::ondemand::document document;
        auto code = parser_.iterate(data, size, size + simdjson::SIMDJSON_PADDING).get(document);
        if (code != simdjson::SUCCESS) return malformed(code, error);
        simdjson::ondemand::object object;
        code = document.get_object().get(object);
        if (code != simdjson::SUCCESS) {
            error = code == simdjson::INCORRECT_TYPE ? "malformed JSON: the record is not a JSON object"
                                                     : fmt::format("malformed JSON: {}", simdjson::error_message(code));
            return false;
        }
        size_t expected = 0;
        for (auto field : object) {
            simdjson::ondemand::raw_json_string key;
            code = field.key().get(key);
            if (code != simdjson::SUCCESS) return malformed(code, error);
            int index = match(key, expected);
            if (index < 0) {
                // Unknown field: skipped (§1.4.1), but it must still be well-formed JSON.
                simdjson::ondemand::value skipped;
                code = field.value().get(skipped);
                if (code != simdjson::SUCCESS) return malformed(code, error);
                continue;
            }
            simdjson::ondemand::value value;
            code = field.value().get(value);
            if (code != simdjson::SUCCESS) return malformed(code, error);
            if (!readJsonValue(value, *columns[static_cast<size_t>(index)], row, batch.arena(), error)) {
                error = fmt::format("field '{}': {}", fields_[static_cast<size_t>(index)].name, error);
                return false;
            }
            seen[static_cast<size_t>(index)] = 1;
            expected = static_cast<size_t>(index) + 1;
        }
        const char* trailing = nullptr;
        if (document.current_location().get(trailing) != simdjson::OUT_OF_BOUNDS) {
            error = "malformed JSON: trailing content after the object";
            return false;
        }
        return true;
    }

    int match(simdjson::ondemand::raw_json_string key, size_t expected) const {
        if (expected < fields_.size() && key.unsafe_is_equal(fields_[expected].name)) {
            return static_cast<int>(expected);
        }
        for (size_t i = 0; i < fields_.size(); ++i) {
            if (i != expected && key.unsafe_is_equal(fields_[i].name)) return static_cast<int>(i);
        }
        return -1;
    }

    static bool malformed(simdjson::error_code code, std::string& error) {
        error = fmt::format("malformed JSON: {}", simdjson::error_message(code));
        return false;
    }

    std::vector<DecodeField> fields_;
    simdjson::ondemand::parser parser_;
};

}  // namespace

Result<std::unique_ptr<Decoder>> makeJsonDecoder(std::vector<DecodeField> fields) {
    return std::unique_ptr<Decoder>(std::make_unique<JsonDecoder>(std::move(fields)));
}

}  // namespace ferris::codec
