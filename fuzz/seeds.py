#!/usr/bin/env python3
"""Writes starting corpora for the fuzz targets from the project's own cases and examples:
corpus/scan and corpus/lookups get each test case's indicators and input (split as the targets
read them), corpus/feeds gets each example feed once per format byte. Run from this folder."""

import hashlib
import pathlib
import tomllib

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
SPLIT = b"\n--\n"
ALL_POOL = (2**32 - 1).to_bytes(4, "little")
NO_POOL = bytes(4)
FORMATS = 10  # Format::ALL has nine; the tenth value asks for detection


def write(target: str, data: bytes) -> None:
    folder = HERE / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main() -> None:
    for path in sorted((ROOT / "tests" / "cases").glob("*.toml")):
        for case in tomllib.loads(path.read_text()).get("case", []):
            indicators = case.get("indicators", "").encode()
            text = case.get("input", "").encode()
            write("scan", NO_POOL + indicators + SPLIT + text)
            write("scan", ALL_POOL + indicators + SPLIT + text)
            for token in text.split():
                write("lookups", NO_POOL + indicators + SPLIT + token[:200])
    for log in sorted((ROOT / "examples" / "logs").glob("*.log")):
        lines = log.read_bytes().splitlines(keepends=True)
        write("scan", ALL_POOL + b"".join(lines[:40]))
    for feed in sorted((ROOT / "examples" / "indicators").iterdir()):
        body = feed.read_bytes()[:4096]
        for f in range(FORMATS):
            write("feeds", bytes([f]) + body)
    print("corpora written under", HERE / "corpus")


if __name__ == "__main__":
    main()
