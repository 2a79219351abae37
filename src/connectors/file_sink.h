#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

#include "connectors/sink.h"

namespace ferris::connectors {

/// Appends encoded lines to a file through a userspace buffer; prepareCommit flushes and
/// fsyncs and returns the file length, restore truncates back to a length. A header (CSV)
/// is written when the file is started afresh.
class FileSink final : public Sink {
public:
    FileSink(std::filesystem::path path, std::string header);
    ~FileSink() override;

    Status open(bool truncate) override;
    Status write(const EncodedBatch& batch) override;
    Result<std::string> prepareCommit() override;
    Status commit() override { return Status::ok(); }
    Status restore(std::string_view state) override;
    std::string describe() const override { return path_.string(); }
    Status close() override;

    /// Bytes written so far (buffered included).
    int64_t length() const { return length_; }
    Status flush() override { return flushBuffer(); }

private:
    Status flushBuffer();

    std::filesystem::path path_;
    std::string header_;
    int fd_ = -1;
    std::string buffer_;
    int64_t length_ = 0;
};

/// Writes encoded lines to standard output; flushed at each commit.
class StdoutSink final : public Sink {
public:
    explicit StdoutSink(std::string header) : header_(std::move(header)) {}
    Status open(bool truncate) override;
    Status write(const EncodedBatch& batch) override;
    Result<std::string> prepareCommit() override;
    Status commit() override { return Status::ok(); }
    Status restore(std::string_view) override { return Status::ok(); }
    std::string describe() const override { return "stdout"; }
    Status close() override;

private:
    std::string header_;
};

}  // namespace ferris::connectors
