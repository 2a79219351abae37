#include "runtime/job_metrics.h"

#include <fmt/format.h>

namespace ferris::runtime {

int64_t JobMetrics::failedTotal() const {
    int64_t total = 0;
    for (const auto& count : failed) total += count.load(std::memory_order_relaxed);
    return total;
}

std::string JobMetrics::render(const std::string& job, const std::string& source, const std::string& sink) const {
    std::string out;
    out += fmt::format("ferris_records_in_total{{job=\"{}\",source=\"{}\"}} {}\n", job, source, recordsIn.load());
    out += fmt::format("ferris_records_out_total{{job=\"{}\",sink=\"{}\"}} {}\n", job, sink, recordsOut.load());
    out += fmt::format("ferris_bytes_in_total{{job=\"{}\",source=\"{}\"}} {}\n", job, source, bytesIn.load());
    out += fmt::format("ferris_dlq_records_total{{job=\"{}\"}} {}\n", job, dlqRecords.load());
    out += fmt::format("ferris_batches_total{{job=\"{}\"}} {}\n", job, batches.load());
    out += fmt::format("ferris_source_partitions_paused_total{{job=\"{}\",source=\"{}\"}} {}\n", job, source,
                       partitionsPaused.load());
    if (stateful) {
        out += fmt::format("ferris_late_records_total{{job=\"{}\",action=\"drop\"}} {}\n", job, lateDropped.load());
        out += fmt::format("ferris_late_records_total{{job=\"{}\",action=\"dead_letter\"}} {}\n", job,
                           lateDeadLettered.load());
        out += fmt::format("ferris_state_bytes{{job=\"{}\"}} {}\n", job, stateBytes.load());
        int64_t watermark = watermarkMicros.load();
        // Milliseconds since the epoch; absent (no line) until the watermark exists.
        if (watermark != INT64_MIN && watermark != INT64_MAX) {
            out += fmt::format("ferris_watermark_ms{{job=\"{}\"}} {}\n", job, watermark / 1000);
        }
    }
    for (size_t code = 0; code < kNumCodes; ++code) {
        int64_t count = failed[code].load();
        if (count == 0) continue;
        out += fmt::format("ferris_records_failed_total{{job=\"{}\",kind=\"{}\"}} {}\n", job,
                           errorCodeName(static_cast<ErrorCode>(code)), count);
    }
    return out;
}

}  // namespace ferris::runtime
