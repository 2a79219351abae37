#include "types/vector.h"

#include <cstring>

namespace ferris::types {

Vector::Vector(DataType type, uint32_t size) : type_(std::move(type)) {
    switch (type_.id()) {
        case TypeId::kArray:
            children_.push_back(std::make_shared<Vector>(type_.elementType()));
            break;
        case TypeId::kMap:
            children_.push_back(std::make_shared<Vector>(DataType::string()));
            children_.push_back(std::make_shared<Vector>(type_.elementType()));
            break;
        case TypeId::kStruct:
            for (const auto& field : type_.fields()) {
                children_.push_back(std::make_shared<Vector>(field.type));
            }
            break;
        default: break;
    }
    resize(size);
}

void Vector::resize(uint32_t size) {
    size_t width = type_.valueWidth();
    if (width > 0) data_.reserve(size * width, size_ * width);
    if (type_.id() == TypeId::kArray || type_.id() == TypeId::kMap) {
        int32_t last = offsets_.empty() ? 0 : offsets_.back();
        offsets_.resize(size + 1, last);
        offsets_[0] = 0;
    } else if (type_.id() == TypeId::kStruct) {
        for (auto& child : children_) child->resize(size);
    }
    if (hasNulls_) {
        size_t words = (size + 63) / 64;
        if (size > size_) {
            // Rows past the old size start not NULL.
            nulls_.resize(words, 0);
            for (uint32_t row = size_; row < size && (row & 63) != 0; ++row) {
                nulls_[row >> 6] &= ~(uint64_t{1} << (row & 63));
            }
        } else {
            nulls_.resize(words);
        }
    }
    size_ = size;
}

void Vector::allocateNulls() {
    nulls_.assign((size_ + 63) / 64 + 1, 0);
    hasNulls_ = true;
}

void Vector::copyRow(const Vector& source, uint32_t from, uint32_t to) {
    bool listLike = type_.id() == TypeId::kArray || type_.id() == TypeId::kMap;
    if (source.isNull(from)) {
        setNull(to);
        if (listLike) offsets_[to] = offsets_[to + 1] = static_cast<int32_t>(children_[0]->size());
        return;
    }
    setNotNull(to);
    size_t width = type_.valueWidth();
    switch (type_.id()) {
        case TypeId::kArray:
        case TypeId::kMap: {
            int32_t begin = source.offsets_[from];
            int32_t end = source.offsets_[from + 1];
            // Appending: rows are written in ascending order; skipped rows are not read.
            int32_t start = static_cast<int32_t>(children_[0]->size());
            offsets_[to] = start;
            for (auto& child : children_) child->resize(static_cast<uint32_t>(start + (end - begin)));
            for (int32_t i = 0; i < end - begin; ++i) {
                for (size_t c = 0; c < children_.size(); ++c) {
                    children_[c]->copyRow(*source.children_[c], static_cast<uint32_t>(begin + i),
                                          static_cast<uint32_t>(start + i));
                }
            }
            offsets_[to + 1] = start + (end - begin);
            return;
        }
        case TypeId::kStruct:
            for (size_t c = 0; c < children_.size(); ++c) children_[c]->copyRow(*source.children_[c], from, to);
            return;
        default:
            std::memcpy(data_.data() + to * width, source.data_.data() + from * width, width);
    }
}

}  // namespace ferris::types

namespace ferris::types {

namespace {
template <size_t kWidth>
void copyValues(const Vector& source, std::span<const uint32_t> rows, Vector& target) {
    const uint8_t* from = source.values<uint8_t>();
    uint8_t* to = target.values<uint8_t>();
    for (uint32_t row : rows) std::memcpy(to + row * kWidth, from + row * kWidth, kWidth);
}
}  // namespace

void copyRows(const Vector& source, std::span<const uint32_t> rows, Vector& target) {
    if (source.type().isNested()) {
        for (uint32_t row : rows) target.copyRow(source, row, row);
        return;
    }
    switch (source.type().valueWidth()) {
        case 1: copyValues<1>(source, rows, target); break;
        case 4: copyValues<4>(source, rows, target); break;
        case 8: copyValues<8>(source, rows, target); break;
        case 16: copyValues<16>(source, rows, target); break;
        default: FERRIS_UNREACHABLE("unexpected value width " + source.type().toString());
    }
    if (source.mayHaveNulls()) {
        for (uint32_t row : rows) target.setNull(row, source.isNull(row));
    } else if (target.mayHaveNulls()) {
        for (uint32_t row : rows) target.setNotNull(row);
    }
}

void setNullRows(std::span<const uint32_t> rows, Vector& target) {
    for (uint32_t row : rows) target.setNull(row);
}

}  // namespace ferris::types
