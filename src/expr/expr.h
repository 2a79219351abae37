#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "types/data_type.h"
#include "types/value.h"

namespace ferris::expr {

struct FunctionEntry;
struct BoundFunction;

/// Kinds of bound expression nodes. Most operators and functions are `kCall`s into the
/// function registry; the special forms below exist because they evaluate operands lazily
/// (only on the rows that still need them, §2.1) or have no function shape.
enum class ExprKind : uint8_t {
    kColumn,   ///< a slot of the input batch
    kLiteral,  ///< a constant
    kCall,     ///< a registry function, arguments already cast to the overload's types
    kCast,     ///< CAST(arg AS type)
    kAnd,      ///< three-valued AND; the right side runs only where the left is not FALSE
    kOr,       ///< three-valued OR; the right side runs only where the left is not TRUE
    kNot,      ///< three-valued NOT
    kCase,     ///< searched CASE: args = when1, then1, when2, then2, …, [else]
    kCoalesce, ///< first non-NULL argument; later arguments run only where needed
    kField,    ///< args[0].field of a STRUCT: `slot` is the field index
    kSubscript,  ///< args[0][args[1]]: ARRAY element (1-based) or MAP value; NULL when absent
};

class Expr;
using ExprPtr = std::shared_ptr<const Expr>;

/// A bound, typed expression (the typed expression IR of §2.1): `sql/` builds it, `plan/`
/// holds it, `runtime/` compiles it into batch kernels. Column references are slot indexes;
/// no names are looked up after binding.
class Expr {
public:
    ExprKind kind;
    types::DataType type;
    std::vector<ExprPtr> args;
    int slot = -1;                                  ///< kColumn
    types::Value literal;                           ///< kLiteral
    std::shared_ptr<const BoundFunction> function;  ///< kCall
    bool hasElse = false;                           ///< kCase
    std::string text;                               ///< source text, for messages and EXPLAIN
    SourceLocation location;

    static ExprPtr column(int slot, types::DataType type, std::string text = {});
    static ExprPtr constant(types::Value value, std::string text = {});
    static ExprPtr call(std::shared_ptr<const BoundFunction> function, std::vector<ExprPtr> args,
                        std::string text = {});
    static ExprPtr cast(ExprPtr arg, types::DataType type);
    static ExprPtr make(ExprKind kind, types::DataType type, std::vector<ExprPtr> args);

    bool isLiteral() const { return kind == ExprKind::kLiteral; }
    /// True when no node reads a column or a non-deterministic function.
    bool isConstant() const;
    /// Normalised text for EXPLAIN.
    std::string toString() const;
    /// Calls `visit` on every column slot the expression reads.
    template <typename F>
    void forEachSlot(F&& visit) const {
        if (kind == ExprKind::kColumn) visit(slot);
        for (const auto& arg : args) arg->forEachSlot(visit);
    }
};

}  // namespace ferris::expr
