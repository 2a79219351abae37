// The analytic functions of DESIGN.md §1.3 that are not aggregates: ROW_NUMBER, RANK,
// DENSE_RANK, LAG and LEAD. They exist only with OVER; the binder types them (their result
// depends on the OVER clause) and the OVER operator evaluates them. Every aggregate is an
// analytic function as well, over a frame.

#include <fmt/format.h>

#include "expr/function_registry.h"

namespace ferris::expr {

namespace {

FunctionEntry analyticEntry(std::string name, std::vector<std::string> signatures, std::string description) {
    FunctionEntry entry;
    entry.name = std::move(name);
    entry.kind = FunctionKind::kAnalytic;
    entry.category = "analytic";
    entry.signatures = std::move(signatures);
    entry.description = std::move(description);
    entry.resolve = [](const FunctionEntry& self, std::span<const ArgInfo>) -> Result<BoundFunction> {
        return Status::user(ErrorCode::kInvalidQuery,
                            fmt::format("{} is an analytic function: it needs OVER (PARTITION BY … ORDER BY …)",
                                        self.name));
    };
    return entry;
}

}  // namespace

void registerAnalyticFunctions(FunctionRegistry& registry) {
    registry.add(analyticEntry("ROW_NUMBER", {"ROW_NUMBER() OVER (…) -> BIGINT"},
                               "1, 2, 3, … in event-time order within the partition (ties in arrival order)"));
    registry.add(analyticEntry("RANK", {"RANK() OVER (…) -> BIGINT"},
                               "the row's rank by event time within the partition; peers share a rank, and "
                               "the next rank skips"));
    registry.add(analyticEntry("DENSE_RANK", {"DENSE_RANK() OVER (…) -> BIGINT"},
                               "as RANK, without gaps after peers"));
    registry.add(analyticEntry("LAG", {"LAG(x [, offset [, default]]) OVER (…) -> type of x"},
                               "x of the row `offset` rows before (default 1) in the partition, else default "
                               "(NULL)"));
    registry.add(analyticEntry("LEAD", {"LEAD(x [, offset [, default]]) OVER (…) -> type of x"},
                               "x of the row `offset` rows after (default 1) in the partition, else default "
                               "(NULL); a row waits for its following rows, or for end of input"));
}

}  // namespace ferris::expr
