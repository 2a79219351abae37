#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "common/result.h"
#include "plan/plan.h"

namespace ferris::apps {

/// A SQL application read, parsed and bound, with everything needed to report errors
/// against its text.
struct LoadedApp {
    std::filesystem::path path;
    std::string text;
    plan::AppPlan plan;
};

/// Reads, parses and binds `path`. Errors (every one found) are appended to `errors`.
Result<LoadedApp> loadApp(const std::filesystem::path& path, std::vector<Status>& errors);

/// Renders errors about an app for stderr: `file:line:col: message`, the line, a caret.
std::string renderErrors(const std::filesystem::path& path, const std::string& text,
                         const std::vector<Status>& errors);

}  // namespace ferris::apps
