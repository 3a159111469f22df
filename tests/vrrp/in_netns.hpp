#pragma once
// Test helper: runs `fn` on a thread that has entered `host`'s network
// namespace. Sockets created there stay in that namespace afterwards.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <thread>

#include "core/result.hpp"
#include "core/unique_fd.hpp"
#include "tests/support/netns.hpp"

namespace lvsd::vrrp::test_support {

template <typename T, typename Fn>
core::Result<T> in_netns(const test::Host& host, Fn fn) {
  std::optional<core::Result<T>> result;
  std::thread t([&] {
    core::UniqueFd nsfd(::open(("/run/netns/" + host.netns()).c_str(), O_RDONLY | O_CLOEXEC));
    if (!nsfd || setns(nsfd.get(), CLONE_NEWNET) != 0) {
      result.emplace(core::errno_error("setns " + host.netns(), errno));
      return;
    }
    nsfd.reset();
    result.emplace(fn());
  });
  t.join();
  return std::move(*result);
}

}  // namespace lvsd::vrrp::test_support
