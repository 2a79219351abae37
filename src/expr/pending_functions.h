#pragma once

#include <string_view>

namespace ferris::expr {

/// Analytic functions of DESIGN.md §1.3 that are not in the registry yet (they come with
/// OVER). Until then the binder answers `not supported yet: analytic function ROW_NUMBER`
/// for them instead of "unknown function".
bool isPendingAnalytic(std::string_view upperName);

}  // namespace ferris::expr
