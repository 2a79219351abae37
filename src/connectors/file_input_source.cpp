#include "connectors/file_input_source.h"

#include <fmt/format.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "connectors/part_files.h"

namespace ferris::connectors {

namespace {

constexpr std::string_view kPartKey = "{\"part\":\"";

/// Splits a directory position into the part's name and the position in it (as a
/// FileSource writes one); false when it is not one.
bool splitPosition(std::string_view position, std::string_view& part, std::string& inner) {
    if (!position.starts_with(kPartKey)) return false;
    size_t end = position.find('"', kPartKey.size());
    if (end == std::string_view::npos) return false;
    part = position.substr(kPartKey.size(), end - kPartKey.size());
    std::string_view rest = position.substr(end + 1);  // `,"offset":…}` or `}`
    inner.clear();
    if (rest.starts_with(',')) {
        inner.push_back('{');
        inner.append(rest.substr(1));
    }
    return part.empty() || !inner.empty();
}

}  // namespace

Status FileInputSource::checkPositionKind(std::string_view position) const {
    bool ofDirectory = position.starts_with(kPartKey);
    if (ofDirectory == directory_) return Status::ok();
    return Status::user(
        ErrorCode::kConfigError,
        fmt::format("{} is {} now, but the job's checkpoint was taken while it was {}: restore it, "
                    "or run the "
                    "job with --reset-state to start afresh",
                    path_.string(), directory_ ? "a directory of part files" : "a file",
                    ofDirectory ? "a directory of part files" : "a file"));
}

FileInputSource::FileInputSource(std::filesystem::path path, FileFormat format, codec::CsvOptions csv,
                                 size_t chunkSize, bool watch)
    : path_(std::move(path)), format_(format), csv_(csv), chunkSize_(chunkSize), watch_(watch) {}

FileInputSource::~FileInputSource() { (void)close(); }

std::unique_ptr<FileSource> FileInputSource::makeReader(const std::filesystem::path& path, bool watch) const {
    return std::make_unique<FileSource>(path, format_, csv_, chunkSize_, watch);
}

Status FileInputSource::open() {
    std::error_code ignored;
    directory_ = std::filesystem::is_directory(path_, ignored);
    if (!directory_) {
        reader_ = makeReader(path_, watch_);
        return reader_->open();
    }
    if (watch_ && inotify_ < 0) {
        // Woken when a part is renamed into place; also looked at every 100 ms (NFS, FUSE).
        inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (inotify_ >= 0 && inotify_add_watch(inotify_, path_.c_str(), IN_MOVED_TO | IN_CREATE | IN_CLOSE_WRITE) < 0) {
            ::close(inotify_);
            inotify_ = -1;
        }
    }
    reader_.reset();
    part_.clear();
    header_.reset();
    ended_ = false;
    FERRIS_ASSIGN_OR_RETURN(bool any, nextPart());
    if (!any && format_ == FileFormat::kCsv && csv_.header) {
        return Status::user(ErrorCode::kIoError,
                            fmt::format("{}: the directory holds no committed part file yet, and a CSV source takes "
                                        "its columns from the first part's header line",
                                        path_.string()));
    }
    return Status::ok();
}

Status FileInputSource::openPart(const std::string& name) {
    auto reader = makeReader(path_ / name, /*watch=*/false);
    FERRIS_RETURN_IF_ERROR(reader->open());
    if (format_ == FileFormat::kCsv && csv_.header) {
        auto header = reader->formatHeader();
        if (!header_) {
            header_ = header;
        } else if (header != header_) {
            return Status::user(ErrorCode::kDecodeError,
                                fmt::format("{}: its CSV header '{}' differs from the first part's ('{}')",
                                            (path_ / name).string(), header.value_or(""), *header_));
        }
    }
    if (reader_) FERRIS_RETURN_IF_ERROR(reader_->close());
    reader_ = std::move(reader);
    part_ = name;
    return Status::ok();
}

Result<bool> FileInputSource::nextPart() {
    FERRIS_ASSIGN_OR_RETURN(auto names, parts::committed(path_));
    auto current = parts::epochOf(part_);
    for (const auto& name : names) {
        if (current && *parts::epochOf(name) <= *current) continue;
        FERRIS_RETURN_IF_ERROR(openPart(name));
        return true;
    }
    std::error_code ignored;
    if (watch_ && current && !names.empty() && !std::filesystem::exists(path_ / part_, ignored)) {
        // The part being read is gone and older epochs are there: the writer started its
        // output afresh (a rerun). As with a truncated file, it is read again from its start.
        FERRIS_LOG_WARN(
            "-",
            "{}: part {} is gone and the directory holds parts from epoch {}: its output was "
            "written afresh; reading it again from its first part",
            path_.string(), part_, *parts::epochOf(names.front()));
        FERRIS_RETURN_IF_ERROR(openPart(names.front()));
        return true;
    }
    return false;
}

void FileInputSource::awaitChange(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()) +
                std::chrono::milliseconds(1);
    auto wait = std::min<std::chrono::milliseconds>(left, std::chrono::milliseconds(100));
    if (inotify_ < 0) {
        std::this_thread::sleep_for(wait);
        return;
    }
    pollfd events{inotify_, POLLIN, 0};
    if (::poll(&events, 1, static_cast<int>(wait.count())) > 0) {
        alignas(inotify_event) char drain[4096];
        while (::read(inotify_, drain, sizeof drain) > 0) {
        }
    }
}

Result<size_t> FileInputSource::poll(size_t maxRecords, size_t maxBytes,
                                     std::chrono::microseconds timeout, types::RawBatch& out) {
    if (!directory_) return reader_->poll(maxRecords, maxBytes, timeout, out);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    size_t added = 0;
    size_t bytes = 0;
    while (added < maxRecords) {
        if (reader_ && !reader_->exhausted()) {
            // A committed part is complete: it is read to its end without waiting.
            size_t first = out.records.size();
            FERRIS_ASSIGN_OR_RETURN(
                size_t got, reader_->poll(maxRecords - added, maxBytes - std::min(bytes, maxBytes),
                                          std::chrono::microseconds(0), out));
            for (size_t i = first; i < out.records.size(); ++i)
                bytes += recordBytes(out, out.records[i]);
            added += got;
            if (got == 0 && !reader_->exhausted()) break;  // over the byte budget, or the part ends
            continue;
        }
        FERRIS_ASSIGN_OR_RETURN(bool moved, nextPart());
        if (moved) continue;
        if (!watch_) {
            ended_ = true;
            break;
        }
        if (added > 0 || std::chrono::steady_clock::now() >= deadline) break;
        awaitChange(deadline);
    }
    return added;
}

bool FileInputSource::exhausted() const {
    if (!directory_) return reader_ != nullptr && reader_->exhausted();
    return ended_;
}

std::string FileInputSource::position() const {
    if (!directory_) return reader_ != nullptr ? reader_->position() : std::string("{\"offset\":0,\"line\":1}");
    if (!reader_) return std::string(kPartKey) + "\"}";
    return fmt::format("{}{}\",{}", kPartKey, part_, reader_->position().substr(1));
}

Status FileInputSource::seek(std::string_view position) {
    if (!reader_ && !directory_) FERRIS_RETURN_IF_ERROR(open());
    FERRIS_RETURN_IF_ERROR(checkPositionKind(position));
    if (!directory_) return reader_->seek(position);
    std::string_view part;
    std::string inner;
    if (!splitPosition(position, part, inner)) {
        return Status::internal(fmt::format("bad position '{}' of the part directory {}", position, path_.string()));
    }
    ended_ = false;
    if (part.empty()) {
        if (reader_) FERRIS_RETURN_IF_ERROR(reader_->close());
        reader_.reset();
        part_.clear();
        return nextPart().status();
    }
    FERRIS_RETURN_IF_ERROR(openPart(std::string(part)));
    return reader_->seek(inner);
}

Result<std::string> FileInputSource::contentDigest(std::string_view position) const {
    FERRIS_RETURN_IF_ERROR(checkPositionKind(position));
    if (!directory_) return reader_->contentDigest(position);
    std::string_view part;
    std::string inner;
    if (!splitPosition(position, part, inner)) {
        return Status::internal(fmt::format("bad position '{}' of the part directory {}", position, path_.string()));
    }
    if (part.empty()) return std::string();
    FERRIS_ASSIGN_OR_RETURN(std::string digest, makeReader(path_ / part, false)->contentDigest(inner));
    return fmt::format("{}:{}", part, digest);
}

std::optional<std::string> FileInputSource::formatHeader() const {
    if (directory_) return header_;
    return reader_ != nullptr ? reader_->formatHeader() : std::nullopt;
}

std::string FileInputSource::describe() const { return path_.string(); }

Status FileInputSource::close() {
    Status status = reader_ ? reader_->close() : Status::ok();
    if (inotify_ >= 0) ::close(inotify_);
    inotify_ = -1;
    return status;
}

}  // namespace ferris::connectors
