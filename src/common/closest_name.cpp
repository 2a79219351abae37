#include "common/closest_name.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include <fmt/format.h>

namespace ferris {

size_t editDistance(std::string_view a, std::string_view b) {
    std::vector<size_t> previous(b.size() + 1);
    std::vector<size_t> current(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
            current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (same ? 0 : 1)});
        }
        std::swap(previous, current);
    }
    return previous[b.size()];
}

std::optional<std::string> closestName(std::string_view name, std::span<const std::string> candidates) {
    const std::string* best = nullptr;
    size_t bestDistance = 0;
    for (const auto& candidate : candidates) {
        size_t distance = editDistance(name, candidate);
        if (best == nullptr || distance < bestDistance) {
            best = &candidate;
            bestDistance = distance;
        }
    }
    if (best == nullptr) return std::nullopt;
    size_t limit = std::max<size_t>(2, name.size() / 3);
    if (bestDistance > limit) return std::nullopt;
    return *best;
}

std::string didYouMean(std::string_view name, std::span<const std::string> candidates) {
    auto best = closestName(name, candidates);
    if (!best) return "";
    return fmt::format(", did you mean '{}'?", *best);
}

}  // namespace ferris
