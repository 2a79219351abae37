#!/usr/bin/env python3
"""A small Confluent Schema Registry for tests: the endpoints FerrisStreams uses, in memory.

Endpoints (Confluent REST API v1):
  POST /subjects/{subject}/versions                      register -> {"id": n}
  GET  /schemas/ids/{id}                                 -> {"schema": "..."}
  GET  /subjects/{subject}/versions/{version|latest}     -> {"subject", "id", "version", "schema"}
  POST /compatibility/subjects/{subject}/versions/{v}    -> {"is_compatible": bool}

Ids are global and a schema keeps its id in every subject; registering a schema a subject
already holds returns its id without a new version. Compatibility is BACKWARD (the
registry's default): the new schema must read data written with the old one. Checked
simply: a record field the new schema adds needs a default, and a field both have must keep
its type (or promote it as Avro allows: int -> long/float/double, long -> float/double,
float -> double, string <-> bytes).

Error bodies are the documented ones, {"error_code": <code>, "message": <message>}, with the
codes and HTTP statuses of the Confluent Schema Registry API reference
(https://docs.confluent.io/platform/current/schema-registry/develop/api.html, and
docs/api.rst in github.com/confluentinc/schema-registry): 404 with 40401 "Subject not found",
40402 "Version not found", 40403 "Schema not found"; 422 with 42201 "Invalid schema" and
42202 "Invalid version"; 409 "Incompatible schema". The messages here are those names with
the sentences' full stops: "Subject not found.", "Version not found.", "Schema not found.",
"Invalid schema", "Incompatible schema".

Usage: schema_registry_fixture.py [--user USER --password PASSWORD] [--delay-ms N]
Listens on 127.0.0.1 on a free port and prints the port on stdout when ready. With --user,
every request needs that HTTP basic auth (401 otherwise). --delay-ms delays every answer
(for client timeout tests). Runs until stdin closes or it is killed.
"""

import argparse
import base64
import http.server
import json
import sys
import threading
import time
import urllib.parse

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"

SUBJECT_NOT_FOUND = (404, 40401, "Subject not found.")
VERSION_NOT_FOUND = (404, 40402, "Version not found.")
SCHEMA_NOT_FOUND = (404, 40403, "Schema not found.")
INVALID_SCHEMA = (422, 42201, "Invalid schema")
INVALID_VERSION = (422, 42202, "Invalid version")
INCOMPATIBLE_SCHEMA = (409, 409, "Incompatible schema")
UNAUTHORIZED = (401, 401, "Unauthorized")
NOT_FOUND = (404, 404, "HTTP 404 Not Found")

PRIMITIVES = {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
PROMOTIONS = {
    ("int", "long"), ("int", "float"), ("int", "double"), ("long", "float"), ("long", "double"),
    ("float", "double"), ("string", "bytes"), ("bytes", "string"),
}


class RegistryError(Exception):
    def __init__(self, error):
        super().__init__(error[2])
        self.status, self.code, self.message = error


def canonical(schema):
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))


def check_schema(schema, named, depth=0):
    """Raises RegistryError(INVALID_SCHEMA) unless `schema` looks like a valid Avro schema."""
    if depth > 64:
        raise RegistryError(INVALID_SCHEMA)
    if isinstance(schema, str):
        if schema not in PRIMITIVES and schema not in named:
            raise RegistryError(INVALID_SCHEMA)
        return
    if isinstance(schema, list):
        if not schema:
            raise RegistryError(INVALID_SCHEMA)
        for branch in schema:
            check_schema(branch, named, depth + 1)
        return
    if not isinstance(schema, dict) or "type" not in schema:
        raise RegistryError(INVALID_SCHEMA)
    kind = schema["type"]
    if kind in ("record", "error"):
        if not isinstance(schema.get("name"), str) or not isinstance(schema.get("fields"), list):
            raise RegistryError(INVALID_SCHEMA)
        named.add(schema["name"])
        for field in schema["fields"]:
            if not isinstance(field, dict) or not isinstance(field.get("name"), str) or "type" not in field:
                raise RegistryError(INVALID_SCHEMA)
            check_schema(field["type"], named, depth + 1)
    elif kind == "enum":
        if not isinstance(schema.get("name"), str) or not isinstance(schema.get("symbols"), list):
            raise RegistryError(INVALID_SCHEMA)
        named.add(schema["name"])
    elif kind == "fixed":
        if not isinstance(schema.get("name"), str) or not isinstance(schema.get("size"), int):
            raise RegistryError(INVALID_SCHEMA)
        named.add(schema["name"])
    elif kind == "array":
        check_schema(schema.get("items"), named, depth + 1)
    elif kind == "map":
        check_schema(schema.get("values"), named, depth + 1)
    else:
        check_schema(kind, named, depth + 1)


def type_key(schema):
    """A comparable form of a field type for the compatibility check."""
    if isinstance(schema, dict) and schema.get("type") in PRIMITIVES and len(schema) == 1:
        return schema["type"]
    return canonical(schema) if not isinstance(schema, str) else schema


def backward_compatible(new, old):
    """True when `new` can read data written with `old` (simplified BACKWARD rules)."""
    if not (isinstance(new, dict) and isinstance(old, dict) and new.get("type") == "record"
            and old.get("type") == "record"):
        new_key, old_key = type_key(new), type_key(old)
        return new_key == old_key or (old_key, new_key) in PROMOTIONS
    old_fields = {field["name"]: field for field in old["fields"]}
    for field in new["fields"]:
        previous = old_fields.get(field["name"])
        if previous is None:
            if "default" not in field:
                return False
            continue
        if not backward_compatible(field["type"], previous["type"]):
            return False
    return True


class Registry:
    def __init__(self):
        self.lock = threading.Lock()
        self.schemas = []     # id - 1 -> schema text
        self.by_canonical = {}  # canonical text -> id
        self.subjects = {}    # subject -> [id of version 1, version 2, ...]

    def parse(self, body):
        try:
            request = json.loads(body or b"{}")
            text = request["schema"]
            schema = json.loads(text)
        except (ValueError, KeyError, TypeError):
            raise RegistryError(INVALID_SCHEMA)
        if not isinstance(text, str):
            raise RegistryError(INVALID_SCHEMA)
        check_schema(schema, set())
        return text, schema

    def versions(self, subject):
        if subject not in self.subjects:
            raise RegistryError(SUBJECT_NOT_FOUND)
        return self.subjects[subject]

    def version_index(self, subject, version):
        versions = self.versions(subject)
        if version == "latest":
            return len(versions) - 1
        try:
            number = int(version)
        except ValueError:
            raise RegistryError(INVALID_VERSION)
        if number < 1 or number > 2**31 - 1:
            raise RegistryError(INVALID_VERSION)
        if number > len(versions):
            raise RegistryError(VERSION_NOT_FOUND)
        return number - 1

    def register(self, subject, body):
        text, schema = self.parse(body)
        key = canonical(schema)
        with self.lock:
            versions = self.subjects.get(subject, [])
            existing = self.by_canonical.get(key)
            if existing is not None and existing in versions:
                return {"id": existing}
            if versions:
                latest = json.loads(self.schemas[versions[-1] - 1])
                if not backward_compatible(schema, latest):
                    raise RegistryError(INCOMPATIBLE_SCHEMA)
            if existing is None:
                self.schemas.append(text)
                existing = len(self.schemas)
                self.by_canonical[key] = existing
            self.subjects.setdefault(subject, []).append(existing)
            return {"id": existing}

    def by_id(self, raw_id):
        with self.lock:
            try:
                schema_id = int(raw_id)
            except ValueError:
                raise RegistryError(SCHEMA_NOT_FOUND)
            if schema_id < 1 or schema_id > len(self.schemas):
                raise RegistryError(SCHEMA_NOT_FOUND)
            return {"schema": self.schemas[schema_id - 1]}

    def by_version(self, subject, version):
        with self.lock:
            index = self.version_index(subject, version)
            schema_id = self.subjects[subject][index]
            return {"subject": subject, "id": schema_id, "version": index + 1,
                    "schema": self.schemas[schema_id - 1]}

    def compatibility(self, subject, version, body):
        _, schema = self.parse(body)
        with self.lock:
            index = self.version_index(subject, version)
            old = json.loads(self.schemas[self.subjects[subject][index] - 1])
        return {"is_compatible": backward_compatible(schema, old)}


def make_handler(registry, credentials, delay_ms):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # quiet: tests read stdout for the port only
            pass

        def answer(self, status, payload):
            body = json.dumps(payload).encode()
            if delay_ms:
                time.sleep(delay_ms / 1000.0)
            self.send_response(status)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def fail(self, error):
            status, code, message = error
            self.answer(status, {"error_code": code, "message": message})

        def authorized(self):
            if credentials is None:
                return True
            header = self.headers.get("Authorization", "")
            expected = "Basic " + base64.b64encode(credentials.encode()).decode()
            return header == expected

        def route(self, method):
            length = int(self.headers.get("Content-Length", "0") or 0)
            body = self.rfile.read(length) if length else b""
            if not self.authorized():
                return self.fail(UNAUTHORIZED)
            parts = [urllib.parse.unquote(part) for part in urllib.parse.urlsplit(self.path).path.split("/")[1:]]
            try:
                if method == "POST" and len(parts) == 3 and parts[0] == "subjects" and parts[2] == "versions":
                    return self.answer(200, registry.register(parts[1], body))
                if method == "GET" and len(parts) == 3 and parts[:2] == ["schemas", "ids"]:
                    return self.answer(200, registry.by_id(parts[2]))
                if method == "GET" and len(parts) == 4 and parts[0] == "subjects" and parts[2] == "versions":
                    return self.answer(200, registry.by_version(parts[1], parts[3]))
                if (method == "POST" and len(parts) == 5 and parts[0] == "compatibility"
                        and parts[1] == "subjects" and parts[3] == "versions"):
                    return self.answer(200, registry.compatibility(parts[2], parts[4], body))
                return self.fail(NOT_FOUND)
            except RegistryError as error:
                return self.fail((error.status, error.code, error.message))

        def do_GET(self):
            self.route("GET")

        def do_POST(self):
            self.route("POST")

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    credentials = f"{args.user}:{args.password}" if args.user is not None else None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(Registry(), credentials, args.delay_ms))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    # Stop when the test closes our stdin (or kills us).
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
