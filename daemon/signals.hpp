#pragma once
// The signals lvsd acts on (SIGHUP reload, SIGTERM/SIGINT stop, SIGUSR2
// restart in place) are blocked whenever the loop cannot handle them yet:
// from the start of main() until the loop's watchers exist, and across the
// re-exec of a hitless restart (the signal mask survives execve(2), so the
// new image has them blocked from its first instruction). A signal that
// arrives meanwhile stays pending and is handled once they are unblocked;
// at their default action it would have killed lvsd, leaving the VIP on the
// interface and no adverts.
#include <signal.h>

namespace lvsd::daemon {

sigset_t daemon_signals();
void block_daemon_signals();
void unblock_daemon_signals();

}  // namespace lvsd::daemon
