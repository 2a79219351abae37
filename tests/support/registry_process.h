#pragma once

// The schema-registry test fixture (tests/tools/schema_registry_fixture.py) as a child
// process, for tests of the registry client and of Avro jobs.

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace ferris::testing {

/// A running schema_registry_fixture.py: started with its options, stopped by closing its
/// stdin (it exits when stdin ends).
class RegistryProcess {
public:
    explicit RegistryProcess(std::vector<std::string> options) {
        int input[2];
        int output[2];
        if (pipe(input) != 0 || pipe(output) != 0) {
            ADD_FAILURE() << "pipe failed";
            return;
        }
        std::string script =
            (std::filesystem::path(__FILE__).parent_path().parent_path() / "tools" / "schema_registry_fixture.py")
                .string();
        const char* configured = std::getenv("FERRIS_PYTHON");
        std::string python = configured != nullptr ? configured : "python3";
        std::vector<std::string> argv = {python, script};
        argv.insert(argv.end(), options.begin(), options.end());
        pid_ = fork();
        if (pid_ == 0) {
            dup2(input[0], 0);
            dup2(output[1], 1);
            close(input[1]);
            close(output[0]);
            std::vector<char*> args;
            for (auto& arg : argv) args.push_back(arg.data());
            args.push_back(nullptr);
            execvp(args[0], args.data());
            _exit(127);
        }
        close(input[0]);
        close(output[1]);
        stdin_ = input[1];
        stdout_ = output[0];
        port_ = readPort();
    }

    ~RegistryProcess() {
        if (stdin_ >= 0) close(stdin_);
        if (stdout_ >= 0) close(stdout_);
        if (pid_ > 0) {
            int status = 0;
            waitpid(pid_, &status, 0);
        }
    }

    int port() const { return port_; }
    std::string url() const { return fmt::format("http://127.0.0.1:{}", port_); }

private:
    /// The port the fixture prints when it listens (waits up to 30 s for the line).
    int readPort() {
        std::string line;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (line.find('\n') == std::string::npos) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) break;
            pollfd descriptor{stdout_, POLLIN, 0};
            if (poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) break;
            char buffer[64];
            ssize_t got = read(stdout_, buffer, sizeof buffer);
            if (got <= 0) break;
            line.append(buffer, static_cast<size_t>(got));
        }
        EXPECT_NE(line.find('\n'), std::string::npos) << "the registry fixture did not print its port: " << line;
        return std::atoi(line.c_str());
    }

    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    int port_ = 0;
};

}  // namespace ferris::testing
