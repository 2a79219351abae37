#pragma once

#include <string>
#include <string_view>

namespace ferris::testing {

/// A JSON text in canonical form for comparing rows as JSON values: no whitespace, object
/// keys in their written order, numbers normalised (1.0 and 1 compare equal, 1e3 and 1000
/// too). Returns false when the text is not JSON.
bool canonicalJson(std::string_view text, std::string& out);

}  // namespace ferris::testing
