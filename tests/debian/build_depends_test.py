#!/usr/bin/env python3
"""unit tier: debian/ agrees with the rest of the tree.

- debian/control's Build-Depends are scripts/packages.sh's build packages
  (LVSD_BUILD_PACKAGES) but for the compiler and googletest (the package
  builds no tests), plus debhelper-compat: a library added to the build is
  added to the package build too.
- debian/changelog's version is the project's (CMakeLists.txt), which is
  what `lvsd --version` prints.

usage: build_depends_test.py --source-dir DIR --version PROJECT_VERSION
"""
import argparse
import re
import subprocess
import sys

NOT_IN_PACKAGE_BUILD = {"g++", "libgtest-dev", "libgmock-dev"}  # build-essential; tests are not built
ONLY_IN_PACKAGE_BUILD = {"debhelper-compat"}


def build_packages(source_dir):
    out = subprocess.run(["bash", "-c", f". '{source_dir}/scripts/packages.sh'; echo $LVSD_BUILD_PACKAGES"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def control_build_depends(source_dir):
    text = open(f"{source_dir}/debian/control").read()
    # Field values continue on lines starting with a space; '#' lines are comments.
    lines = [l for l in text.splitlines() if not l.startswith("#")]
    value, inside = "", False
    for line in lines:
        if line.startswith("Build-Depends:"):
            value, inside = line.split(":", 1)[1], True
        elif inside and line.startswith((" ", "\t")):
            value += line
        else:
            inside = False
    names = set()
    for dep in value.split(","):
        dep = dep.strip()
        if dep:
            names.add(re.split(r"[\s(\[:]", dep, maxsplit=1)[0])
    return names


def changelog_version(source_dir):
    m = re.match(r"^lvsd \(([^)]+)\)", open(f"{source_dir}/debian/changelog").read())
    return m.group(1) if m else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--version", required=True)
    args = ap.parse_args()
    problems = []
    wanted = (build_packages(args.source_dir) - NOT_IN_PACKAGE_BUILD) | ONLY_IN_PACKAGE_BUILD
    have = control_build_depends(args.source_dir)
    for p in sorted(wanted - have):
        problems.append(f"scripts/packages.sh builds with {p} but debian/control's Build-Depends lacks it")
    for p in sorted(have - wanted):
        problems.append(f"debian/control Build-Depends on {p}, which scripts/packages.sh's LVSD_BUILD_PACKAGES lacks")
    version = changelog_version(args.source_dir)
    if version is None:
        problems.append("debian/changelog does not start with 'lvsd (VERSION)'")
    elif version.split("-")[0] != args.version:
        problems.append(f"debian/changelog is at {version}, the project (CMakeLists.txt) at {args.version}: "
                        "add a changelog entry")
    for p in problems:
        print("FAIL: " + p)
    print(f"{len(have)} build dependencies compared; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
