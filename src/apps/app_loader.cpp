#include "apps/app_loader.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sql/binder.h"
#include "sql/error_render.h"
#include "sql/parser.h"

namespace ferris::apps {

Result<LoadedApp> loadApp(const std::filesystem::path& path, std::vector<Status>& errors) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        Status status = Status::user(ErrorCode::kIoError, fmt::format("cannot read {}", path.string()));
        errors.push_back(status);
        return status;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    LoadedApp app;
    app.path = path;
    app.text = buffer.str();
    auto parsed = sql::parseApp(app.text);
    if (!parsed.isOk()) {
        errors.push_back(parsed.status());
        return parsed.status();
    }
    auto plan = sql::bindApp(parsed.value(), path.stem().string(), errors);
    if (!plan.isOk()) return plan.status();
    app.plan = std::move(plan).value();
    return app;
}

std::string renderErrors(const std::filesystem::path& path, const std::string& text,
                         const std::vector<Status>& errors) {
    std::string out;
    for (const auto& error : errors) {
        out += sql::renderErrorWithCaret(text, path.filename().string(), error);
        if (!out.empty() && out.back() != '\n') out += '\n';
    }
    return out;
}

}  // namespace ferris::apps
