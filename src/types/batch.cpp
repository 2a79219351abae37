#include "types/batch.h"

#include <algorithm>
#include <numeric>

namespace ferris::types {

void RowOrigin::clear() {
    partition.clear();
    offset.clear();
    line.clear();
    arrival.clear();
    watermarkBefore.clear();
    original.clear();
    key.clear();
    hasKey.clear();
    headerBegin.clear();
    headers.clear();
}

void RowOrigin::reserve(size_t rows) {
    partition.reserve(rows);
    offset.reserve(rows);
    line.reserve(rows);
    arrival.reserve(rows);
    watermarkBefore.reserve(rows);
    original.reserve(rows);
    key.reserve(rows);
    hasKey.reserve(rows);
    headerBegin.reserve(rows + 1);
}

void Batch::setNumRows(uint32_t rows) {
    numRows_ = rows;
    selection_.resize(rows);
    std::iota(selection_.begin(), selection_.end(), 0u);
}

void Batch::removeErroredRows() {
    if (errors_.empty()) return;
    std::vector<uint32_t> bad;
    bad.reserve(errors_.size());
    for (const auto& error : errors_) bad.push_back(error.row);
    std::sort(bad.begin(), bad.end());
    std::vector<uint32_t> kept;
    kept.reserve(selection_.size());
    std::set_difference(selection_.begin(), selection_.end(), bad.begin(), bad.end(),
                        std::back_inserter(kept));
    selection_ = std::move(kept);
}

void Batch::sharePinsWith(Batch& other) const {
    for (const auto& pin : pins_) other.pins_.push_back(pin);
    other.pins_.push_back(arena_);
}

size_t Batch::bytesUsed() const {
    size_t total = arena_->bytesReserved();
    for (const auto& column : columns_) {
        if (column) total += column->size() * column->type().valueWidth();
    }
    return total;
}

}  // namespace ferris::types
