#pragma once

#include <cstdint>
#include <string_view>

namespace ferris::state {

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every record in a
/// state file. Table-driven, eight bytes per step; `crc32c("123456789") == 0xE3069283`.
/// `extend` continues a checksum over more bytes: `crc32c(ab) == crc32cExtend(crc32c(a), b)`.
uint32_t crc32cExtend(uint32_t crc, std::string_view bytes);

/// The CRC-32C of `bytes`.
inline uint32_t crc32c(std::string_view bytes) { return crc32cExtend(0, bytes); }

}  // namespace ferris::state
