#include "state/changelog_record.h"

namespace ferris::state::changelog {

void appendKey(StoreId store, std::string_view key, std::string& out) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((store >> shift) & 0xFF));
    out.append(key);
}

void appendValue(std::string_view value, std::string& out) {
    out.push_back(kValueTag);
    out.append(value);
}

std::optional<Decoded> decode(std::string_view recordKey,
                              std::optional<std::string_view> recordValue) {
    if (recordKey.size() < 4) return std::nullopt;
    Decoded out;
    for (int i = 0; i < 4; ++i)
        out.store = (out.store << 8) | static_cast<uint8_t>(recordKey[static_cast<size_t>(i)]);
    out.key = recordKey.substr(4);
    if (recordValue) {
        if (recordValue->empty() || recordValue->front() != kValueTag) return std::nullopt;
        out.value = recordValue->substr(1);
    }
    return out;
}

}  // namespace ferris::state::changelog
