#pragma once

#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace ferris::operators {

/// Fixed-size blocks for aggregate states (16-byte aligned), carved from 64 KiB chunks and
/// recycled through a free list: a window operator creates and frees a state per key and
/// pane, window or session, and the general-purpose allocator's per-block headers,
/// coalescing and locking cost more than the aggregates themselves. Memory is returned to
/// the system only when the pool goes.
class StatePool {
public:
    explicit StatePool(size_t blockSize) : blockSize_((std::max<size_t>(16, blockSize) + 15) / 16 * 16) {}
    StatePool(const StatePool&) = delete;
    StatePool& operator=(const StatePool&) = delete;

    size_t blockSize() const { return blockSize_; }

    /// An uninitialised block.
    uint8_t* allocate() {
        if (!free_.empty()) {
            uint8_t* block = free_.back();
            free_.pop_back();
            return block;
        }
        if (next_ == end_) {
            size_t bytes = std::max(kChunkBytes, blockSize_) / blockSize_ * blockSize_;
            auto* chunk = static_cast<uint8_t*>(std::aligned_alloc(16, bytes));
            if (chunk == nullptr) throw std::bad_alloc();
            chunks_.emplace_back(chunk);
            next_ = chunk;
            end_ = chunk + bytes;
        }
        uint8_t* block = next_;
        next_ += blockSize_;
        return block;
    }
    /// Returns a block (whose contents the caller has destroyed) for reuse.
    void release(uint8_t* block) {
        if (block != nullptr) free_.push_back(block);
    }

private:
    static constexpr size_t kChunkBytes = 64 * 1024;
    struct Free {
        void operator()(uint8_t* chunk) const { std::free(chunk); }
    };

    size_t blockSize_;
    std::vector<std::unique_ptr<uint8_t, Free>> chunks_;
    std::vector<uint8_t*> free_;
    uint8_t* next_ = nullptr;
    uint8_t* end_ = nullptr;
};

}  // namespace ferris::operators
