#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "connectors/connector_registry.h"

namespace ferris::connectors {
namespace {

plan::ConnectorDecl decl(std::string name, std::vector<std::pair<std::string, std::string>> keys) {
    plan::ConnectorDecl out;
    out.name = std::move(name);
    for (auto& [key, value] : keys) out.properties.add({key, value, out.name + "." + key, {}});
    return out;
}

std::vector<std::pair<std::string, std::string>> keysOf(const plan::ConnectorDecl& decl) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& property : decl.properties.entries())
        out.emplace_back(property.key, property.value);
    return out;
}

TEST(DlqReplaySourceDeclTest, TheReplayReadsAsItsOwnGroupFromTheStartOnTheSinksBroker) {
    auto source = decl("src", {{"type", "kafka_source"},
                               {"topic", "in"},
                               {"bootstrap.servers", "source:9092"},
                               {"kafka.ssl.ca.location", "/source.pem"},
                               {"group.id", "mine"},
                               {"kafka.auto.offset.reset", "latest"},
                               {"format", "avro"},
                               {"kafka.fetch.max.bytes", "1000000"}});
    auto sink = decl("out", {{"type", "kafka_sink"},
                             {"topic", "out"},
                             {"bootstrap.servers", "sink:9092"},
                             {"security.protocol", "ssl"},
                             {"kafka.ssl.ca.location", "/sink.pem"},
                             {"linger.ms", "0"}});
    auto replay = dlqReplaySourceDecl(source, sink, "dead");
    EXPECT_EQ(replay.name, "src");
    EXPECT_EQ(keysOf(replay), (std::vector<std::pair<std::string, std::string>>{
                                  {"type", "kafka_source"},
                                  {"topic", "dead"},
                                  {"format", "avro"},
                                  {"kafka.fetch.max.bytes", "1000000"},
                                  {"bootstrap.servers", "sink:9092"},
                                  {"security.protocol", "ssl"},
                                  {"kafka.ssl.ca.location", "/sink.pem"},
                                  {"bounded", "latest"},
                                  {"auto.offset.reset", "earliest"}}));
}

TEST(DlqReplaySourceDeclTest, WithAFileSinkTheSourcesBrokerStays) {
    auto source = decl(
        "src", {{"type", "kafka_source"}, {"topic", "in"}, {"bootstrap.servers", "source:9092"}});
    auto sink = decl("out", {{"type", "file_sink"}, {"path", "out.jsonl"}});
    auto replay = dlqReplaySourceDecl(source, sink, "dead");
    EXPECT_EQ(keysOf(replay), (std::vector<std::pair<std::string, std::string>>{
                                  {"type", "kafka_source"},
                                  {"topic", "dead"},
                                  {"bootstrap.servers", "source:9092"},
                                  {"bounded", "latest"},
                                  {"auto.offset.reset", "earliest"}}));
}

}  // namespace
}  // namespace ferris::connectors
