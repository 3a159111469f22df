#!/usr/bin/env python3
"""unit tier: lvsd(8) and lvsctl(8) document exactly the options and commands
that `lvsd --help`, `lvsctl --help` and `lvsctl COMMAND --help` list.

The man pages' sources are docs/man/lvsd.8.md and docs/man/lvsctl.8.md
(pandoc Markdown): options are the bold words starting with '-' in the
OPTIONS section; lvsctl's commands are the bold words of the COMMANDS
section's entries, and each entry names that command's options.

usage: man_options_test.py --lvsd LVSD --lvsctl LVSCTL --man-dir docs/man
"""
import argparse
import os
import re
import subprocess
import sys

HELP = {"-h", "--help"}


def run_help(argv):
    out = subprocess.run(argv + ["--help"], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} --help exited {out.returncode}: {out.stderr}")
    return out.stdout


def help_options(text):
    """Options of a CLI11 help text: the first column of the Options: block."""
    options, in_block = set(), False
    for line in text.splitlines():
        if re.match(r"^[A-Z][a-z]*:$", line):
            in_block = line == "Options:"
            continue
        m = re.match(r"^  (-\S+)", line) if in_block else None
        if m:
            for name in m.group(1).split(","):
                options.add(re.sub(r"[:=].*$", "", name))
    return options


def help_commands(text):
    commands, in_block = [], False
    for line in text.splitlines():
        if re.match(r"^[A-Z][a-z]*:$", line):
            in_block = line == "Subcommands:"
            continue
        m = re.match(r"^  ([a-z][a-z-]*)\s", line) if in_block else None
        if m:
            commands.append(m.group(1))
    return commands


def section(md, name):
    m = re.search(r"^## " + name + r"\n(.*?)(?=^## |\Z)", md, re.S | re.M)
    return m.group(1) if m else ""


def bold_words(text):
    return [w.replace("\\", "") for w in re.findall(r"\*\*([^*]+)\*\*", text)]


def entries(text):
    """Definition-list entries: (term line, the whole entry's text)."""
    result = []
    for block in re.split(r"\n(?=\*\*)", "\n" + text):
        block = block.strip()
        if block.startswith("**"):
            result.append((block.split("\n", 1)[0], block))
    return result


def compare(what, in_help, in_man, problems):
    for o in sorted(in_help - in_man):
        problems.append(f"{what}: '{o}' is in --help but not in the man page")
    for o in sorted(in_man - in_help):
        problems.append(f"{what}: the man page documents '{o}' but --help does not list it")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lvsd", required=True)
    ap.add_argument("--lvsctl", required=True)
    ap.add_argument("--man-dir", required=True)
    args = ap.parse_args()
    problems = []

    lvsd_md = open(os.path.join(args.man_dir, "lvsd.8.md")).read()
    man = {w for w in bold_words(section(lvsd_md, "OPTIONS")) if w.startswith("-")}
    compare("lvsd(8) OPTIONS", help_options(run_help([args.lvsd])), man, problems)

    ctl_md = open(os.path.join(args.man_dir, "lvsctl.8.md")).read()
    top_help = run_help([args.lvsctl])
    man_global = {w for w in bold_words(section(ctl_md, "OPTIONS")) if w.startswith("-")}
    # --json is documented once among the options, for every command that has it.
    compare("lvsctl(8) OPTIONS", help_options(top_help) | {"--json"}, man_global, problems)

    # Each command's entry in COMMANDS, by the command words of its term.
    by_command = {}
    for term, text in entries(section(ctl_md, "COMMANDS")):
        words = [w for w in bold_words(term) if not w.startswith("-")]
        if words and words[0].startswith("realserver"):
            # **realserver up** \| **down** \| **status**: one entry for the three actions.
            actions = words[0].split()[1:] + words[1:]
            names = ["realserver"] + ["realserver " + a for a in actions]
        else:
            names = words
        for name in names:
            by_command.setdefault(name, set()).add(text)
    commands = help_commands(top_help)
    man_commands = {c for c in by_command if " " not in c}
    compare("lvsctl(8) COMMANDS", set(commands), man_commands, problems)

    checked = 0
    for cmd in commands:
        sub_help = run_help([args.lvsctl, cmd])
        targets = [(cmd, sub_help)]
        for action in help_commands(sub_help):
            targets.append((cmd + " " + action, run_help([args.lvsctl, cmd, action])))
        for name, text in targets:
            wanted = help_options(text) - HELP
            if not wanted and name == cmd and len(targets) > 1:
                continue  # realserver itself: its actions carry the options
            entry = " ".join(by_command.get(name, []))
            in_entry = {w for w in bold_words(entry) if w.startswith("-")}
            compare(f"lvsctl(8) COMMANDS '{name}'", wanted, in_entry, problems)
            checked += 1

    for p in problems:
        print("FAIL: " + p)
    print(f"lvsd options and {checked} lvsctl commands compared; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
