#pragma once
// Service-manager notifications (sd_notify protocol) that never block.
//
// libsystemd's sd_notify() sends on a blocking socket: once the manager's
// queue is full (net.unix.max_dgram_qlen, 10 by default: a busy or stuck
// PID 1, a container manager that reads slowly), the call waits, and with it
// the one loop that sends VRRP adverts. A notification that cannot be queued
// at once is dropped instead; a lost WATCHDOG=1 is sent again half a
// WatchdogSec later.
#include <string_view>

namespace lvsd::daemon {

// Sends `state` ("READY=1", "WATCHDOG=1", ...) to $NOTIFY_SOCKET. Returns
// false when there is no manager or the message could not be queued now.
bool notify_manager(std::string_view state);

}  // namespace lvsd::daemon
