#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "types/batch.h"

namespace ferris::connectors {

/// One encoded output record: ranges in EncodedBatch::data.
struct EncodedRecord {
    uint32_t valueBegin = 0;
    uint32_t valueEnd = 0;
    uint32_t keyBegin = 0;
    uint32_t keyEnd = 0;
    bool hasKey = false;
};

/// A batch of encoded output: the bytes, and per record where its key and value are.
/// File sinks write `data` as is (records are newline-terminated lines).
struct EncodedBatch {
    std::string data;
    std::vector<EncodedRecord> records;
    size_t rows = 0;

    void clear() {
        data.clear();
        records.clear();
        rows = 0;
    }
};

/// A sink (§2.1): write batches, then make them durable with prepareCommit (which returns
/// the blob the checkpoint stores) and commit; restore(blob) rolls back to a checkpoint.
class Sink {
public:
    virtual ~Sink() = default;

    /// Opens the sink. `truncate` starts the output afresh (a job with no checkpoint).
    virtual Status open(bool truncate) = 0;
    virtual Status write(const EncodedBatch& batch) = 0;
    /// Makes everything written so far durable (flush + fsync for files) and returns the
    /// sink's commit state (e.g. the file length).
    virtual Result<std::string> prepareCommit() = 0;
    /// Hands buffered output to the operating system (no fsync): readers then see it.
    virtual Status flush() { return Status::ok(); }
    /// Finishes a commit whose checkpoint is installed.
    virtual Status commit() = 0;
    /// Returns to a state written by prepareCommit (truncates a file to its length).
    virtual Status restore(std::string_view state) = 0;
    virtual std::string describe() const = 0;
    virtual Status close() = 0;
};

}  // namespace ferris::connectors
