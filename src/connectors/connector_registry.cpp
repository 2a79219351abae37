#include "connectors/connector_registry.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/closest_name.h"
#include "types/number_text.h"
#include "types/time.h"

namespace ferris::connectors {

ConnectorRegistry& ConnectorRegistry::global() {
    static ConnectorRegistry registry = [] {
        ConnectorRegistry r;
        registerFileConnectors(r);
        registerStdoutSink(r);
        registerKafkaConnectors(r);
        return r;
    }();
    return registry;
}

void ConnectorRegistry::add(ConnectorSpec spec) {
    FERRIS_CHECK(find(spec.type) == nullptr, "connector type registered twice: " + spec.type);
    specs_.push_back(std::move(spec));
}

void ConnectorRegistry::replace(ConnectorSpec spec) {
    for (auto& existing : specs_) {
        if (existing.type == spec.type) {
            existing = std::move(spec);
            return;
        }
    }
    specs_.push_back(std::move(spec));
}

const ConnectorSpec* ConnectorRegistry::find(std::string_view type) const {
    for (const auto& spec : specs_) {
        if (spec.type == type) return &spec;
    }
    return nullptr;
}

std::vector<std::string> ConnectorRegistry::types() const {
    std::vector<std::string> out;
    for (const auto& spec : specs_) out.push_back(spec.type);
    return out;
}

namespace {

Status checkValue(const OptionSpec& option, const plan::Property& property, const std::string& owner) {
    const std::string& value = property.value;
    auto bad = [&](std::string_view expected) {
        return Status::user(ErrorCode::kInvalidValue,
                            fmt::format("{}: '{}' = '{}' is not valid: expected {}", owner, property.fullKey, value,
                                        expected),
                            property.location);
    };
    switch (option.type) {
        case OptionType::kString:
        case OptionType::kPath:
            if (value.empty()) return bad("a non-empty value");
            return Status::ok();
        case OptionType::kInt: {
            int64_t number = 0;
            if (!types::parseInt64(value, number) || number < 0) return bad("a non-negative integer");
            return Status::ok();
        }
        case OptionType::kBool:
            if (value != "true" && value != "false") return bad("true or false");
            return Status::ok();
        case OptionType::kChar:
            if (value.size() != 1) return bad("a single character");
            return Status::ok();
        case OptionType::kDuration: {
            int64_t micros = 0;
            if (!types::parseDurationShorthand(value, micros)) return bad("a duration such as 500ms, 30s, 5m, 1h");
            return Status::ok();
        }
        case OptionType::kEnum: {
            for (const auto& allowed : option.allowed) {
                if (allowed == value) return Status::ok();
            }
            std::string list;
            for (size_t i = 0; i < option.allowed.size(); ++i) {
                if (i > 0) list += (i + 1 == option.allowed.size()) ? " or " : ", ";
                list += option.allowed[i];
            }
            return bad(list + didYouMean(value, option.allowed));
        }
    }
    return Status::ok();
}

}  // namespace

std::vector<Status> ConnectorRegistry::validate(const plan::ConnectorDecl& decl, ConnectorRole role) const {
    std::vector<Status> errors;
    const plan::Property* typeProperty = decl.properties.find("type");
    if (typeProperty == nullptr) {
        errors.push_back(Status::user(ErrorCode::kConfigError,
                                      fmt::format("'{}.type' is required: say which connector {} is ({})", decl.name,
                                                  decl.name, fmt::join(types(), ", ")),
                                      decl.location));
        return errors;
    }
    const std::string& type = typeProperty->value;
    const ConnectorSpec* spec = find(type);
    if (spec == nullptr) {
        auto known = types();
        errors.push_back(Status::user(ErrorCode::kInvalidValue,
                                      fmt::format("unknown connector type '{}' for '{}'{}", type,
                                                  typeProperty->fullKey, didYouMean(type, known)),
                                      typeProperty->location));
        return errors;
    }
    if (spec->role != role) {
        errors.push_back(Status::user(
            ErrorCode::kInvalidQuery,
            fmt::format("{} is a {} but is used as a {}", decl.name,
                        spec->role == ConnectorRole::kSource ? "source" : "sink",
                        role == ConnectorRole::kSource ? "source" : "sink"),
            typeProperty->location));
        return errors;
    }
    std::vector<std::string> keys;
    for (const auto& option : spec->options) {
        if (!option.key.ends_with(".*")) keys.push_back(decl.name + "." + option.key);
    }
    std::string owner = fmt::format("{} {}", type, decl.name);
    for (const auto& property : decl.properties.entries()) {
        if (property.key == "type") continue;
        const OptionSpec* option = nullptr;
        for (const auto& candidate : spec->options) {
            std::string_view key = candidate.key;
            bool prefix = key.ends_with(".*");
            if (prefix) key.remove_suffix(1);
            if (prefix ? property.key.starts_with(key) && property.key.size() > key.size() : key == property.key) {
                option = &candidate;
            }
        }
        if (option == nullptr) {
            errors.push_back(Status::user(ErrorCode::kUnknownKey,
                                          fmt::format("unknown key '{}' for {}{}", property.fullKey, owner,
                                                      didYouMean(property.fullKey, keys)),
                                          property.location));
            continue;
        }
        if (!option->notSupportedYet.empty()) {
            errors.push_back(Status::notSupported(fmt::format("'{}' ({})", property.fullKey, option->notSupportedYet),
                                                  property.location));
            continue;
        }
        if (!option->format.empty()) {
            bool applies = false;
            std::string named;
            for (const auto& formatKey : option->formatKeys) {
                std::string format = ConnectorRegistry::option(decl, *spec, formatKey);
                applies |= format == option->format;
                named += fmt::format("{}{} is '{}'", named.empty() ? "" : " and ", formatKey, format);
            }
            if (!applies) {
                errors.push_back(Status::user(ErrorCode::kConfigError,
                                              fmt::format("'{}' applies to {} '{}', but {}'s {}", property.fullKey,
                                                          fmt::join(option->formatKeys, " or "), option->format,
                                                          decl.name, named),
                                              property.location));
                continue;
            }
        }
        Status status = checkValue(*option, property, owner);
        if (status.isOk() && spec->checkOption) status = spec->checkOption(property, owner);
        if (!status.isOk()) errors.push_back(status);
    }
    if (spec->checkDecl && errors.empty()) {
        for (auto& error : spec->checkDecl(decl)) errors.push_back(std::move(error));
    }
    for (const auto& option : spec->options) {
        if (option.required && !decl.properties.has(option.key)) {
            errors.push_back(Status::user(ErrorCode::kConfigError,
                                          fmt::format("{} needs '{}.{}' ({})", owner, decl.name, option.key,
                                                      option.description),
                                          decl.location));
        }
    }
    return errors;
}

std::string ConnectorRegistry::option(const plan::ConnectorDecl& decl, const ConnectorSpec& spec,
                                      std::string_view key) {
    if (const plan::Property* property = decl.properties.find(key)) return property->value;
    for (const auto& option : spec.options) {
        if (option.key == key) return option.defaultValue;
    }
    return "";
}

}  // namespace ferris::connectors
