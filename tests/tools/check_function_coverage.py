#!/usr/bin/env python3
"""Fails when a function of the registry lacks SQL-file cases, or when a scalar function that
DESIGN.md §1.3 names is missing from SHOW FUNCTIONS.

Usage: check_function_coverage.py FERRIS_DOCGEN TESTS_SQL_DIR

For every registry function (as SHOW FUNCTIONS lists it, aliases included) the SQL-file tests
must hold at least one call with a NULL argument — a NULL literal among its arguments, or a
column whose input rows (in the same test file) hold a JSON null or miss the field — and at
least one call with ordinary arguments.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

# Scalar functions named in DESIGN.md §1.3, each group one function with its aliases.
DESIGN_SCALARS = [
    "ABS", "ROUND", "CEIL|CEILING", "FLOOR", "TRUNC", "SQRT", "POWER", "EXP", "LN", "LOG10", "MOD",
    "SIGN", "LEAST", "GREATEST",
    "UPPER|UCASE", "LOWER|LCASE", "LENGTH|LEN", "SUBSTRING", "CONCAT", "TRIM", "LTRIM", "RTRIM",
    "REPLACE", "LEFT", "RIGHT", "LPAD", "RPAD", "POSITION", "SPLIT", "SPLIT_PART", "REGEXP_MATCHES",
    "REGEXP_REPLACE", "REGEXP_EXTRACT", "STARTS_WITH", "ENDS_WITH",
    "NOW", "CURRENT_TIMESTAMP", "CURRENT_DATE", "EXTRACT", "DATE_TRUNC", "DATE_FORMAT",
    "FROM_UNIXTIME", "UNIX_TIMESTAMP", "DATEDIFF", "TUMBLE_START", "TUMBLE_END",
    "COALESCE", "NULLIF", "IF|IIF",
    "JSON_VALUE", "JSON_EXTRACT", "JSON_EXISTS",
    "HEADER", "HEADER_KEYS", "HAS_HEADER", "SET_HEADER", "REMOVE_HEADER",
]

# Functions without arguments cannot take a NULL one.
NO_ARGUMENTS = {"NOW", "CURRENT_TIMESTAMP", "CURRENT_DATE", "HEADER_KEYS", "ROW_NUMBER", "RANK", "DENSE_RANK"}


def calls(text, name):
    """Yields the argument text of every call `name(…)` in text (balanced parentheses)."""
    for match in re.finditer(r"(?<![A-Za-z0-9_$])" + re.escape(name) + r"\s*\(", text, re.IGNORECASE):
        depth, i = 1, match.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        yield text[match.end():i - 1]


def main():
    docgen, sql_dir = sys.argv[1], Path(sys.argv[2])
    listed = subprocess.run([docgen, "--list-functions"], check=True, capture_output=True, text=True).stdout
    entries = [[n.strip().upper() for n in line.split(",")] for line in listed.splitlines() if line.strip()]
    shown = {name for entry in entries for name in entry}
    problems = []
    for group in DESIGN_SCALARS:
        if not any(name in shown for name in group.split("|")):
            problems.append(f"§1.3 names {group.replace('|', '/')} but SHOW FUNCTIONS does not list it")

    texts = []  # (SQL text, columns that are NULL in some input row of the same file)
    for path in sorted(sql_dir.rglob("*.test")):
        body = path.read_text(errors="replace")  # a test may hold raw non-UTF-8 input bytes
        null_columns = set()
        declared = {}
        for name, columns in re.findall(r"^source\s+(\w+)\s*\((.*)\)", body, re.MULTILINE):
            declared[name] = {c.strip().split()[0].lower() for c in re.split(r",(?![^(<]*[)>])", columns) if c.strip()}
        for name, block in re.findall(r"^input\s+(\w+).*?\n(.*?)(?:\n\n|\Z)", body, re.MULTILINE | re.DOTALL):
            for line in block.splitlines():
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if isinstance(row, dict):
                    null_columns |= {key.lower() for key, value in row.items() if value is None}
                    null_columns |= {column for column in declared.get(name, set()) if column not in {k.lower() for k in row}}
        # Only the SQL: the `sql` blocks (up to the first empty line).
        for block in re.findall(r"^sql\n(.*?)(?:\n\n|\Z)", body, re.MULTILINE | re.DOTALL):
            texts.append((block, null_columns))
    for entry in entries:
        with_null = without_null = False
        for name in entry:
            for text, null_columns in texts:
                for args in calls(text, name):
                    words = {word.lower() for word in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", args)}
                    if re.search(r"(?<![A-Za-z0-9_])NULL(?![A-Za-z0-9_])", args, re.IGNORECASE) or words & null_columns:
                        with_null = True
                    if not re.search(r"(?<![A-Za-z0-9_])NULL(?![A-Za-z0-9_])", args, re.IGNORECASE):
                        without_null = True
        if entry[0] in NO_ARGUMENTS:
            for name in entry:
                for text, _ in texts:
                    if re.search(r"(?<![A-Za-z0-9_$])" + re.escape(name) + r"(?![A-Za-z0-9_(])", text, re.IGNORECASE):
                        without_null = True  # written without parentheses: CURRENT_DATE
        label = "/".join(entry)
        if not without_null:
            problems.append(f"{label}: no SQL-file case calls it with ordinary arguments")
        if not with_null and entry[0] not in NO_ARGUMENTS:
            problems.append(f"{label}: no SQL-file case calls it with a NULL argument")
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{len(entries)} functions checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
