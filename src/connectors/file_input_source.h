#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "connectors/file_source.h"

namespace ferris::connectors {

/// The file_source connector: reads the file at its path (a FileSource) or, when the path is a
/// directory, the committed part files an exactly-once file sink writes there (part_files.h),
/// oldest first, each with a FileSource; files in progress are never read. Which of the two is
/// decided by open(), so that a job can read a directory another job of its app creates.
///
/// Directory positions are the part's name and the position in it:
/// `{"part":"part-0000000003.jsonl","offset":120,"line":4}`; `{"part":""}` before the first.
/// Bounded, it ends after the last part there is when it gets there; with `watch`, it waits
/// for the next part to be committed (woken by inotify). CSV parts each start with the same
/// header line.
class FileInputSource final : public Source {
public:
    FileInputSource(std::filesystem::path path, FileFormat format, codec::CsvOptions csv,
                    size_t chunkSize = FileSource::kDefaultChunkSize, bool watch = false);
    ~FileInputSource() override;

    Status open() override;
    Result<size_t> poll(size_t maxRecords, size_t maxBytes, std::chrono::microseconds timeout,
                        types::RawBatch& out) override;
    bool exhausted() const override;
    bool bounded() const override { return !watch_; }
    std::string position() const override;
    Status seek(std::string_view position) override;
    Result<std::string> contentDigest(std::string_view position) const override;
    std::optional<std::string> formatHeader() const override;
    std::string describe() const override;
    Status close() override;

private:
    /// A user error when `position` is of a file and the path a directory now, or the other
    /// way round.
    Status checkPositionKind(std::string_view position) const;
    std::unique_ptr<FileSource> makeReader(const std::filesystem::path& path, bool watch) const;
    /// Opens part `name` and checks its CSV header against the first part's.
    Status openPart(const std::string& name);
    /// Moves to the part after the current one; false when there is none (yet).
    Result<bool> nextPart();
    /// Watch mode: waits until the directory changes or `deadline` passes.
    void awaitChange(std::chrono::steady_clock::time_point deadline);

    std::filesystem::path path_;
    FileFormat format_;
    codec::CsvOptions csv_;
    size_t chunkSize_;
    bool watch_;
    bool directory_ = false;
    bool ended_ = false;           ///< directory, bounded: no part after the current one
    std::unique_ptr<FileSource> reader_;  ///< the file, or the current part
    std::string part_;             ///< the current part's name ("" before the first)
    std::optional<std::string> header_;
    int inotify_ = -1;             ///< directory, watch mode: the directory's events
};

}  // namespace ferris::connectors
