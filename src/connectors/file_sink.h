#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/sink.h"

namespace ferris::connectors {

/// A file written through a userspace buffer: the file sinks' output.
class BufferedOutput {
public:
    BufferedOutput() = default;
    BufferedOutput(const BufferedOutput&) = delete;
    BufferedOutput& operator=(const BufferedOutput&) = delete;
    /// Closes the file without writing the buffer (as a crash would leave it).
    ~BufferedOutput() { abandon(); }

    /// Opens `path` with open(2) `flags` (O_WRONLY | O_CREAT | O_CLOEXEC are added).
    Status open(std::filesystem::path path, int flags);
    bool isOpen() const { return fd_ >= 0; }
    int fd() const { return fd_; }
    const std::filesystem::path& path() const { return path_; }
    /// Appends to the buffer; large writes and a full buffer go to the file.
    Status write(std::string_view data);
    /// Writes the buffer to the file.
    Status flush();
    /// Writes the buffer and fsyncs the file.
    Status sync();
    /// Drops what is buffered (the file is being truncated).
    void discardBuffer() { buffer_.clear(); }
    /// Writes the buffer and closes the file.
    Status close();
    /// Closes the file, dropping what is buffered.
    void abandon();

private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::string buffer_;
};

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
    Status close() override { return out_.close(); }

    /// Bytes written so far (buffered included).
    int64_t length() const { return length_; }
    Status flush() override { return out_.flush(); }

private:
    std::filesystem::path path_;
    std::string header_;
    BufferedOutput out_;
    int64_t length_ = 0;
};

/// Exactly-once file output (§2.2, `@job_mode: transactional`): `path` is a directory of part
/// files (part_files.h), one per commit that wrote something. A part is written as
/// `….inprogress`; prepareCommit fsyncs it and returns a state that names it pending; commit()
/// — called once the checkpoint holding that state is installed — renames it into place. So a
/// reader of the directory (file_source) sees whole commits only.
///
/// restore() returns to a checkpoint: its pending parts are renamed (the process stopped
/// between the checkpoint and the rename), every other part in progress is deleted, and so is
/// every part of a later epoch. open(truncate) deletes every part.
class PartFileSink final : public Sink {
public:
    /// `extension`: the parts' file extension (jsonl, csv); `header`: each part's first line.
    PartFileSink(std::filesystem::path directory, std::string extension, std::string header);

    Status open(bool truncate) override;
    Status write(const EncodedBatch& batch) override;
    Result<std::string> prepareCommit() override;
    Status commit() override;
    Status restore(std::string_view state) override;
    std::string describe() const override { return directory_.string(); }
    Status close() override { return out_.close(); }
    Status flush() override { return out_.flush(); }

private:
    std::filesystem::path partPath(uint64_t epoch, bool inProgress) const;

    std::filesystem::path directory_;
    std::string extension_;
    std::string header_;
    BufferedOutput out_;  ///< the part being written (epoch_), once something was written
    uint64_t epoch_ = 1;  ///< the epoch of the part being written, or of the next one
    std::vector<uint64_t> pending_;  ///< fsynced parts that the next commit() renames
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
