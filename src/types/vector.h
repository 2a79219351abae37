#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "common/check.h"
#include "types/buffer.h"
#include "types/data_type.h"

namespace ferris::types {

class Vector;
using VectorPtr = std::shared_ptr<Vector>;

/// One typed column of a batch (DESIGN.md §2.1): a flat array of fixed-width values (see
/// TypeId for the C++ type of each SQL type) and a null bitmap (bit set = NULL) that exists
/// only once some row is NULL. ARRAY and MAP rows are [offset[i], offset[i+1]) ranges of
/// their children; STRUCT has one child per field, row-aligned with the parent.
/// Values of rows outside the batch's selection are unspecified.
class Vector {
public:
    explicit Vector(DataType type, uint32_t size = 0);

    const DataType& type() const { return type_; }
    uint32_t size() const { return size_; }

    /// Sets the number of rows (values of new rows unspecified, new rows not NULL).
    void resize(uint32_t size);

    template <typename T>
    T* values() {
        return reinterpret_cast<T*>(data_.data());
    }
    template <typename T>
    const T* values() const {
        return reinterpret_cast<const T*>(data_.data());
    }
    template <typename T>
    T& at(uint32_t row) {
        return values<T>()[row];
    }
    template <typename T>
    const T& at(uint32_t row) const {
        return values<T>()[row];
    }

    bool mayHaveNulls() const { return hasNulls_; }
    bool isNull(uint32_t row) const {
        return hasNulls_ && (nulls_[row >> 6] >> (row & 63)) & 1;
    }
    void setNull(uint32_t row) {
        if (!hasNulls_) allocateNulls();
        nulls_[row >> 6] |= uint64_t{1} << (row & 63);
    }
    void setNotNull(uint32_t row) {
        if (hasNulls_) nulls_[row >> 6] &= ~(uint64_t{1} << (row & 63));
    }
    void setNull(uint32_t row, bool null) {
        if (null) {
            setNull(row);
        } else {
            setNotNull(row);
        }
    }
    /// Marks every row not NULL and drops the bitmap.
    void clearNulls() {
        hasNulls_ = false;
        nulls_.clear();
    }
    /// The raw bitmap (one bit per row, set = NULL), or nullptr when no row is NULL.
    const uint64_t* nullBits() const { return hasNulls_ ? nulls_.data() : nullptr; }
    uint64_t* mutableNullBits() {
        if (!hasNulls_) allocateNulls();
        return nulls_.data();
    }

    // Nested types.
    int32_t* offsets() { return offsets_.data(); }
    const int32_t* offsets() const { return offsets_.data(); }
    size_t numChildren() const { return children_.size(); }
    Vector& child(size_t index) { return *children_[index]; }
    const Vector& child(size_t index) const { return *children_[index]; }
    const VectorPtr& childPtr(size_t index) const { return children_[index]; }
    void setChild(size_t index, VectorPtr child) { children_[index] = std::move(child); }

    /// Copies row `from` of `source` (same type) into row `to` of this vector. Strings are
    /// copied by view (both must be kept alive by the same batch or its pins). Nested
    /// values are appended to this vector's children.
    void copyRow(const Vector& source, uint32_t from, uint32_t to);

private:
    void allocateNulls();

    DataType type_;
    uint32_t size_ = 0;
    AlignedBuffer data_;
    bool hasNulls_ = false;
    std::vector<uint64_t> nulls_;
    std::vector<int32_t> offsets_;
    std::vector<VectorPtr> children_;
};

}  // namespace ferris::types

namespace ferris::types {
/// Copies the values (and NULLs) of `rows` from `source` into the same rows of `target`
/// (same type). String views are copied as views.
void copyRows(const Vector& source, std::span<const uint32_t> rows, Vector& target);
/// Sets every row of `rows` NULL.
void setNullRows(std::span<const uint32_t> rows, Vector& target);
}  // namespace ferris::types
