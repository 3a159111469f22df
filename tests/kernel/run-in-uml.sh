#!/bin/bash
# Runs the kernel-tier test binaries inside one user-mode-linux boot.
#
# The host kernel has no IPVS; Debian's user-mode-linux package ships a 6.1
# kernel (/usr/bin/linux.uml) with ip_vs, its schedulers, veth and bridge as
# modules. UML boots with the host filesystem as its root (hostfs), loads the
# modules, runs every binary given, writes their results under OUT (on the
# host filesystem), and powers off. This script then reads the results.
#
# usage: run-in-uml.sh --out DIR [--timeout SECONDS] [--mem SIZE] -- BINARY...
# Prints one line per test case, then "kernel: N passed, N failed".
# Exit status: 0 only if UML booted, every module loaded, every binary ran
# and every test passed (and there was at least one).
set -u

out="" timeout_s=1800 mem=1536M
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "run-in-uml: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || { echo "run-in-uml: --out DIR is required" >&2; exit 2; }
[ $# -gt 0 ] || { echo "run-in-uml: no kernel-tier test binaries given" >&2; exit 1; }

fail() { echo "kernel tier FAILED: $*" >&2; echo "kernel: 0 passed, 1 failed"; exit 1; }

uml=$(command -v linux.uml) || fail "linux.uml not found (apt-get install user-mode-linux)"
moddir=$(ls -d /usr/lib/uml/modules/*/ 2>/dev/null | head -n1)
[ -n "$moddir" ] || fail "no UML modules under /usr/lib/uml/modules (apt-get install user-mode-linux)"
kver=$(basename "$moddir")
command -v modprobe >/dev/null || fail "modprobe not found (apt-get install kmod)"

out=$(realpath -m "$out")
rm -rf "$out"
mkdir -p "$out/xml" "$out/logs" "$out/modroot/lib/modules"
# modprobe -d ROOT looks for ROOT/lib/modules/<version>: point it at the UML
# modules without touching the host's /lib/modules.
ln -s "${moddir%/}" "$out/modroot/lib/modules/$kver"

# IPVS and every scheduler, plus what the tests build topologies from.
modules="ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh
ip_vs_mh ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf veth bridge ipip ip_gre fou"

{
  echo '#!/bin/sh'
  echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8'
  echo "OUT='$out'"
  cat <<'INIT'
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs tmpfs /run
# /tmp stays the host's (through hostfs): the checkout and this run's results
# may live there. Scratch files go to a tmpfs of this kernel's own.
mkdir -p /run/tmp && chmod 1777 /run/tmp
export TMPDIR=/run/tmp
mount -t tmpfs tmpfs /dev/shm 2>/dev/null
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null
ip link set lo up
echo "$(uname -r)" > "$OUT/booted"
INIT
  echo "for m in $(echo $modules); do"
  cat <<'INIT'
  modprobe -d "$OUT/modroot" "$m" 2>>"$OUT/modules.log" || echo "$m" >> "$OUT/modules-failed"
done
if [ -s "$OUT/modules-failed" ]; then poweroff -f; fi
INIT
  for bin in "$@"; do
    name=$(basename "$bin")
    # Each binary gets a bound of its own so one hang cannot eat the whole run.
    echo "cd '$out' && timeout -k 10 900 '$bin' --gtest_output=xml:'$out/xml/$name.xml' > '$out/logs/$name.log' 2>&1; echo \"$name \$?\" >> \"\$OUT/status\""
  done
  echo 'echo done > "$OUT/done"'
  echo 'sync'
  echo 'poweroff -f'
} > "$out/init.sh"
chmod +x "$out/init.sh"

for bin in "$@"; do [ -x "$bin" ] || fail "test binary $bin is missing or not executable"; done

start=$(date +%s)
timeout -k 10 "$timeout_s" "$uml" mem="$mem" rootfstype=hostfs rootflags=/ rw \
  init="$out/init.sh" con=null con0=fd:0,fd:1 </dev/null >"$out/console.log" 2>&1
uml_rc=$?
elapsed=$(( $(date +%s) - start ))

[ -f "$out/booted" ] || { tail -n 30 "$out/console.log" >&2; fail "UML did not boot (exit $uml_rc); console in $out/console.log"; }
if [ -s "$out/modules-failed" ]; then
  cat "$out/modules.log" >&2
  fail "modules failed to load in UML $(cat "$out/booted"): $(tr '\n' ' ' < "$out/modules-failed")"
fi
if [ ! -f "$out/done" ]; then
  [ $uml_rc -eq 124 ] && fail "UML timed out after ${timeout_s}s (results so far in $out)"
  tail -n 30 "$out/console.log" >&2
  fail "UML stopped before all tests ran (exit $uml_rc)"
fi

passed=0 failed=0
exec > >(tee "$out/report.txt")
for bin in "$@"; do
  name=$(basename "$bin")
  rc=$(awk -v n="$name" '$1 == n { print $2 }' "$out/status" 2>/dev/null)
  xml="$out/xml/$name.xml"
  if [ -z "$rc" ]; then
    echo "FAILED  $name: did not run"; failed=$((failed + 1)); continue
  fi
  if [ ! -f "$xml" ]; then
    echo "FAILED  $name: exited $rc without results"; sed 's/^/    /' "$out/logs/$name.log" | tail -n 40
    failed=$((failed + 1)); continue
  fi
  # One line per test case from the gtest XML report.
  while IFS='|' read -r verdict case_name; do
    if [ "$verdict" = ok ]; then
      echo "passed  $case_name"; passed=$((passed + 1))
    else
      echo "FAILED  $case_name"; failed=$((failed + 1))
    fi
  done < <(python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
for suite in root.iter("testsuite"):
    for case in suite.iter("testcase"):
        if case.get("status", "run") != "run" or case.get("result") == "skipped":
            verdict = "skipped"
        elif case.find("failure") is not None or case.find("error") is not None:
            verdict = "failed"
        else:
            verdict = "ok"
        print(f"{verdict}|{suite.get('name')}.{case.get('name')}")
PY
)
  if [ "$rc" != 0 ]; then
    echo "FAILED  $name exited $rc"; sed 's/^/    /' "$out/logs/$name.log" | grep -v '^    \[ *\(RUN\|OK\) ' | tail -n 60
    [ "$rc" = 124 ] && echo "    (timed out)"
    # A crash or failure not already counted as a failed case still fails the tier.
    grep -q '^FAILED  ' <(python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
bad = any(c.find("failure") is not None for c in root.iter("testcase"))
print("FAILED  " if bad else "")
PY
) || failed=$((failed + 1))
  fi
done

echo "UML $(cat "$out/booted") ran $# binaries in ${elapsed}s; logs in $out/logs"
echo "kernel: $passed passed, $failed failed"
echo "kernel: $passed passed, $failed failed" > "$out/summary"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
