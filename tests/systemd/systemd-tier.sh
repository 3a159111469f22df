#!/bin/bash
# The kernel tier's systemd test (ctest kernel.systemd): installs the build
# (`cmake --install`, DESTDIR, the configured prefix) into a staging tree,
# boots UML with systemd as PID 1 on a scratch root holding that tree
# (run-systemd-uml.sh) and runs lvsd_systemd_test.sh there.
# usage: systemd-tier.sh --build DIR --out DIR [--timeout SECONDS]
set -u
here=$(cd "$(dirname "$0")" && pwd)
build="" out="" timeout_s=900
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) echo "systemd-tier: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$build" ] && [ -n "$out" ] || { echo "usage: systemd-tier.sh --build DIR --out DIR" >&2; exit 2; }
stage="$build/systemd-stage"
rm -rf "$stage"
if ! DESTDIR="$stage" cmake --install "$build" > "$build/systemd-stage.log" 2>&1; then
  cat "$build/systemd-stage.log" >&2
  echo "kernel: 0 passed, 1 failed"
  exit 1
fi
# The test script travels in the staged tree: the booted system gets a fresh
# /tmp, so a checkout under /tmp (a CI clone) is not visible at its own path.
install -D -m 0755 "$here/lvsd_systemd_test.sh" "$stage/usr/local/libexec/lvsd-test/lvsd_systemd_test.sh"
exec "$here/run-systemd-uml.sh" --out "$out" --timeout "$timeout_s" --tree "$stage" \
  --module ip_vs --module ip_vs_rr --module veth -- /usr/local/libexec/lvsd-test/lvsd_systemd_test.sh
