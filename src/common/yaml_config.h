#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace ferris {

/// A YAML configuration file as dotted keys (§1.2): nested maps are flattened with '.'
/// (`kafka: {linger.ms: 5}` → `kafka.linger.ms`), `extends: base.yaml` (relative to the
/// file) is deep-merged under the file's own keys (a cycle is an error), and `${VAR}` /
/// `${VAR:default}` in values are replaced from the environment (an unset variable without a
/// default is an error). Scalars keep their text; lists are errors. Keys in file order,
/// the extended file's first. Errors name the file, line and column.
Result<std::vector<std::pair<std::string, std::string>>> loadYamlConfig(const std::filesystem::path& path);

}  // namespace ferris
