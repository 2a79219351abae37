#pragma once

// Kafka key formats (`<name>.key.format`), independent of the value format. Whatever the
// format, a source's `_key` column holds the key as §1.4.1 key text, so a key written by
// FerrisStreams in any format reads back as the same `_key`.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "codec/avro.h"

namespace ferris::codec {

enum class KeyFormat : uint8_t {
    kString,  ///< the key bytes are the key text (the default)
    kJson,    ///< a JSON document: a string's value, else its compact JSON
    kAvro,    ///< an Avro datum, Confluent-framed when a schema registry is used
};

/// `string`, `json` or `avro` (validated earlier: anything else reads as string).
KeyFormat keyFormatOf(std::string_view name);
const char* keyFormatName(KeyFormat format);

/// Turns a source record's key bytes into §1.4.1 key text (json and avro keys).
class KeyReader {
public:
    /// JSON keys: a JSON string reads as its value, any other document as its compact text
    /// (numbers keep their digits).
    static std::unique_ptr<KeyReader> json();
    /// Avro keys of one writer schema, or (framing) of the schema each key's id names.
    static std::unique_ptr<KeyReader> avro(AvroSchemaPtr writerSchema, bool confluentFraming,
                                           AvroSchemaResolver resolver);

    /// Appends the text of `key` to `out`; false with `error` set when the key is not valid
    /// in the format (`out` is then unchanged).
    bool appendText(std::string_view key, std::string& out, std::string& error);

private:
    KeyReader() = default;
    bool appendJson(std::string_view key, std::string& out, std::string& error);
    bool appendAvro(std::string_view key, std::string& out, std::string& error);

    KeyFormat format_ = KeyFormat::kString;
    AvroSchemaPtr writerSchema_;
    bool framing_ = false;
    AvroSchemaResolver resolver_;
    std::unordered_map<int32_t, AvroSchemaPtr> schemas_;  ///< by id, once resolved
    std::string scratch_;
};

}  // namespace ferris::codec
