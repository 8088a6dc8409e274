// SPDX-License-Identifier: Apache-2.0
#include "config/toml_guard.hpp"

#include <vector>

#include <fmt/format.h>

namespace anycastd::config {
namespace {

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// Walks the text byte by byte with just enough of TOML's lexical structure
// (comments, the four string forms, table headers, arrays and inline tables)
// to know whether a character is outside strings, in a key, or in a value.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  std::optional<TextProblem> run() {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // a UTF-8 byte order mark
    while (!at_end()) {
      const unsigned char c = peek();
      if (c == '\n') {
        advance();
        if (nest_.empty()) {
          key_ = true;
          header_ = false;
        }
        last_ = '\n';
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r') {
        advance();
        continue;
      }
      if (c == '#') {
        while (!at_end() && peek() != '\n')
          advance();
        continue;
      }
      // A quote opens a string only where a token starts; glued to a bare
      // word (2"x) it is part of that word for toml++, and so for us.
      if ((c == '"' || c == '\'') && starts_token()) {
        if (auto problem = string(key_ || header_)) return problem;
        last_ = '"';
        continue;
      }
      if (c >= 0x80) {
        return problem(
            fmt::format("non-ASCII character {} outside a string or comment (TOML "
                        "allows them only there)",
                        code_point_name()));
      }
      structure(c);
      advance();
      last_ = c;
    }
    return std::nullopt;
  }

 private:
  enum class Nest { array, inline_table };

  bool at_end() const { return pos_ >= text_.size(); }
  unsigned char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? static_cast<unsigned char>(text_[pos_ + ahead]) : 0;
  }

  // Columns count characters: the column moves on when the next one begins.
  void advance() {
    const auto byte = static_cast<unsigned char>(text_[pos_++]);
    if (byte == '\n') {
      ++line_;
      column_ = 1;
    } else if (at_end() || !is_continuation(peek())) {
      ++column_;
    }
  }

  bool starts_token() const {
    return last_ == '\n' || last_ == '=' || last_ == '[' || last_ == '{' || last_ == ',' ||
           last_ == '.';
  }

  // Tracks whether a bare word here would be a key or a value.
  void structure(unsigned char c) {
    switch (c) {
      case '[':
        if (header_) break;
        if (key_ && nest_.empty() && last_ == '\n') {  // first on its line
          header_ = true;                              // [table] or [[array of tables]]
        } else {
          nest_.push_back(Nest::array);
          key_ = false;
        }
        break;
      case ']':
        if (!header_ && !nest_.empty() && nest_.back() == Nest::array) nest_.pop_back();
        break;
      case '{':
        if (header_) break;
        nest_.push_back(Nest::inline_table);
        key_ = true;
        break;
      case '}':
        if (!nest_.empty() && nest_.back() == Nest::inline_table) {
          nest_.pop_back();
          key_ = false;
        }
        break;
      case ',':
        if (!nest_.empty()) key_ = nest_.back() == Nest::inline_table;
        break;
      case '=':
        if (!header_) key_ = false;
        break;
      default:
        break;
    }
  }

  // From an opening quote to just past the closing one.
  std::optional<TextProblem> string(bool in_key) {
    const unsigned char quote = peek();
    const bool basic = quote == '"';
    const bool multi_line = peek(1) == quote && peek(2) == quote;
    for (int i = 0; i < (multi_line ? 3 : 1); ++i)
      advance();
    while (!at_end()) {
      const unsigned char c = peek();
      if (c == '\n' && !multi_line) return std::nullopt;  // unterminated: toml++ says so
      if (c >= 0x80 && in_key) {
        return problem(
            fmt::format("non-ASCII character {} in a quoted key (anycastd's keys are "
                        "all ASCII)",
                        code_point_name()));
      }
      if (basic && c == '\\') {
        advance();
        if (multi_line) {
          if (auto problem = after_backslash()) return problem;
          continue;
        }
        if (!at_end() && peek() != '\n') advance();  // the escaped character
        continue;
      }
      if (c == quote) {
        if (!multi_line) {
          advance();
          return std::nullopt;
        }
        if (peek(1) == quote && peek(2) == quote) {
          // The closing delimiter; up to two more quotes are the content's last.
          for (int i = 0; i < 3; ++i)
            advance();
          for (int i = 0; i < 2 && peek() == quote; ++i)
            advance();
          return std::nullopt;
        }
      }
      advance();
    }
    return std::nullopt;
  }

  // In a multi-line basic string, just past a backslash: the escaped
  // character, or a line-ending backslash and the whitespace it trims.
  std::optional<TextProblem> after_backslash() {
    const auto non_ascii = [this](std::string_view what) {
      return problem(
          fmt::format("non-ASCII character {} {} in a multi-line string, which toml++ "
                      "3.3 cannot read safely; write it as {}",
                      code_point_name(), what, escape()));
    };
    if (peek() >= 0x80) return non_ascii("right after a backslash");
    if (peek() != ' ' && peek() != '\t' && peek() != '\r' && peek() != '\n') {
      if (!at_end()) advance();
      return std::nullopt;
    }
    while (peek() == ' ' || peek() == '\t' || peek() == '\r' || peek() == '\n')
      advance();
    if (peek() >= 0x80) return non_ascii("first after a line-ending backslash");
    return std::nullopt;
  }

  // The UTF-8 sequence at the cursor, or 0 when it is not one.
  char32_t code_point() const {
    const unsigned char lead = peek();
    int length = 0;
    char32_t value = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      value = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      value = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      value = lead & 0x07;
    } else {
      return 0;
    }
    for (int i = 1; i < length; ++i) {
      const unsigned char next = peek(static_cast<std::size_t>(i));
      if (!is_continuation(next)) return 0;
      value = (value << 6) | (next & 0x3F);
    }
    return value;
  }

  std::string code_point_name() const {
    const char32_t cp = code_point();
    if (cp == 0) return fmt::format("(byte 0x{:02X}, not UTF-8)", peek());
    return fmt::format("U+{:04X}", static_cast<std::uint32_t>(cp));
  }

  std::string escape() const {
    const auto cp = static_cast<std::uint32_t>(code_point());
    return cp > 0xFFFF ? fmt::format("\\U{:08X}", cp) : fmt::format("\\u{:04X}", cp);
  }

  TextProblem problem(std::string message) const { return {line_, column_, std::move(message)}; }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::uint32_t column_ = 1;
  std::vector<Nest> nest_;
  bool key_ = true;      // a bare word here would be a key
  bool header_ = false;  // inside [table] or [[table]]
  // The last byte outside strings and comments that was not a space; '\n'
  // while nothing else has come on this line.
  unsigned char last_ = '\n';
};

}  // namespace

std::optional<TextProblem> find_unreadable_non_ascii(std::string_view text) {
  return Scanner(text).run();
}

}  // namespace anycastd::config
