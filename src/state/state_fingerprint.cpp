#include "state/state_fingerprint.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

namespace ferris::state {
namespace {

constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;
constexpr size_t kHexDigits = 16;

std::string describeExtra(const std::vector<std::string>& parts, size_t from,
                          std::string_view holder) {
    size_t extra = parts.size() - from;
    return fmt::format("the {} has {} more stateful operator{}, the first being `{}`", holder,
                       extra, extra == 1 ? "" : "s", parts[from]);
}

}  // namespace

StateFingerprint::StateFingerprint(const std::vector<std::string>& parts) {
    for (const std::string& part : parts) add(part);
}

void StateFingerprint::add(std::string part) {
    for (char& c : part) {
        if (c == '\n' || c == '\r') c = ' ';
    }
    parts_.push_back(std::move(part));
}

std::string StateFingerprint::canonicalText() const {
    std::string text;
    for (const std::string& part : parts_) {
        text += part;
        text.push_back('\n');
    }
    return text;
}

uint64_t StateFingerprint::hash() const {
    uint64_t hash = kFnvOffsetBasis;
    for (char c : canonicalText()) {
        hash ^= static_cast<uint8_t>(c);
        hash *= kFnvPrime;
    }
    return hash;
}

std::string StateFingerprint::hashHex() const { return fmt::format("{:016x}", hash()); }

std::string StateFingerprint::encode() const { return hashHex() + "\n" + canonicalText(); }

Result<StateFingerprint> StateFingerprint::decode(std::string_view encoded) {
    auto malformed = [&](std::string_view why) {
        return Status::ioError(fmt::format("malformed state fingerprint ({})", why));
    };
    if (encoded.size() < kHexDigits + 1 || encoded[kHexDigits] != '\n') {
        return malformed("expected 16 hex digits and a line break");
    }
    uint64_t stored = 0;
    std::string_view hex = encoded.substr(0, kHexDigits);
    auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), stored, 16);
    if (ec != std::errc() || end != hex.data() + hex.size()) return malformed("bad hash digits");
    std::string_view text = encoded.substr(kHexDigits + 1);
    if (!text.empty() && text.back() != '\n') return malformed("the last part is unterminated");
    StateFingerprint fingerprint;
    while (!text.empty()) {
        size_t lineEnd = text.find('\n');
        fingerprint.parts_.emplace_back(text.substr(0, lineEnd));
        text.remove_prefix(lineEnd + 1);
    }
    if (fingerprint.hash() != stored) return malformed("the hash does not match the parts");
    return fingerprint;
}

std::string StateFingerprint::describeDifference(const StateFingerprint& checkpoint,
                                                 const StateFingerprint& query) {
    const std::vector<std::string>& saved = checkpoint.parts_;
    const std::vector<std::string>& wanted = query.parts_;
    size_t common = std::min(saved.size(), wanted.size());
    for (size_t i = 0; i < common; ++i) {
        if (saved[i] != wanted[i]) {
            return fmt::format("stateful operator {}: the checkpoint has `{}`, the query has `{}`",
                               i + 1, saved[i], wanted[i]);
        }
    }
    if (wanted.size() > common) return describeExtra(wanted, common, "query");
    if (saved.size() > common) return describeExtra(saved, common, "checkpoint");
    return "";
}

}  // namespace ferris::state
