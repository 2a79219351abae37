// ferris-docgen: writes the reference pages generated from the registries (functions,
// connector and job keys), so docs and code cannot drift. `--check DIR` compares instead
// (a CTest test), `--write DIR` regenerates (`make docs`).

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "connectors/connector_registry.h"
#include "expr/function_registry.h"
#include "runtime/app_runner.h"
#include "runtime/job_config.h"

namespace {

using namespace ferris;

std::string cell(std::string text) {
    std::string out;
    for (char c : text) {
        if (c == '|') {
            out += "\\|";
        } else {
            out += c;
        }
    }
    return out;
}

std::string functionsPage() {
    std::string out =
        "# Functions\n\n"
        "Generated from the function registry (`ferris-docgen`); `SHOW FUNCTIONS` lists the same\n"
        "entries. Unless a description says otherwise, a NULL argument gives NULL.\n";
    std::map<std::string, std::vector<const expr::FunctionEntry*>> byCategory;
    for (const auto* entry : expr::FunctionRegistry::builtins().entries()) {
        if (!entry->isOperator) byCategory[entry->category].push_back(entry);
    }
    for (const auto& [category, entries] : byCategory) {
        out += fmt::format("\n## {}\n\n| function | signatures | description |\n|---|---|---|\n", category);
        for (const auto* entry : entries) {
            std::string names = entry->name;
            for (const auto& alias : entry->aliases) names += ", " + alias;
            std::string signatures;
            for (size_t i = 0; i < entry->signatures.size(); ++i) {
                if (i > 0) signatures += "<br>";
                signatures += "`" + cell(entry->signatures[i]) + "`";
            }
            out += fmt::format("| {} | {} | {} |\n", names, signatures, cell(entry->description));
        }
    }
    out += "\nAnalytic functions with OVER (ROW_NUMBER, RANK, DENSE_RANK, LAG, LEAD, and aggregates over a\n"
           "frame) are not supported yet: a query using one is rejected with `not supported yet`.\n";
    return out;
}

std::string typeName(connectors::OptionType type) {
    switch (type) {
        case connectors::OptionType::kString: return "string";
        case connectors::OptionType::kPath: return "path";
        case connectors::OptionType::kInt: return "integer";
        case connectors::OptionType::kBool: return "true/false";
        case connectors::OptionType::kEnum: return "one of";
        case connectors::OptionType::kChar: return "character";
        case connectors::OptionType::kDuration: return "duration";
    }
    return "?";
}

std::string keysPage() {
    std::string out =
        "# Configuration keys\n\n"
        "Generated from the connector registry and the job-key table (`ferris-docgen`). Every key is\n"
        "validated: an unknown or misspelt key, or a bad value, is an error at `validate` time that\n"
        "names the key and the closest valid one.\n\n"
        "## Job-level keys\n\n"
        "Written unprefixed in a job's `WITH`, or as annotations (`@batch_size: 500`).\n\n"
        "| key | default | description |\n|---|---|---|\n";
    for (const auto& key : runtime::jobKeyInfo()) {
        std::string description = key.description;
        if (!key.notSupportedYet.empty()) description += fmt::format(" — *not supported yet* ({})", key.notSupportedYet);
        out += fmt::format("| `{}` | {} | {} |\n", key.name, key.defaultValue.empty() ? "—" : "`" + key.defaultValue + "`",
                           cell(description));
    }
    const auto& registry = connectors::ConnectorRegistry::global();
    for (const auto& type : registry.types()) {
        const auto* spec = registry.find(type);
        out += fmt::format("\n## `{}`\n\n{}.\n\n", type, spec->description);
        out += fmt::format("Keys are written `'<name>.<key>'`; `'<name>.type' = '{}'` is required.\n\n", type);
        out += "| key | value | default | description |\n|---|---|---|---|\n";
        for (const auto& option : spec->options) {
            std::string value = typeName(option.type);
            if (option.type == connectors::OptionType::kEnum) {
                value = "";
                for (size_t i = 0; i < option.allowed.size(); ++i) value += (i ? ", " : "") + ("`" + option.allowed[i] + "`");
            }
            std::string description = option.description;
            if (option.required) description += " (required)";
            if (!option.notSupportedYet.empty()) description += fmt::format(" — *not supported yet* ({})", option.notSupportedYet);
            out += fmt::format("| `{}` | {} | {} | {} |\n", option.key, value,
                               option.defaultValue.empty() ? "—" : "`" + cell(option.defaultValue) + "`",
                               cell(description));
        }
    }
    out += "\nKafka connectors: the `kafka.*` keys (and the shorthands listed) go to librdkafka, which\n"
           "checks them at validation; see [kafka.md](kafka.md) for formats, keys, bounded sources, the DLQ topic\n"
           "and delivery.\n";
    return out;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "--list-functions") == 0) {
        // The names SHOW FUNCTIONS prints, one per line, aliases included.
        plan::AppPlan app;
        plan::Command show{plan::Command::Kind::kShowFunctions, "", {}};
        auto output = runtime::executeCommand(app, show);
        for (const auto& row : output.rows) std::printf("%s\n", row[0].c_str());
        return 0;
    }
    if (argc != 3 || (std::strcmp(argv[1], "--check") != 0 && std::strcmp(argv[1], "--write") != 0)) {
        std::fprintf(stderr, "usage: ferris-docgen --check|--write DOCS_DIR\n");
        return 2;
    }
    bool check = std::strcmp(argv[1], "--check") == 0;
    std::string dir = argv[2];
    std::pair<std::string, std::string> pages[] = {{dir + "/functions.md", functionsPage()},
                                                   {dir + "/configuration.md", keysPage()}};
    int stale = 0;
    for (const auto& [path, content] : pages) {
        if (check) {
            if (readFile(path) != content) {
                std::fprintf(stderr, "%s is out of date with the registries: run `make docs`\n", path.c_str());
                ++stale;
            }
        } else {
            std::ofstream out(path);
            out << content;
        }
    }
    return stale == 0 ? 0 : 1;
}
