#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstdint>

namespace ferris::types {

/// Unsigned 128-bit integer (GCC/Clang extension, silenced for -Wpedantic).
__extension__ typedef unsigned __int128 uint128_t;  // NOLINT

/// Unsigned 256-bit integer: the exact intermediate of DECIMAL arithmetic. Two 38-digit
/// operands multiply to at most 76 digits and 10^77 < 2^256, so every product, rescaled
/// dividend and cross-scale comparison of DECIMAL(38) values fits. Only the operations the
/// decimal code needs: compare, add, subtract, multiply (with overflow detection), divide
/// with remainder, shifts. Four little-endian 64-bit limbs.
struct UInt256 {
    std::array<uint64_t, 4> limbs{};  ///< limbs[0] is the least significant

    constexpr UInt256() = default;
    constexpr explicit UInt256(uint128_t value)
        : limbs{static_cast<uint64_t>(value), static_cast<uint64_t>(value >> 64), 0, 0} {}

    constexpr bool isZero() const { return (limbs[0] | limbs[1] | limbs[2] | limbs[3]) == 0; }
    constexpr bool fitsUInt128() const { return (limbs[2] | limbs[3]) == 0; }
    /// The low 128 bits (the whole value when fitsUInt128()).
    constexpr uint128_t low128() const {
        return (static_cast<uint128_t>(limbs[1]) << 64) | limbs[0];
    }
    /// Number of significant bits (0 for zero).
    constexpr int bitWidth() const {
        for (int i = 3; i >= 0; --i) {
            if (limbs[i] != 0) return 64 * i + static_cast<int>(std::bit_width(limbs[i]));
        }
        return 0;
    }
    constexpr bool testBit(int bit) const { return ((limbs[bit / 64] >> (bit % 64)) & 1) != 0; }

    friend constexpr bool operator==(const UInt256&, const UInt256&) = default;
    friend constexpr std::strong_ordering operator<=>(const UInt256& a, const UInt256& b) {
        for (int i = 3; i >= 0; --i) {
            if (a.limbs[i] != b.limbs[i]) return a.limbs[i] <=> b.limbs[i];
        }
        return std::strong_ordering::equal;
    }
};

/// a + b; returns true when the true sum does not fit 256 bits.
constexpr bool addOverflow(const UInt256& a, const UInt256& b, UInt256& out) {
    uint64_t carry = 0;
    for (int i = 0; i < 4; ++i) {
        uint128_t sum = static_cast<uint128_t>(a.limbs[i]) + b.limbs[i] + carry;
        out.limbs[i] = static_cast<uint64_t>(sum);
        carry = static_cast<uint64_t>(sum >> 64);
    }
    return carry != 0;
}

/// a − b for a ≥ b.
constexpr UInt256 subtract(const UInt256& a, const UInt256& b) {
    UInt256 out;
    uint64_t borrow = 0;
    for (int i = 0; i < 4; ++i) {
        uint64_t diff = a.limbs[i] - b.limbs[i];
        uint64_t nextBorrow = a.limbs[i] < b.limbs[i] ? 1 : 0;
        nextBorrow |= diff < borrow ? 1 : 0;
        out.limbs[i] = diff - borrow;
        borrow = nextBorrow;
    }
    return out;
}

/// The full 256-bit product of two 128-bit values (never overflows).
constexpr UInt256 multiply(uint128_t a, uint128_t b) {
    const uint64_t a0 = static_cast<uint64_t>(a), a1 = static_cast<uint64_t>(a >> 64);
    const uint64_t b0 = static_cast<uint64_t>(b), b1 = static_cast<uint64_t>(b >> 64);
    const uint128_t p00 = static_cast<uint128_t>(a0) * b0;
    const uint128_t p01 = static_cast<uint128_t>(a0) * b1;
    const uint128_t p10 = static_cast<uint128_t>(a1) * b0;
    const uint128_t p11 = static_cast<uint128_t>(a1) * b1;
    // Middle column: high half of p00 plus the low halves of the cross products.
    const uint128_t middle = (p00 >> 64) + static_cast<uint64_t>(p01) + static_cast<uint64_t>(p10);
    const uint128_t high = p11 + (p01 >> 64) + (p10 >> 64) + (middle >> 64);
    UInt256 out;
    out.limbs[0] = static_cast<uint64_t>(p00);
    out.limbs[1] = static_cast<uint64_t>(middle);
    out.limbs[2] = static_cast<uint64_t>(high);
    out.limbs[3] = static_cast<uint64_t>(high >> 64);
    return out;
}

/// a × b; returns true when the true product does not fit 256 bits (`out` is then the
/// product modulo 2^256).
constexpr bool multiplyOverflow(const UInt256& a, const UInt256& b, UInt256& out) {
    std::array<uint64_t, 8> product{};
    for (int i = 0; i < 4; ++i) {
        if (a.limbs[i] == 0) continue;
        uint64_t carry = 0;
        for (int j = 0; j < 4; ++j) {
            // (2^64−1)^2 + 2·(2^64−1) = 2^128 − 1: never overflows.
            uint128_t t = static_cast<uint128_t>(a.limbs[i]) * b.limbs[j] + product[i + j] + carry;
            product[i + j] = static_cast<uint64_t>(t);
            carry = static_cast<uint64_t>(t >> 64);
        }
        product[i + 4] = carry;
    }
    for (int i = 0; i < 4; ++i) out.limbs[i] = product[i];
    return (product[4] | product[5] | product[6] | product[7]) != 0;
}

/// value << shift for 0 ≤ shift < 256 (bits shifted out are lost).
constexpr UInt256 shiftLeft(const UInt256& value, int shift) {
    UInt256 out;
    const int limbShift = shift / 64, bitShift = shift % 64;
    for (int i = 3; i >= limbShift; --i) {
        uint64_t limb = value.limbs[i - limbShift] << bitShift;
        if (bitShift != 0 && i - limbShift - 1 >= 0) {
            limb |= value.limbs[i - limbShift - 1] >> (64 - bitShift);
        }
        out.limbs[i] = limb;
    }
    return out;
}

/// value >> shift for 0 ≤ shift < 256.
constexpr UInt256 shiftRight(const UInt256& value, int shift) {
    UInt256 out;
    const int limbShift = shift / 64, bitShift = shift % 64;
    for (int i = 0; i + limbShift < 4; ++i) {
        uint64_t limb = value.limbs[i + limbShift] >> bitShift;
        if (bitShift != 0 && i + limbShift + 1 < 4) {
            limb |= value.limbs[i + limbShift + 1] << (64 - bitShift);
        }
        out.limbs[i] = limb;
    }
    return out;
}

/// quotient = numerator / divisor, remainder = numerator % divisor, for divisor ≠ 0.
/// Knuth's algorithm D (TAOCP 4.3.1) on 64-bit limbs.
constexpr void divideWithRemainder(const UInt256& numerator, const UInt256& divisor,
                                   UInt256& quotient, UInt256& remainder) {
    quotient = UInt256();
    remainder = UInt256();
    if (numerator < divisor) {
        remainder = numerator;
        return;
    }
    int n = 4;  // significant limbs of the divisor (≥ 1 since divisor ≠ 0)
    while (divisor.limbs[n - 1] == 0) --n;
    int m = 4;  // significant limbs of the numerator (≥ n since numerator ≥ divisor)
    while (numerator.limbs[m - 1] == 0) --m;

    if (n == 1) {
        const uint64_t d = divisor.limbs[0];
        uint128_t rest = 0;
        for (int i = m - 1; i >= 0; --i) {
            const uint128_t current = (rest << 64) | numerator.limbs[i];
            quotient.limbs[i] = static_cast<uint64_t>(current / d);
            rest = current % d;
        }
        remainder.limbs[0] = static_cast<uint64_t>(rest);
        return;
    }

    // Normalize so the divisor's top limb has its high bit set.
    const int shift = std::countl_zero(divisor.limbs[n - 1]);
    std::array<uint64_t, 4> vn{};
    std::array<uint64_t, 5> un{};
    for (int i = n - 1; i > 0; --i) {
        vn[i] = (divisor.limbs[i] << shift) |
                (shift != 0 ? divisor.limbs[i - 1] >> (64 - shift) : 0);
    }
    vn[0] = divisor.limbs[0] << shift;
    un[m] = shift != 0 ? numerator.limbs[m - 1] >> (64 - shift) : 0;
    for (int i = m - 1; i > 0; --i) {
        un[i] = (numerator.limbs[i] << shift) |
                (shift != 0 ? numerator.limbs[i - 1] >> (64 - shift) : 0);
    }
    un[0] = numerator.limbs[0] << shift;

    for (int j = m - n; j >= 0; --j) {
        // Estimate the quotient limb from the top two limbs, then correct it (at most twice).
        const uint128_t top = (static_cast<uint128_t>(un[j + n]) << 64) | un[j + n - 1];
        uint128_t qhat = top / vn[n - 1];
        uint128_t rhat = top % vn[n - 1];
        while ((qhat >> 64) != 0 ||
               qhat * vn[n - 2] > ((rhat << 64) | un[j + n - 2])) {
            --qhat;
            rhat += vn[n - 1];
            if ((rhat >> 64) != 0) break;
        }
        // un[j .. j+n] −= qhat × vn.
        uint64_t borrow = 0, carry = 0;
        for (int i = 0; i < n; ++i) {
            const uint128_t product = qhat * vn[i] + carry;
            carry = static_cast<uint64_t>(product >> 64);
            const uint64_t low = static_cast<uint64_t>(product);
            const uint64_t diff = un[i + j] - low;
            const uint64_t nextBorrow = (un[i + j] < low ? 1 : 0) | (diff < borrow ? 1 : 0);
            un[i + j] = diff - borrow;
            borrow = nextBorrow;
        }
        const uint64_t diff = un[j + n] - carry;
        const bool negative = un[j + n] < carry || diff < borrow;
        un[j + n] = diff - borrow;
        quotient.limbs[j] = static_cast<uint64_t>(qhat);
        if (negative) {
            // qhat was one too large: add the divisor back.
            quotient.limbs[j] -= 1;
            uint64_t addCarry = 0;
            for (int i = 0; i < n; ++i) {
                const uint128_t sum = static_cast<uint128_t>(un[i + j]) + vn[i] + addCarry;
                un[i + j] = static_cast<uint64_t>(sum);
                addCarry = static_cast<uint64_t>(sum >> 64);
            }
            un[j + n] += addCarry;
        }
    }
    for (int i = 0; i < n; ++i) {
        remainder.limbs[i] = (un[i] >> shift) | (shift != 0 ? un[i + 1] << (64 - shift) : 0);
    }
}

/// Largest n with 10^n < 2^256.
inline constexpr int kMaxPow10In256 = 77;

/// 10^n for 0 ≤ n ≤ 77.
inline constexpr std::array<UInt256, kMaxPow10In256 + 1> kPow10Wide = [] {
    std::array<UInt256, kMaxPow10In256 + 1> table{};
    table[0] = UInt256(1);
    for (int i = 1; i <= kMaxPow10In256; ++i) {
        multiplyOverflow(table[i - 1], UInt256(10), table[i]);
    }
    return table;
}();

}  // namespace ferris::types
