#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "state/change_set.h"

namespace ferris::state {

/// How a keyed-state change is written as a changelog topic record (DESIGN.md §2.2):
///
/// - key: the store id (4 bytes, big-endian), then the state key's bytes;
/// - value: kValueTag, then the state value's bytes — or no value at all (a tombstone) for an
///   erase, so that compaction drops the key.
///
/// The tag keeps an empty state value apart from a tombstone. Store kMetaStore holds the
/// job's own entries: the watermark tracker, its counters, the state fingerprint.
namespace changelog {

inline constexpr StoreId kMetaStore = 0xFFFFFFFFu;
inline constexpr char kValueTag = 0x01;

/// Appends the record key of (store, key) to `out`.
void appendKey(StoreId store, std::string_view key, std::string& out);
/// Appends the record value of `value` to `out`.
void appendValue(std::string_view value, std::string& out);

struct Decoded {
    StoreId store = 0;
    std::string_view key;
    std::optional<std::string_view> value;  ///< nullopt: an erase (tombstone)
};
/// Reads a record; nullopt when its key is shorter than a store id or its value lacks the tag.
std::optional<Decoded> decode(std::string_view recordKey,
                              std::optional<std::string_view> recordValue);

}  // namespace changelog
}  // namespace ferris::state
