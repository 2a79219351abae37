#pragma once

#include <cstdint>
#include <memory>

#include "common/result.h"
#include "types/batch.h"

namespace ferris::operators {

/// What an operator may read of its job while processing a batch.
struct OperatorContext {
    int64_t nowMicros = 0;  ///< the job clock, read once per batch (NOW(), _processing_time)
};

/// A step of a job's pipeline. Operators receive batches (and, for stateful ones, time
/// advances) from the driver thread; they never do I/O. Bad rows are recorded in the
/// batch's error list, never returned as a Status (Status is for system faults).
class Operator {
public:
    virtual ~Operator() = default;
    /// Transforms `batch` in place: narrows its selection, replaces its columns.
    virtual Status process(types::Batch& batch, const OperatorContext& context) = 0;
    /// True when the operator wants no more input (LIMIT reached): the job ends.
    virtual bool finished() const { return false; }
    /// Most input rows the next batch may hold (LIMIT: the rows still wanted), so that what
    /// is read — and which bad records are reported — does not depend on batch.size.
    virtual int64_t inputBudget() const { return INT64_MAX; }
    virtual std::string name() const = 0;
};

using OperatorPtr = std::unique_ptr<Operator>;

}  // namespace ferris::operators
