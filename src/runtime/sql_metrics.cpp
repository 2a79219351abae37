#include "runtime/sql_metrics.h"

#include <fmt/format.h>

#include "codec/value_text.h"
#include "types/decimal.h"

namespace ferris::runtime {

using Type = plan::JobPlan::Metric::Type;

namespace {

double numberAt(const types::Vector& column, uint32_t row) {
    const types::DataType& type = column.type();
    switch (type.id()) {
        case types::TypeId::kBigint: return static_cast<double>(column.values<int64_t>()[row]);
        case types::TypeId::kDouble: return column.values<double>()[row];
        case types::TypeId::kDecimal:
            if (type.precision() <= 18) return types::decimalToDouble(column.values<int64_t>()[row], type.scale());
            return types::decimalToDouble(column.values<types::int128_t>()[row], type.scale());
        default: return 0;
    }
}

const char* typeName(Type type) {
    return type == Type::kCounter ? "counter" : type == Type::kGauge ? "gauge" : "histogram";
}

}  // namespace

Result<std::unique_ptr<SqlMetrics>> SqlMetrics::create(const plan::JobPlan& plan) {
    auto metrics = std::make_unique<SqlMetrics>();
    for (const auto& spec : plan.metrics) {
        auto metric = std::make_unique<Metric>();
        metric->spec = spec;
        if (spec.condition) {
            FERRIS_ASSIGN_OR_RETURN(metric->condition, expr::CompiledExpr::compile(spec.condition));
        }
        metric->help =
            spec.help.empty() ? fmt::format("SQL-defined {} of job {}", typeName(spec.type), plan.name) : spec.help;
        metrics->metrics_.push_back(std::move(metric));
    }
    return metrics;
}

SqlMetrics::Series& SqlMetrics::seriesOf(Metric& metric, const types::Batch& batch, uint32_t row) {
    const plan::JobPlan::Metric& spec = metric.spec;
    key_.clear();
    for (int slot : spec.labelSlots) {
        const types::Vector& column = batch.column(static_cast<size_t>(slot));
        if (column.isNull(row)) {
            key_ += "null";
        } else {
            char buffer[codec::kValueTextMaxChars];
            auto id = column.type().id();
            if (id == types::TypeId::kString || id == types::TypeId::kBytes) {
                key_ += column.values<std::string_view>()[row];
            } else {
                key_.append(buffer, codec::formatScalar(column, row, codec::TimestampFormat::kEpochMillis, buffer));
            }
        }
        key_ += '\x1f';
    }
    auto found = metric.series.find(key_);
    if (found == metric.series.end()) {
        Series series;
        size_t start = 0;
        for (size_t i = 0; i < spec.labelSlots.size(); ++i) {
            size_t end = key_.find('\x1f', start);
            series.labelValues.push_back(key_.substr(start, end - start));
            start = end + 1;
        }
        series.buckets.assign(spec.buckets.size() + 1, 0);
        found = metric.series.emplace(key_, std::move(series)).first;
    }
    return found->second;
}

void SqlMetrics::observeValue(const plan::JobPlan::Metric& spec, Series& series, const types::Batch& batch,
                              uint32_t row) {
    const types::Vector& field = batch.column(static_cast<size_t>(spec.fieldSlot));
    if (field.isNull(row)) return;  // a NULL observes nothing
    double value = numberAt(field, row);
    if (spec.type == Type::kGauge) {
        series.value = value;
        return;
    }
    size_t bucket = 0;
    while (bucket < spec.buckets.size() && value > spec.buckets[bucket]) ++bucket;
    series.buckets[bucket] += 1;
    series.sum += value;
    series.count += 1;
}

void SqlMetrics::observe(types::Batch& batch, int64_t now) {
    for (auto& metric : metrics_) {
        const plan::JobPlan::Metric& spec = metric->spec;
        std::span<const uint32_t> rows = batch.selection();
        if (metric->condition) {
            expr::EvalContext context(batch, now);
            std::vector<uint32_t> all(batch.selection().begin(), batch.selection().end());
            types::VectorPtr passed = metric->condition->eval(context, all);
            selected_.clear();
            expr::selectTrue(*passed, all, selected_);
            rows = selected_;
        }
        if (rows.empty()) continue;
        std::lock_guard lock(metric->mutex);
        if (spec.labelSlots.empty()) {
            // One series: found once per batch; a counter adds the batch's rows at once.
            Series& series = seriesOf(*metric, batch, rows[0]);
            if (spec.type == Type::kCounter) {
                series.value += static_cast<double>(rows.size());
                continue;
            }
            for (uint32_t row : rows) observeValue(spec, series, batch, row);
            continue;
        }
        for (uint32_t row : rows) {
            Series& series = seriesOf(*metric, batch, row);
            if (spec.type == Type::kCounter) {
                series.value += 1;
            } else {
                observeValue(spec, series, batch, row);
            }
        }
    }
}

void SqlMetrics::collect(const std::string& job, std::vector<MetricSample>& out) const {
    for (const auto& metric : metrics_) {
        const plan::JobPlan::Metric& spec = metric->spec;
        const char* type = typeName(spec.type);
        std::lock_guard lock(metric->mutex);
        for (const auto& [key, series] : metric->series) {
            std::string labels = fmt::format("job=\"{}\"", escapeLabel(job));
            for (size_t i = 0; i < spec.labels.size(); ++i) {
                labels += fmt::format(",{}=\"{}\"", spec.labels[i], escapeLabel(series.labelValues[i]));
            }
            if (spec.type != Type::kHistogram) {
                out.push_back({spec.name, type, metric->help.c_str(), labels, series.value});
                continue;
            }
            int64_t cumulative = 0;
            for (size_t bucket = 0; bucket <= spec.buckets.size(); ++bucket) {
                cumulative += series.buckets[bucket];
                std::string le = bucket < spec.buckets.size() ? fmt::format("{}", spec.buckets[bucket]) : "+Inf";
                out.push_back({spec.name, type, metric->help.c_str(), fmt::format("{},le=\"{}\"", labels, le),
                               static_cast<double>(cumulative), "_bucket"});
            }
            out.push_back({spec.name, type, metric->help.c_str(), labels, series.sum, "_sum"});
            out.push_back({spec.name, type, metric->help.c_str(), labels, static_cast<double>(series.count), "_count"});
        }
    }
}

SqlMetrics::Snapshot SqlMetrics::snapshot() const {
    Snapshot out;
    out.reserve(metrics_.size());
    for (const auto& metric : metrics_) {
        std::lock_guard lock(metric->mutex);
        out.push_back(metric->series);
    }
    return out;
}

void SqlMetrics::restore(const Snapshot& snapshot) {
    for (size_t i = 0; i < metrics_.size(); ++i) {
        std::lock_guard lock(metrics_[i]->mutex);
        if (i < snapshot.size()) {
            metrics_[i]->series = snapshot[i];
        } else {
            metrics_[i]->series.clear();  // before the first commit: nothing counted
        }
    }
}

}  // namespace ferris::runtime
