#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

namespace ferris::operators {

/// An open-addressing hash index from key bytes to owned entries (`T::key`, a std::string,
/// holds the bytes): slots hold the hash and the entry, probed linearly, at most half full.
/// A look-up touches one slot and the entry it finds — where a node-based map also walks a
/// bucket array and a node — and `prefetch` lets a caller warm both for rows ahead, which is
/// what makes per-record key look-ups over many keys cheap (they are cache misses).
template <typename T>
class KeyIndex {
public:
    static uint64_t hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

    size_t size() const { return size_; }

    /// Prefetches the slot of `hash`.
    void prefetchSlot(uint64_t hash) const {
        if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
    }
    /// Prefetches the entry the slot of `hash` points to, when the slot holds that hash (the
    /// slot should be in cache: prefetchSlot it some rows earlier).
    void prefetchEntry(uint64_t hash) const {
        if (slots_.empty()) return;
        const Slot& slot = slots_[hash & mask_];
        if (slot.hash == hash && slot.entry) __builtin_prefetch(slot.entry.get());
    }

    /// The entry in the home slot of `hash` when the slot holds that hash — likely, not surely,
    /// the entry of the key (for prefetching only).
    T* peek(uint64_t hash) const {
        if (slots_.empty()) return nullptr;
        const Slot& slot = slots_[hash & mask_];
        return slot.hash == hash ? slot.entry.get() : nullptr;
    }

    T* find(uint64_t hash, std::string_view key) const {
        if (slots_.empty()) return nullptr;
        for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
            const Slot& slot = slots_[i];
            if (!slot.entry) return nullptr;
            if (slot.hash == hash && slot.entry->key == key) return slot.entry.get();
        }
    }

    /// Adds an entry whose key is not in the index.
    T* insert(uint64_t hash, std::unique_ptr<T> entry) {
        if ((size_ + 1) * 2 > slots_.size()) grow();
        T* raw = entry.get();
        place(hash, std::move(entry));
        ++size_;
        return raw;
    }

    /// Removes and destroys the entry of `key` (backward-shift deletion: no tombstones).
    void erase(uint64_t hash, std::string_view key) {
        if (slots_.empty()) return;
        size_t i = hash & mask_;
        for (;; i = (i + 1) & mask_) {
            if (!slots_[i].entry) return;
            if (slots_[i].hash == hash && slots_[i].entry->key == key) break;
        }
        slots_[i].entry.reset();
        --size_;
        for (size_t j = (i + 1) & mask_; slots_[j].entry; j = (j + 1) & mask_) {
            size_t home = slots_[j].hash & mask_;
            // Slot j's entry may move to the hole at i when its home is not within (i, j].
            bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
            if (!between) {
                slots_[i] = std::move(slots_[j]);
                i = j;
            }
        }
    }

    /// Calls f(T&) for every entry, in slot order.
    template <typename F>
    void forEach(F&& f) const {
        for (const Slot& slot : slots_) {
            if (slot.entry) f(*slot.entry);
        }
    }

private:
    struct Slot {
        uint64_t hash = 0;
        std::unique_ptr<T> entry;
    };

    void place(uint64_t hash, std::unique_ptr<T> entry) {
        size_t i = hash & mask_;
        while (slots_[i].entry) i = (i + 1) & mask_;
        slots_[i].hash = hash;
        slots_[i].entry = std::move(entry);
    }

    void grow() {
        std::vector<Slot> old = std::move(slots_);
        slots_ = std::vector<Slot>(old.empty() ? 16 : old.size() * 2);
        mask_ = slots_.size() - 1;
        for (Slot& slot : old) {
            if (slot.entry) place(slot.hash, std::move(slot.entry));
        }
    }

    std::vector<Slot> slots_;
    size_t mask_ = 0;
    size_t size_ = 0;
};

}  // namespace ferris::operators
