#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string_view>
#include <vector>

namespace ferris::types {

/// A growable, uninitialised, 64-byte-aligned byte buffer: the storage of a column's
/// values. Growing keeps the contents; new bytes are not zeroed (kernels write every
/// selected row before reading it).
class AlignedBuffer {
public:
    AlignedBuffer() = default;
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    AlignedBuffer(AlignedBuffer&& other) noexcept
        : data_(other.data_), capacity_(other.capacity_) {
        other.data_ = nullptr;
        other.capacity_ = 0;
    }
    AlignedBuffer& operator=(AlignedBuffer&& other) noexcept {
        if (this != &other) {
            std::free(data_);
            data_ = other.data_;
            capacity_ = other.capacity_;
            other.data_ = nullptr;
            other.capacity_ = 0;
        }
        return *this;
    }
    ~AlignedBuffer() { std::free(data_); }

    /// Makes room for `bytes` bytes, keeping the first `keep` bytes.
    void reserve(size_t bytes, size_t keep) {
        if (bytes <= capacity_) return;
        size_t capacity = capacity_ == 0 ? 64 : capacity_;
        while (capacity < bytes) capacity *= 2;
        void* fresh = std::aligned_alloc(64, capacity);
        if (fresh == nullptr) throw std::bad_alloc();
        if (data_ != nullptr && keep > 0) std::memcpy(fresh, data_, keep);
        std::free(data_);
        data_ = static_cast<uint8_t*>(fresh);
        capacity_ = capacity;
    }

    uint8_t* data() { return data_; }
    const uint8_t* data() const { return data_; }
    size_t capacity() const { return capacity_; }

private:
    uint8_t* data_ = nullptr;
    size_t capacity_ = 0;
};

/// Bump allocator for strings a batch creates (unescaped JSON strings, UPPER(), CONCAT…).
/// Addresses are stable for the arena's life; memory is freed all at once.
class StringArena {
public:
    StringArena() = default;
    StringArena(const StringArena&) = delete;
    StringArena& operator=(const StringArena&) = delete;

    char* allocate(size_t bytes) {
        if (bytes > remaining_) grow(bytes);
        char* out = cursor_;
        cursor_ += bytes;
        remaining_ -= bytes;
        bytesUsed_ += bytes;
        return out;
    }
    std::string_view copy(std::string_view text) {
        if (text.empty()) return {};
        char* out = allocate(text.size());
        std::memcpy(out, text.data(), text.size());
        return {out, text.size()};
    }
    /// Gives back the unused tail of the last allocation (for writers that over-reserve).
    void shrinkLast(char* end) {
        size_t unused = static_cast<size_t>(cursor_ - end);
        cursor_ = end;
        remaining_ += unused;
        bytesUsed_ -= unused;
    }
    size_t bytesUsed() const { return bytesUsed_; }
    size_t bytesReserved() const { return bytesReserved_; }

private:
    void grow(size_t atLeast) {
        size_t size = std::max<size_t>(atLeast, chunks_.empty() ? 4096 : 64 * 1024);
        chunks_.push_back(std::make_unique<char[]>(size));
        cursor_ = chunks_.back().get();
        remaining_ = size;
        bytesReserved_ += size;
    }

    std::vector<std::unique_ptr<char[]>> chunks_;
    char* cursor_ = nullptr;
    size_t remaining_ = 0;
    size_t bytesUsed_ = 0;
    size_t bytesReserved_ = 0;
};

}  // namespace ferris::types
