#include "expr/function_registry.h"

namespace ferris::expr {

void registerMathFunctions(FunctionRegistry& registry) { (void)registry; }

}  // namespace ferris::expr
