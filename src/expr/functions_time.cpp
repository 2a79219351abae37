#include "expr/function_registry.h"

namespace ferris::expr {

void registerTimeFunctions(FunctionRegistry& registry) { (void)registry; }

}  // namespace ferris::expr
