#pragma once

#include <string>
#include <string_view>

namespace ferris {

/// Standard base64 (RFC 4648, with padding): BYTES in JSON and binary DLQ records.
void base64Encode(std::string_view bytes, std::string& out);
/// Decodes standard base64 (padding optional); false on any invalid character.
bool base64Decode(std::string_view text, std::string& out);

}  // namespace ferris
