#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ferris {

/// Levenshtein distance between two names, compared case-insensitively.
size_t editDistance(std::string_view a, std::string_view b);

/// The candidate closest to `name` by edit distance, if one is close enough to be a
/// plausible misspelling (distance ≤ max(2, len/3)). Used for "did you mean" suggestions.
std::optional<std::string> closestName(std::string_view name, std::span<const std::string> candidates);

/// ", did you mean 'x'?" or "" — appended to unknown-name messages.
std::string didYouMean(std::string_view name, std::span<const std::string> candidates);

}  // namespace ferris
