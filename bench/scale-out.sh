#!/bin/bash
# bench/scale-out.sh: the scale-out figures of bench/scale-out.md. Boots one
# user-mode-linux kernel (it has IPVS; the host's may not) and runs the
# scale-out scenario (tests/scaleout/scale-out.sh: three active lvsd
# directors behind an FRR router doing ECMP, BGP + BFD) once per scheduler,
# then prints one table: streams broken per event for each scheduler,
# withdrawal time against the BFD bound, announcement latency.
#
# usage: bench/scale-out.sh [--build-dir DIR] [--scheds "mh rr"] [--streams N]
#                           [--runs N] [--out DIR] [--timeout SECONDS]
#   --build-dir  where lvsd and lvsctl are built (default ./build)
#   --runs       runs per scheduler (default 1)
#   --bfd MSxN   BFD interval and detect multiplier (default 100x3)
#   --bfd-only N instead of the scenario: only the router's and directors'
#                FRR (announcements added by hand, no lvsd), d2's link down
#                and back N times, on this machine's kernel and then inside
#                one UML boot: the withdrawal against BFD detection + 100 ms
#                where the CPUs are real and where four routing daemons share
#                UML's one CPU
#   --out        keep the results and logs there (default a new /tmp dir)
# Run as root on Debian 12 with the packages of scripts/packages.sh.
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build scheds="mh rr" streams=120 runs=1 out="" timeout_s=1500 bfd=100x3 bfd_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build=$2; shift 2 ;;
    --scheds) scheds=$2; shift 2 ;;
    --streams) streams=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --bfd) bfd=$2; shift 2 ;;
    --bfd-only) bfd_only=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "scale-out bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
fail() { echo "scale-out bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run it as root (network namespaces inside UML)"
build=$(realpath -m "$build")
if [ "$bfd_only" -gt 0 ]; then
  [ -n "$out" ] || out=$(mktemp -d /tmp/lvsd-bfd-only.XXXXXX)
  out=$(realpath -m "$out")
  mkdir -p "$out"
  scenario=$root/tests/scaleout/scale-out.sh
  echo "scale-out bench: BFD only, $bfd_only link losses on this kernel, then $bfd_only inside UML; files in $out"
  "$scenario" --bfd-only "$bfd_only" --bfd "$bfd" --quiet --results "$out/results-host" --logs "$out/logs-host" \
    > "$out/run-host.log" 2>&1
  rc_host=$?
  echo "'$scenario' --bfd-only $bfd_only --bfd $bfd --quiet --results '$out/results-uml' --logs '$out/logs-uml' > '$out/run-uml.log' 2>&1" \
    > "$out/runs.sh"
  "$root/tests/scaleout/uml-run.sh" --out "$out" --timeout "$timeout_s" --mem 1024M -- bash "$out/runs.sh"
  rc_uml=$?
  python3 - "$out" "$bfd" <<'PY'
import statistics, sys
out, bfd = sys.argv[1], sys.argv[2]
ms, mult = (int(x) for x in bfd.split("x"))
bound = ms * mult + 100
print(f"BFD {ms} ms x {mult}: bound = detection {ms * mult} ms + 100 ms = {bound} ms")
print(f"{'where':6} {'rounds':>6} {'within':>6}  {'withdrawn min/med/max':>22}  {'BFD detected':>16}  {'BFD -> route':>14}  {'process start':>13}  {'stall':>9}")
def col(v): return f"{min(v)}/{int(statistics.median(v))}/{max(v)}" if v else "-"
for where in ("host", "uml"):
    t = {}
    try:
        for line in open(f"{out}/results-{where}"):
            w = line.split()
            if w[0] == "time": t.setdefault(w[1], []).append(int(w[2]))
    except OSError:
        print(f"{where:6} no results"); continue
    down = [x for x in t.get("linkdown_withdrawn", []) if x >= 0]
    within = sum(1 for x in down if x <= bound)
    print(f"{where:6} {len(t.get('linkdown_withdrawn', [])):>6} {within:>6}  {col(down):>22}  {col(t.get('linkdown_bfd_detected', [])):>16}"
          f"  {col(t.get('linkdown_bfd_to_route', [])):>14}  {col(t.get('process_start_control', [])):>13}  {col(t.get('linkdown_stall_control', [])):>9}")
PY
  echo "results and logs: $out"
  [ $rc_host -eq 0 ] && [ $rc_uml -eq 0 ]
  exit
fi
[ -x "$build/daemon/lvsd" ] && [ -x "$build/cli/lvsctl" ] || fail "no lvsd/lvsctl in $build (build first)"
[ -n "$out" ] || out=$(mktemp -d /tmp/lvsd-scale-out.XXXXXX)
out=$(realpath -m "$out")

runs_list=""
for s in $scheds; do for i in $(seq "$runs"); do runs_list+=" $s-$i"; done; done
mkdir -p "$out"
# Inside UML: one scenario run after the other, each with its own results.
{
  echo 'rc=0'
  for r in $runs_list; do
    echo "echo \"bench: run $r\""
    echo "'$root/tests/scaleout/scale-out.sh' --sched ${r%-*} --streams $streams --bfd $bfd --quiet --lvsd '$build/daemon/lvsd' --lvsctl '$build/cli/lvsctl' --results '$out/results-$r' --logs '$out/logs-$r' > '$out/run-$r.log' 2>&1 || rc=1"
    echo "tail -n 3 '$out/run-$r.log'"
  done
  echo 'exit $rc'
} > "$out/runs.sh"
echo "scale-out bench: $runs_list in one UML boot (5 to 15 minutes a run, depending on the machine's load); files in $out"
"$root/tests/scaleout/uml-run.sh" --out "$out" --timeout "$timeout_s" --mem 2048M --follow -- bash "$out/runs.sh"
rc=$?

# One table over every run: the figures of each scheduler (the median of its runs).
python3 - "$out" $runs_list <<'PY'
import statistics, sys
out, runs = sys.argv[1], sys.argv[2:]
res = {}
for r in runs:
    sched = r.split("-")[0]
    try:
        lines = open(f"{out}/results-{r}").read().splitlines()
    except OSError:
        print(f"{r}: no results"); continue
    d = res.setdefault(sched, {})
    for l in lines:
        w = l.split()
        if w[0] == "broken":
            d.setdefault("broken " + w[1], []).append((int(w[2]), int(w[3]), int(w[4])))
        elif w[0] == "time":
            d.setdefault("time " + w[1], []).append(int(w[2]))
        elif w[0] == "check" and w[2] != "ok":
            d.setdefault("failed", []).append(w[1])
def med(v): return int(statistics.median(v)) if v else -1
print(f"{'event':34} " + " ".join(f"{s:>22}" for s in res))
events = [("drain", "drain a director"), ("undrain", "undrain it"), ("linkdown", "a director's link down"),
          ("rejoin", "that director back"), ("rskill", "a real server killed")]
for key, text in events:
    cells = []
    for s in res:
        v = res[s].get("broken " + key, [])
        cells.append(("/".join(f"{b}" for b, _, _ in v) + f" of {v[0][1]} ({'/'.join(str(m) for _, _, m in v)} moved)") if v else "-")
    print(f"{'broken: ' + text:34} " + " ".join(f"{c:>22}" for c in cells))
for key, text in [("announce_after_start", "announced after lvsd start"), ("drain_withdrawn", "drain: withdrawn"),
                  ("linkdown_withdrawn", "link down: withdrawn (BFD bound)"), ("rejoin_announced", "link back: announced"),
                  ("empty_withdrawn", "empty pool: withdrawn"), ("empty_back", "server back: announced"), ("bfd_down_events", "BFD down events seen")]:
    cells = []
    for s in res:
        v = res[s].get("time " + key, [])
        cells.append(("/".join(str(x) for x in v) + ("" if key == "bfd_down_events" else " ms")) if v else "-")
    print(f"{text:34} " + " ".join(f"{c:>22}" for c in cells))
for s in res:
    if res[s].get("failed"):
        print(f"{s}: failed checks: {' '.join(res[s]['failed'])}")
PY
echo "results and logs: $out"
exit $rc
