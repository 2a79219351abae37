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

double Histogram::quantile(double fraction) const {
    int64_t total = count_.load();
    if (total == 0) return 0;
    auto rank = static_cast<int64_t>(fraction * static_cast<double>(total));
    int64_t seen = 0;
    for (size_t bucket = 0; bucket < counts_.size(); ++bucket) {
        seen += counts_[bucket].load();
        if (seen > rank || seen == total) return bucket < bounds_.size() ? bounds_[bucket] : bounds_.back();
    }
    return bounds_.back();
}

void Histogram::collect(const char* family, const char* help, const std::string& labels,
                        std::vector<MetricSample>& out) const {
    int64_t cumulative = 0;
    for (size_t bucket = 0; bucket <= bounds_.size(); ++bucket) {
        cumulative += counts_[bucket].load(std::memory_order_relaxed);
        std::string le = bucket < bounds_.size() ? fmt::format("{}", bounds_[bucket]) : "+Inf";
        out.push_back({family, "histogram", help, fmt::format("{},le=\"{}\"", labels, le),
                       static_cast<double>(cumulative), "_bucket"});
    }
    out.push_back({family, "histogram", help, labels, sum_.load(), "_sum"});
    out.push_back({family, "histogram", help, labels, static_cast<double>(count_.load()), "_count"});
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
            out += sample->suffix;
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
    if (transactional) {
        add("ferris_transactions_total", "counter", "Kafka transactions, by outcome.", j + ",outcome=\"committed\"",
            count(transactionsCommitted));
        add("ferris_transactions_total", "counter", "Kafka transactions, by outcome.", j + ",outcome=\"aborted\"",
            count(transactionsAborted));
    }
    if (retries) {
        add("ferris_delivery_retries_total", "counter",
            "Output records sent again after their delivery failed (retry_with_backoff).", withSink,
            count(deliveryRetries));
    }
    if (breaker) {
        add("ferris_circuit_breaker_state", "gauge",
            "The sink's circuit breaker: 0 closed, 1 open, 2 half-open.", withSink,
            static_cast<double>(breakerState.load()));
        add("ferris_circuit_breaker_opened_total", "counter",
            "Times the sink's circuit breaker opened.", withSink, count(breakerOpened));
    }
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
            int64_t delay = watermarkDelayMicros.load();
            if (delay >= 0) {
                add("ferris_watermark_delay_seconds", "gauge", "How far the watermark is behind the job clock.", j,
                    static_cast<double>(delay) / 1e6);
            }
        }
    }
    if (int64_t size = adaptiveBatchSize.load(); size > 0) {
        add("ferris_adaptive_batch_size", "gauge",
            "batch.strategy adaptive: the records the next batch closes at, steered toward "
            "batch.target.latency.",
            j, static_cast<double>(size));
    }
    batchRecords.collect("ferris_batch_records", "Records per batch.", j, out);
    processingSeconds.collect("ferris_processing_latency_seconds",
                              "Seconds from a batch being read to its output reaching the sink.", j, out);
    if (endToEndSeconds.count() > 0) {
        endToEndSeconds.collect("ferris_end_to_end_latency_seconds",
                                "Seconds from each record's timestamp to its output reaching the sink.", j, out);
    }
    {
        std::lock_guard lock(lagMutex);
        for (const auto& [partition, behind] : lag) {
            add("ferris_consumer_lag_records", "gauge", "Records behind the end of each source partition.",
                fmt::format("{},partition=\"{}\"", withSource, partition), static_cast<double>(behind));
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
        out += fmt::format("{}{}{{{}}} {}\n", sample.family, sample.suffix, sample.labels, sample.value);
    }
    return out;
}

}  // namespace ferris::runtime
