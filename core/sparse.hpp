#pragma once
// A value that is almost always its default, in one pointer: null while it is
// T{}, so a struct kept once per real server pays 8 bytes for a group of
// rarely set settings instead of their size (conf::RealServer's options:
// 112 bytes at 100,000 real servers are 11 MB). Reads never allocate (a null
// one reads as T{}); edit() allocates on the first write; assigning a value
// equal to T{} frees it. Copies are deep and == compares values, so a struct
// holding one keeps `= default` copy and comparison.
#include <memory>
#include <utility>

namespace lvsd::core {

template <class T>
class Sparse {
 public:
  Sparse() = default;
  Sparse(T value) { *this = std::move(value); }  // NOLINT(google-explicit-constructor): a T reads as its Sparse
  Sparse(const Sparse& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  Sparse(Sparse&&) noexcept = default;
  Sparse& operator=(const Sparse& other) {
    if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  Sparse& operator=(Sparse&&) noexcept = default;
  Sparse& operator=(T value) {
    if (value == T{}) value_.reset();
    else if (value_) *value_ = std::move(value);
    else value_ = std::make_unique<T>(std::move(value));
    return *this;
  }
  ~Sparse() = default;

  const T& operator*() const { return value_ ? *value_ : default_value(); }
  const T* operator->() const { return &**this; }
  // For writing: allocates a T{} if there was none.
  T& edit() {
    if (!value_) value_ = std::make_unique<T>();
    return *value_;
  }
  // Whether it holds a block (it may, after edit(), still equal T{}).
  bool allocated() const { return value_ != nullptr; }

  friend bool operator==(const Sparse& a, const Sparse& b) { return *a == *b; }

 private:
  static const T& default_value() {
    static const T value{};
    return value;
  }
  std::unique_ptr<T> value_;
};

}  // namespace lvsd::core
