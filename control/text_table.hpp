#pragma once
// A small column formatter for the text screens of lvsctl: each column as
// wide as its widest cell, two spaces apart; the last column is not padded.
#include <cstddef>
#include <string>
#include <vector>

namespace lvsd::control {

class TextTable {
 public:
  enum class Align { kLeft, kRight };
  explicit TextTable(std::vector<Align> columns, std::string indent = "") : align_(std::move(columns)), indent_(std::move(indent)) {}

  void add_row(std::vector<std::string> cells);
  std::string render() const;

 private:
  std::vector<Align> align_;
  std::string indent_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace lvsd::control
