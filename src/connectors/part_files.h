#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace ferris::connectors {

/// Exactly-once file output (§2.2) is a directory of part files: `part-<epoch>.<ext>`, one per
/// commit that wrote something, written first as `part-<epoch>.<ext>.inprogress`. Epochs
/// count from 1 and are written with at least 10 digits.
namespace parts {

inline constexpr std::string_view kInProgress = ".inprogress";

/// `part-0000000042.jsonl` (`extension` without its dot; empty: none).
std::string name(uint64_t epoch, std::string_view extension);

/// The epoch of a part file's name, in progress or not; nullopt for any other name.
std::optional<uint64_t> epochOf(std::string_view name);

bool inProgress(std::string_view name);

/// The committed parts of `directory` (names, not paths), oldest epoch first.
Result<std::vector<std::string>> committed(const std::filesystem::path& directory);

}  // namespace parts

}  // namespace ferris::connectors
