#include "connectors/part_files.h"

#include <algorithm>

#include <fmt/format.h>

namespace ferris::connectors::parts {

namespace {
constexpr std::string_view kPrefix = "part-";
}  // namespace

std::string name(uint64_t epoch, std::string_view extension) {
    if (extension.empty()) return fmt::format("part-{:010}", epoch);
    return fmt::format("part-{:010}.{}", epoch, extension);
}

std::optional<uint64_t> epochOf(std::string_view name) {
    if (!name.starts_with(kPrefix)) return std::nullopt;
    size_t at = kPrefix.size();
    uint64_t epoch = 0;
    size_t digits = 0;
    for (; at < name.size() && name[at] >= '0' && name[at] <= '9' && digits < 19; ++at, ++digits) {
        epoch = epoch * 10 + static_cast<uint64_t>(name[at] - '0');
    }
    if (digits == 0 || (at < name.size() && name[at] != '.')) return std::nullopt;
    return epoch;
}

bool inProgress(std::string_view name) { return epochOf(name) && name.ends_with(kInProgress); }

Result<std::vector<std::string>> committed(const std::filesystem::path& directory) {
    std::error_code error;
    std::vector<std::pair<uint64_t, std::string>> found;
    for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
        std::string entry = it->path().filename().string();
        auto epoch = epochOf(entry);
        if (!epoch || inProgress(entry) || !it->is_regular_file()) continue;
        found.emplace_back(*epoch, std::move(entry));
    }
    if (error) {
        return Status::user(ErrorCode::kIoError,
                            fmt::format("cannot list {}: {}", directory.string(), error.message()));
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> names;
    names.reserve(found.size());
    for (auto& [epoch, entry] : found) names.push_back(std::move(entry));
    return names;
}

}  // namespace ferris::connectors::parts
