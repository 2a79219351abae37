#include "runtime/adaptive_batch.h"

#include <algorithm>
#include <cmath>

namespace ferris::runtime {

AdaptiveBatchSizer::AdaptiveBatchSizer(size_t initial, int64_t targetMicros, size_t maxSize)
    : size_(std::clamp<size_t>(initial, 1, std::max<size_t>(maxSize, 1))),
      target_(std::max<int64_t>(targetMicros, 1)),
      max_(std::max<size_t>(maxSize, 1)) {}

void AdaptiveBatchSizer::observe(size_t records, int64_t micros, bool full) {
    if (records == 0) return;
    double perRecord =
        static_cast<double>(std::max<int64_t>(micros, 0)) / static_cast<double>(records);
    cost_ = cost_ < 0 ? perRecord : (1 - kSmoothing) * cost_ + kSmoothing * perRecord;
    double wanted =
        cost_ > 0 ? static_cast<double>(target_) / cost_ : 2.0 * static_cast<double>(size_);
    double low = std::max(1.0, static_cast<double>(size_) / 2);
    double high = full ? 2.0 * static_cast<double>(size_) : static_cast<double>(size_);
    wanted = std::clamp(wanted, low, std::max(low, high));
    size_ = std::clamp<size_t>(static_cast<size_t>(std::llround(wanted)), 1, max_);
}

}  // namespace ferris::runtime
