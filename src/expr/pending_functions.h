#pragma once

#include <string_view>

namespace ferris::expr {

/// Aggregate and analytic functions of DESIGN.md §1.3 that enter the registry with
/// stateful streaming. Until then the binder answers `not supported yet: aggregate SUM`
/// for them instead of "unknown function".
bool isPendingAggregate(std::string_view upperName);
bool isPendingAnalytic(std::string_view upperName);

}  // namespace ferris::expr
