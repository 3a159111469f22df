#pragma once
// The keepalived.conf importer's inside, shared by its three files and by
// nothing else: keepalived_import.cpp (the statement machinery, global_defs and
// the entry points), keepalived_import_vrrp.cpp (vrrp_instance, vrrp_script,
// vrrp_sync_group) and keepalived_import_lvs.cpp (virtual_server, real_server
// and its checkers). A new block's keywords go in its file's Spec table.
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.hpp"
#include "conf/error.hpp"
#include "conf/keepalived_keywords.hpp"
#include "conf/keepalived_parser.hpp"
#include "conf/scalars.hpp"

namespace lvsd::conf::keepalived_import_detail {

inline constexpr std::size_t kMany = 256;  // "any number of values"
// The keywords of a block met so far, one bit per entry of its Spec list.
inline constexpr std::size_t kMaxSpecs = 128;
using SeenKeywords = std::bitset<kMaxSpecs>;

// What a keyword looks like in one block: its number of values, whether it
// opens a block, and whether it may appear more than once.
struct Spec {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;
  bool block = false;
  bool repeat = false;
  std::string_view yaml_key = {};  // model key when it differs from the keyword
};

// A word with an unquoted ${...} the preprocessing could not replace (an
// undefined name): it has reported that already, so the statement is skipped
// without a second error.
bool is_unexpanded(const KaWord& word);
// keepalived's check_true_false().
std::optional<bool> keepalived_bool(std::string_view t);
// A flag keyword's optional [BOOL] (alpha, strict_mode, ...): nothing is true;
// nullopt when the word is not a keepalived boolean.
std::optional<bool> flag_value(const KaStatement& st);
std::vector<Spec> concat(std::vector<Spec> a, const std::vector<Spec>& b);
// The words from `from` on, joined by one space.
std::string joined(const std::vector<KaWord>& words, std::size_t from = 0);
// A parse function that takes any text.
Result<std::string> text_value(std::string_view t);

// The statements of a block as normalize() leaves them: the parser's own
// statements, unchanged ones by reference, and those it had to change (a line
// split in two, values dropped) by value. Iterates as const KaStatement&.
class Statements {
 public:
  void reserve(std::size_t n) { items_.reserve(n); }
  void add(const KaStatement& st) { items_.push_back(&st); }
  void add(KaStatement&& st) {
    owned_.push_back(std::make_unique<KaStatement>(std::move(st)));
    items_.push_back(owned_.back().get());
  }

  struct iterator {
    std::vector<const KaStatement*>::const_iterator it;
    const KaStatement& operator*() const { return **it; }
    iterator& operator++() { ++it; return *this; }
    bool operator==(const iterator&) const = default;
  };
  iterator begin() const { return {items_.begin()}; }
  iterator end() const { return {items_.end()}; }
  std::size_t size() const { return items_.size(); }

 private:
  std::vector<const KaStatement*> items_;
  std::vector<std::unique_ptr<KaStatement>> owned_;  // (an empty std::deque would allocate)
};

// Where each model path came from, recorded as the import goes (one entry per
// key of the file: tens of thousands for a large table) and looked up only
// when validation reports an error. Paths are front-coded: each entry keeps
// only what differs from the path recorded before it ("...real_servers[3]"
// then "...real_servers[3].weight" keeps ".weight"), in one string for all;
// an entry is 20 bytes (its file is an index into a list of the file names).
// No allocation per key. The first lookup decodes and sorts them.
class ImportSources {
 public:
  // Not recording: every set() returns at once and find() finds nothing but
  // notes that it was asked (an import that needed a location is run again,
  // recording: asked_unrecorded()).
  explicit ImportSources(bool recording = true) : recording_(recording) {}

  void set(std::string_view path, const KaLocation& at);
  // The same for join_path(parent, key), without a string of its own.
  void set(std::string_view parent, std::string_view key, const KaLocation& at) {
    if (!recording_) return;
    joined_.assign(parent);
    if (!parent.empty()) joined_.append(1, '.');
    joined_.append(key);
    set(std::string_view(joined_), at);
  }
  // For the few locations that are not a word's (the whole file's).
  void set(std::string_view path, const Location& at) {
    if (recording_) full_.emplace_back(std::string(path), at);
  }
  // The location recorded last for exactly this path.
  std::optional<Location> find(const std::string& path) const;
  // Whether find() was asked while not recording: a message went unplaced.
  bool asked_unrecorded() const { return asked_unrecorded_; }
  // Room for what a file of `text_bytes` is expected to record, reserved at
  // once: grown one doubling at a time, the arrays of a 50,000-real-server
  // file (5 MB of entries, 2 MB of paths) touch about twice that memory.
  void reserve_for(std::size_t text_bytes);
  std::size_t size() const { return entries_.size(); }
  // Bytes held for the recorded paths (what a test counts for growth).
  std::size_t path_bytes() const { return suffixes_.size(); }

 private:
  static constexpr std::uint16_t kNoFile = 0xFFFF;
  bool recording_ = true;
  mutable bool asked_unrecorded_ = false;
  struct Entry {
    std::uint32_t suffix_offset = 0;  // in suffixes_
    std::uint16_t shared = 0;         // leading characters shared with the path before
    std::uint16_t suffix_length = 0;
    std::int32_t line = 0;
    std::int32_t column = 0;
    std::uint16_t file = kNoFile;     // in files_
  };

  std::vector<Entry> entries_;
  std::string suffixes_;
  std::string last_;  // the path recorded last
  std::string joined_;  // set(parent, key)'s path
  std::vector<const std::string*> files_;
  std::size_t last_file_ = 0;  // the index of the file of the last entry
  std::vector<std::pair<std::string, Location>> full_;
  // Decoded on the first lookup: (path, entry index), sorted.
  mutable std::vector<std::pair<std::string, std::uint32_t>> index_;
  mutable std::size_t indexed_ = 0;  // entries decoded into index_
};

class Importer {
 public:
  // record_sources false: no location is kept for the keys read (see
  // import_keepalived: only a message placed at a key needs them).
  explicit Importer(bool record_sources = true) : sources_(record_sources) {}
  // The file is taken one top-level statement at a time, as the parser
  // completes them: start(), top() for each, then finish() with what the
  // parser reported (which goes first, as it came first).
  // `text` is the main file's: its size and its virtual_server count size
  // the arrays the import fills.
  void start(const std::string& file, std::string_view text = {});
  void top(KaStatement&& statement);
  LoadResult finish(std::vector<ConfigError> parse_errors, std::vector<ConfigError> parse_warnings);
  // After finish(): whether a message needed a key's location that was not
  // recorded (record_sources false), so that the import must run again.
  bool missed_locations() const { return sources_.asked_unrecorded(); }

 private:
  void error(const Location& at, const std::string& path, std::string message) {
    errors_.push_back(ConfigError{.location = at, .path = path, .message = std::move(message)});
  }
  // A statement skipped for an unexpanded ${...} (reported by the
  // preprocessing): what validation finds missing there is not said again.
  void skipped(const std::string& path) { skipped_.push_back(path); }
  void warn(const Location& at, const std::string& path, std::string message) {
    warnings_.push_back(ConfigError{.location = at, .path = path, .message = std::move(message)});
  }
  // out = parse(the statement's values), reporting failures at the first value.
  template <typename T, typename Parse>
  void value(const KaStatement& st, const std::string& path, T& out, Parse parse) {
    std::string text = joined(st.args);
    auto parsed = parse(std::string_view(text));
    if (!parsed) {
      error(st.args.empty() ? st.keyword.location : st.args[0].location, path, parsed.error().message);
      return;
    }
    assign(out, std::move(*parsed));
  }

  // ---------------- keepalived_import.cpp: the statement machinery and global_defs

  // lvsd's keywords of a block and keepalived's, for "did you mean".
  static std::vector<std::string> block_keywords(const std::vector<Spec>& specs, KaBlock block);

  static bool is_keyword(const std::vector<Spec>& specs, KaBlock block, std::string_view word);

  // A keyword of the block or a near-miss of one (reported as a typo).
  static bool names_keyword(const std::vector<Spec>& specs, KaBlock block, const KaWord& word);

  // Checks keywords against specs (unknown() says what happens to the
  // others); wrong value counts and blocks are errors, and a statement with
  // more values than its keyword takes is split where a keyword starts
  // (`weight 1 HTTP_GET {` on one line is two statements). As in keepalived,
  // values after a keyword that takes none are ignored, with a warning.
  // `seen` (one bit per spec) carries the keywords already met across calls
  // for a block taken in pieces (the top level); by default the block is `in`.
  Statements normalize(const std::vector<KaStatement>& in, const std::vector<Spec>& specs, const std::string& path,
                       KaBlock block, SeenKeywords* seen = nullptr);

  // A keyword lvsd does not read here: keepalived's keywords are ignored with
  // a warning or refused (conf/keepalived_keywords.cpp says which); any other
  // word is skipped with a warning, as keepalived 2.2.7 does, unless it is a
  // near-miss of a keyword of the block: a typo is refused.
  void unknown(const KaStatement& st, const std::vector<Spec>& specs, const std::string& path, KaBlock block);

  // Path of a statement's model key, with its value's location recorded.
  std::string key(const std::string& parent, const std::vector<Spec>& specs, const KaStatement& st);

  void global(const KaStatement& block, Global& g);

  std::optional<LvsSyncDaemon> sync_daemon(const KaStatement& st, const std::string& path);
  // notify_fifo / vrrp_notify_fifo / lvs_notify_fifo and their _script.
  void notify_fifo(const KaStatement& st, const std::string& path, Global& g);

  // ---------------- keepalived_import_vrrp.cpp: vrrp_instance, vrrp_script, vrrp_sync_group

  void notify(const KaStatement& st, const std::string& p, NotifyScripts& n);

  VrrpInstance instance(const KaStatement& block, std::size_t index);

  std::optional<VrrpAuthentication> authentication(const KaStatement& block, const std::string& path);

  // `lvs_sync_daemon_interface IFACE` in vrrp_instance: the global sync daemon.
  void use_vmac(const KaStatement& st, const std::string& path, VrrpInstance& inst);
  // garp_extra_if [all] SECONDS (and its global and old forms); `min` 0 or 1.
  struct GarpExtraIf {
    Duration interval{};
    bool all = false;
  };
  std::optional<GarpExtraIf> garp_extra_if(const KaStatement& st, const std::string& path, int min);
  void sync_daemon_interface(const KaStatement& st, const std::string& path, const std::string& instance);

  // `unicast_peer { 10.0.0.1 [min_ttl N] [max_ttl N] ... }`. keepalived checks
  // a peer's TTL only against a range given this way (default: any TTL);
  // lvsd has one switch, check_unicast_ttl (default: TTL 255 only). A
  // min_ttl below 255 says the peers are routed apart: the check goes off.
  void unicast_peers(const KaStatement& block, const std::string& p, const std::string& instance_path,
                     VrrpInstance& inst);

  // keepalived reads unicast_src_ip and unicast peers as an address and
  // drops a /prefix after it: lvsd too, with a warning.
  std::optional<core::IpAddress> address_dropping_prefix(const KaWord& word, const std::string& path);

  // Every word of every line of a list block: `unicast_peer { 10.0.0.1 10.0.0.2 }`.
  static std::vector<KaWord> words_of(const std::vector<KaStatement>& lines);

  // One address per line, or several on one line: a word that is an address
  // and not an option's value starts a new entry.
  void virtual_ips(const KaStatement& block, const std::string& path, std::vector<VirtualIpAddress>& out);

  void track_interfaces(const KaStatement& block, const std::string& path, std::vector<TrackInterface>& out);

  // static_routes / virtual_routes and static_rules / virtual_rules: one
  // `ip route` / `ip rule` per line (conf/ip_syntax.hpp).
  void ip_routes(const KaStatement& block, const std::string& path, std::vector<IpRoute>& out);
  void ip_rules(const KaStatement& block, const std::string& path, std::vector<IpRule>& out);
  // One route or rule per line of the block, parsed by `parse`; the shared part of the two above.
  template <typename T, typename Parse>
  void ip_lines(const KaStatement& block, const std::string& path, const std::string& what, Parse parse,
                std::vector<T>& out);

  // `NAME [weight N [reverse|noreverse|no_reverse]]`, the tail of a line in a
  // track_* block; false (with the error reported) when it is something else.
  bool tracked_weight(const KaStatement& line, const std::string& p, const std::string& what,
                      std::optional<int>& weight, std::optional<bool>& reverse, int max_weight = 253);

  // `what` names the entry in messages (SCRIPT_NAME, FILE_NAME, PROCESS_NAME).
  void track_scripts(const KaStatement& block, const std::string& path, std::vector<TrackScript>& out,
                     int max_weight = 253, const std::string& what = "SCRIPT_NAME");

  VrrpScript vrrp_script(const KaStatement& block, std::size_t index);

  // track_file NAME { file PATH; weight N [reverse]; init_file [VALUE] [overwrite] }.
  TrackFile track_file(const KaStatement& block, std::size_t index);

  // vrrp_track_process NAME { process NAME [PARAM...]; param_match [initial|partial]; weight N [reverse];
  // quorum N; quorum_max N; delay / fork_delay / terminate_delay SECONDS; full_command }.
  TrackProcess track_process(const KaStatement& block, std::size_t index);
  // A delay of vrrp_track_process: keepalived's 0.000001..3600 seconds (lvsd: whole milliseconds).
  std::optional<Duration> process_delay(const KaStatement& st, const std::string& p);

  VrrpSyncGroup sync_group(const KaStatement& block, std::size_t index);

  // ---------------- keepalived_import_lvs.cpp: virtual_server, real_server and its checkers

  VirtualServer virtual_server(const KaStatement& block, std::size_t index);

  // `virtual_server_group NAME { ADDRESS|RANGE [PORT] ... fwmark N [inet|inet6] ... }`.
  VirtualServerGroup virtual_server_group(const KaStatement& block, std::size_t index);

  // sh-port, mh-fallback, flag-1, ...: one of vs.scheduler_flags, at `path`
  // (scheduler_flags[N]). Flags of sh and mh must come after a valid lb_algo
  // naming that scheduler.
  void scheduler_flag(const KaStatement& st, const std::string& path, bool after_lb_algo, bool lb_algo_invalid,
                      VirtualServer& vs);

  RealServer real_server(const KaStatement& block, const std::string& path);
  // FILE_CHECK { track_file NAME; weight N [reverse|noreverse] }, at `path`.
  void file_check(const KaStatement& block, const std::string& path, RealServerOptions& rs);
  // lvs_method / lb_kind NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]
  // (virtual_server, real_server, sorry_server_lvs_method); nullopt after an
  // error. `owner` is the path of the server whose lb_kind and tunnel keys it sets.
  std::optional<Forwarding> forwarding(const KaStatement& st, const std::string& owner);

  static CheckProbe probe_for(const std::string& keyword);

  // Reads a check block into `check`. True when its delay_before_retry is to
  // be keepalived's default for it, the check's delay_loop (DNS_CHECK), which
  // virtual_server() sets once it knows its own delay_loop.
  bool fill_check(const KaStatement& block, const std::string& path, Check& check);

  UrlCheck url(const KaStatement& block, const std::string& path);

  Config config_;
  SeenKeywords top_seen_;
  std::vector<ConfigError> errors_;
  std::vector<ConfigError> warnings_;
  std::vector<std::string> skipped_;
  ImportSources sources_;
  int default_version_ = 2;
  std::vector<std::size_t> retry_at_delay_loop_;  // real_server(): its checks fill_check() said true for
  bool weight_given_ = false;                     // real_server(): whether it had a weight
  std::vector<std::size_t> without_protocol_;     // virtual servers without `protocol`
  // A vrrp_sync_group's tracking, given to its members by finish().
  struct GroupTracking {
    std::size_t group = 0;  // index in vrrp_sync_groups
    std::vector<TrackInterface> interfaces{};
    std::vector<TrackScript> scripts{};
    std::vector<TrackScript> files{};
    bool keep_weights = false;  // sync_group_tracking_weight (or global_tracking)
  };
  std::vector<GroupTracking> group_tracking_;
  // global_defs lvs_timeouts [tcp N] [tcpfin N] [udp N].
  void lvs_timeouts(const KaStatement& st, const std::string& path, Global::LvsTimeouts& out);
  // finish(): keepalived 2.2.7's sync group tracking rules, applied to the member instances.
  void apply_group_tracking();
  // finish(): keepalived 2.2.7 gives an address service without `protocol` UDP.
  void apply_default_protocol();
  std::set<std::size_t> explicit_version_;
  // global_defs' defaults for the instances' garp_master_* (vrrp_garp_master_*).
  struct GarpDefaults {
    std::optional<Duration> delay, refresh;
    std::optional<std::uint32_t> repeat, refresh_repeat;
  } garp_defaults_;
  std::optional<GarpExtraIf> garp_extra_if_default_;  // global_defs vrrp_garp_extra_if
  // global_defs vrrp_lower_prio_no_advert, vrrp_higher_prio_send_advert,
  // vrrp_garp_lower_prio_*, vrrp_down_timer_adverts: defaults of the
  // instances' keywords of the same name (finish() applies them).
  struct MasterDefaults {
    std::optional<bool> lower_prio_no_advert, higher_prio_send_advert;
    std::optional<Duration> garp_lower_prio_delay;
    std::optional<std::uint32_t> garp_lower_prio_repeat;
    std::optional<std::uint8_t> down_timer_adverts;
  } master_defaults_;
  // A keyword with keepalived's optional [BOOL] into `slot`, or an error.
  void flag(const KaStatement& st, const std::string& p, std::optional<bool>& slot);
  void apply_master_defaults(VrrpInstance& inst, const std::function<bool(const char*)>& unset);
  // global_defs default_interface: where a static_ipaddress without dev goes.
  std::string default_interface_ = "eth0";
  std::vector<std::size_t> static_without_dev_;  // static_ipaddress entries without dev
  // (instance index, keyword) given in the instance itself.
  std::set<std::pair<std::size_t, std::string>> explicit_;
};

}  // namespace lvsd::conf::keepalived_import_detail
