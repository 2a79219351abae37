// The logger (src/common/log.h): text and JSON lines, the job on every line, levels per job.

#include <gtest/gtest.h>

#include "common/log.h"

namespace ferris {
namespace {

class LogTest : public ::testing::Test {
protected:
    void TearDown() override {
        Log::setFormat(LogFormat::kText);
        ASSERT_TRUE(Log::configure("info,chatty=info,quiet=info").isOk());
    }
};

TEST_F(LogTest, JsonLinesCarryTimeLevelJobAndEscapedMessage) {
    Log::setFormat(LogFormat::kJson);
    ::testing::internal::CaptureStderr();
    FERRIS_LOG_WARN("j1", "a \"quoted\"\nline {}", 7);
    std::string line = ::testing::internal::GetCapturedStderr();
    ASSERT_EQ(line.substr(0, 9), "{\"time\":\"");
    EXPECT_EQ(line.substr(33), "\",\"level\":\"warn\",\"job\":\"j1\",\"message\":\"a \\\"quoted\\\"\\nline 7\"}\n");
}

TEST_F(LogTest, JobLevelsOverrideTheProcessLevel) {
    ASSERT_TRUE(Log::configure("warn,chatty=debug,quiet=error").isOk());
    ::testing::internal::CaptureStderr();
    FERRIS_LOG_DEBUG("chatty", "shown");
    FERRIS_LOG_INFO("other", "hidden");
    FERRIS_LOG_WARN("quiet", "hidden");
    FERRIS_LOG_WARN("other", "shown too");
    std::string text = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(text.find("DEBUG [chatty] shown\n"), std::string::npos) << text;
    EXPECT_NE(text.find("WARN  [other] shown too\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("hidden"), std::string::npos) << text;
    EXPECT_EQ(Log::configure("info,x").message(),
              "log level 'x': only the first item may be a bare level; the others are job=level");
    EXPECT_EQ(Log::configure("info,a=loud").message(),
              "unknown log level 'loud' (expected trace, debug, info, warn, error or off)");
    EXPECT_EQ(Log::parseFormat("xml").status().message(), "unknown log format 'xml' (expected text or json)");
}

}  // namespace
}  // namespace ferris
