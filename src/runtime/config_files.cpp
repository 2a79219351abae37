#include "runtime/config_files.h"

#include <fmt/format.h>

#include "common/yaml_config.h"

namespace ferris::runtime {

namespace {

Status expand(plan::ConnectorDecl& decl, const std::filesystem::path& baseDir) {
    const plan::Property* file = decl.properties.find("config_file");
    if (file == nullptr) return Status::ok();
    std::filesystem::path path(file->value);
    if (path.is_relative()) path = baseDir / path;
    if (!std::filesystem::is_regular_file(path)) {
        return Status::user(ErrorCode::kConfigError,
                            fmt::format("'{}': no such file {} (relative paths start at the SQL file's folder)",
                                        file->fullKey, file->value),
                            file->location);
    }
    auto entries = loadYamlConfig(path);
    if (!entries.isOk()) return entries.status().withLocation(file->location);
    SourceLocation at = file->location;
    std::string fileName = std::filesystem::path(file->value).filename().string();
    for (auto& [key, value] : entries.value()) {
        if (key == "config_file") {
            return Status::user(ErrorCode::kConfigError,
                                fmt::format("{}: a config file cannot name another with 'config_file' (use extends)",
                                            fileName),
                                at);
        }
        if (decl.properties.has(key)) continue;  // the WITH key wins
        decl.properties.add({key, value, fmt::format("{}.{} (in {})", decl.name, key, fileName), at});
    }
    return Status::ok();
}

}  // namespace

std::vector<Status> expandConfigFiles(plan::AppPlan& app, const std::filesystem::path& baseDir) {
    std::vector<Status> errors;
    auto run = [&](plan::ConnectorDecl& decl) {
        Status status = expand(decl, baseDir);
        if (!status.isOk()) errors.push_back(status);
    };
    for (auto& source : app.sources) run(source);
    for (auto& sink : app.declaredSinks) run(sink);
    for (auto& job : app.jobs) {
        // Sinks declared apart are reported once, above; a job's own sink here.
        size_t before = errors.size();
        run(job.sink);
        for (const auto& declared : app.declaredSinks) {
            if (declared.name == job.sink.name && errors.size() > before) errors.resize(before);
        }
    }
    return errors;
}

}  // namespace ferris::runtime
