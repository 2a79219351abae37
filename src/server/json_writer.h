#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "codec/encoder.h"

namespace ferris::server {

/// Builds compact JSON text for REST responses: objects and arrays with commas placed for
/// the caller. Keys and strings are escaped.
class JsonWriter {
public:
    JsonWriter& beginObject() { return open('{'); }
    JsonWriter& endObject() { return close('}'); }
    JsonWriter& beginArray() { return open('['); }
    JsonWriter& endArray() { return close(']'); }

    JsonWriter& key(std::string_view name) {
        separate();
        codec::appendJsonString(name, out_);
        out_ += ':';
        afterKey_ = true;
        return *this;
    }
    JsonWriter& value(std::string_view text) {
        separate();
        codec::appendJsonString(text, out_);
        return *this;
    }
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(const std::string& text) { return value(std::string_view(text)); }
    JsonWriter& value(int64_t number) {
        separate();
        fmt::format_to(std::back_inserter(out_), "{}", number);
        return *this;
    }
    JsonWriter& value(int number) { return value(static_cast<int64_t>(number)); }
    JsonWriter& value(size_t number) { return value(static_cast<int64_t>(number)); }
    JsonWriter& value(double number) {
        separate();
        if (number != number || number > 1e308 || number < -1e308) {
            out_ += "null";
        } else {
            fmt::format_to(std::back_inserter(out_), "{}", number);
        }
        return *this;
    }
    JsonWriter& value(bool flag) {
        separate();
        out_ += flag ? "true" : "false";
        return *this;
    }
    JsonWriter& null() {
        separate();
        out_ += "null";
        return *this;
    }
    /// Inserts already-encoded JSON.
    JsonWriter& raw(std::string_view json) {
        separate();
        out_ += json;
        return *this;
    }
    template <typename T>
    JsonWriter& field(std::string_view name, const T& v) {
        key(name);
        return value(v);
    }

    const std::string& text() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    JsonWriter& open(char bracket) {
        separate();
        out_ += bracket;
        first_.push_back(true);
        return *this;
    }
    JsonWriter& close(char bracket) {
        out_ += bracket;
        first_.pop_back();
        return *this;
    }
    void separate() {
        if (afterKey_) {
            afterKey_ = false;
            return;
        }
        if (first_.empty()) return;
        if (!first_.back()) out_ += ',';
        first_.back() = false;
    }

    std::string out_;
    std::vector<bool> first_;
    bool afterKey_ = false;
};

}  // namespace ferris::server
