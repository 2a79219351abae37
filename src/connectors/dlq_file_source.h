#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "connectors/source.h"

namespace ferris::connectors {

/// A job's DLQ file (`dlq.path`) read back for a DLQ replay: bytes [start, end) of the file,
/// one JSON entry per line (docs/operations.md "Dead-letter file"). Each entry becomes the
/// record that failed: `record` (base64-decoded when `record_encoding` says so) is the value,
/// its `position` the record's line (files) or partition and offset (Kafka), and the entry's
/// `retries` and `error_kind` its `ferris.retries` and `ferris.error.kind` headers — so that a
/// record that fails again is written back with its origin and one more retry. The position
/// is the byte offset after the last entry read.
class DlqFileSource final : public Source {
public:
    DlqFileSource(std::filesystem::path path, int64_t start, int64_t end);

    Status open() override;
    Result<size_t> poll(size_t maxRecords, size_t maxBytes, std::chrono::microseconds timeout,
                        types::RawBatch& out) override;
    bool exhausted() const override { return offset_ >= end_; }
    bool bounded() const override { return true; }
    std::string position() const override { return std::to_string(offset_); }
    Status seek(std::string_view position) override;
    std::string describe() const override { return path_.string(); }
    Status close() override;

private:
    std::filesystem::path path_;
    int64_t offset_;
    int64_t end_;
    std::ifstream in_;
    std::string line_;
};

}  // namespace ferris::connectors
