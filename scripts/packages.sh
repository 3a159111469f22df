# Debian 12 packages lvsd needs. Sourced by scripts/test and scripts/demo.
LVSD_BUILD_PACKAGES="cmake ninja-build g++ pkg-config libnl-3-dev libnl-genl-3-dev libmnl-dev libev-dev
libyaml-dev libspdlog-dev libfmt-dev libxxhash-dev libgtest-dev libgmock-dev libhiredis-dev libssl-dev
libcli11-dev nlohmann-json3-dev pandoc libnftables-dev libpcre2-dev"
# What scripts/package needs on top of the build packages to make the .deb
# (the kernel tier installs and runs it).
LVSD_PACKAGE_PACKAGES="debhelper dpkg-dev lintian"
# Real peers and the UML kernel used by the netns and kernel tiers.
LVSD_TEST_PACKAGES="user-mode-linux kmod iproute2 iputils-ping ipvsadm keepalived busybox curl
redis-server redis-tools openssl procps psmisc python3 systemd tomcat10 prometheus frr bird2 nftables
dnsmasq-base python3-aiosmtpd socat"

# lvsd_install_missing PACKAGE...: apt-get installs those not installed yet.
# Services in the installed packages (redis-server, keepalived, prometheus, frr, bird2) are not
# started: tests start their own copies inside namespaces.
lvsd_install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    return 1
  fi
  echo "installing: ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && own_policy=1
  fi
  local rc=0
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    > /tmp/lvsd-apt.log 2>&1 || rc=$?
  [ $own_policy -eq 1 ] && rm -f "$policy"
  if [ $rc -ne 0 ]; then
    tail -n 20 /tmp/lvsd-apt.log >&2
    echo "apt-get install failed (log: /tmp/lvsd-apt.log)" >&2
  fi
  return $rc
}
