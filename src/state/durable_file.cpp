#include "state/durable_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace ferris::state {
namespace {

/// Buffered bytes that trigger a write(2).
constexpr size_t kFlushThreshold = 1 << 20;

Status errnoStatus(std::string_view action, const std::filesystem::path& path, int error) {
    return Status::ioError(fmt::format("cannot {} {}: {}", action, path.string(),
                                       std::strerror(error)));
}

Status writeAll(int fd, std::string_view bytes, const std::filesystem::path& path) {
    while (!bytes.empty()) {
        ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR) continue;
            return errnoStatus("write", path, errno);
        }
        bytes.remove_prefix(static_cast<size_t>(written));
    }
    return Status::ok();
}

}  // namespace

Result<DurableFileWriter> DurableFileWriter::create(std::filesystem::path path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return errnoStatus("create", path, errno);
    return DurableFileWriter(std::move(path), fd);
}

DurableFileWriter::DurableFileWriter(DurableFileWriter&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      written_(other.written_) {}

DurableFileWriter& DurableFileWriter::operator=(DurableFileWriter&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        path_ = std::move(other.path_);
        fd_ = std::exchange(other.fd_, -1);
        buffer_ = std::move(other.buffer_);
        written_ = other.written_;
    }
    return *this;
}

DurableFileWriter::~DurableFileWriter() {
    if (fd_ >= 0) ::close(fd_);
}

Status DurableFileWriter::flush() {
    if (fd_ < 0) return Status::internal(fmt::format("{} is already closed", path_.string()));
    FERRIS_RETURN_IF_ERROR(writeAll(fd_, buffer_, path_));
    written_ += buffer_.size();
    buffer_.clear();
    return Status::ok();
}

Status DurableFileWriter::maybeFlush() {
    return buffer_.size() >= kFlushThreshold ? flush() : Status::ok();
}

Status DurableFileWriter::finish() {
    FERRIS_RETURN_IF_ERROR(flush());
    if (::fsync(fd_) != 0) return errnoStatus("fsync", path_, errno);
    int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) return errnoStatus("close", path_, errno);
    return Status::ok();
}

Status writeFileAtomically(const std::filesystem::path& path, std::string_view contents) {
    std::filesystem::path temporary = path;
    temporary += ".tmp";
    FERRIS_ASSIGN_OR_RETURN(DurableFileWriter writer, DurableFileWriter::create(temporary));
    writer.buffer().append(contents);
    FERRIS_RETURN_IF_ERROR(writer.finish());
    return renameFile(temporary, path);
}

Status renameFile(const std::filesystem::path& from, const std::filesystem::path& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) {
        return Status::ioError(fmt::format("cannot rename {} to {}: {}", from.string(),
                                           to.string(), std::strerror(errno)));
    }
    return Status::ok();
}

Status fsyncDirectory(const std::filesystem::path& directory) {
    int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return errnoStatus("open directory", directory, errno);
    int result = ::fsync(fd);
    int error = errno;
    ::close(fd);
    if (result != 0) return errnoStatus("fsync directory", directory, error);
    return Status::ok();
}

Status createDirectories(const std::filesystem::path& directory) {
    std::filesystem::path absolute = directory.lexically_normal();
    if (!absolute.has_filename()) absolute = absolute.parent_path();  // "a/b/" → "a/b"
    if (absolute.empty()) return Status::ok();
    // Walk down from the first missing ancestor, creating and fsyncing each level.
    std::vector<std::filesystem::path> missing;
    for (std::filesystem::path p = absolute; !p.empty(); p = p.parent_path()) {
        struct stat info {};
        if (::stat(p.c_str(), &info) == 0) {
            if (!S_ISDIR(info.st_mode)) {
                return Status::ioError(fmt::format("{} exists and is not a directory",
                                                   p.string()));
            }
            break;
        }
        missing.push_back(p);
        if (p == p.parent_path()) break;
    }
    std::reverse(missing.begin(), missing.end());
    for (const std::filesystem::path& p : missing) {
        if (::mkdir(p.c_str(), 0755) != 0 && errno != EEXIST) {
            return errnoStatus("create directory", p, errno);
        }
        std::filesystem::path parent = p.has_parent_path() ? p.parent_path() : ".";
        FERRIS_RETURN_IF_ERROR(fsyncDirectory(parent));
    }
    return Status::ok();
}

Result<std::string> readWholeFile(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errnoStatus("open", path, errno);
    std::string contents;
    char chunk[1 << 16];
    while (true) {
        ssize_t got = ::read(fd, chunk, sizeof chunk);
        if (got < 0) {
            if (errno == EINTR) continue;
            int error = errno;
            ::close(fd);
            return errnoStatus("read", path, error);
        }
        if (got == 0) break;
        contents.append(chunk, static_cast<size_t>(got));
    }
    ::close(fd);
    return contents;
}

Result<std::vector<std::string>> listFiles(const std::filesystem::path& directory) {
    std::vector<std::string> names;
    std::error_code error;
    std::filesystem::directory_iterator it(directory, error);
    if (error == std::errc::no_such_file_or_directory) return names;
    if (error) {
        return Status::ioError(fmt::format("cannot list {}: {}", directory.string(),
                                           error.message()));
    }
    for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
        if (error) break;
        std::error_code typeError;
        if (it->is_regular_file(typeError)) names.push_back(it->path().filename().string());
    }
    if (error) {
        return Status::ioError(fmt::format("cannot list {}: {}", directory.string(),
                                           error.message()));
    }
    std::sort(names.begin(), names.end());
    return names;
}

Status removeFile(const std::filesystem::path& path) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return errnoStatus("remove", path, errno);
    return Status::ok();
}

Status removeTree(const std::filesystem::path& directory) {
    std::error_code error;
    std::filesystem::remove_all(directory, error);
    if (error) {
        return Status::ioError(fmt::format("cannot remove {}: {}", directory.string(),
                                           error.message()));
    }
    return Status::ok();
}

}  // namespace ferris::state
