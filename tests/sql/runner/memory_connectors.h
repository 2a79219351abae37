#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "connectors/connector_registry.h"
#include "runtime/job_clock.h"

namespace ferris::testing {

/// The records of one memory source, appended by `input` directives: per partition, the
/// encoded records in order (offset = index).
struct MemoryTopic {
    std::vector<std::vector<std::shared_ptr<const std::string>>> partitions;
    bool ended = false;
};

/// The runner's memory topics by source name, and the captured stdout.
struct MemoryWorld {
    std::map<std::string, std::shared_ptr<MemoryTopic>> topics;
    std::shared_ptr<std::string> stdoutText = std::make_shared<std::string>();
    /// `cost D`: every record the stdout sink takes moves this clock on by D (µs), as if
    /// processing it took that long.
    runtime::VirtualClock* clock = nullptr;
    int64_t costMicrosPerRecord = 0;
};

/// Registers `memory_source` (reads a MemoryTopic of the world; options: partitions,
/// format json|csv) and replaces `stdout_sink` with one writing into world.stdoutText.
void registerMemoryConnectors(connectors::ConnectorRegistry& registry, std::shared_ptr<MemoryWorld> world);

}  // namespace ferris::testing
