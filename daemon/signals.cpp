#include "daemon/signals.hpp"

#include <initializer_list>

namespace lvsd::daemon {

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGHUP, SIGTERM, SIGINT, SIGUSR2}) sigaddset(&set, s);
  return set;
}

void block_daemon_signals() {
  const sigset_t set = daemon_signals();
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
}

void unblock_daemon_signals() {
  const sigset_t set = daemon_signals();
  ::sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace lvsd::daemon
