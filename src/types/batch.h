#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "types/buffer.h"
#include "types/vector.h"

namespace ferris::types {

/// Watermark value meaning "no watermark yet".
inline constexpr int64_t kMinWatermark = std::numeric_limits<int64_t>::min();
/// Watermark value meaning "the input is exhausted".
inline constexpr int64_t kMaxWatermark = std::numeric_limits<int64_t>::max();

/// A bad record found while decoding or evaluating: which row, what kind, what exactly.
/// Errors are data: the failure strategy decides what happens to the row (§2.1).
struct RowError {
    uint32_t row;
    ErrorCode code;
    std::string message;
};

/// One Kafka-style header of a record: views into the batch's pinned bytes.
struct Header {
    std::string_view key;
    std::string_view value;
    bool valueIsNull = false;
};

/// Where a row came from, as hidden runtime columns (§2.1). One entry per physical row.
struct RowOrigin {
    std::vector<int32_t> partition;        ///< source partition (0 for files)
    std::vector<int64_t> offset;           ///< Kafka offset, or byte offset in a file
    std::vector<int64_t> line;             ///< 1-based line in a file (0 for Kafka)
    std::vector<int64_t> arrival;          ///< arrival sequence number within the job
    std::vector<int64_t> watermarkBefore;  ///< job watermark just before this row
    std::vector<std::string_view> original;  ///< the record's original bytes (for the DLQ)
    std::vector<std::string_view> key;     ///< the record's key (Kafka), for pass-through and the DLQ
    std::vector<uint8_t> hasKey;           ///< 1 when the record has a key (not a null key)
    std::vector<uint32_t> headerBegin;     ///< headers of row i: [headerBegin[i], headerBegin[i+1])
    std::vector<Header> headers;           ///< all headers of the batch

    void clear();
    void reserve(size_t rows);
};

/// A columnar micro-batch (DESIGN.md §2.1). Columns sit at slots fixed at plan time; a
/// slot the plan does not read may be null. The selection lists the live rows in
/// ascending order: filters narrow it, and only encoders and stateful operators compact.
/// The batch owns (or pins) every byte its string views point into.
class Batch {
public:
    Batch() = default;
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    Batch(Batch&&) = default;
    Batch& operator=(Batch&&) = default;

    uint32_t numRows() const { return numRows_; }
    /// Sets the physical row count and selects every row.
    void setNumRows(uint32_t rows);

    std::vector<VectorPtr>& columns() { return columns_; }
    const std::vector<VectorPtr>& columns() const { return columns_; }
    Vector& column(size_t slot) { return *columns_[slot]; }
    const Vector& column(size_t slot) const { return *columns_[slot]; }

    /// Live rows, ascending.
    std::span<const uint32_t> selection() const { return selection_; }
    std::vector<uint32_t>& mutableSelection() { return selection_; }
    uint32_t numSelected() const { return static_cast<uint32_t>(selection_.size()); }

    /// Records a bad row. The row leaves the selection at the next removeErroredRows().
    void addError(uint32_t row, ErrorCode code, std::string message) {
        errors_.push_back({row, code, std::move(message)});
    }
    std::vector<RowError>& errors() { return errors_; }
    const std::vector<RowError>& errors() const { return errors_; }
    /// Drops every row with an error from the selection (the first error of a row is the
    /// one reported). Errors stay listed until the runtime takes them.
    void removeErroredRows();

    RowOrigin& origin() { return origin_; }
    const RowOrigin& origin() const { return origin_; }
    /// Index of the source (in the job's plan) the rows came from.
    int sourceIndex() const { return sourceIndex_; }
    void setSourceIndex(int index) { sourceIndex_ = index; }
    /// Change kinds of a changelog's rows (CREATE TABLE output): empty when every row is an
    /// insert/upsert, else one entry per physical row.
    enum class RowKind : uint8_t { kUpsert = 0, kDelete = 1 };
    std::vector<RowKind>& rowKinds() { return rowKinds_; }
    const std::vector<RowKind>& rowKinds() const { return rowKinds_; }

    /// The job watermark after the batch's last row.
    int64_t watermarkAfter() const { return watermarkAfter_; }
    void setWatermarkAfter(int64_t watermark) { watermarkAfter_ = watermark; }

    StringArena& arena() { return *arena_; }
    /// Keeps `buffer` alive as long as this batch (and batches derived from it) live.
    void pin(std::shared_ptr<const void> buffer) { pins_.push_back(std::move(buffer)); }
    /// Makes `other` keep alive everything this batch's views may point into.
    void sharePinsWith(Batch& other) const;

    /// Estimated memory held: column values, strings and pinned buffers.
    size_t bytesUsed() const;

private:
    uint32_t numRows_ = 0;
    std::vector<VectorPtr> columns_;
    std::vector<uint32_t> selection_;
    std::vector<RowError> errors_;
    RowOrigin origin_;
    std::vector<RowKind> rowKinds_;
    int sourceIndex_ = 0;
    int64_t watermarkAfter_ = kMinWatermark;
    std::shared_ptr<StringArena> arena_ = std::make_shared<StringArena>();
    std::vector<std::shared_ptr<const void>> pins_;
};

}  // namespace ferris::types
