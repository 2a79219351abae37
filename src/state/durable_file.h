#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"

namespace ferris::state {

/// A file opened for writing from scratch whose bytes are made durable by finish(): the
/// building block of every checkpoint file. Writes go through a userspace buffer.
class DurableFileWriter {
public:
    /// Creates (or truncates) `path` for writing.
    static Result<DurableFileWriter> create(std::filesystem::path path);

    DurableFileWriter(DurableFileWriter&& other) noexcept;
    DurableFileWriter& operator=(DurableFileWriter&& other) noexcept;
    DurableFileWriter(const DurableFileWriter&) = delete;
    DurableFileWriter& operator=(const DurableFileWriter&) = delete;
    /// Closes the file if finish() was not reached; its contents are then unspecified.
    ~DurableFileWriter();

    /// The buffer to append to; flushed to the file when it grows past the flush threshold.
    std::string& buffer() { return buffer_; }
    /// Writes the buffer out if it has grown past the flush threshold.
    Status maybeFlush();
    /// Writes the buffer, fsyncs and closes the file.
    Status finish();

    /// Bytes written or buffered so far.
    uint64_t size() const { return written_ + buffer_.size(); }
    const std::filesystem::path& path() const { return path_; }

private:
    DurableFileWriter(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}
    Status flush();

    std::filesystem::path path_;
    int fd_ = -1;
    std::string buffer_;
    uint64_t written_ = 0;
};

/// Writes `contents` to `<path>.tmp`, fsyncs it and renames it over `path`. The rename is
/// durable once the parent directory is fsynced (fsyncDirectory).
Status writeFileAtomically(const std::filesystem::path& path, std::string_view contents);

/// Renames `from` to `to` (replacing `to`); durable once the directory is fsynced.
Status renameFile(const std::filesystem::path& from, const std::filesystem::path& to);

/// Makes the directory's entries (creations, renames, deletions) durable.
Status fsyncDirectory(const std::filesystem::path& directory);

/// Creates `directory` and any missing parents, fsyncing each parent of a created directory.
Status createDirectories(const std::filesystem::path& directory);

/// Reads a whole file; a missing file is an error naming it.
Result<std::string> readWholeFile(const std::filesystem::path& path);

/// Names (not paths) of the regular files directly inside `directory`, sorted; empty when
/// the directory does not exist.
Result<std::vector<std::string>> listFiles(const std::filesystem::path& directory);

/// Removes a file; a missing file is not an error.
Status removeFile(const std::filesystem::path& path);

/// Removes a directory and everything under it; a missing directory is not an error.
Status removeTree(const std::filesystem::path& directory);

}  // namespace ferris::state
