#include "runtime/job_metrics.h"

#include <fmt/format.h>

#include <map>

namespace ferris::runtime {

int64_t JobMetrics::failedTotal() const {
    int64_t total = 0;
    for (const auto& count : failed) total += count.load(std::memory_order_relaxed);
    return total;
}

std::string escapeLabel(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

std::string renderPrometheus(const std::vector<MetricSample>& samples) {
    std::vector<std::string> order;
    std::map<std::string, std::vector<const MetricSample*>> families;
    for (const auto& sample : samples) {
        auto& members = families[sample.family];
        if (members.empty()) order.push_back(sample.family);
        members.push_back(&sample);
    }
    std::string out;
    for (const auto& family : order) {
        const auto& members = families[family];
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", family, members.front()->help, family,
                           members.front()->type);
        for (const MetricSample* sample : members) {
            out += family;
            if (!sample->labels.empty()) out += fmt::format("{{{}}}", sample->labels);
            out += fmt::format(" {}\n", sample->value);
        }
    }
    return out;
}

void JobMetrics::collect(const std::string& job, const std::string& source, const std::string& sink,
                         std::vector<MetricSample>& out) const {
    std::string j = fmt::format("job=\"{}\"", escapeLabel(job));
    std::string withSource = fmt::format("{},source=\"{}\"", j, escapeLabel(source));
    std::string withSink = fmt::format("{},sink=\"{}\"", j, escapeLabel(sink));
    auto add = [&](const char* family, const char* type, const char* help, const std::string& labels, double value) {
        out.push_back({family, type, help, labels, value});
    };
    auto count = [](const std::atomic<int64_t>& value) { return static_cast<double>(value.load()); };
    add("ferris_records_in_total", "counter", "Records read from the source.", withSource, count(recordsIn));
    add("ferris_records_out_total", "counter", "Records written to the sink.", withSink, count(recordsOut));
    add("ferris_bytes_in_total", "counter", "Record bytes read from the source.", withSource, count(bytesIn));
    add("ferris_dlq_records_total", "counter", "Records written to the dead-letter queue.", j, count(dlqRecords));
    add("ferris_batches_total", "counter", "Batches processed.", j, count(batches));
    add("ferris_source_partitions_paused_total", "counter",
        "Source partitions paused because the sink was busy (backpressure).", withSource, count(partitionsPaused));
    if (stateful) {
        add("ferris_late_records_total", "counter", "Records for windows already closed, by action.",
            j + ",action=\"drop\"", count(lateDropped));
        add("ferris_late_records_total", "counter", "Records for windows already closed, by action.",
            j + ",action=\"dead_letter\"", count(lateDeadLettered));
        add("ferris_state_bytes", "gauge", "Bytes of operator state held.", j, count(stateBytes));
        int64_t watermark = watermarkMicros.load();
        // Milliseconds since the epoch; absent until the watermark exists.
        if (watermark != INT64_MIN && watermark != INT64_MAX) {
            add("ferris_watermark_ms", "gauge", "The job's event-time watermark, epoch milliseconds.", j,
                static_cast<double>(watermark / 1000));
        }
    }
    for (size_t code = 0; code < kNumCodes; ++code) {
        int64_t value = failed[code].load();
        if (value == 0) continue;
        add("ferris_records_failed_total", "counter", "Records that failed, by error kind.",
            fmt::format("{},kind=\"{}\"", j, errorCodeName(static_cast<ErrorCode>(code))),
            static_cast<double>(value));
    }
}

std::string JobMetrics::render(const std::string& job, const std::string& source, const std::string& sink) const {
    std::vector<MetricSample> samples;
    collect(job, source, sink, samples);
    std::string out;
    for (const auto& sample : samples) {
        out += fmt::format("{}{{{}}} {}\n", sample.family, sample.labels, sample.value);
    }
    return out;
}

}  // namespace ferris::runtime
