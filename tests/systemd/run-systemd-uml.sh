#!/bin/bash
# Boots a user-mode-linux kernel with systemd as PID 1 and runs one command
# as a service of that systemd, then powers off.
#
# UML's root is the host filesystem (hostfs). Here it is mounted READ-ONLY and
# a tiny pre-init script (written to OUT/preinit.sh) builds a scratch root:
#   overlayfs  lower = the host's / (read-only), upper = a tmpfs of this boot
# so systemd, the units installed for the test, /etc, /var, /run and the
# journal all live in memory and nothing on the host changes. Only OUT is
# mounted writable (a second hostfs mount) to bring the results out. The
# pre-init loads the modules given (IPVS needs ip_vs; the sandboxed lvsd unit
# cannot load modules itself), copies each --tree onto the scratch root
# (e.g. a `cmake --install` DESTDIR), empties /etc/systemd/system (the host's
# enabled units stay off), writes a target of our own, pivots into the
# scratch root and execs /lib/systemd/systemd --unit=lvsd-test.target.
# That target starts only lvsd-test-run.service (and what its default
# dependencies pull in: sysinit.target, basic.target), which runs COMMAND with
# OUT in its environment, stdout and stderr to OUT/test.log, saves the whole
# journal to OUT/journal.txt and powers off.
#
# usage: run-systemd-uml.sh --out DIR [--timeout SECONDS] [--mem SIZE]
#          [--tree DIR]... [--module NAME]... -- COMMAND [ARG]...
# COMMAND prints one line per check, "passed  NAME" or "FAILED  NAME" (as
# tests/kernel/run-in-uml.sh does); this script repeats them, writes
# OUT/report.txt and OUT/summary ("kernel: N passed, N failed") and exits 0
# only if systemd booted, the command ran to its end with status 0, at least
# one check passed and none failed.
set -u

out="" timeout_s=300 mem=1024M trees=() modules=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --timeout) timeout_s=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --tree) trees+=("$(realpath "$2")"); shift 2 ;;
    --module) modules+=("$2"); shift 2 ;;
    --) shift; break ;;
    *) echo "run-systemd-uml: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || { echo "run-systemd-uml: --out DIR is required" >&2; exit 2; }
[ $# -gt 0 ] || { echo "run-systemd-uml: no command given" >&2; exit 2; }

fail() { echo "systemd tier FAILED: $*" >&2; echo "kernel: 0 passed, 1 failed" | tee "$out/summary"; exit 1; }

out=$(realpath -m "$out")
rm -rf "$out"
mkdir -p "$out/modroot/lib/modules"

uml=$(command -v linux.uml) || fail "linux.uml not found (apt-get install user-mode-linux)"
moddir=$(ls -d /usr/lib/uml/modules/*/ 2>/dev/null | head -n1)
[ -n "$moddir" ] || fail "no UML modules under /usr/lib/uml/modules (apt-get install user-mode-linux)"
[ -x /lib/systemd/systemd ] || fail "/lib/systemd/systemd not found (apt-get install systemd)"
ln -s "${moddir%/}" "$out/modroot/lib/modules/$(basename "$moddir")"
for t in "${trees[@]}"; do [ -d "$t" ] || fail "--tree $t is not a directory"; done

# The command gets what is left after a slow boot (up to 2 min on a loaded
# machine) and the journal copy, so a hang still leaves its journal behind.
test_timeout=$(( timeout_s > 300 ? timeout_s - 150 : timeout_s / 2 ))
# The command, as the service runs it (quoted once here, on the host).
printf -v command_line '%q ' "$@"
cat > "$out/run-test.sh" <<EOF
#!/bin/bash
# Runs inside UML as lvsd-test-run.service.
export OUT='$out'
timeout -k 5 $test_timeout $command_line > "\$OUT/test.log" 2>&1
echo \$? > "\$OUT/test.rc"
journalctl -b --no-pager -o short-monotonic > "\$OUT/journal.txt" 2>&1
sync
systemctl poweroff --force --force
EOF
chmod +x "$out/run-test.sh"

{
  echo '#!/bin/sh'
  echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  echo "OUT='$out'"
  echo "MODULES='overlay ${modules[*]}'"
  printf "TREES='%s'\n" "${trees[*]}"
  cat <<'INIT'
log() { echo "preinit: $*" >> "$OUT/preinit.log"; }
die() { log "FAILED: $*"; poweroff -f; exit 1; }
mount -n -t proc proc /proc
# OUT, and only OUT, writable: a hostfs mount of its own over the read-only one.
mount -n -t hostfs -o "$OUT" none "$OUT" || { poweroff -f; exit 1; }
# The host's root must be read-only here: everything below writes only to
# tmpfs or to OUT.
if touch /.lvsd-rw-probe 2>/dev/null; then rm -f /.lvsd-rw-probe; die "root is writable; refusing to go on"; fi
echo "$(uname -r)" > "$OUT/booted"
for m in $MODULES; do
  modprobe -d "$OUT/modroot" "$m" 2>>"$OUT/preinit.log" || die "modprobe $m"
done
mount -n -t tmpfs -o mode=0755 scratch /mnt || die "tmpfs on /mnt"
mkdir -p /mnt/upper /mnt/work /mnt/root
mount -n -t overlay -o lowerdir=/,upperdir=/mnt/upper,workdir=/mnt/work overlay /mnt/root || die "overlay root"
R=/mnt/root
# Fresh /tmp, /var/tmp and journal: systemd-tmpfiles empties /tmp at boot and
# journald would write next to the host's journal files (both only in the
# overlay, but slow and confusing). OUT is bound after, so it may be in /tmp.
for d in /tmp /var/tmp /var/log/journal; do
  [ -d "$R$d" ] && { mount -n -t tmpfs -o mode=1777 tmpfs "$R$d" || die "tmpfs on $d"; }
done
chmod 2755 "$R/var/log/journal" 2>/dev/null
mkdir -p "$R$OUT" && mount -n --bind "$OUT" "$R$OUT" || die "bind $OUT"
for t in $TREES; do cp -a "$t/." "$R/" || die "copy $t"; done
# Only our units: the host's enabled units and local units stay out.
rm -rf "$R/etc/systemd/system" && mkdir -p "$R/etc/systemd/system" || die "empty /etc/systemd/system"
# Nothing on this machine needs them; each would wait for devices or fail.
for u in systemd-udev-trigger.service systemd-udevd.service systemd-udev-settle.service \
         systemd-remount-fs.service systemd-firstboot.service systemd-machine-id-commit.service \
         systemd-hwdb-update.service systemd-journal-catalog-update.service ldconfig.service \
         systemd-random-seed.service systemd-update-done.service systemd-logind.service \
         getty.target serial-getty@.service console-getty.service systemd-ask-password-console.path \
         systemd-ask-password-wall.path systemd-pcrphase-sysinit.service systemd-binfmt.service \
         apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer logrotate.timer man-db.timer \
         dpkg-db-backup.timer systemd-tmpfiles-clean.timer; do
  ln -s /dev/null "$R/etc/systemd/system/$u"
done
cat > "$R/etc/systemd/system/lvsd-test.target" <<'UNIT'
[Unit]
Description=lvsd systemd test (only what the test needs)
Requires=lvsd-test-run.service
After=lvsd-test-run.service
AllowIsolate=yes
UNIT
cat > "$R/etc/systemd/system/lvsd-test-run.service" <<UNIT
[Unit]
Description=lvsd systemd test run
[Service]
Type=exec
ExecStart=$OUT/run-test.sh
StandardOutput=journal+console
UNIT
mkdir -p "$R/oldroot"
for m in /proc; do mount -n --move "$m" "$R$m" || die "move $m"; done
cd "$R" || die "cd $R"
pivot_root . oldroot || die "pivot_root"
umount -l /oldroot 2>/dev/null
echo started > "$OUT/systemd-started"
exec chroot . /lib/systemd/systemd --unit=lvsd-test.target --show-status=true
INIT
} > "$out/preinit.sh"
chmod +x "$out/preinit.sh"

start=$(date +%s)
timeout -k 10 "$timeout_s" "$uml" mem="$mem" rootfstype=hostfs rootflags=/ ro \
  init="$out/preinit.sh" con=null con0=fd:0,fd:1 </dev/null >"$out/console.log" 2>&1
uml_rc=$?
elapsed=$(( $(date +%s) - start ))

[ -f "$out/booted" ] || { tail -n 30 "$out/console.log" >&2; fail "UML did not boot (exit $uml_rc); console in $out/console.log"; }
grep -q FAILED "$out/preinit.log" 2>/dev/null && { cat "$out/preinit.log" >&2; fail "pre-init failed"; }
[ -f "$out/systemd-started" ] || fail "systemd was not started (see $out/preinit.log, $out/console.log)"
if [ ! -f "$out/test.rc" ]; then
  tail -n 40 "$out/console.log" >&2
  [ $uml_rc -eq 124 ] && fail "UML timed out after ${timeout_s}s (console in $out/console.log)"
  fail "the test command did not finish (UML exit $uml_rc; console in $out/console.log)"
fi

rc=$(cat "$out/test.rc")
exec > >(tee "$out/report.txt")
grep -E '^(passed|FAILED)  ' "$out/test.log"
passed=$(grep -c '^passed  ' "$out/test.log")
failed=$(grep -c '^FAILED  ' "$out/test.log")
if [ "$failed" -gt 0 ] || [ "$rc" != 0 ]; then
  echo "--- test log ($out/test.log), the end"
  grep -v -E '^(passed|FAILED)  ' "$out/test.log" | tail -n 60 | sed 's/^/    /'
fi
if [ "$rc" != 0 ] && [ "$failed" -eq 0 ]; then echo "FAILED  the test command exited $rc"; failed=1; fi
echo "UML $(cat "$out/booted") with systemd as PID 1 ran the test in ${elapsed}s; logs in $out"
echo "kernel: $passed passed, $failed failed"
echo "kernel: $passed passed, $failed failed" > "$out/summary"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
