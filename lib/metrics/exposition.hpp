// SPDX-License-Identifier: Apache-2.0
// The Prometheus text exposition format, version 0.0.4, without I/O: metric
// families in, the scrape body out. HELP and TYPE lines precede each family;
// label values escape `\`, `"` and newline, HELP text `\` and newline.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace anycastd::metrics {

// The content type of a body made by encode().
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class Type : std::uint8_t { counter, gauge, histogram };

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  Labels labels;
  double value = 0;
};

// Observations sorted into buckets by upper bound (seconds for a duration).
// `counts` has one more entry than `bounds`: the observations above the
// last bound (the +Inf bucket's own share).
class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds);
  void observe(double value);
  std::span<const double> bounds() const { return bounds_; }
  std::span<const std::uint64_t> counts() const { return counts_; }
  double sum() const { return sum_; }
  std::uint64_t count() const { return count_; }

 private:
  std::span<const double> bounds_;
  std::vector<std::uint64_t> counts_;
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

struct HistogramSample {
  Labels labels;
  const Histogram* histogram = nullptr;  // the caller keeps it alive until encode()
};

struct Family {
  Family(std::string name, std::string help, Type type)
      : name(std::move(name)), help(std::move(help)), type(type) {}

  std::string name;
  std::string help;
  Type type;
  std::vector<Sample> samples;              // counter, gauge
  std::vector<HistogramSample> histograms;  // histogram

  Family& add(Labels labels, double value);
};

// Appends the families in order; a family without samples is left out.
void encode(std::span<const Family> families, std::string& out);
std::string encode(std::span<const Family> families);

// Pieces of the format, for tests.
std::string escape_label_value(std::string_view value);
std::string escape_help(std::string_view help);
// Integers as integers, others in the shortest form that reads back the
// same; +Inf, -Inf, NaN.
std::string format_value(double value);

}  // namespace anycastd::metrics
