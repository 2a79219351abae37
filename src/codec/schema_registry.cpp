#include "codec/schema_registry.h"

#include <httplib.h>
#include <simdjson.h>

#include <fmt/format.h>

#include "codec/encoder.h"

namespace ferris::codec {

namespace {

constexpr const char* kContentType = "application/vnd.schemaregistry.v1+json";

/// Percent-encodes a path segment (subject names may hold any character).
std::string encodeSegment(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                          c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += kHex[byte >> 4];
            out += kHex[byte & 15];
        }
    }
    return out;
}

std::string describeTransportError(httplib::Error error) {
    switch (error) {
        case httplib::Error::Connection: return "could not connect";
        case httplib::Error::ConnectionTimeout: return "timed out connecting";
        case httplib::Error::Read: return "no complete answer (timed out or connection closed)";
        case httplib::Error::Write: return "could not send the request";
        case httplib::Error::SSLConnection: return "TLS connection failed";
        case httplib::Error::SSLServerVerification: return "TLS server verification failed";
        default: return fmt::format("HTTP client error: {}", httplib::to_string(error));
    }
}

/// The body of a request carrying a schema: {"schema": "<text>"}.
std::string schemaBody(std::string_view schema) {
    std::string body = "{\"schema\":";
    appendJsonString(schema, body);
    body += '}';
    return body;
}

Status malformedAnswer(std::string_view what, std::string_view body) {
    std::string shown = body.size() > 200 ? std::string(body.substr(0, 200)) + "…" : std::string(body);
    return Status::system(ErrorCode::kIoError, fmt::format("schema registry: unexpected answer to {}: {}", what, shown));
}

}  // namespace

std::string subjectName(SubjectNameStrategy strategy, std::string_view topic, bool isKey,
                        std::string_view recordFullName) {
    switch (strategy) {
        case SubjectNameStrategy::kTopicName: return fmt::format("{}-{}", topic, isKey ? "key" : "value");
        case SubjectNameStrategy::kRecordName: return std::string(recordFullName);
        case SubjectNameStrategy::kTopicRecordName: return fmt::format("{}-{}", topic, recordFullName);
    }
    return std::string(topic);
}

/// The HTTP client, kept out of the header (httplib.h is large).
struct SchemaRegistryClient::Connection {
    explicit Connection(const std::string& schemeHostPort) : client(schemeHostPort) {}
    httplib::Client client;
    std::string origin;  ///< "http://host:port", for messages
};

Result<std::unique_ptr<SchemaRegistryClient>> SchemaRegistryClient::make(SchemaRegistryConfig config) {
    std::string_view url = config.url;
    size_t schemeEnd = url.find("://");
    if (schemeEnd == std::string_view::npos ||
        (url.substr(0, schemeEnd) != "http" && url.substr(0, schemeEnd) != "https")) {
        return Status::user(ErrorCode::kConfigError,
                            fmt::format("schema registry URL '{}' must start with http:// or https://", url));
    }
    size_t pathStart = url.find('/', schemeEnd + 3);
    std::string origin(url.substr(0, pathStart));
    std::string basePath = pathStart == std::string_view::npos ? "" : std::string(url.substr(pathStart));
    while (!basePath.empty() && basePath.back() == '/') basePath.pop_back();
    if (origin.size() == schemeEnd + 3) {
        return Status::user(ErrorCode::kConfigError, fmt::format("schema registry URL '{}' has no host", url));
    }
    auto connection = std::make_unique<Connection>(origin);
    if (!connection->client.is_valid()) {
        return Status::user(ErrorCode::kConfigError,
                            fmt::format("schema registry URL '{}' is not usable (https needs TLS support)", url));
    }
    connection->origin = origin;
    connection->client.set_connection_timeout(config.timeout);
    connection->client.set_read_timeout(config.timeout);
    connection->client.set_write_timeout(config.timeout);
    connection->client.set_keep_alive(true);
    if (!config.basicAuthUserInfo.empty()) {
        size_t colon = config.basicAuthUserInfo.find(':');
        if (colon == std::string::npos) {
            return Status::user(ErrorCode::kConfigError, "schema registry basic auth must be given as user:password");
        }
        connection->client.set_basic_auth(config.basicAuthUserInfo.substr(0, colon),
                                          config.basicAuthUserInfo.substr(colon + 1));
    }
    return std::unique_ptr<SchemaRegistryClient>(
        new SchemaRegistryClient(std::move(config), std::move(connection), std::move(basePath)));
}

SchemaRegistryClient::SchemaRegistryClient(SchemaRegistryConfig config, std::unique_ptr<Connection> connection,
                                           std::string basePath)
    : config_(std::move(config)), basePath_(std::move(basePath)), connection_(std::move(connection)) {}

SchemaRegistryClient::~SchemaRegistryClient() = default;

uint64_t SchemaRegistryClient::requestCount() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
}

Result<std::string> SchemaRegistryClient::send(std::string_view method, const std::string& path,
                                               const std::string* body) {
    std::string fullPath = basePath_ + path;
    std::string url = connection_->origin + fullPath;
    httplib::Headers headers = {{"Accept", kContentType}};
    ++requests_;
    httplib::Result result = body != nullptr ? connection_->client.Post(fullPath, headers, *body, kContentType)
                                             : connection_->client.Get(fullPath, headers);
    if (!result) {
        return Status::system(ErrorCode::kIoError, fmt::format("schema registry: {} {} failed: {}", method, url,
                                                               describeTransportError(result.error())));
    }
    int status = result->status;
    if (status >= 200 && status < 300) return std::move(result->body);
    // The registry's error body: {"error_code": 40403, "message": "Schema not found."}.
    std::string detail;
    simdjson::dom::parser parser;
    simdjson::dom::element element;
    int64_t errorCode = 0;
    std::string_view message;
    if (parser.parse(result->body).get(element) == simdjson::SUCCESS &&
        element["error_code"].get_int64().get(errorCode) == simdjson::SUCCESS &&
        element["message"].get_string().get(message) == simdjson::SUCCESS) {
        detail = fmt::format("error_code {}: {}", errorCode, message);
    } else {
        std::string_view text = result->body;
        detail = text.empty() ? "no error body" : std::string(text.substr(0, 200));
    }
    std::string text = fmt::format("schema registry: {} {} failed: HTTP {}, {}", method, url, status, detail);
    if (status >= 400 && status < 500) return Status::user(ErrorCode::kInvalidValue, std::move(text));
    return Status::system(ErrorCode::kIoError, std::move(text));
}

Result<int32_t> SchemaRegistryClient::registerSchema(std::string_view subject, std::string_view schema) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto key = std::make_pair(std::string(subject), std::string(schema));
    auto cached = idsBySubjectSchema_.find(key);
    if (cached != idsBySubjectSchema_.end()) return cached->second;
    std::string body = schemaBody(schema);
    FERRIS_ASSIGN_OR_RETURN(std::string answer,
                            send("POST", fmt::format("/subjects/{}/versions", encodeSegment(subject)), &body));
    simdjson::dom::parser parser;
    simdjson::dom::element element;
    int64_t id = 0;
    if (parser.parse(answer).get(element) != simdjson::SUCCESS ||
        element["id"].get_int64().get(id) != simdjson::SUCCESS || id < INT32_MIN || id > INT32_MAX) {
        return malformedAnswer("a schema registration", answer);
    }
    auto id32 = static_cast<int32_t>(id);
    idsBySubjectSchema_.emplace(std::move(key), id32);
    schemasById_.emplace(id32, std::string(schema));
    return id32;
}

Result<std::string> SchemaRegistryClient::schemaById(int32_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto cached = schemasById_.find(id);
    if (cached != schemasById_.end()) return cached->second;
    FERRIS_ASSIGN_OR_RETURN(std::string answer, send("GET", fmt::format("/schemas/ids/{}", id), nullptr));
    simdjson::dom::parser parser;
    simdjson::dom::element element;
    std::string_view schema;
    if (parser.parse(answer).get(element) != simdjson::SUCCESS ||
        element["schema"].get_string().get(schema) != simdjson::SUCCESS) {
        return malformedAnswer(fmt::format("the schema of id {}", id), answer);
    }
    std::string text(schema);
    schemasById_.emplace(id, text);
    return text;
}

Result<RegisteredSchema> SchemaRegistryClient::schemaByVersion(std::string_view subject, std::string_view version) {
    std::lock_guard<std::mutex> lock(mutex_);
    FERRIS_ASSIGN_OR_RETURN(
        std::string answer,
        send("GET", fmt::format("/subjects/{}/versions/{}", encodeSegment(subject), encodeSegment(version)), nullptr));
    simdjson::dom::parser parser;
    simdjson::dom::element element;
    RegisteredSchema registered;
    std::string_view subjectText;
    std::string_view schema;
    int64_t id = 0;
    int64_t number = 0;
    if (parser.parse(answer).get(element) != simdjson::SUCCESS ||
        element["subject"].get_string().get(subjectText) != simdjson::SUCCESS ||
        element["id"].get_int64().get(id) != simdjson::SUCCESS ||
        element["version"].get_int64().get(number) != simdjson::SUCCESS ||
        element["schema"].get_string().get(schema) != simdjson::SUCCESS) {
        return malformedAnswer(fmt::format("version {} of subject '{}'", version, subject), answer);
    }
    registered.subject = std::string(subjectText);
    registered.id = static_cast<int32_t>(id);
    registered.version = static_cast<int32_t>(number);
    registered.schema = std::string(schema);
    schemasById_.emplace(registered.id, registered.schema);
    idsBySubjectSchema_.emplace(std::make_pair(registered.subject, registered.schema), registered.id);
    return registered;
}

Result<bool> SchemaRegistryClient::isCompatible(std::string_view subject, std::string_view version,
                                                std::string_view schema) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string body = schemaBody(schema);
    FERRIS_ASSIGN_OR_RETURN(std::string answer, send("POST",
                                                     fmt::format("/compatibility/subjects/{}/versions/{}",
                                                                 encodeSegment(subject), encodeSegment(version)),
                                                     &body));
    simdjson::dom::parser parser;
    simdjson::dom::element element;
    if (parser.parse(answer).get(element) == simdjson::SUCCESS) {
        bool compatible = false;
        std::string_view text;
        if (element["is_compatible"].get_bool().get(compatible) == simdjson::SUCCESS) return compatible;
        // Old registries answered with a string: {"is_compatible": "true"}.
        if (element["is_compatible"].get_string().get(text) == simdjson::SUCCESS &&
            (text == "true" || text == "false")) {
            return text == "true";
        }
    }
    return malformedAnswer("a compatibility check", answer);
}

}  // namespace ferris::codec
