#pragma once
// An optional text in one pointer: 8 bytes where std::optional<std::string>
// takes 40. For the rarely set texts of what lvsd keeps once per real server
// (conf::RealServer's notify_up, notify_down, virtualhost): at 100,000 real
// servers those three fields alone were 12 MB of std::optional. It reads like
// std::optional<std::string> (has_value, *, ->, value_or, = std::nullopt).
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace lvsd::core {

class OptionalText {
 public:
  OptionalText() = default;
  OptionalText(std::nullopt_t) {}  // NOLINT(google-explicit-constructor): as std::optional
  OptionalText(std::string text) : text_(std::make_unique<std::string>(std::move(text))) {}  // NOLINT
  OptionalText(const char* text) : OptionalText(std::string(text)) {}                        // NOLINT
  OptionalText(const std::optional<std::string>& text) {                                    // NOLINT
    if (text) text_ = std::make_unique<std::string>(*text);
  }
  OptionalText(const OptionalText& other) : OptionalText(other.get()) {}
  OptionalText(OptionalText&&) noexcept = default;
  OptionalText& operator=(const OptionalText& other) {
    if (this != &other) text_ = other.text_ ? std::make_unique<std::string>(*other.text_) : nullptr;
    return *this;
  }
  OptionalText& operator=(OptionalText&&) noexcept = default;
  OptionalText& operator=(std::nullopt_t) {
    text_.reset();
    return *this;
  }
  ~OptionalText() = default;

  bool has_value() const { return text_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  const std::string& operator*() const { return *text_; }
  std::string& operator*() { return *text_; }
  const std::string* operator->() const { return text_.get(); }
  std::string* operator->() { return text_.get(); }
  const std::string& value() const {
    if (!text_) throw std::bad_optional_access();
    return *text_;
  }
  std::string value_or(std::string_view fallback) const { return text_ ? *text_ : std::string(fallback); }
  void reset() { text_.reset(); }
  // As a std::optional (copies the text), for code written against one.
  std::optional<std::string> get() const { return text_ ? std::optional<std::string>(*text_) : std::nullopt; }

  friend bool operator==(const OptionalText& a, const OptionalText& b) {
    return a.text_ == nullptr || b.text_ == nullptr ? a.text_ == b.text_ : *a.text_ == *b.text_;
  }
  friend bool operator==(const OptionalText& a, std::nullopt_t) { return !a.has_value(); }
  friend bool operator==(const OptionalText& a, std::string_view b) { return a.has_value() && *a.text_ == b; }
  // A literal matches this one exactly (the two above both convert from it).
  friend bool operator==(const OptionalText& a, const char* b) { return a == std::string_view(b); }

 private:
  std::unique_ptr<std::string> text_;
};

}  // namespace lvsd::core
