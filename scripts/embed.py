#!/usr/bin/env python3
"""Turn files into a C table so the peerd binary carries its migrations and API
description with it and needs nothing on disk at run time.

usage: embed.py OUTPUT.c TABLE_NAME FILE...

The output defines `const struct embedded_file TABLE_NAME[]`, ordered as given and
ended by an entry whose name is NULL (see service/embedded.h). Each file's bytes are
written as a hex array with a trailing NUL, so the text can be used as a C string.
"""
import os
import sys


def byte_literal(byte: int) -> str:
    """A byte as a char initializer; bytes past 0x7f (UTF-8 text) are cast, since char
    is signed and -Wconversion refuses 0xe2 for it."""
    return f"(char)0x{byte:02x}" if byte > 0x7F else f"0x{byte:02x}"


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    output, table, paths = sys.argv[1], sys.argv[2], sys.argv[3:]
    lines = ['#include "embedded.h"', ""]
    for index, path in enumerate(paths):
        with open(path, "rb") as handle:
            data = handle.read()
        if b"\0" in data:
            print(f"embed.py: {path} contains a NUL byte", file=sys.stderr)
            return 1
        lines.append(f"static const char {table}_{index}[] = {{")
        body = data + b"\0"
        for start in range(0, len(body), 16):
            chunk = body[start:start + 16]
            lines.append("\t" + ", ".join(byte_literal(byte) for byte in chunk) + ",")
        lines.append("};")
    lines.append("")
    lines.append(f"const struct embedded_file {table}[] = {{")
    for index, path in enumerate(paths):
        name = os.path.basename(path)
        size = os.path.getsize(path)
        lines.append(f'\t{{"{name}", {table}_{index}, {size}}},')
    lines.append("\t{NULL, NULL, 0},")
    lines.append("};")
    with open(output, "w", encoding="ascii") as handle:
        handle.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
