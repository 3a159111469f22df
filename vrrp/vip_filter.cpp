#include "vrrp/vip_filter.hpp"

#include <linux/netlink.h>
#include <nftables/libnftables.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/shared_library.hpp"
#include "core/unique_fd.hpp"

namespace lvsd::vrrp {

namespace {

std::string family_word(core::AddressFamily family) { return family == core::AddressFamily::kIpv4 ? "ip" : "ip6"; }

}  // namespace

std::string vip_filter_setup_commands(core::AddressFamily family) {
  const std::string f = family_word(family);
  const std::string t = f + " " + kVipFilterTable;
  const std::string type = family == core::AddressFamily::kIpv4 ? "ipv4_addr" : "ipv6_addr";
  std::string out;
  out += "add table " + t + "\n";
  out += "add set " + t + " vips { type " + type + "; }\n";
  out += "add chain " + t + " in { type filter hook input priority filter - 1; policy accept; }\n";
  out += "add chain " + t + " out { type filter hook output priority filter - 1; policy accept; }\n";
  // The rules are rewritten whole in the same transaction, so a second setup
  // (a restart) leaves one rule per chain, and the set's elements stay.
  out += "flush chain " + t + " in\n";
  out += "flush chain " + t + " out\n";
  if (family == core::AddressFamily::kIpv6) {
    // Neighbour discovery for the VIPs must still work, or neighbours lose them.
    out += "add rule " + t + " in icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n";
    out += "add rule " + t + " out icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n";
  }
  out += "add rule " + t + " in " + f + " daddr @vips drop\n";
  out += "add rule " + t + " out " + f + " saddr @vips drop\n";
  return out;
}

std::string vip_filter_element_command(bool add, const core::IpAddress& address) {
  return std::string(add ? "add" : "delete") + " element " + family_word(address.family()) + " " + kVipFilterTable +
         " vips { " + address.to_string() + " }\n";
}

std::string vip_filter_teardown_command(core::AddressFamily family) {
  return "delete table " + family_word(family) + " " + kVipFilterTable + "\n";
}

std::string vip_filter_exists_command(core::AddressFamily family) {
  return "list table " + family_word(family) + " " + kVipFilterTable + "\n";
}

namespace {

// libnftables, loaded on the first VipFilter::open() (core/shared_library.hpp):
// most configurations never need it.
struct NftApi {
  decltype(&::nft_ctx_new) nft_ctx_new = nullptr;
  decltype(&::nft_ctx_free) nft_ctx_free = nullptr;
  decltype(&::nft_ctx_buffer_output) nft_ctx_buffer_output = nullptr;
  decltype(&::nft_ctx_buffer_error) nft_ctx_buffer_error = nullptr;
  decltype(&::nft_run_cmd_from_buffer) nft_run_cmd_from_buffer = nullptr;
  decltype(&::nft_ctx_get_error_buffer) nft_ctx_get_error_buffer = nullptr;
};

core::Result<NftApi> load_nft() {
  auto lib = core::SharedLibrary::open("libnftables.so.1");
  if (!lib.ok()) return core::Error{"nftables: cannot load libnftables: " + lib.error().message};
  NftApi api;
  const bool ok = lib->bind(api.nft_ctx_new, "nft_ctx_new") && lib->bind(api.nft_ctx_free, "nft_ctx_free") &&
                  lib->bind(api.nft_ctx_buffer_output, "nft_ctx_buffer_output") &&
                  lib->bind(api.nft_ctx_buffer_error, "nft_ctx_buffer_error") &&
                  lib->bind(api.nft_run_cmd_from_buffer, "nft_run_cmd_from_buffer") &&
                  lib->bind(api.nft_ctx_get_error_buffer, "nft_ctx_get_error_buffer");
  if (!ok) return core::Error{"nftables: cannot load libnftables: " + lib->missing()};
  return api;
}

// Loaded once; a failure is remembered too.
const core::Result<NftApi>& nft() {
  static const core::Result<NftApi> api = load_nft();
  return api;
}

}  // namespace

struct VipFilter::Context {
  nft_ctx* nft = nullptr;
  ~Context() {
    if (nft != nullptr) vrrp::nft()->nft_ctx_free(nft);
  }
};

VipFilter::VipFilter(std::unique_ptr<Context> ctx) : ctx_(std::move(ctx)) {}
VipFilter::VipFilter(VipFilter&&) noexcept = default;
VipFilter& VipFilter::operator=(VipFilter&&) noexcept = default;
VipFilter::~VipFilter() = default;

core::Result<VipFilter> VipFilter::open() {
  // libnftables (1.0.6, Debian 12) calls exit() when it cannot open its
  // netlink socket, as on a kernel without nf_tables (user-mode-linux's has
  // none): that would end lvsd, or `lvsd --cleanup` before it removed the
  // VIPs. Open one first, and say so instead.
  core::UniqueFd probe(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
  if (!probe) return core::Error{std::string("nftables: the kernel has no nfnetlink: ") + std::strerror(errno)};
  probe.reset();
  if (!nft().ok()) return nft().error();
  const NftApi& api = *nft();
  auto ctx = std::make_unique<Context>();
  ctx->nft = api.nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx->nft == nullptr) return core::Error{"nftables: cannot create a libnftables context"};
  // Errors are collected, not printed on stderr; nothing is printed on success.
  api.nft_ctx_buffer_output(ctx->nft);
  api.nft_ctx_buffer_error(ctx->nft);
  return VipFilter(std::move(ctx));
}

core::Status VipFilter::run(const std::string& commands) {
  if (nft()->nft_run_cmd_from_buffer(ctx_->nft, commands.c_str()) != 0) {
    std::string message = nft()->nft_ctx_get_error_buffer(ctx_->nft);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    return core::Error{"nftables: " + (message.empty() ? std::string("command failed") : message)};
  }
  return {};
}

core::Status VipFilter::add(const core::IpAddress& address) {
  bool& ready = address.is_ipv4() ? ready_v4_ : ready_v6_;
  if (!ready) {
    if (auto st = run(vip_filter_setup_commands(address.family())); !st.ok()) return st;
    ready = true;
  }
  return run(vip_filter_element_command(true, address));
}

core::Status VipFilter::remove(const core::IpAddress& address) {
  bool& ready = address.is_ipv4() ? ready_v4_ : ready_v6_;
  if (!ready) {
    if (auto st = run(vip_filter_setup_commands(address.family())); !st.ok()) return st;
    ready = true;
  }
  // Deleting an element that is not there fails: that is no error here.
  (void)run(vip_filter_element_command(false, address));
  return {};
}

core::Result<bool> VipFilter::teardown() {
  ready_v4_ = ready_v6_ = false;
  bool removed = false;
  for (auto family : {core::AddressFamily::kIpv4, core::AddressFamily::kIpv6}) {
    // A missing table (or a kernel without nf_tables) leaves nothing to remove.
    if (!run(vip_filter_exists_command(family)).ok()) continue;
    if (auto st = run(vip_filter_teardown_command(family)); !st.ok()) return st.error();
    removed = true;
  }
  return removed;
}

}  // namespace lvsd::vrrp
