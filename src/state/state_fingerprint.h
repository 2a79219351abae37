#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferris::state {

/// The state layout a job's checkpoint was written for: one human-readable part per stateful
/// operator, in plan order (key types, window, aggregate/OVER functions and argument types —
/// DESIGN.md §2.2). Two fingerprints match when their parts are equal. The encoded form,
/// stored in the MANIFEST, carries a 64-bit FNV-1a hash for a quick comparison and the
/// parts themselves, so a mismatch can be explained.
class StateFingerprint {
public:
    StateFingerprint() = default;
    explicit StateFingerprint(const std::vector<std::string>& parts);

    /// Appends a part; line breaks in it become spaces (parts are stored one per line).
    void add(std::string part);
    const std::vector<std::string>& parts() const { return parts_; }

    /// Each part followed by '\n': the text the hash covers.
    std::string canonicalText() const;
    /// 64-bit FNV-1a of canonicalText().
    uint64_t hash() const;
    /// The hash as 16 lower-case hex digits.
    std::string hashHex() const;

    /// "<16 hex digits>\n" followed by canonicalText(): the MANIFEST's `fingerprint`.
    std::string encode() const;
    /// Parses encode()'s output; an error when it is malformed or its hash does not match.
    static Result<StateFingerprint> decode(std::string_view encoded);

    bool operator==(const StateFingerprint& other) const { return parts_ == other.parts_; }

    /// What differs, for the message "the checkpoint in <dir> was written by a different
    /// query (<what differs>)": the first differing part, or the extra parts; empty when the
    /// fingerprints match.
    static std::string describeDifference(const StateFingerprint& checkpoint,
                                          const StateFingerprint& query);

private:
    std::vector<std::string> parts_;
};

}  // namespace ferris::state
