#include "connectors/file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

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
}  // namespace

FileSink::FileSink(std::filesystem::path path, std::string header)
    : path_(std::move(path)), header_(std::move(header)) {}

FileSink::~FileSink() {
    if (fd_ >= 0) ::close(fd_);
}

Status FileSink::open(bool truncate) {
    std::error_code ignored;
    if (path_.has_parent_path()) std::filesystem::create_directories(path_.parent_path(), ignored);
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0);
    fd_ = ::open(path_.c_str(), flags, 0644);
    if (fd_ < 0) {
        return Status::user(ErrorCode::kIoError,
                            fmt::format("cannot open {} for writing: {}", path_.string(), std::strerror(errno)));
    }
    off_t end = ::lseek(fd_, 0, SEEK_END);
    if (end < 0) return Status::ioError(fmt::format("cannot seek {}: {}", path_.string(), std::strerror(errno)));
    length_ = end;
    if (length_ == 0 && !header_.empty()) {
        buffer_ += header_;
        length_ += static_cast<int64_t>(header_.size());
    }
    return Status::ok();
}

Status FileSink::write(const EncodedBatch& batch) {
    length_ += static_cast<int64_t>(batch.data.size());
    if (buffer_.empty() && batch.data.size() >= kFlushThreshold) {
        return writeAll(fd_, batch.data.data(), batch.data.size(), path_);
    }
    buffer_ += batch.data;
    if (buffer_.size() >= kFlushThreshold) return flushBuffer();
    return Status::ok();
}

Status FileSink::flushBuffer() {
    if (buffer_.empty()) return Status::ok();
    FERRIS_RETURN_IF_ERROR(writeAll(fd_, buffer_.data(), buffer_.size(), path_));
    buffer_.clear();
    return Status::ok();
}

Result<std::string> FileSink::prepareCommit() {
    FERRIS_RETURN_IF_ERROR(flushBuffer());
    if (::fsync(fd_) != 0) {
        return Status::ioError(fmt::format("cannot fsync {}: {}", path_.string(), std::strerror(errno)));
    }
    return fmt::format("{{\"length\":{}}}", length_);
}

Status FileSink::restore(std::string_view state) {
    size_t at = state.find("\"length\":");
    int64_t length = 0;
    if (at == std::string_view::npos ||
        !types::parseInt64(state.substr(at + 9, state.find('}', at) - at - 9), length)) {
        return Status::internal(fmt::format("bad file sink state '{}'", state));
    }
    buffer_.clear();
    if (::ftruncate(fd_, length) != 0) {
        return Status::ioError(fmt::format("cannot truncate {}: {}", path_.string(), std::strerror(errno)));
    }
    if (::lseek(fd_, length, SEEK_SET) < 0) {
        return Status::ioError(fmt::format("cannot seek {}: {}", path_.string(), std::strerror(errno)));
    }
    length_ = length;
    return Status::ok();
}

Status FileSink::close() {
    if (fd_ < 0) return Status::ok();
    Status status = flushBuffer();
    ::close(fd_);
    fd_ = -1;
    return status;
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
