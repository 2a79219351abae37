#include "json_canonical.h"

#include <simdjson.h>

#include <cmath>

#include <fmt/format.h>

#include "codec/encoder.h"

namespace ferris::testing {

namespace {

void appendNumber(double value, std::string& out) {
    if (std::isfinite(value) && std::floor(value) == value && std::fabs(value) < 9.007199254740992e15) {
        out += fmt::format("{}", static_cast<int64_t>(value));
    } else {
        out += fmt::format("{}", value);
    }
}

bool write(simdjson::dom::element element, std::string& out) {
    switch (element.type()) {
        case simdjson::dom::element_type::OBJECT: {
            out += '{';
            bool first = true;
            simdjson::dom::object object = element.get_object().value_unsafe();
            for (auto field : object) {
                if (!first) out += ',';
                first = false;
                codec::appendJsonString(field.key, out);
                out += ':';
                if (!write(field.value, out)) return false;
            }
            out += '}';
            return true;
        }
        case simdjson::dom::element_type::ARRAY: {
            out += '[';
            bool first = true;
            simdjson::dom::array array = element.get_array().value_unsafe();
            for (auto item : array) {
                if (!first) out += ',';
                first = false;
                if (!write(item, out)) return false;
            }
            out += ']';
            return true;
        }
        case simdjson::dom::element_type::STRING:
            codec::appendJsonString(element.get_string().value_unsafe(), out);
            return true;
        case simdjson::dom::element_type::INT64: {
            out += std::to_string(element.get_int64().value_unsafe());
            return true;
        }
        case simdjson::dom::element_type::UINT64: out += std::to_string(element.get_uint64().value_unsafe()); return true;
        case simdjson::dom::element_type::DOUBLE: appendNumber(element.get_double().value_unsafe(), out); return true;
        case simdjson::dom::element_type::BOOL: out += element.get_bool().value_unsafe() ? "true" : "false"; return true;
        case simdjson::dom::element_type::NULL_VALUE: out += "null"; return true;
    }
    return false;
}

}  // namespace

bool canonicalJson(std::string_view text, std::string& out) {
    static thread_local simdjson::dom::parser parser;
    simdjson::padded_string padded(text);
    simdjson::dom::element element;
    if (parser.parse(padded).get(element) != simdjson::SUCCESS) return false;
    out.clear();
    return write(element, out);
}

}  // namespace ferris::testing
