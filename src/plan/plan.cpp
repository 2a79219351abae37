#include "plan/plan.h"

#include <fmt/format.h>
#include <strings.h>

namespace ferris::plan {

const Property* PropertyList::find(std::string_view key) const {
    // The last one written wins; duplicates are reported by the binder.
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
        if (it->key == key) return &*it;
    }
    return nullptr;
}

std::string PropertyList::get(std::string_view key, std::string_view fallback) const {
    const Property* property = find(key);
    return property ? property->value : std::string(fallback);
}

const ConnectorDecl* AppPlan::findSource(std::string_view name) const {
    for (const auto& source : sources) {
        if (source.name == name) return &source;
    }
    return nullptr;
}

std::string explainJob(const JobPlan& job) {
    std::string out = fmt::format("job {}\n", job.name);
    std::string columns;
    for (int index : job.source.columns) {
        if (!columns.empty()) columns += ", ";
        columns += job.source.schema.column(static_cast<size_t>(index)).name;
    }
    for (auto system : job.source.systemColumns) {
        if (!columns.empty()) columns += ", ";
        columns += types::systemColumnName(system);
    }
    out += fmt::format("  source {} (reads: {})\n", job.source.source, columns.empty() ? "-" : columns);
    for (const auto& node : job.operators) {
        switch (node.kind) {
            case OperatorKind::kFilter: out += fmt::format("  filter {}\n", node.predicate->toString()); break;
            case OperatorKind::kProject: {
                out += "  project ";
                for (size_t i = 0; i < node.exprs.size(); ++i) {
                    if (i > 0) out += ", ";
                    out += fmt::format("{} AS {}", node.exprs[i]->toString(),
                                       i < job.output.size() ? job.output.column(i).name : "?");
                }
                out += "\n";
                break;
            }
            case OperatorKind::kLimit: out += fmt::format("  limit {}\n", node.limit); break;
            case OperatorKind::kOver: {
                const OverNode& over = *node.over;
                std::string keys;
                for (size_t i = 0; i < over.partitionKeys.size(); ++i) {
                    if (i > 0) keys += ", ";
                    keys += over.partitionKeys[i]->toString();
                }
                std::string calls;
                for (size_t i = 0; i < over.calls.size(); ++i) {
                    if (i > 0) calls += ", ";
                    calls += over.calls[i].text;
                }
                out += fmt::format("  over [{}] partition by ({}) order by slot {}\n", calls, keys, over.timeSlot);
                break;
            }
            case OperatorKind::kAggregate: {
                const AggregateNode& aggregate = *node.aggregate;
                std::string keys;
                for (size_t i = 0; i < aggregate.keys.size(); ++i) {
                    if (i > 0) keys += ", ";
                    keys += aggregate.keys[i]->toString();
                }
                std::string calls;
                for (size_t i = 0; i < aggregate.aggregates.size(); ++i) {
                    if (i > 0) calls += ", ";
                    calls += aggregate.aggregates[i].text;
                }
                static constexpr const char* kWindows[] = {"", "tumbling", "sliding", "session"};
                std::string window;
                if (aggregate.window.kind != WindowKind::kNone) {
                    window = fmt::format(" window {}({}{})", kWindows[static_cast<int>(aggregate.window.kind)],
                                         aggregate.window.processingTime ? "_processing_time, " : "",
                                         aggregate.window.kind == WindowKind::kSession
                                             ? fmt::format("gap {}us", aggregate.window.gapMicros)
                                             : fmt::format("size {}us{}", aggregate.window.sizeMicros,
                                                           aggregate.window.kind == WindowKind::kSliding
                                                               ? fmt::format(", advance {}us",
                                                                             aggregate.window.advanceMicros)
                                                               : ""));
                }
                out += fmt::format("  aggregate [{}] by ({}){} emit {}{}\n", calls, keys, window,
                                   aggregate.emit == EmitMode::kFinal ? "final" : "changes",
                                   aggregate.having ? fmt::format(" having {}", aggregate.having->toString()) : "");
                break;
            }
        }
    }
    std::string output;
    for (const auto& column : job.output.columns()) {
        if (!output.empty()) output += ", ";
        output += fmt::format("{} {}", column.name, column.type.toString());
    }
    out += fmt::format("  sink {} ({}) [{}]\n", job.sink.name, job.sink.properties.get("type"), output);
    if (!job.keyColumns.empty()) {
        std::string key;
        for (int index : job.keyColumns) {
            if (!key.empty()) key += ", ";
            key += job.output.column(static_cast<size_t>(index)).name;
        }
        out += fmt::format("  key ({})\n", key);
    }
    return out;
}

}  // namespace ferris::plan
