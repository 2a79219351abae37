#include "expr/function_registry.h"

namespace ferris::expr {

void registerJsonFunctions(FunctionRegistry& registry) { (void)registry; }

}  // namespace ferris::expr
