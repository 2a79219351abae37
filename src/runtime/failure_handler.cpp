#include "runtime/failure_handler.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "codec/encoder.h"
#include "common/base64.h"
#include "common/log.h"
#include "types/number_text.h"

namespace ferris::runtime {

namespace {
constexpr int64_t kLogFirst = 100;  ///< bad records logged one by one before only counting

bool isValidUtf8(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
        auto c = static_cast<unsigned char>(text[i]);
        size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (length == 0 || i + length > text.size()) return false;
        for (size_t k = 1; k < length; ++k) {
            if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
        }
        i += length;
    }
    return true;
}
}  // namespace

FailureHandler::FailureHandler(std::string job, std::string source, std::string sourceDescription,
                               std::string sourceTopic, FailureStrategy strategy, const JobClock& clock,
                               JobMetrics& metrics)
    : job_(std::move(job)),
      source_(std::move(source)),
      sourceDescription_(std::move(sourceDescription)),
      sourceTopic_(std::move(sourceTopic)),
      strategy_(strategy),
      clock_(clock),
      metrics_(metrics) {}

Status FailureHandler::openDlq(const std::filesystem::path& path, bool truncate) {
    dlq_ = std::make_unique<connectors::FileSink>(path, "");
    return dlq_->open(truncate);
}

Status FailureHandler::openDlqTopic(std::unique_ptr<connectors::Sink> sink) {
    dlq_ = std::move(sink);
    dlqTopic_ = true;
    return dlq_->open(/*truncate=*/false);
}

void FailureHandler::addDlqRecord(std::string_view key, bool hasKey, std::string_view value,
                                  bool valueIsNull, std::span<const types::Header> headers,
                                  std::string_view error, ErrorCode code, int32_t partition,
                                  int64_t offset, bool hasPosition, int64_t retries) {
    auto& out = dlqBuffer_;
    out.append(hasKey ? std::optional(key) : std::nullopt,
               valueIsNull ? std::nullopt : std::optional(value));
    // A record read back from a DLQ (a replay) carries the ferris.* headers of its first
    // failure: it keeps its origin, and its retries count up (§1.4.1).
    std::string_view originTopic = sourceTopic_;
    std::optional<std::string_view> originPartition;
    std::optional<std::string_view> originOffset;
    for (const auto& header : headers) {
        if (!header.key.starts_with("ferris.")) {
            out.addHeader(header.key, header.value, header.valueIsNull);
        } else if (header.key == "ferris.retries") {
            int64_t previous = 0;
            if (types::parseInt64(header.value, previous)) retries = previous + 1;
        } else if (header.key == "ferris.source.topic") {
            originTopic = header.value;
        } else if (header.key == "ferris.source.partition") {
            originPartition = header.value;
        } else if (header.key == "ferris.source.offset") {
            originOffset = header.value;
        }
    }
    out.addOwnedHeader("ferris.error", std::string(error));
    out.addOwnedHeader("ferris.error.kind", std::string(errorCodeName(code)));
    out.addOwnedHeader("ferris.job", job_);
    out.addOwnedHeader("ferris.source.topic", std::string(originTopic));
    if (originPartition && originOffset) {
        out.addOwnedHeader("ferris.source.partition", std::string(*originPartition));
        out.addOwnedHeader("ferris.source.offset", std::string(*originOffset));
    } else if (hasPosition) {
        out.addOwnedHeader("ferris.source.partition", std::to_string(partition));
        out.addOwnedHeader("ferris.source.offset", std::to_string(offset));
    }
    out.addOwnedHeader("ferris.time", std::to_string(clock_.nowMicros() / 1000));
    out.addOwnedHeader("ferris.retries", std::to_string(retries));
}

Status FailureHandler::writeDlqBuffer() {
    if (!dlq_ || dlqBuffer_.rows == 0) return Status::ok();
    Status status = dlq_->write(dlqBuffer_);
    dlqBuffer_.clear();
    return status;
}

Status FailureHandler::handleDeliveryFailures(std::vector<connectors::DeliveryFailure> failures) {
    for (const auto& failure : failures) {
        metrics_.failed[static_cast<size_t>(ErrorCode::kDeliveryFailed)].fetch_add(1, std::memory_order_relaxed);
        switch (finalStrategy()) {
            case FailureStrategy::kFailBatch:
            case FailureStrategy::kRetryWithBackoff:
                return Status::system(ErrorCode::kDeliveryFailed,
                                      fmt::format("{} ({})", failure.error, whyFailed()));
            case FailureStrategy::kSendToDlq:
                if (dlqTopic_) {
                    std::vector<types::Header> headers;
                    for (const auto& [name, text] : failure.headers) {
                        headers.push_back({name,
                                           text ? std::string_view(*text) : std::string_view(),
                                           !text.has_value()});
                    }
                    addDlqRecord(failure.key, failure.hasKey, failure.value, false, headers,
                                 failure.error, ErrorCode::kDeliveryFailed, 0, 0, false,
                                 failure.retries);
                } else {
                    std::string& out = dlqBuffer_.data;
                    out += "{\"error\":";
                    codec::appendJsonString(failure.error, out);
                    out += ",\"error_kind\":\"delivery_failed\",\"job\":";
                    codec::appendJsonString(job_, out);
                    out += fmt::format(",\"time\":{},\"retries\":{},\"record\":",
                                       clock_.nowMicros() / 1000, failure.retries);
                    appendRecord(failure.value, out);
                    out += "}\n";
                    ++dlqBuffer_.rows;
                }
                metrics_.dlqRecords.fetch_add(1, std::memory_order_relaxed);
                break;
            case FailureStrategy::kLogAndContinue:
                FERRIS_LOG_ERROR(job_, "{}", failure.error);
                break;
        }
    }
    return writeDlqBuffer();
}

FailureStrategy FailureHandler::finalStrategy() const {
    // retry_with_backoff: what retrying cannot mend goes to the DLQ, or fails the job.
    if (strategy_ != FailureStrategy::kRetryWithBackoff) return strategy_;
    return dlq_ ? FailureStrategy::kSendToDlq : FailureStrategy::kFailBatch;
}

std::string FailureHandler::whyFailed() const {
    return strategy_ == FailureStrategy::kRetryWithBackoff
               ? "failure_strategy is retry_with_backoff, and no DLQ is set"
               : "failure_strategy is fail_batch";
}

std::string FailureHandler::describePosition(const types::Batch& batch, uint32_t row) const {
    const auto& origin = batch.origin();
    if (row < origin.line.size() && origin.line[row] > 0) {
        return fmt::format("{} line {}", sourceDescription_, origin.line[row]);
    }
    if (row < origin.offset.size()) {
        return fmt::format("{} partition {} offset {}", sourceDescription_, origin.partition[row], origin.offset[row]);
    }
    return sourceDescription_;
}

void FailureHandler::appendRecord(std::string_view record, std::string& out) {
    if (isValidUtf8(record)) {
        codec::appendJsonString(record, out);
        return;
    }
    std::string encoded;
    base64Encode(record, encoded);
    codec::appendJsonString(encoded, out);
    out += ",\"record_encoding\":\"base64\"";
}

void FailureHandler::writeDlqEntry(const types::Batch& batch, const types::RowError& error) {
    const auto& origin = batch.origin();
    uint32_t row = error.row;
    std::span<const types::Header> headers;
    if (row + 1 < origin.headerBegin.size()) {
        headers = std::span<const types::Header>(origin.headers)
                      .subspan(origin.headerBegin[row],
                               origin.headerBegin[row + 1] - origin.headerBegin[row]);
    }
    if (dlqTopic_) {
        // The original record: key, value and headers, plus what went wrong (§1.4.1).
        bool hasKey = row < origin.hasKey.size() && origin.hasKey[row];
        addDlqRecord(hasKey ? origin.key[row] : std::string_view(), hasKey,
                     row < origin.original.size() ? origin.original[row] : std::string_view(), false, headers,
                     error.message, error.code, row < origin.partition.size() ? origin.partition[row] : 0,
                     row < origin.offset.size() ? origin.offset[row] : 0, row < origin.offset.size());
        return;
    }
    std::string& out = dlqBuffer_.data;
    out += "{\"error\":";
    codec::appendJsonString(error.message, out);
    out += ",\"error_kind\":";
    codec::appendJsonString(errorCodeName(error.code), out);
    out += ",\"job\":";
    codec::appendJsonString(job_, out);
    out += ",\"source\":";
    codec::appendJsonString(source_, out);
    if (error.row < origin.line.size() && origin.line[error.row] > 0) {
        out += fmt::format(",\"position\":{{\"line\":{}}}", origin.line[error.row]);
    } else if (error.row < origin.offset.size()) {
        out += fmt::format(",\"position\":{{\"partition\":{},\"offset\":{}}}", origin.partition[error.row],
                           origin.offset[error.row]);
    }
    // A record read back from the DLQ file (a replay) fails with one more retry.
    int64_t retries = 0;
    for (const auto& header : headers) {
        int64_t previous = 0;
        if (header.key == "ferris.retries" && types::parseInt64(header.value, previous))
            retries = previous + 1;
    }
    int64_t micros = clock_.nowMicros();
    out += fmt::format(",\"time\":{},\"retries\":{},\"record\":", micros / 1000, retries);
    appendRecord(
        error.row < origin.original.size() ? origin.original[error.row] : std::string_view(), out);
    out += "}\n";
    ++dlqBuffer_.rows;
}

Status FailureHandler::handle(types::Batch& batch) {
    auto& errors = batch.errors();
    if (errors.empty()) return Status::ok();
    // One report per row: the first error found for it.
    std::stable_sort(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.row < b.row; });
    errors.erase(std::unique(errors.begin(), errors.end(), [](const auto& a, const auto& b) { return a.row == b.row; }),
                 errors.end());
    for (const auto& error : errors) {
        if (error.code == ErrorCode::kLateRecord) {
            // late.data.strategy = dead_letter: to the DLQ whatever the failure strategy
            // (a late record is not a bad one); counted as late, not failed.
            if (dlq_) {
                writeDlqEntry(batch, error);
                metrics_.dlqRecords.fetch_add(1, std::memory_order_relaxed);
            }
            continue;
        }
        metrics_.failed[static_cast<size_t>(error.code)].fetch_add(1, std::memory_order_relaxed);
        switch (finalStrategy()) {
            case FailureStrategy::kFailBatch:
            case FailureStrategy::kRetryWithBackoff:
                return Status::user(error.code, fmt::format("bad record at {}: {} ({})",
                                                            describePosition(batch, error.row),
                                                            error.message, whyFailed()));
            case FailureStrategy::kSendToDlq:
                writeDlqEntry(batch, error);
                metrics_.dlqRecords.fetch_add(1, std::memory_order_relaxed);
                break;
            case FailureStrategy::kLogAndContinue:
                if (logged_ < kLogFirst) {
                    FERRIS_LOG_WARN(job_, "bad record at {}: {}: {}", describePosition(batch, error.row),
                                    errorCodeName(error.code), error.message);
                } else if (logged_ == kLogFirst) {
                    FERRIS_LOG_WARN(job_, "more bad records: counting them without logging each (see metrics)");
                }
                ++logged_;
                break;
        }
    }
    batch.removeErroredRows();
    errors.clear();
    return writeDlqBuffer();
}

Result<std::string> FailureHandler::commit() {
    if (!dlq_) return std::string();
    FERRIS_ASSIGN_OR_RETURN(auto state, dlq_->prepareCommit());
    // A DLQ record that cannot be delivered has nowhere else to go: the job fails (and
    // replays from its last checkpoint).
    auto failures = dlq_->takeDeliveryFailures();
    if (!failures.empty()) {
        return Status::system(ErrorCode::kDeliveryFailed,
                              fmt::format("{} DLQ records undelivered: {}", failures.size(), failures[0].error));
    }
    FERRIS_RETURN_IF_ERROR(dlq_->commit());
    return state;
}

Status FailureHandler::restoreDlq(std::string_view state) {
    if (!dlq_ || state.empty()) return Status::ok();
    return dlq_->restore(state);
}

Status FailureHandler::close() {
    if (!dlq_) return Status::ok();
    return dlq_->close();
}

}  // namespace ferris::runtime
