#include "expr/function_registry.h"

namespace ferris::expr {

void registerHeaderFunctions(FunctionRegistry& registry) { (void)registry; }

}  // namespace ferris::expr
