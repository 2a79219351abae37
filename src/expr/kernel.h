#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "types/batch.h"
#include "types/vector.h"

namespace ferris::expr {

/// What a kernel sees of the running job while it evaluates one batch.
class EvalContext {
public:
    EvalContext(types::Batch& batch, int64_t nowMicros) : batch_(batch), nowMicros_(nowMicros) {}

    types::Batch& batch() { return batch_; }
    uint32_t numRows() const { return batch_.numRows(); }
    /// Where kernels put the strings they create.
    types::StringArena& arena() { return batch_.arena(); }
    /// NOW() / CURRENT_TIMESTAMP, read once per batch from the job clock.
    int64_t nowMicros() const { return nowMicros_; }

    /// Records a bad row (division by zero, overflow, bad cast…): the row leaves the
    /// selection when the operator finishes and goes to the failure strategy.
    void error(uint32_t row, ErrorCode code, std::string message) {
        batch_.addError(row, code, std::move(message));
    }

private:
    types::Batch& batch_;
    int64_t nowMicros_;
};

/// A type-specialised batch kernel: one virtual call per batch, a tight typed loop inside.
/// `rows` lists the rows to compute (ascending); `out` is sized to the batch and only
/// those rows are written. Kernels of NULL-propagating functions are called only on rows
/// where every argument is non-NULL; the others handle NULLs themselves.
class Kernel {
public:
    virtual ~Kernel() = default;
    virtual void apply(EvalContext& context, std::span<const uint32_t> rows,
                       std::span<const types::Vector* const> args, types::Vector& out) = 0;
};

using KernelPtr = std::unique_ptr<Kernel>;

/// A kernel from a lambda `void(EvalContext&, rows, args, out)`; the lambda is inlined
/// into the one virtual `apply`, so the per-row loop inside it stays tight.
template <typename F>
class LambdaKernel final : public Kernel {
public:
    explicit LambdaKernel(F body) : body_(std::move(body)) {}
    void apply(EvalContext& context, std::span<const uint32_t> rows,
               std::span<const types::Vector* const> args, types::Vector& out) override {
        body_(context, rows, args, out);
    }

private:
    F body_;
};

template <typename F>
KernelPtr makeKernel(F body) {
    return std::make_unique<LambdaKernel<F>>(std::move(body));
}

}  // namespace ferris::expr
