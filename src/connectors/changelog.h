#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "codec/encoder.h"
#include "common/result.h"

namespace ferris::connectors {

/// Receives each record of a changelog: its key and its value (nullopt for a tombstone), in
/// the order of its partition (records of one key are in one partition, in write order).
using ChangelogVisitor =
    std::function<Status(std::string_view key, std::optional<std::string_view> value)>;

/// The state of a transactional job kept in a topic (DESIGN.md §2.2 changelog state): its
/// records are written into the job's sink transactions, so they commit or abort with the
/// output and the source offsets, and the state is read back (committed records only) when the
/// job starts or a transaction is aborted. The job decides what the keys and values mean.
class StateChangelog {
public:
    virtual ~StateChangelog() = default;

    /// Creates the topic with `partitions` partitions when it does not exist (returns true:
    /// it is empty), or checks the topic there (returns false). After the sink's open().
    virtual Result<bool> open(int partitions) = 0;
    /// The topic's partition count (after open).
    virtual int partitions() const = 0;
    /// Reads every committed record from the beginning to the end, partition by partition.
    virtual Status load(const ChangelogVisitor& visit) = 0;
    /// Produces records (hashed to partitions by key; `valueIsNull` = tombstone) into the
    /// sink's open transaction.
    virtual Status write(const codec::EncodedBatch& batch) = 0;
    /// The job's stop flag: a load waiting for an unreachable broker ends early.
    virtual void setInterrupt(const std::atomic<bool>* interrupt) = 0;
    virtual std::string describe() const = 0;
    virtual Status close() = 0;
};

}  // namespace ferris::connectors
