#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "plan/plan.h"
#include "sql/parser.h"

namespace ferris::sql {

/// Binds a parsed application into a plan (DESIGN.md §1.2–§1.3): resolves every name to a
/// declaration or a slot, types every expression, inserts implicit casts, names output
/// columns, checks keys and properties' shapes, and rejects what cannot run (yet) with a
/// reason. Every error found is appended to `errors` (binding goes on with the next
/// statement); the plan is returned only when there were none.
/// `defaultAppName` is the SQL file's name without `.sql`, used when there is no @app.
/// `predeclared` sources are visible as if declared before the first statement (the SQL
/// test runner declares its memory sources this way).
Result<plan::AppPlan> bindApp(const ParsedApp& app, std::string_view defaultAppName, std::vector<Status>& errors,
                              const std::vector<plan::ConnectorDecl>& predeclared = {});

/// Names that cannot name a source or sink (§1.2): event, watermark, allowed, late,
/// failure, max, retry, dlq, batch, commit, circuit, state.
bool isReservedConnectorName(std::string_view name);

}  // namespace ferris::sql
