#include "codec/key_format.h"

#include <simdjson.h>

#include <fmt/format.h>

namespace ferris::codec {

KeyFormat keyFormatOf(std::string_view name) {
    if (name == "json") return KeyFormat::kJson;
    if (name == "avro") return KeyFormat::kAvro;
    return KeyFormat::kString;
}

const char* keyFormatName(KeyFormat format) {
    switch (format) {
        case KeyFormat::kJson: return "json";
        case KeyFormat::kAvro: return "avro";
        case KeyFormat::kString: break;
    }
    return "string";
}

std::unique_ptr<KeyReader> KeyReader::json() {
    std::unique_ptr<KeyReader> reader(new KeyReader());
    reader->format_ = KeyFormat::kJson;
    return reader;
}

std::unique_ptr<KeyReader> KeyReader::avro(AvroSchemaPtr writerSchema, bool confluentFraming,
                                           AvroSchemaResolver resolver) {
    std::unique_ptr<KeyReader> reader(new KeyReader());
    reader->format_ = KeyFormat::kAvro;
    reader->writerSchema_ = std::move(writerSchema);
    reader->framing_ = confluentFraming;
    reader->resolver_ = std::move(resolver);
    return reader;
}

bool KeyReader::appendText(std::string_view key, std::string& out, std::string& error) {
    if (format_ == KeyFormat::kJson) return appendJson(key, out, error);
    if (format_ == KeyFormat::kAvro) return appendAvro(key, out, error);
    out += key;
    return true;
}

bool KeyReader::appendJson(std::string_view key, std::string& out, std::string& error) {
    // simdjson reads past the end: parse a padded copy.
    thread_local simdjson::dom::parser parser;
    auto document = parser.parse(key.data(), key.size(), /*realloc_if_needed=*/true);
    if (document.error() != simdjson::SUCCESS) {
        error = fmt::format("the key is not valid JSON: {}", simdjson::error_message(document.error()));
        return false;
    }
    if (document.value().is_string()) {
        out += std::string_view(document.value().get_string().value());
        return true;
    }
    // Whitespace removed from the text itself, so numbers keep their exact digits.
    scratch_.resize(key.size());
    size_t length = 0;
    if (simdjson::minify(key.data(), key.size(), scratch_.data(), length) != simdjson::SUCCESS) {
        error = "the key is not valid JSON";
        return false;
    }
    out.append(scratch_.data(), length);
    return true;
}

bool KeyReader::appendAvro(std::string_view key, std::string& out, std::string& error) {
    const AvroSchema* schema = writerSchema_.get();
    if (framing_) {
        if (key.size() < kConfluentHeaderSize || static_cast<uint8_t>(key[0]) != kConfluentMagicByte) {
            error = "the key is not Confluent-framed Avro (magic byte 0 and a 4-byte schema id)";
            return false;
        }
        uint32_t id = 0;
        for (size_t i = 1; i < kConfluentHeaderSize; ++i) id = (id << 8) | static_cast<uint8_t>(key[i]);
        auto found = schemas_.find(static_cast<int32_t>(id));
        if (found == schemas_.end()) {
            auto resolved = resolver_(static_cast<int32_t>(id));
            if (!resolved.isOk()) {
                // Not cached: a registry that was unreachable is asked again for the next key.
                error = fmt::format("key schema id {}: {}", id, resolved.status().message());
                return false;
            }
            found = schemas_.emplace(static_cast<int32_t>(id), std::move(resolved).value()).first;
        }
        schema = found->second.get();
        key.remove_prefix(kConfluentHeaderSize);
    }
    if (!appendAvroKeyText(*schema, key, out, error)) {
        error = "the key is not valid Avro: " + error;
        return false;
    }
    return true;
}

}  // namespace ferris::codec
