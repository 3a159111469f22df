#!/usr/bin/env python3
"""unit tier: the bash completion of lvsctl (cli/lvsctl.bash) offers exactly
the commands and options that `lvsctl --help` and `lvsctl COMMAND --help`
list, so a new option cannot be forgotten there.

usage: completion_test.py --lvsctl LVSCTL --completion cli/lvsctl.bash
"""
import argparse
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs"))
from man_options_test import help_commands, help_options, run_help  # noqa: E402


def complete(completion, words):
    """What bash offers for `words` (the last one being completed)."""
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    script = (f"source '{completion}'\n"
              f"COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}\n"
              "COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}\n"
              "_lvsctl\n"
              "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    out = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"bash failed on {words}: {out.stderr}")
    return {line for line in out.stdout.splitlines() if line}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lvsctl", required=True)
    ap.add_argument("--completion", required=True)
    args = ap.parse_args()
    problems = []

    def expect(words, wanted):
        got = complete(args.completion, words)
        if got != wanted:
            line = " ".join(words[:-1]) + " " + (words[-1] or "<TAB>")
            problems.append(f"'{line}': missing {sorted(wanted - got)}, extra {sorted(got - wanted)}")

    top = run_help([args.lvsctl])
    commands = set(help_commands(top))
    expect(["lvsctl", ""], commands)
    expect(["lvsctl", "-"], help_options(top))
    expect(["lvsctl", "--socket", "/run/lvsd/lvsd.sock", ""], commands)
    expect(["lvsctl", "re"], {c for c in commands if c.startswith("re")})
    checked = 3
    for cmd in sorted(commands):
        sub = run_help([args.lvsctl, cmd])
        actions = help_commands(sub)
        if actions:
            expect(["lvsctl", cmd, ""], set(actions))
            for action in actions:
                expect(["lvsctl", cmd, action, "-"], help_options(run_help([args.lvsctl, cmd, action])))
                checked += 1
        expect(["lvsctl", cmd, "-"], help_options(sub))
        checked += 1
    # Values: files for import-keepalived, nothing made up for --vip.
    expect(["lvsctl", "realserver", "up", "--vip", ""], set())
    if not complete(args.completion, ["lvsctl", "import-keepalived", args.completion[:-2]]):
        problems.append("'lvsctl import-keepalived FILE<TAB>' does not complete file names")

    for p in problems:
        print("FAIL: " + p)
    print(f"{checked} command lines compared with lvsctl --help; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
