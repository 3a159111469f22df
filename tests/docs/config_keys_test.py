#!/usr/bin/env python3
"""unit tier: docs/config.md (and so lvsd.yaml(5), which is generated from it)
documents exactly the keys the YAML loader accepts, mapping by mapping.

The loader's keys come from lvsd itself: given a single value where a mapping
belongs, `lvsd --check-config` answers "expected a mapping ...: allowed keys
A, B, C" (conf/loader.cpp, read_map). The documented keys are the first
column of docs/config.md's key tables (every `word` in it), plus the keys of
small mappings written inline in a table row (`{type: PASS, pass: STRING}`).

usage: config_keys_test.py --lvsd LVSD --config-md docs/config.md [--man lvsd.yaml.5]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

# Where each mapping of the file is documented.
#   probe:   a file that puts a single value where that mapping belongs
#   table:   (heading, text the table's introducing paragraph contains or None
#             for the first key table under that heading)
#   inline:  (heading, key whose table row lists the mapping's keys)
#   extra:   documented in another table too (the checks' common keys)
COMMON = ("### Checks", "Common keys")
MAPPINGS = [
    {"path": "(top level)", "probe": "5", "headings": True},
    {"path": "global", "probe": "global: 1", "table": ("## `global`", None)},
    {"path": "global.lvs_sync_daemon", "probe": "global: {lvs_sync_daemon: 1}",
     "table": ("## `global`", "`lvs_sync_daemon`")},
    {"path": "global.lvs_timeouts", "probe": "global: {lvs_timeouts: 1}", "inline": ("## `global`", "lvs_timeouts")},
    {"path": "vrrp_instances[]", "probe": "vrrp_instances: [1]", "table": ("## `vrrp_instances[]`", None)},
    {"path": "vrrp_instances[].authentication", "probe": "vrrp_instances: [{authentication: 1}]",
     "inline": ("## `vrrp_instances[]`", "authentication")},
    {"path": "vrrp_instances[].virtual_ipaddress[]", "probe": "vrrp_instances: [{virtual_ipaddress: [[1]]}]",
     "table": ("## `vrrp_instances[]`", "`virtual_ipaddress[]`")},
    {"path": "vrrp_instances[].track_interface[]", "probe": "vrrp_instances: [{track_interface: [[1]]}]",
     "inline": ("## `vrrp_instances[]`", "track_interface")},
    {"path": "vrrp_instances[].track_script[]", "probe": "vrrp_instances: [{track_script: [[1]]}]",
     "inline": ("## `vrrp_instances[]`", "track_script")},
    {"path": "vrrp_instances[].track_file[]", "probe": "vrrp_instances: [{track_file: [[1]]}]",
     "inline": ("## `vrrp_instances[]`", "track_file")},
    {"path": "vrrp_scripts[]", "probe": "vrrp_scripts: [1]", "table": ("## `vrrp_scripts[]`", None)},
    {"path": "track_files[]", "probe": "track_files: [1]", "table": ("## `track_files[]`", None)},
    {"path": "vrrp_sync_groups[]", "probe": "vrrp_sync_groups: [1]", "table": ("## `vrrp_sync_groups[]`", None)},
    {"path": "virtual_servers[]", "probe": "virtual_servers: [1]", "table": ("## `virtual_servers[]`", None)},
    {"path": "virtual_servers[].sorry_server", "probe": "virtual_servers: [{sorry_server: 1}]",
     "inline": ("## `virtual_servers[]`", "sorry_server")},
    {"path": "real_servers[]", "probe": "virtual_servers: [{real_servers: [1]}]",
     "table": ("## `real_servers[]`", None)},
    {"path": "TCP_CHECK", "probe": "virtual_servers: [{real_servers: [{TCP_CHECK: 1}]}]", "table": COMMON},
    {"path": "HTTP_GET", "probe": "virtual_servers: [{real_servers: [{HTTP_GET: 1}]}]",
     "table": ("### Checks", "`HTTP_GET` / `SSL_GET`"), "extra": COMMON},
    {"path": "SSL_GET", "probe": "virtual_servers: [{real_servers: [{SSL_GET: 1}]}]",
     "table": ("### Checks", "`HTTP_GET` / `SSL_GET`"), "extra": COMMON},
    {"path": "HTTP_GET.url[]", "probe": "virtual_servers: [{real_servers: [{HTTP_GET: {url: [1]}}]}]",
     "table": ("### Checks", "`HTTP_GET` / `SSL_GET`"), "subkeys_of": "url[]"},
    {"path": "REDIS_CHECK", "probe": "virtual_servers: [{real_servers: [{REDIS_CHECK: 1}]}]",
     "table": ("### Checks", "`REDIS_CHECK`"), "extra": COMMON},
    {"path": "MISC_CHECK", "probe": "virtual_servers: [{real_servers: [{MISC_CHECK: 1}]}]",
     "table": ("### Checks", "`MISC_CHECK`"), "extra": COMMON},
    {"path": "FILE_CHECK", "probe": "virtual_servers: [{real_servers: [{FILE_CHECK: 1}]}]",
     "table": ("### `FILE_CHECK`", None)},
]


def parse_tables(text):
    """Every Markdown table as (heading, intro, header cells, rows); the intro
    is the text (outside code blocks) since the heading or the table before."""
    tables, heading, intro, in_code = [], "", "", False
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("#"):
            heading, intro = line.strip(), ""
        elif not in_code and line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-| :]+\|$", lines[i + 1]):
            header = split_row(line)
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(split_row(lines[i]))
                i += 1
            tables.append((heading, intro, header, rows))
            intro = ""
            continue
        elif not in_code and line.strip():
            intro = (intro + " " + line).strip()
        i += 1
    return tables


def split_row(line):
    cells = re.split(r"(?<!\\)\|", line.strip()[1:-1])
    return [c.strip() for c in cells]


def key_tables(tables, heading):
    return [t for t in tables if t[0] == heading and t[2] and t[2][0] in ("Key", "Part")]


def find_table(tables, where):
    heading, intro = where
    candidates = key_tables(tables, heading)
    if intro is None:
        # The first key table under the heading, unless another entry names it.
        return candidates[0] if candidates else None
    for t in candidates:
        if intro in t[1]:
            return t
    return None


def first_column_keys(rows):
    keys = set()
    for row in rows:
        for word in re.findall(r"`([^`]+)`", row[0]):
            if re.match(r"^[A-Za-z_][A-Za-z0-9_.\[\]]*$", word):
                keys.add(word)
        # "address`/prefix`": the bare word before the first backtick is a key too.
        m = re.match(r"^([A-Za-z_]+)`", row[0])
        if m:
            keys.add(m.group(1))
    return keys


def documented(tables, text, mapping):
    if mapping.get("headings"):
        return {m.group(1) for m in re.finditer(r"^## `([a-z_]+)(?:\[\])?`$", text, re.M)}
    if "inline" in mapping:
        heading, key = mapping["inline"]
        table = find_table(tables, (heading, None))
        row = next((r for r in table[3] if f"`{key}`" in r[0]), None) if table else None
        if row is None:
            return None
        rest = " ".join(row[1:])
        words = set(re.findall(r"[{,]\s*([a-z_]+)(?=[:,}])", rest))
        return words
    table = find_table(tables, mapping["table"])
    if table is None:
        return None
    keys = first_column_keys(table[3])
    if "subkeys_of" in mapping:
        prefix = mapping["subkeys_of"] + "."
        return {k[len(prefix):] for k in keys if k.startswith(prefix)}
    keys = {k for k in keys if "." not in k}
    if "extra" in mapping:
        extra = find_table(tables, mapping["extra"])
        if extra is None:
            return None
        keys |= first_column_keys(extra[3])
    return keys


def accepted(lvsd, probe, tmpdir):
    path = os.path.join(tmpdir, "probe.yaml")
    with open(path, "w") as f:
        f.write(probe + "\n")
    out = subprocess.run([lvsd, "--check-config", "-f", path], capture_output=True, text=True)
    m = re.search(r"expected a mapping, got [a-z ]+: allowed keys ([A-Za-z0-9_, ]+)$", out.stdout + out.stderr, re.M)
    if not m:
        return None, out.stdout + out.stderr
    return {k.strip() for k in m.group(1).split(",")}, ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lvsd", required=True)
    ap.add_argument("--config-md", required=True)
    ap.add_argument("--man")
    args = ap.parse_args()
    text = open(args.config_md).read()
    tables = parse_tables(text)
    problems = []
    all_documented = set()
    with tempfile.TemporaryDirectory() as tmp:
        for mapping in MAPPINGS:
            loader, output = accepted(args.lvsd, mapping["probe"], tmp)
            if loader is None:
                problems.append(f"{mapping['path']}: lvsd did not list the allowed keys for {mapping['probe']!r}:\n{output}")
                continue
            docs = documented(tables, text, mapping)
            if docs is None:
                problems.append(f"{mapping['path']}: no key table for it found in {args.config_md} "
                                f"({mapping.get('table') or mapping.get('inline')})")
                continue
            all_documented |= docs
            for key in sorted(loader - docs):
                problems.append(f"{mapping['path']}: the loader accepts '{key}' but docs/config.md does not document it")
            extra_docs = docs - loader
            if mapping.get("headings"):
                # A nested list documented under a heading of its own
                # (## `real_servers[]`) is checked with its own mapping.
                extra_docs = {k for k in extra_docs if not any(k in m.get("path", "") for m in MAPPINGS[1:])}
            for key in sorted(extra_docs):
                problems.append(f"{mapping['path']}: docs/config.md documents '{key}' but the loader refuses it")
            print(f"{mapping['path']}: {len(loader)} keys, documented alike")
    if args.man:
        man = open(args.man).read()
        for key in sorted(all_documented):
            if key not in man:
                problems.append(f"lvsd.yaml(5) ({args.man}) does not mention '{key}': is it generated from docs/config.md?")
    for p in problems:
        print("FAIL: " + p)
    print(f"{len(MAPPINGS)} mappings, {len(all_documented)} distinct keys, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
