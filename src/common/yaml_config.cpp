#include "common/yaml_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fmt/format.h>

#include <algorithm>

namespace ferris {

namespace {

using Entries = std::vector<std::pair<std::string, std::string>>;

Status errorAt(const std::filesystem::path& path, const YAML::Mark& mark, const std::string& message) {
    if (mark.line < 0) return Status::user(ErrorCode::kConfigError, fmt::format("{}: {}", path.string(), message));
    return Status::user(ErrorCode::kConfigError,
                        fmt::format("{}:{}:{}: {}", path.string(), mark.line + 1, mark.column + 1, message));
}

/// `${VAR}` and `${VAR:default}` replaced from the environment.
Result<std::string> substitute(const std::filesystem::path& path, const YAML::Node& node, const std::string& key) {
    const std::string text = node.Scalar();
    std::string out;
    size_t at = 0;
    while (at < text.size()) {
        size_t start = text.find("${", at);
        if (start == std::string::npos) {
            out.append(text, at, std::string::npos);
            break;
        }
        out.append(text, at, start - at);
        size_t end = text.find('}', start);
        if (end == std::string::npos) {
            return errorAt(path, node.Mark(), fmt::format("key '{}': '${{' without a closing '}}'", key));
        }
        std::string inside = text.substr(start + 2, end - start - 2);
        size_t colon = inside.find(':');
        std::string name = inside.substr(0, colon);
        if (name.empty()) return errorAt(path, node.Mark(), fmt::format("key '{}': '${{}}' names no variable", key));
        const char* value = std::getenv(name.c_str());
        if (value != nullptr) {
            out += value;
        } else if (colon != std::string::npos) {
            out += inside.substr(colon + 1);
        } else {
            return errorAt(path, node.Mark(),
                           fmt::format("key '{}': environment variable {} is not set (give a default: ${{{}:value}})",
                                       key, name, name));
        }
        at = end + 1;
    }
    return out;
}

Status flatten(const std::filesystem::path& path, const YAML::Node& node, const std::string& prefix, Entries& out) {
    for (const auto& item : node) {
        std::string name = item.first.as<std::string>();
        std::string key = prefix.empty() ? name : prefix + "." + name;
        const YAML::Node& value = item.second;
        if (prefix.empty() && name == "extends") continue;
        if (value.IsMap()) {
            FERRIS_RETURN_IF_ERROR(flatten(path, value, key, out));
        } else if (value.IsScalar()) {
            FERRIS_ASSIGN_OR_RETURN(std::string text, substitute(path, value, key));
            out.emplace_back(key, std::move(text));
        } else if (value.IsNull()) {
            return errorAt(path, value.Mark(), fmt::format("key '{}' has no value", key));
        } else {
            return errorAt(path, value.Mark(),
                           fmt::format("key '{}' is a list: write the values as one comma-separated string", key));
        }
    }
    return Status::ok();
}

Result<Entries> load(const std::filesystem::path& path, std::vector<std::filesystem::path>& chain) {
    std::filesystem::path canonical = std::filesystem::weakly_canonical(path);
    if (std::find(chain.begin(), chain.end(), canonical) != chain.end()) {
        std::string cycle;
        for (const auto& file : chain) cycle += file.filename().string() + " → ";
        return Status::user(ErrorCode::kConfigError,
                            fmt::format("{}: 'extends' makes a cycle: {}{}", path.string(), cycle,
                                        canonical.filename().string()));
    }
    if (!std::filesystem::exists(path)) {
        return Status::user(ErrorCode::kConfigError, fmt::format("{}: no such file", path.string()));
    }
    YAML::Node root;
    try {
        root = YAML::LoadFile(path.string());
    } catch (const YAML::Exception& error) {
        return errorAt(path, error.mark, error.msg);
    }
    if (root.IsNull()) return Entries{};
    if (!root.IsMap()) return errorAt(path, root.Mark(), "a configuration file is a map of keys");
    Entries entries;
    chain.push_back(canonical);
    if (root["extends"]) {
        const YAML::Node& base = root["extends"];
        if (!base.IsScalar()) return errorAt(path, base.Mark(), "'extends' names one file");
        std::filesystem::path basePath(base.Scalar());
        if (basePath.is_relative()) basePath = path.parent_path() / basePath;
        FERRIS_ASSIGN_OR_RETURN(entries, load(basePath, chain));
    }
    chain.pop_back();
    Entries own;
    try {
        FERRIS_RETURN_IF_ERROR(flatten(path, root, "", own));
    } catch (const YAML::Exception& error) {
        return errorAt(path, error.mark, error.msg);
    }
    // Deep merge: the file's keys replace the base's.
    for (auto& entry : own) {
        auto found = std::find_if(entries.begin(), entries.end(),
                                  [&](const auto& existing) { return existing.first == entry.first; });
        if (found != entries.end()) {
            found->second = std::move(entry.second);
        } else {
            entries.push_back(std::move(entry));
        }
    }
    return entries;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> loadYamlConfig(const std::filesystem::path& path) {
    std::vector<std::filesystem::path> chain;
    return load(path, chain);
}

}  // namespace ferris
