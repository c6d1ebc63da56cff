// libFuzzer target: state deserialization (include/driftwatch/accumulators/serialization.hpp).
//
// Byte 0 chooses the type (bits 0-2) and whether the harness repairs the
// envelope (bit 3): with repair, the payload size and the CRC-32 are patched
// to match, so the fuzzer reaches the payload decoders instead of stopping at
// the checksum. The rest is the state.
//
// Properties: deserialize either throws driftwatch::error or returns an
// object that (1) serializes back to exactly the same bytes -- the encoding
// is canonical and the decoder validated everything it kept -- and (2) can be
// used: merged with a copy of itself, read, observed into.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <driftwatch/driftwatch.hpp>
#include <driftwatch/accumulators/serialization.hpp>

namespace {

using bytes_t = std::vector<std::uint8_t>;

template <class T>
void exercise(T& value);

template <>
void exercise(driftwatch::histogram& h) {
  driftwatch::histogram copy = h;
  copy += h;
  if (copy.count() != 2 * h.count() && h.count() < (std::uint64_t{1} << 62)) __builtin_trap();
  h(0.5);
}
template <>
void exercise(driftwatch::category_counts& c) {
  driftwatch::category_counts copy = c;
  copy += c;
  c("fuzz");
  (void)c.index_of("fuzz");
}
template <>
void exercise(driftwatch::mean_accumulator& m) {
  (void)m.interval(0.95);
  m(1.0);
}
template <>
void exercise(driftwatch::ranking_accumulator& r) {
  driftwatch::ranking_accumulator copy = r;
  copy += r;
  (void)r.mean(driftwatch::ranking_metric::ndcg);
}
template <>
void exercise(driftwatch::paired_comparison& p) {
  (void)p.result();
  p.observe(1.0, 2.0);
}
template <>
void exercise(driftwatch::welch_comparison& w) {
  (void)w.result();
}
template <>
void exercise(driftwatch::ks_stream& s) {
  driftwatch::ks_stream copy = s;
  copy += s;
  (void)s.result();
  s(0.5);
  (void)s.result();
}
template <>
void exercise(driftwatch::drift_monitor& m) {
  driftwatch::drift_monitor copy = m;
  copy += m;
  (void)m.report();
  for (std::size_t i = 0; i < m.size(); ++i) {
    if (m.kind(i) == driftwatch::feature_kind::numeric)
      m.observe(i, 1.0);
    else
      m.observe(i, "fuzz");
  }
}

template <class T>
void run(const bytes_t& bytes) {
  driftwatch::deserialize_limits limits;
  limits.max_reserved_bytes = std::size_t{16} << 20;
  try {
    T value = driftwatch::deserialize<T>(bytes, limits);
    // An older layout (a version-1 drift_monitor) is converted and written
    // back in the current one: the byte-exact property holds per version.
    const driftwatch::state_header h = driftwatch::inspect_state(bytes);
    if (h.version == T::state_version && driftwatch::serialize(value) != bytes) __builtin_trap();
    exercise(value);
  } catch (const driftwatch::error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned selector = data[0];
  bytes_t bytes(data + 1, data + size);
  if ((selector & 8u) != 0 && bytes.size() >= 20) {
    const std::uint64_t payload = bytes.size() - 20;
    for (int i = 0; i < 8; ++i) bytes[8 + i] = static_cast<std::uint8_t>(payload >> (8 * i));
    const std::uint32_t crc = driftwatch::detail::crc32(bytes.data(), bytes.size() - 4);
    for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<std::uint8_t>(crc >> (8 * i));
  }
  switch (selector & 7u) {
    case 0: run<driftwatch::histogram>(bytes); break;
    case 1: run<driftwatch::category_counts>(bytes); break;
    case 2: run<driftwatch::mean_accumulator>(bytes); break;
    case 3: run<driftwatch::ranking_accumulator>(bytes); break;
    case 4: run<driftwatch::paired_comparison>(bytes); break;
    case 5: run<driftwatch::welch_comparison>(bytes); break;
    case 6: run<driftwatch::drift_monitor>(bytes); break;
    default: run<driftwatch::ks_stream>(bytes); break;
  }
  return 0;
}
