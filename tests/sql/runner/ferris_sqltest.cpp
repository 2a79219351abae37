// ferris-sqltest: runs one SQL-file test (docs/sql-tests.md) against the real planner,
// operators, codecs and sinks, with a virtual clock and in-memory sources.

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "apps/app_loader.h"
#include "common/log.h"
#include "connectors/part_files.h"
#include "json_canonical.h"
#include "memory_connectors.h"
#include "runtime/app_runner.h"
#include "sql/binder.h"
#include "sql/error_render.h"
#include "sql/parser.h"
#include "types/number_text.h"
#include "types/time.h"

namespace ferris::testing {
namespace {

namespace fs = std::filesystem;

struct Failure {
    std::string message;
};

std::string trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    return std::string(text);
}

/// A failure the test did not announce with `expect error`.
struct PendingError {
    int exitCode = 0;
    Status status;
    std::string rendered;
};

class TestRun {
public:
    TestRun(fs::path file, std::vector<std::string> lines) : file_(std::move(file)), lines_(std::move(lines)) {
        world_ = std::make_shared<MemoryWorld>();
        registry_ = connectors::ConnectorRegistry::global();
        registerMemoryConnectors(registry_, world_);
        world_->clock = &clock_;
        char pattern[] = "/tmp/ferris-sqltest-XXXXXX";
        dir_ = ::mkdtemp(pattern);
    }

    ~TestRun() {
        jobs_.clear();
        if (std::getenv("FERRIS_KEEP_TEST_DIR") == nullptr) {
            std::error_code ignored;
            fs::remove_all(dir_, ignored);
        }
    }

    /// Runs every directive; returns the failures (empty when the test passed).
    bool run() {
        size_t i = 0;
        while (i < lines_.size()) {
            const std::string& line = lines_[i];
            if (trim(line).empty() || line[0] == '#') {
                ++i;
                continue;
            }
            size_t directiveLine = i + 1;
            std::vector<std::string> block;
            size_t next = i + 1;
            std::string word = line.substr(0, line.find(' '));
            bool takesBlock = word == "sql" || word == "input" || (word == "expect" && !line.starts_with("expect metric"));
            if (takesBlock) {
                while (next < lines_.size() && !trim(lines_[next]).empty()) block.push_back(lines_[next++]);
                // An SQL text may hold empty lines: it ends at an empty line followed by a
                // directive (or the end of the file).
                while (word == "sql" && next + 1 < lines_.size() && trim(lines_[next]).empty() &&
                       !startsDirective(lines_[next + 1])) {
                    block.push_back(lines_[next++]);
                    while (next < lines_.size() && !trim(lines_[next]).empty()) block.push_back(lines_[next++]);
                }
            }
            if (pending_ && !(word == "expect" && line.starts_with("expect error"))) {
                return fail(directiveLine, fmt::format("the app failed (exit {}) and no `expect error` followed:\n{}",
                                                       pending_->exitCode, pending_->rendered));
            }
            std::string problem = execute(line, block);
            if (!problem.empty()) return fail(directiveLine, problem);
            i = next;
        }
        if (pending_) {
            return fail(lines_.size(), fmt::format("the app failed (exit {}) and no `expect error` followed:\n{}",
                                                   pending_->exitCode, pending_->rendered));
        }
        return true;
    }

private:
    /// True when `line` starts a directive (or a comment line between directives).
    static bool startsDirective(const std::string& line) {
        if (line.empty()) return true;
        if (line[0] == '#') return true;
        static const char* kWords[] = {"source", "sql",    "input", "end",     "clock",
                                       "cost",   "commit", "crash", "restart", "expect"};
        std::string word = line.substr(0, line.find(' '));
        for (const char* known : kWords) {
            if (word == known) return true;
        }
        return false;
    }

    bool fail(size_t line, const std::string& message) {
        std::fprintf(stderr, "%s:%zu: FAILED: %s\n", file_.c_str(), line, message.c_str());
        return false;
    }

    std::string execute(const std::string& line, const std::vector<std::string>& block) {
        std::istringstream words(line);
        std::string word;
        words >> word;
        if (word == "source") return declareSource(line.substr(6));
        if (word == "sql") return startApp(block);
        if (word == "input") {
            std::string name;
            size_t partition = 0;
            words >> name >> partition;
            auto it = world_->topics.find(name);
            if (it == world_->topics.end()) return fmt::format("input for unknown source '{}'", name);
            if (partition >= it->second->partitions.size()) {
                return fmt::format("source {} has {} partition(s), no partition {}", name,
                                   it->second->partitions.size(), partition);
            }
            // `input S P repeat N`: the block's one line N times, {i} counting from 1.
            std::string repeat;
            int64_t times = 1;
            words >> repeat;
            if (!repeat.empty()) {
                std::string count;
                words >> count;
                if (repeat != "repeat" || !types::parseInt64(count, times) || times < 1 ||
                    block.size() != 1) {
                    return "input: expected `input SOURCE PARTITION [repeat N]`, repeat with one "
                           "line";
                }
            }
            for (int64_t i = 1; i <= times; ++i) {
                for (const auto& record : block) {
                    std::string text = record;
                    if (!repeat.empty()) {
                        for (size_t at = text.find("{i}"); at != std::string::npos;
                             at = text.find("{i}", at)) {
                            text.replace(at, 3, std::to_string(i));
                        }
                    }
                    it->second->partitions[partition].push_back(
                        std::make_shared<const std::string>(std::move(text)));
                }
            }
            drive();
            return "";
        }
        if (word == "end") {
            std::string name;
            words >> name;
            auto it = world_->topics.find(name);
            if (it == world_->topics.end()) return fmt::format("end of unknown source '{}'", name);
            it->second->ended = true;
            drive();
            return "";
        }
        if (word == "clock") {
            std::string amount;
            words >> amount;
            int64_t micros = 0;
            if (amount.empty() || amount[0] != '+' || !types::parseDurationShorthand(amount.substr(1), micros)) {
                return fmt::format("clock needs +DURATION such as +5s, not '{}'", amount);
            }
            clock_.advance(micros);
            drive();
            return "";
        }
        if (word == "cost") {
            // `cost 10us`: each record the stdout sink takes moves the clock on by that much.
            std::string amount;
            words >> amount;
            if (!types::parseDurationShorthand(amount, world_->costMicrosPerRecord)) {
                return fmt::format("cost needs a DURATION per record such as 10us, not '{}'",
                                   amount);
            }
            return "";
        }
        if (word == "commit") {
            for (auto& job : jobs_) {
                if (job.started && !job.failed) {
                    Status status = job.job->commit();
                    if (!status.isOk()) recordRuntimeError(status);
                }
            }
            return "";
        }
        if (word == "crash") {
            // As a SIGKILL would: nothing buffered is written, nothing is committed.
            if (!started_) return "`crash` before the `sql` block";
            return rebuildJobs();
        }
        if (word == "restart") {
            if (!started_) return "`restart` before the `sql` block";
            if (!crashed_) {
                // A graceful stop: every running job commits, then the app starts again.
                for (auto& job : jobs_) {
                    if (job.started && !job.failed && !job.ended) {
                        Status status = job.job->commit();
                        if (!status.isOk()) recordRuntimeError(status);
                    }
                }
                std::string problem = rebuildJobs();
                if (!problem.empty()) return problem;
            }
            crashed_ = false;
            drive();
            return "";
        }
        if (word == "expect") return expect(line, block);
        return fmt::format("unknown directive '{}'", word);
    }

    std::string declareSource(const std::string& rest) {
        // NAME (columns) [partitions N] [WITH (...)]
        std::string text = trim(rest);
        size_t open = text.find('(');
        if (open == std::string::npos) return "source needs NAME (columns)";
        std::string name = trim(text.substr(0, open));
        int depth = 0;
        size_t close = open;
        for (; close < text.size(); ++close) {
            if (text[close] == '(') ++depth;
            if (text[close] == ')' && --depth == 0) break;
        }
        if (close >= text.size()) return "source: unbalanced parentheses in the column list";
        std::string columns = text.substr(open, close - open + 1);
        std::string tail = trim(text.substr(close + 1));
        int partitions = 1;
        std::smatch match;
        if (std::regex_search(tail, match, std::regex(R"(^partitions\s+(\d+))"))) {
            partitions = std::stoi(match[1]);
            tail = trim(match.suffix().str());
        }
        std::string with = fmt::format("'{0}.type' = 'memory_source', '{0}.partitions' = '{1}'", name, partitions);
        if (!tail.empty()) {
            if (!tail.starts_with("WITH") && !tail.starts_with("with")) return "source: expected WITH (…) after the columns";
            std::string inner = trim(tail.substr(4));
            if (inner.size() < 2 || inner.front() != '(' || inner.back() != ')') return "source: WITH needs ( … )";
            inner = inner.substr(1, inner.size() - 2);
            inner = std::regex_replace(inner, std::regex(R"('([^']+)'\s*=)"), "'" + name + ".$1' =");
            with += ", " + inner;
        }
        std::string sql = fmt::format("CREATE STREAM {} {} WITH ({})", name, columns, with);
        auto parsed = sql::parseApp(sql);
        if (!parsed.isOk()) return "source: " + parsed.status().toString();
        std::vector<Status> errors;
        auto plan = sql::bindApp(parsed.value(), "sources", errors);
        if (!plan.isOk()) return "source: " + plan.status().toString();
        plan::ConnectorDecl decl = plan->sources.at(0);
        // Locations point into the runner's own declaration text, not the test's SQL.
        decl.location = {};
        plan::PropertyList properties;
        for (auto property : decl.properties.entries()) {
            property.location = {};
            properties.add(property);
        }
        decl.properties = properties;
        for (const auto& error : registry_.validate(decl, connectors::ConnectorRole::kSource)) {
            return "source: " + error.toString();
        }
        auto topic = std::make_shared<MemoryTopic>();
        topic->partitions.resize(static_cast<size_t>(partitions));
        world_->topics[name] = topic;
        sources_.push_back(std::move(decl));
        return "";
    }

    std::string startApp(const std::vector<std::string>& block) {
        if (started_) return "only one `sql` block per test";
        started_ = true;
        for (const auto& line : block) sqlText_ += line + "\n";
        std::vector<Status> errors;
        auto parsed = sql::parseApp(sqlText_);
        if (!parsed.isOk()) {
            errors.push_back(parsed.status());
            return validationFailed(errors);
        }
        auto plan = sql::bindApp(parsed.value(), "test", errors, sources_);
        if (!plan.isOk()) return validationFailed(errors);
        plan_ = std::move(plan).value();
        environment_.clock = &clock_;
        environment_.baseDir = dir_;
        environment_.appName = plan_.name;
        environment_.registry = &registry_;
        auto jobs = runtime::buildJobs(plan_, environment_, errors);
        if (!errors.empty()) return validationFailed(errors);
        auto dependencies = runtime::jobDependencies(jobs, dir_);
        if (!dependencies.isOk()) {
            errors.push_back(dependencies.status());
            return validationFailed(errors);
        }
        for (size_t i = 0; i < jobs.size(); ++i) {
            jobs_.push_back({std::move(jobs[i]), dependencies.value()[i]});
        }
        for (const auto& command : plan_.commands) {
            *world_->stdoutText += runtime::renderJsonLines(runtime::executeCommand(plan_, command));
        }
        drive();
        return "";
    }

    /// Drops every job (no flush, no commit) and builds the app's jobs again, not started:
    /// the next `restart` starts them from their checkpoints.
    std::string rebuildJobs() {
        jobs_.clear();
        std::vector<Status> errors;
        auto jobs = runtime::buildJobs(plan_, environment_, errors);
        if (!errors.empty()) return "rebuilding the jobs failed: " + errors.front().toString();
        auto dependencies = runtime::jobDependencies(jobs, dir_);
        if (!dependencies.isOk()) return "rebuilding the jobs failed: " + dependencies.status().toString();
        for (size_t i = 0; i < jobs.size(); ++i) jobs_.push_back({std::move(jobs[i]), dependencies.value()[i]});
        crashed_ = true;
        return "";
    }

    std::string validationFailed(const std::vector<Status>& errors) {
        pending_ = PendingError{2, errors.front(), apps::renderErrors("test.sql", sqlText_, errors)};
        return "";
    }

    void recordRuntimeError(const Status& status) {
        if (!pending_) pending_ = PendingError{1, status, status.toString()};
    }

    /// Runs every job until it has consumed all input given so far (or ended).
    void drive() {
        bool progress = true;
        while (progress) {
            progress = false;
            for (auto& entry : jobs_) {
                if (entry.ended || entry.failed) continue;
                if (!entry.started) {
                    bool ready = std::all_of(entry.dependsOn.begin(), entry.dependsOn.end(),
                                             [&](size_t dep) { return jobs_[dep].ended && !jobs_[dep].failed; });
                    if (!ready) continue;
                    Status status = entry.job->start();
                    entry.started = true;
                    if (!status.isOk()) {
                        entry.failed = true;
                        recordRuntimeError(status);
                        continue;
                    }
                }
                while (true) {
                    auto more = entry.job->step();
                    if (!more.isOk()) {
                        entry.failed = true;
                        recordRuntimeError(more.status());
                        break;
                    }
                    if (!more.value()) {
                        entry.ended = true;
                        progress = true;
                        break;
                    }
                    if (entry.job->idle()) break;
                }
            }
        }
    }

    std::vector<std::string> readRows(const std::string& sink, std::string& problem, bool& csv) {
        csv = false;
        std::string text;
        if (sink == "stdout") {
            text = *world_->stdoutText;
        } else {
            const plan::ConnectorDecl* decl = nullptr;
            for (auto& entry : jobs_) {
                if (entry.job->sinkDecl().name == sink) {
                    decl = &entry.job->sinkDecl();
                    if (entry.started) (void)entry.job->flushOutput();
                }
            }
            if (decl == nullptr) {
                problem = fmt::format("no job writes a sink named '{}'", sink);
                return {};
            }
            csv = decl->properties.get("format") == "csv";
            if (decl->properties.get("type") != "file_sink") {
                problem = fmt::format("sink {} is a {}, which the runner cannot read", sink, decl->properties.get("type"));
                return {};
            }
            text = readOutput(dir_ / decl->properties.get("path"));
        }
        std::vector<std::string> rows;
        std::istringstream in(text);
        std::string row;
        while (std::getline(in, row)) rows.push_back(row);
        return rows;
    }

    /// A file, or a directory of part files (exactly-once file output): its committed parts
    /// in order.
    static std::string readOutput(const fs::path& path) {
        if (!fs::is_directory(path)) return readFile(path);
        std::string text;
        auto names = connectors::parts::committed(path);
        if (!names.isOk()) return names.status().toString();
        for (const auto& name : names.value()) text += readFile(path / name);
        return text;
    }

    static std::string readFile(const fs::path& path) {
        std::ifstream in(path, std::ios::binary);
        std::stringstream buffer;
        buffer << in.rdbuf();
        return buffer.str();
    }

    std::string compareRows(std::vector<std::string> actual, std::vector<std::string> expected, bool sorted, bool csv) {
        auto canonical = [&](std::vector<std::string>& rows, bool isExpected) -> std::string {
            for (auto& row : rows) {
                if (csv) continue;
                std::string normal;
                if (!canonicalJson(row, normal)) {
                    return fmt::format("{} row is not JSON: {}", isExpected ? "expected" : "actual", row);
                }
                row = normal;
            }
            if (sorted) std::sort(rows.begin(), rows.end());
            return "";
        };
        std::string problem = canonical(actual, false);
        if (problem.empty()) problem = canonical(expected, true);
        if (!problem.empty()) return problem;
        if (actual == expected) return "";
        std::string message = fmt::format("rows differ ({} expected, {} actual)\n", expected.size(), actual.size());
        size_t n = std::max(actual.size(), expected.size());
        for (size_t i = 0; i < n; ++i) {
            const std::string* e = i < expected.size() ? &expected[i] : nullptr;
            const std::string* a = i < actual.size() ? &actual[i] : nullptr;
            if (e && a && *e == *a) {
                message += fmt::format("    {}\n", *a);
                continue;
            }
            if (e) message += fmt::format("  - {}\n", *e);
            if (a) message += fmt::format("  + {}\n", *a);
        }
        return message;
    }

    /// Every expected row is among the actual rows (each actual row matches at most once).
    std::string containsRows(std::vector<std::string> actual, std::vector<std::string> expected, bool csv) {
        for (auto* rows : {&actual, &expected}) {
            for (auto& row : *rows) {
                std::string normal;
                if (!csv && canonicalJson(row, normal)) row = normal;
            }
        }
        std::string missing;
        for (const auto& row : expected) {
            auto found = std::find(actual.begin(), actual.end(), row);
            if (found == actual.end()) {
                missing += fmt::format("  - {}\n", row);
            } else {
                actual.erase(found);
            }
        }
        if (missing.empty()) return "";
        return "rows missing from the output:\n" + missing;
    }

    std::string expect(const std::string& line, const std::vector<std::string>& block) {
        std::istringstream words(line);
        std::string word;
        std::string what;
        words >> word >> what;
        if (what == "error") {
            int exitCode = 0;
            std::string location;
            std::string code;
            words >> exitCode >> location >> code;
            if (!pending_) return "expected an error, but the app did not fail";
            PendingError error = *pending_;
            pending_.reset();
            SourceLocation at = error.status.location();
            std::string actualLocation = fmt::format("{}:{}", at.line, at.column);
            std::string actualCode(errorCodeName(error.status.code()));
            std::string problems;
            if (exitCode != error.exitCode) problems += fmt::format("exit {} expected, got {}; ", exitCode, error.exitCode);
            if (location != actualLocation) problems += fmt::format("location {} expected, got {}; ", location, actualLocation);
            if (code != actualCode) problems += fmt::format("code {} expected, got {}; ", code, actualCode);
            if (!block.empty() && block[0] != error.status.message()) {
                problems += fmt::format("message\n    expected: {}\n    actual:   {}\n", block[0], error.status.message());
            }
            if (!problems.empty()) return "error differs: " + problems + "\n" + error.rendered;
            return "";
        }
        if (what == "metric") {
            std::string name;
            std::string value;
            words >> name >> value;
            std::string all;
            for (auto& entry : jobs_) all += entry.job->renderMetrics();
            std::istringstream lines(all);
            std::string metric;
            while (std::getline(lines, metric)) {
                if (metric.starts_with(name + " ")) {
                    std::string actual = metric.substr(name.size() + 1);
                    if (actual == value) return "";
                    return fmt::format("metric {} is {}, expected {}", name, actual, value);
                }
            }
            if (value == "0") return "";
            return fmt::format("no metric {}; the jobs report:\n{}", name, all);
        }
        if (what == "parts") {
            // Every file in a directory of part files, committed or not, by name.
            std::string path;
            words >> path;
            std::vector<std::string> names;
            std::error_code error;
            for (fs::directory_iterator it(dir_ / path, error), end; !error && it != end; it.increment(error)) {
                names.push_back(it->path().filename().string());
            }
            std::sort(names.begin(), names.end());
            if (names == block) return "";
            return fmt::format("directory {} holds\n  {}\nexpected\n  {}", path, fmt::join(names, "\n  "),
                               fmt::join(block, "\n  "));
        }
        std::string mode;
        bool csv = false;
        std::vector<std::string> actual;
        std::string problem;
        if (what == "file") {
            std::string path;
            words >> path >> mode;
            for (auto& entry : jobs_) {
                if (entry.started) (void)entry.job->flushOutput();
            }
            std::string text = readOutput(dir_ / path);
            std::istringstream in(text);
            std::string row;
            while (std::getline(in, row)) actual.push_back(row);
        } else {
            words >> mode;
            actual = readRows(what, problem, csv);
            if (!problem.empty()) return problem;
        }
        if (mode == "contains") return containsRows(actual, block, csv);
        if (mode != "ordered" && mode != "rowsort") {
            return fmt::format("expect needs ordered, rowsort or contains, not '{}'", mode);
        }
        return compareRows(actual, block, mode == "rowsort", csv);
    }

    struct JobEntry {
        std::unique_ptr<runtime::Job> job;
        std::vector<size_t> dependsOn;
        bool started = false;
        bool ended = false;
        bool failed = false;
    };

    fs::path file_;
    std::vector<std::string> lines_;
    std::shared_ptr<MemoryWorld> world_;
    connectors::ConnectorRegistry registry_;
    runtime::VirtualClock clock_;
    fs::path dir_;
    std::vector<plan::ConnectorDecl> sources_;
    std::string sqlText_;
    plan::AppPlan plan_;
    std::vector<JobEntry> jobs_;
    std::optional<PendingError> pending_;
    bool started_ = false;
    bool crashed_ = false;  ///< jobs were dropped by `crash` and wait for `restart`
    runtime::JobEnvironment environment_;
};

}  // namespace
}  // namespace ferris::testing

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: ferris-sqltest FILE.test...\n");
        return 2;
    }
    ferris::Log::setLevel(std::getenv("FERRIS_TEST_LOG") ? ferris::LogLevel::kInfo : ferris::LogLevel::kError);
    int failed = 0;
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i]);
        if (!in) {
            std::fprintf(stderr, "%s: cannot read\n", argv[i]);
            ++failed;
            continue;
        }
        std::vector<std::string> lines;
        std::string line;
        while (std::getline(in, line)) lines.push_back(line);
        ferris::testing::TestRun run(argv[i], std::move(lines));
        if (!run.run()) ++failed;
    }
    return failed == 0 ? 0 : 1;
}
