#include "runtime/watermark.h"

#include <algorithm>
#include <cstring>

namespace ferris::runtime {

WatermarkTracker::WatermarkTracker(int64_t maxOutOfOrdernessMicros, int64_t idleTimeoutMicros, int64_t startMicros)
    : maxOutOfOrderness_(maxOutOfOrdernessMicros), idleTimeout_(idleTimeoutMicros), startMicros_(startMicros) {
    partitions_.resize(1);
    partitions_[0].lastSeenMicros = startMicros;
}

void WatermarkTracker::setPartitions(size_t count) {
    size_t old = partitions_.size();
    partitions_.resize(std::max<size_t>(count, 1));
    for (size_t p = old; p < partitions_.size(); ++p) partitions_[p].lastSeenMicros = startMicros_;
}

int64_t WatermarkTracker::partitionWatermark(const Partition& partition) const {
    if (partition.maxEventTime == types::kMinWatermark) return types::kMinWatermark;
    int64_t out = 0;
    if (__builtin_sub_overflow(partition.maxEventTime, maxOutOfOrderness_, &out)) return types::kMinWatermark;
    return std::max(out, types::kMinWatermark + 1);
}

int64_t WatermarkTracker::recompute(int64_t nowMicros) const {
    if (watermark_ == types::kMaxWatermark) return watermark_;
    bool anyActive = false;
    int64_t lowest = types::kMaxWatermark;
    for (const auto& partition : partitions_) {
        if (idleTimeout_ > 0 && nowMicros - partition.lastSeenMicros > idleTimeout_) continue;  // idle
        anyActive = true;
        lowest = std::min(lowest, partitionWatermark(partition));
    }
    if (!anyActive) return watermark_;  // every partition idle: hold
    return std::max(watermark_, lowest);
}

void WatermarkTracker::advanceOver(types::Batch& batch, const types::Vector* eventTime, int64_t nowMicros) {
    auto& origin = batch.origin();
    uint32_t rows = batch.numRows();
    origin.watermarkBefore.resize(rows);
    // Rows whose event time is bad (batch errors) do not move the watermark.
    std::vector<uint8_t> bad;
    if (!batch.errors().empty()) {
        bad.assign(rows, 0);
        for (const auto& error : batch.errors()) bad[error.row] = 1;
    }
    // Partitions idle before this batch wake as their rows arrive.
    watermark_ = recompute(nowMicros);
    for (uint32_t row = 0; row < rows; ++row) {
        origin.watermarkBefore[row] = watermark_;
        if (eventTime == nullptr || (!bad.empty() && bad[row]) || eventTime->isNull(row)) continue;
        size_t p = row < origin.partition.size() ? static_cast<size_t>(std::max(origin.partition[row], 0)) : 0;
        if (p >= partitions_.size()) setPartitions(p + 1);
        Partition& partition = partitions_[p];
        int64_t t = eventTime->values<int64_t>()[row];
        partition.lastSeenMicros = nowMicros;
        if (t <= partition.maxEventTime) continue;
        partition.maxEventTime = t;
        watermark_ = recompute(nowMicros);
    }
    batch.setWatermarkAfter(watermark_);
}

void WatermarkTracker::holdOver(types::Batch& batch) const {
    batch.origin().watermarkBefore.assign(batch.numRows(), watermark_);
    batch.setWatermarkAfter(watermark_);
}

bool WatermarkTracker::tick(int64_t nowMicros) {
    int64_t before = watermark_;
    watermark_ = recompute(nowMicros);
    return watermark_ != before;
}

std::string WatermarkTracker::serialize() const {
    std::string out;
    auto put = [&](int64_t value) { out.append(reinterpret_cast<const char*>(&value), sizeof value); };
    put(watermark_);
    put(static_cast<int64_t>(partitions_.size()));
    for (const auto& partition : partitions_) {
        put(partition.maxEventTime);
        put(partition.lastSeenMicros);
    }
    return out;
}

bool WatermarkTracker::deserialize(std::string_view bytes) {
    size_t at = 0;
    auto get = [&](int64_t& value) {
        if (at + sizeof value > bytes.size()) return false;
        std::memcpy(&value, bytes.data() + at, sizeof value);
        at += sizeof value;
        return true;
    };
    int64_t watermark = 0;
    int64_t count = 0;
    if (!get(watermark) || !get(count) || count < 0 || count > (1 << 20)) return false;
    std::vector<Partition> partitions(static_cast<size_t>(count));
    for (auto& partition : partitions) {
        if (!get(partition.maxEventTime) || !get(partition.lastSeenMicros)) return false;
    }
    if (at != bytes.size()) return false;
    watermark_ = watermark;
    partitions_ = std::move(partitions);
    return true;
}

}  // namespace ferris::runtime
