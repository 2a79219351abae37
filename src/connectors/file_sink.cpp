#include "connectors/file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>

#include <fmt/format.h>

#include "connectors/part_files.h"
#include "state/durable_file.h"
#include "types/number_text.h"

namespace ferris::connectors {

namespace {
constexpr size_t kFlushThreshold = 64 << 10;

Status writeAll(int fd, const char* data, size_t size, const std::filesystem::path& path) {
    while (size > 0) {
        ssize_t written = ::write(fd, data, size);
        if (written < 0) {
            if (errno == EINTR) continue;
            return Status::ioError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
        }
        data += written;
        size -= static_cast<size_t>(written);
    }
    return Status::ok();
}

/// The number after `"<key>":` in a sink state; false when it is missing.
bool stateNumber(std::string_view state, std::string_view key, int64_t& out) {
    std::string quoted = fmt::format("\"{}\":", key);
    size_t at = state.find(quoted);
    if (at == std::string_view::npos) return false;
    size_t begin = at + quoted.size();
    return types::parseInt64(state.substr(begin, state.find_first_of(",}]", begin) - begin), out);
}
}  // namespace

Status BufferedOutput::open(std::filesystem::path path, int flags) {
    abandon();
    path_ = std::move(path);
    fd_ = ::open(path_.c_str(), flags | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        return Status::user(ErrorCode::kIoError,
                            fmt::format("cannot open {} for writing: {}", path_.string(), std::strerror(errno)));
    }
    return Status::ok();
}

Status BufferedOutput::write(std::string_view data) {
    if (buffer_.empty() && data.size() >= kFlushThreshold) return writeAll(fd_, data.data(), data.size(), path_);
    buffer_ += data;
    if (buffer_.size() >= kFlushThreshold) return flush();
    return Status::ok();
}

Status BufferedOutput::flush() {
    if (buffer_.empty()) return Status::ok();
    FERRIS_RETURN_IF_ERROR(writeAll(fd_, buffer_.data(), buffer_.size(), path_));
    buffer_.clear();
    return Status::ok();
}

Status BufferedOutput::sync() {
    FERRIS_RETURN_IF_ERROR(flush());
    if (::fsync(fd_) != 0) return Status::ioError(fmt::format("cannot fsync {}: {}", path_.string(), std::strerror(errno)));
    return Status::ok();
}

Status BufferedOutput::close() {
    if (fd_ < 0) return Status::ok();
    Status status = flush();
    abandon();
    return status;
}

void BufferedOutput::abandon() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    buffer_.clear();
}

FileSink::FileSink(std::filesystem::path path, std::string header)
    : path_(std::move(path)), header_(std::move(header)) {}

FileSink::~FileSink() = default;

Status FileSink::open(bool truncate) {
    std::error_code ignored;
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ignored);
    FERRIS_RETURN_IF_ERROR(out_.open(path_, truncate ? O_TRUNC : 0));
    off_t end = ::lseek(out_.fd(), 0, SEEK_END);
    if (end < 0) return Status::ioError(fmt::format("cannot seek {}: {}", path_.string(), std::strerror(errno)));
    length_ = end;
    if (length_ == 0 && !header_.empty()) {
        FERRIS_RETURN_IF_ERROR(out_.write(header_));
        length_ += static_cast<int64_t>(header_.size());
    }
    return Status::ok();
}

Status FileSink::write(const EncodedBatch& batch) {
    length_ += static_cast<int64_t>(batch.data.size());
    return out_.write(batch.data);
}

Result<std::string> FileSink::prepareCommit() {
    FERRIS_RETURN_IF_ERROR(out_.sync());
    return fmt::format("{{\"length\":{}}}", length_);
}

Status FileSink::restore(std::string_view state) {
    int64_t length = 0;
    if (!stateNumber(state, "length", length)) return Status::internal(fmt::format("bad file sink state '{}'", state));
    out_.discardBuffer();
    if (::ftruncate(out_.fd(), length) != 0) {
        return Status::ioError(fmt::format("cannot truncate {}: {}", path_.string(), std::strerror(errno)));
    }
    if (::lseek(out_.fd(), length, SEEK_SET) < 0) {
        return Status::ioError(fmt::format("cannot seek {}: {}", path_.string(), std::strerror(errno)));
    }
    length_ = length;
    return Status::ok();
}

PartFileSink::PartFileSink(std::filesystem::path directory, std::string extension, std::string header)
    : directory_(std::move(directory)), extension_(std::move(extension)), header_(std::move(header)) {}

std::filesystem::path PartFileSink::partPath(uint64_t epoch, bool inProgress) const {
    std::string name = parts::name(epoch, extension_);
    if (inProgress) name += parts::kInProgress;
    return directory_ / name;
}

Status PartFileSink::open(bool truncate) {
    FERRIS_RETURN_IF_ERROR(state::createDirectories(directory_).withContext(
        "exactly-once file output (@job_mode: transactional) writes a directory of part files"));
    FERRIS_ASSIGN_OR_RETURN(auto names, state::listFiles(directory_));
    epoch_ = 1;
    bool removed = false;
    for (const auto& name : names) {
        auto epoch = parts::epochOf(name);
        if (!epoch) continue;
        // A fresh start (no checkpoint) writes the output again from its first part.
        if (truncate) {
            FERRIS_RETURN_IF_ERROR(state::removeFile(directory_ / name));
            removed = true;
        } else {
            epoch_ = std::max(epoch_, *epoch + 1);
        }
    }
    if (removed) FERRIS_RETURN_IF_ERROR(state::fsyncDirectory(directory_));
    pending_.clear();
    return Status::ok();
}

Status PartFileSink::write(const EncodedBatch& batch) {
    if (batch.data.empty()) return Status::ok();
    if (!out_.isOpen()) {
        FERRIS_RETURN_IF_ERROR(out_.open(partPath(epoch_, /*inProgress=*/true), O_TRUNC));
        if (!header_.empty()) FERRIS_RETURN_IF_ERROR(out_.write(header_));
    }
    return out_.write(batch.data);
}

Result<std::string> PartFileSink::prepareCommit() {
    if (out_.isOpen()) {
        FERRIS_RETURN_IF_ERROR(out_.sync());
        FERRIS_RETURN_IF_ERROR(out_.close());
        pending_.push_back(epoch_++);
    }
    std::string state = fmt::format("{{\"next\":{},\"pending\":[", epoch_);
    for (size_t i = 0; i < pending_.size(); ++i) state += fmt::format("{}{}", i == 0 ? "" : ",", pending_[i]);
    return state + "]}";
}

Status PartFileSink::commit() {
    if (pending_.empty()) return Status::ok();
    for (uint64_t epoch : pending_) {
        FERRIS_RETURN_IF_ERROR(state::renameFile(partPath(epoch, true), partPath(epoch, false)));
    }
    pending_.clear();
    return state::fsyncDirectory(directory_);
}

Status PartFileSink::restore(std::string_view state) {
    out_.abandon();
    pending_.clear();
    int64_t next = 0;
    if (!state.empty() && (!stateNumber(state, "next", next) || next < 1)) {
        return Status::internal(fmt::format("bad file sink state '{}'", state));
    }
    // The checkpoint's pending parts were fsynced before it was installed: they are output.
    std::vector<uint64_t> committed;
    size_t list = state.find("\"pending\":[");
    if (list != std::string_view::npos) {
        std::string_view rest = state.substr(list + 11, state.find(']', list) - list - 11);
        while (!rest.empty()) {
            size_t comma = rest.find(',');
            int64_t epoch = 0;
            if (!types::parseInt64(rest.substr(0, comma), epoch) || epoch < 1) {
                return Status::internal(fmt::format("bad file sink state '{}'", state));
            }
            committed.push_back(static_cast<uint64_t>(epoch));
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        }
    }
    for (uint64_t epoch : committed) {
        if (std::filesystem::exists(partPath(epoch, true))) {
            FERRIS_RETURN_IF_ERROR(state::renameFile(partPath(epoch, true), partPath(epoch, false)));
        }
    }
    // Everything else in progress, and every part after the checkpoint, is not output.
    FERRIS_ASSIGN_OR_RETURN(auto names, state::listFiles(directory_));
    uint64_t highest = 0;
    for (const auto& name : names) {
        auto epoch = parts::epochOf(name);
        if (!epoch) continue;
        if (parts::inProgress(name) || (next > 0 && *epoch >= static_cast<uint64_t>(next))) {
            FERRIS_RETURN_IF_ERROR(state::removeFile(directory_ / name));
        } else {
            highest = std::max(highest, *epoch);
        }
    }
    FERRIS_RETURN_IF_ERROR(state::fsyncDirectory(directory_));
    epoch_ = next > 0 ? static_cast<uint64_t>(next) : highest + 1;
    return Status::ok();
}

Status StdoutSink::open(bool) {
    if (!header_.empty()) std::fwrite(header_.data(), 1, header_.size(), stdout);
    return Status::ok();
}

Status StdoutSink::write(const EncodedBatch& batch) {
    if (std::fwrite(batch.data.data(), 1, batch.data.size(), stdout) != batch.data.size()) {
        return Status::ioError(fmt::format("cannot write to stdout: {}", std::strerror(errno)));
    }
    return Status::ok();
}

Result<std::string> StdoutSink::prepareCommit() {
    std::fflush(stdout);
    return std::string("{}");
}

Status StdoutSink::close() {
    std::fflush(stdout);
    return Status::ok();
}

}  // namespace ferris::connectors
