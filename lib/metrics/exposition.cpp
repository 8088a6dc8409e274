// SPDX-License-Identifier: Apache-2.0
#include "metrics/exposition.hpp"

#include <charconv>
#include <cmath>
#include <limits>

namespace anycastd::metrics {
namespace {

std::string_view type_name(Type type) {
  switch (type) {
    case Type::counter:
      return "counter";
    case Type::gauge:
      return "gauge";
    case Type::histogram:
      return "histogram";
  }
  return "untyped";
}

void append_value(double value, std::string& out) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    // Counters and most gauges are whole numbers: 1000000, not 1e+06.
    constexpr double kExact = 9007199254740992.0;  // 2^53
    char buf[32];
    const auto r = std::trunc(value) == value && std::fabs(value) < kExact
                       ? std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(value))
                       : std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, r.ptr);
  }
}

void append_escaped(std::string_view text, bool quotes, std::string& out) {
  for (const char c : text) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '"':
        out += quotes ? "\\\"" : "\"";
        break;
      default:
        out += c;
    }
  }
}

// name{a="x",b="y",extra="v"} or name when there are no labels.
void append_series(std::string_view name, const Labels& labels,
                   const std::pair<std::string_view, std::string_view>* extra, std::string& out) {
  out += name;
  if (labels.empty() && !extra) return;
  out += '{';
  bool first = true;
  auto label = [&](std::string_view key, std::string_view value) {
    if (!first) out += ',';
    first = false;
    out += key;
    out += "=\"";
    append_escaped(value, true, out);
    out += '"';
  };
  for (const auto& [key, value] : labels)
    label(key, value);
  if (extra) label(extra->first, extra->second);
  out += '}';
}

void append_line(std::string_view name, const Labels& labels, double value, std::string& out,
                 const std::pair<std::string_view, std::string_view>* extra = nullptr) {
  append_series(name, labels, extra, out);
  out += ' ';
  append_value(value, out);
  out += '\n';
}

void append_histogram(const Family& family, const HistogramSample& h, std::string& out) {
  const std::string bucket = family.name + "_bucket";
  std::uint64_t cumulative = 0;
  const auto bounds = h.histogram->bounds();
  const auto counts = h.histogram->counts();
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    cumulative += counts[i];
    const std::string le = format_value(bounds[i]);
    const std::pair<std::string_view, std::string_view> extra{"le", le};
    append_line(bucket, h.labels, static_cast<double>(cumulative), out, &extra);
  }
  const std::pair<std::string_view, std::string_view> inf{"le", "+Inf"};
  append_line(bucket, h.labels, static_cast<double>(h.histogram->count()), out, &inf);
  append_line(family.name + "_sum", h.labels, h.histogram->sum(), out);
  append_line(family.name + "_count", h.labels, static_cast<double>(h.histogram->count()), out);
}

}  // namespace

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(bounds.size() + 1, 0) {}

void Histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i])
    ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

Family& Family::add(Labels labels, double value) {
  samples.push_back({std::move(labels), value});
  return *this;
}

void encode(std::span<const Family> families, std::string& out) {
  for (const auto& family : families) {
    if (family.samples.empty() && family.histograms.empty()) continue;
    out += "# HELP ";
    out += family.name;
    out += ' ';
    append_escaped(family.help, false, out);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += type_name(family.type);
    out += '\n';
    for (const auto& s : family.samples)
      append_line(family.name, s.labels, s.value, out);
    for (const auto& h : family.histograms)
      append_histogram(family, h, out);
  }
}

std::string encode(std::span<const Family> families) {
  std::string out;
  encode(families, out);
  return out;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  append_escaped(value, true, out);
  return out;
}

std::string escape_help(std::string_view help) {
  std::string out;
  append_escaped(help, false, out);
  return out;
}

std::string format_value(double value) {
  std::string out;
  append_value(value, out);
  return out;
}

}  // namespace anycastd::metrics
