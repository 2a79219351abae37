#!/usr/bin/env python3
"""Avro interoperability between FerrisStreams and Apache Avro's Python library (python3-avro).

  avro_interop.py write DIR   writes python.avsc (the schema) and python.bin (the records
                              of PYTHON_RECORDS), which tests/unit/avro_test.cpp decodes
                              and checks value by value
  avro_interop.py check DIR   reads cpp.avsc and cpp.bin, written by the C++ encoder, and
                              checks they hold exactly CPP_EXPECTED

Both .bin files hold each record as a 4-byte big-endian length and the Avro binary datum.
Exit status 0 when everything matches; 1 with the differences on stderr; 2 when the avro
library is missing (which fails the test: the interoperability is not proven).
"""

import datetime
import decimal
import io
import struct
import sys

try:
    import avro.io
    import avro.schema
    from avro import timezones
except ImportError as error:
    print(f"avro_interop: python3-avro is required ({error})", file=sys.stderr)
    sys.exit(2)

UTC = timezones.utc

PYTHON_SCHEMA = """{
  "type": "record", "name": "Interop", "namespace": "com.example",
  "fields": [
    {"name": "id", "type": "long"},
    {"name": "name", "type": "string"},
    {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
    {"name": "big", "type": {"type": "bytes", "logicalType": "decimal", "precision": 38, "scale": 10}},
    {"name": "fixed_dec", "type": {"type": "fixed", "name": "Dec8", "size": 8, "logicalType": "decimal",
                                   "precision": 12, "scale": 3}},
    {"name": "ts_ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
    {"name": "ts_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
    {"name": "day", "type": {"type": "int", "logicalType": "date"}},
    {"name": "maybe", "type": ["null", "int"]},
    {"name": "maybe_text", "type": ["string", "null"]},
    {"name": "ratio", "type": "float"},
    {"name": "score", "type": "double"},
    {"name": "flag", "type": "boolean"},
    {"name": "raw", "type": "bytes"},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "attrs", "type": {"type": "map", "values": ["null", "double"]}},
    {"name": "inner", "type": ["null", {"type": "record", "name": "Inner", "fields": [
        {"name": "x", "type": "int"},
        {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN", "BLUE"]}},
        {"name": "note", "type": ["null", "string"]}
    ]}]}
  ]
}"""

PYTHON_RECORDS = [
    {
        "id": 1, "name": "alpha", "price": decimal.Decimal("187.23"),
        "big": decimal.Decimal("1234567890123456789012345678.0123456789"),
        "fixed_dec": decimal.Decimal("-1.500"),
        "ts_ms": datetime.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        "ts_us": datetime.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "day": datetime.date(2024, 2, 29), "maybe": 42, "maybe_text": "héllo",
        "ratio": 0.5, "score": -2.25, "flag": True, "raw": b"\x00\x01\xff",
        "tags": ["a", "b"], "attrs": {"k": 1.5, "n": None},
        "inner": {"x": 7, "color": "GREEN", "note": None},
    },
    {
        "id": -9000000000, "name": "", "price": decimal.Decimal("-0.01"),
        "big": decimal.Decimal("-0.0000000001"),
        "fixed_dec": decimal.Decimal("999999999.999"),
        "ts_ms": datetime.datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC),
        "ts_us": datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        "day": datetime.date(1969, 12, 31), "maybe": None, "maybe_text": None,
        "ratio": -3.0, "score": 1e300, "flag": False, "raw": b"",
        "tags": [], "attrs": {},
        "inner": None,
    },
]

# What tests/unit/avro_test.cpp writes into cpp.bin (schema: avroSchemaFor of its columns).
CPP_EXPECTED = [
    {
        "id": 7, "name": "zürich", "price": decimal.Decimal("187.23"),
        "big": decimal.Decimal("-98765432109876543210987654321.123456789"),
        "ts": datetime.datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        "day": datetime.date(2000, 1, 1), "score": 0.1, "flag": True, "raw": b"\x00\xfe",
        "tags": ["x", None, "z"], "attrs": {"a": 1, "b": None},
        "inner": {"x": 3, "note": "n"},
    },
    {
        "id": None, "name": None, "price": None, "big": None, "ts": None, "day": None,
        "score": None, "flag": None, "raw": None, "tags": None, "attrs": None, "inner": None,
    },
    {
        "id": -1, "name": "", "price": decimal.Decimal("-0.05"),
        "big": decimal.Decimal("0E-9"),
        "ts": datetime.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        "day": datetime.date(1969, 12, 31), "score": -0.0, "flag": False, "raw": b"",
        "tags": [], "attrs": {},
        "inner": {"x": None, "note": None},
    },
]


def write_records(path, schema, records):
    writer = avro.io.DatumWriter(schema)
    with open(path, "wb") as out:
        for record in records:
            buffer = io.BytesIO()
            writer.write(record, avro.io.BinaryEncoder(buffer))
            data = buffer.getvalue()
            out.write(struct.pack(">I", len(data)))
            out.write(data)


def read_records(path, schema):
    reader = avro.io.DatumReader(schema, schema)
    records = []
    with open(path, "rb") as source:
        data = source.read()
    at = 0
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        datum = data[at + 4:at + 4 + length]
        decoder = avro.io.BinaryDecoder(io.BytesIO(datum))
        records.append(reader.read(decoder))
        if decoder.reader.tell() != length:
            raise ValueError(f"record {len(records)}: {length - decoder.reader.tell()} bytes left over")
        at += 4 + length
    return records


def same(actual, expected):
    """Equal, with types: 1 is not True, -0.0 is not 0.0, Decimal digits and scale compared."""
    if isinstance(expected, decimal.Decimal):
        return isinstance(actual, decimal.Decimal) and actual.as_tuple() == expected.as_tuple()
    if isinstance(expected, float):
        return isinstance(actual, float) and struct.pack(">d", actual) == struct.pack(">d", expected)
    if isinstance(expected, dict):
        return isinstance(actual, dict) and actual.keys() == expected.keys() and all(
            same(actual[key], expected[key]) for key in expected)
    if isinstance(expected, list):
        return isinstance(actual, list) and len(actual) == len(expected) and all(
            same(a, e) for a, e in zip(actual, expected))
    return type(actual) is type(expected) and actual == expected


def check(directory):
    with open(f"{directory}/cpp.avsc") as source:
        schema = avro.schema.parse(source.read())
    records = read_records(f"{directory}/cpp.bin", schema)
    problems = []
    if len(records) != len(CPP_EXPECTED):
        problems.append(f"expected {len(CPP_EXPECTED)} records, read {len(records)}")
    for index, (actual, expected) in enumerate(zip(records, CPP_EXPECTED)):
        if actual.keys() != expected.keys():
            problems.append(f"record {index}: fields {sorted(actual)} != {sorted(expected)}")
            continue
        for key in expected:
            if not same(actual[key], expected[key]):
                problems.append(f"record {index} field {key}: read {actual[key]!r}, expected {expected[key]!r}")
    for problem in problems:
        print(f"avro_interop: {problem}", file=sys.stderr)
    return 1 if problems else 0


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "check"):
        print(__doc__, file=sys.stderr)
        return 2
    directory = sys.argv[2]
    if sys.argv[1] == "write":
        with open(f"{directory}/python.avsc", "w") as out:
            out.write(PYTHON_SCHEMA)
        write_records(f"{directory}/python.bin", avro.schema.parse(PYTHON_SCHEMA), PYTHON_RECORDS)
        return 0
    return check(directory)


if __name__ == "__main__":
    sys.exit(main())
