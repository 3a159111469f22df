#include "core/response_regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <utility>

namespace lvsd::core {
namespace {

struct Option {
  std::string_view name;
  std::uint32_t bit;
};

// keepalived 2.2.7's table (check_http.c): its names for pcre2_compile's options.
constexpr Option kOptions[] = {
    {"allow_empty_class", PCRE2_ALLOW_EMPTY_CLASS},
    {"alt_bsux", PCRE2_ALT_BSUX},
    {"auto_callout", PCRE2_AUTO_CALLOUT},
    {"caseless", PCRE2_CASELESS},
    {"dollar_endonly", PCRE2_DOLLAR_ENDONLY},
    {"dotall", PCRE2_DOTALL},
    {"dupnames", PCRE2_DUPNAMES},
    {"extended", PCRE2_EXTENDED},
    {"firstline", PCRE2_FIRSTLINE},
    {"match_unset_backref", PCRE2_MATCH_UNSET_BACKREF},
    {"multiline", PCRE2_MULTILINE},
    {"never_ucp", PCRE2_NEVER_UCP},
    {"never_utf", PCRE2_NEVER_UTF},
    {"no_auto_capture", PCRE2_NO_AUTO_CAPTURE},
    {"no_auto_possess", PCRE2_NO_AUTO_POSSESS},
    {"no_dotstar_anchor", PCRE2_NO_DOTSTAR_ANCHOR},
    {"no_start_optimize", PCRE2_NO_START_OPTIMIZE},
    {"ucp", PCRE2_UCP},
    {"ungreedy", PCRE2_UNGREEDY},
    {"utf", PCRE2_UTF},
    {"never_backslash_c", PCRE2_NEVER_BACKSLASH_C},
    {"alt_circumflex", PCRE2_ALT_CIRCUMFLEX},
    {"alt_verbnames", PCRE2_ALT_VERBNAMES},
    {"use_offset_limit", PCRE2_USE_OFFSET_LIMIT},
};

std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0) return "PCRE2 error " + std::to_string(code);
  return reinterpret_cast<const char*>(buffer);
}

}  // namespace

struct ResponseRegex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

const std::vector<std::string_view>& regex_option_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const Option& o : kOptions) out.push_back(o.name);
    return out;
  }();
  return names;
}

Result<ResponseRegex> ResponseRegex::compile(std::string_view pattern, std::span<const std::string> options) {
  std::uint32_t bits = 0;
  for (const std::string& name : options) {
    const auto* o = std::find_if(std::begin(kOptions), std::end(kOptions), [&](const Option& x) { return x.name == name; });
    if (o == std::end(kOptions)) return Error{"unknown regex option '" + name + "'"};
    bits |= o->bit;
  }
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), bits, &error_code,
                                   &error_offset, nullptr);
  if (code == nullptr)
    return Error{"invalid regex at offset " + std::to_string(error_offset) + ": " + pcre2_message(error_code)};
  auto owned = std::make_shared<Code>();
  owned->code = code;
  return ResponseRegex(std::move(owned));
}

Result<bool> ResponseRegex::search(std::string_view subject, std::size_t min_offset,
                                   std::optional<std::size_t> max_offset) const {
  if (min_offset > subject.size()) return false;
  std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data(
      pcre2_match_data_create_from_pattern(code_->code, nullptr), &pcre2_match_data_free);
  if (!data) return Error{"regex: out of memory"};
  const int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), min_offset, 0,
                             data.get(), nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return false;
  if (rc < 0 && rc != 0) return Error{"regex: " + pcre2_message(rc)};
  const PCRE2_SIZE start = pcre2_get_ovector_pointer(data.get())[0];
  return !max_offset || start <= *max_offset;
}

}  // namespace lvsd::core
