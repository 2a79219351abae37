#pragma once

#include <filesystem>
#include <vector>

#include "common/status.h"
#include "plan/plan.h"

namespace ferris::runtime {

/// Loads each declaration's `'<name>.config_file'` (§1.2: YAML relative to the SQL file,
/// with `extends` and `${VAR}`) and adds its keys where the declaration's WITH did not set
/// them (WITH wins). The added keys are validated like the others; their names say which
/// file they came from. Running it again adds nothing new.
std::vector<Status> expandConfigFiles(plan::AppPlan& app, const std::filesystem::path& baseDir);

}  // namespace ferris::runtime
