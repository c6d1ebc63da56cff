// driftwatch state serialization: a versioned, portable binary format for
// every accumulator and the drift monitor, so a service keeps its windows
// across restarts and a batch job merges the states of many replicas.
//
// Layout (docs/concurrency.md, "State format"), every integer little-endian,
// every double as its IEEE-754 bit pattern:
//
//   offset  size  field
//   0       4     magic "DWST" (0x44 0x57 0x53 0x54)
//   4       2     layout version of this state type (state_version(type):
//                 1 for every type but drift_monitor, which is at 2)
//   6       2     state type (state_type)
//   8       8     payload size P
//   16      P     payload (per type, see detail/state_access.hpp)
//   16+P    4     CRC-32 (IEEE, as zlib) of bytes [0, 16+P)
//
// Reading is strict: wrong magic, an unknown or newer version, another type
// than requested, a size that does not match the input exactly, a checksum
// mismatch, a payload that ends early or has bytes left over, or a payload
// that decodes to state the library could never have produced (non-increasing
// edges, duplicate categories, counts that disagree...) all throw
// driftwatch::error with the offset and the reason. The reader never reads
// past the end of its input, and allocates at most in proportion to it (plus
// drift_monitor's bounded sample reservation, see deserialize_limits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <driftwatch/detail/byte_io.hpp>
#include <driftwatch/detail/state_access.hpp>
#include <driftwatch/error.hpp>
#include <driftwatch/span.hpp>

namespace driftwatch {

/// The envelope's version and the layout version of every state type whose
/// payload never changed. Each type has its own layout version
/// (state_version(type)); readers accept every version of a type up to their
/// own and reject newer ones (docs/concurrency.md, "Version rules").
constexpr std::uint16_t state_format_version = 1;

/// What a serialized state holds (bytes 6-7 of the header). Values are
/// stable: new types get new numbers, numbers are never reused.
enum class state_type : std::uint16_t {
  histogram = 1,
  category_counts = 2,
  mean_accumulator = 3,
  ranking_accumulator = 4,
  paired_comparison = 5,
  welch_comparison = 6,
  drift_monitor = 7,
};

inline const char* to_string(state_type t) noexcept {
  switch (t) {
    case state_type::histogram: return "histogram";
    case state_type::category_counts: return "category_counts";
    case state_type::mean_accumulator: return "mean_accumulator";
    case state_type::ranking_accumulator: return "ranking_accumulator";
    case state_type::paired_comparison: return "paired_comparison";
    case state_type::welch_comparison: return "welch_comparison";
    case state_type::drift_monitor: return "drift_monitor";
  }
  return "unknown";
}

/// The layout version this build writes for `t` (and the newest it reads):
/// drift_monitor is at 2 (version 1 kept raw current samples; version 2 keeps
/// the bounded window state, docs/concurrency.md), every other type at 1.
constexpr std::uint16_t state_version(state_type t) noexcept {
  return t == state_type::drift_monitor ? 2 : state_format_version;
}

/// The header of a state whose envelope (magic, version, size, checksum) is valid.
struct state_header {
  std::uint16_t version = 0;
  state_type type = state_type::histogram;
  std::uint64_t payload_size = 0;
};

namespace detail {

constexpr std::size_t state_header_size = 16;
constexpr std::size_t state_trailer_size = 4;
constexpr std::uint8_t state_magic[4] = {0x44, 0x57, 0x53, 0x54};  // "DWST"

template <class T>
struct state_type_of;
template <> struct state_type_of<histogram> { static constexpr state_type value = state_type::histogram; };
template <> struct state_type_of<category_counts> { static constexpr state_type value = state_type::category_counts; };
template <> struct state_type_of<mean_accumulator> { static constexpr state_type value = state_type::mean_accumulator; };
template <> struct state_type_of<ranking_accumulator> { static constexpr state_type value = state_type::ranking_accumulator; };
template <> struct state_type_of<paired_comparison> { static constexpr state_type value = state_type::paired_comparison; };
template <> struct state_type_of<welch_comparison> { static constexpr state_type value = state_type::welch_comparison; };
template <> struct state_type_of<drift_monitor> { static constexpr state_type value = state_type::drift_monitor; };

template <class T>
std::vector<std::uint8_t> seal(state_type type, const T& value) {
  std::vector<std::uint8_t> out;
  byte_writer w(out);
  for (auto b : state_magic) w.u8(b);
  w.u16(state_version(type));
  w.u16(static_cast<std::uint16_t>(type));
  w.u64(0);  // payload size, patched below
  state_access::write(w, value);
  const std::uint64_t payload = out.size() - state_header_size;
  for (int i = 0; i < 8; ++i) out[8 + i] = static_cast<std::uint8_t>(payload >> (8 * i));
  w.u32(crc32(out.data(), out.size()));
  return out;
}


template <class T>
T decode_payload(byte_reader& r, const deserialize_limits& limits, std::uint16_t version);
template <> inline histogram decode_payload<histogram>(byte_reader& r, const deserialize_limits&, std::uint16_t) {
  return state_access::read_histogram(r);
}
template <> inline category_counts decode_payload<category_counts>(byte_reader& r, const deserialize_limits&, std::uint16_t) {
  return state_access::read_category_counts(r);
}
template <> inline mean_accumulator decode_payload<mean_accumulator>(byte_reader& r, const deserialize_limits&, std::uint16_t) {
  return state_access::read_mean(r);
}
template <> inline ranking_accumulator decode_payload<ranking_accumulator>(byte_reader& r, const deserialize_limits&, std::uint16_t) {
  return state_access::read_ranking(r);
}
template <> inline paired_comparison decode_payload<paired_comparison>(byte_reader& r, const deserialize_limits&, std::uint16_t) {
  return state_access::read_paired(r);
}
template <> inline welch_comparison decode_payload<welch_comparison>(byte_reader& r, const deserialize_limits&, std::uint16_t) {
  return state_access::read_welch(r);
}
template <> inline drift_monitor decode_payload<drift_monitor>(byte_reader& r, const deserialize_limits& limits,
                                                              std::uint16_t version) {
  return state_access::read_monitor(r, limits, version);
}

}  // namespace detail

/// Checks the envelope of a serialized state -- magic, version, exact size,
/// checksum -- and returns its header. Throws driftwatch::error otherwise.
/// O(n) (the checksum), no allocation beyond the error message.
inline state_header inspect_state(span<const std::uint8_t> bytes) {
  detail::byte_reader r(bytes);
  for (std::size_t i = 0; i < 4; ++i)
    if (r.u8("magic") != detail::state_magic[i])
      r.fail_at(i, "not a driftwatch state (the magic number \"DWST\" is missing)");
  state_header h;
  h.version = r.u16("format version");
  if (h.version == 0) r.fail_at(4, "format version 0 is not supported");
  const std::uint16_t type = r.u16("state type");
  if (type < 1 || type > static_cast<std::uint16_t>(state_type::drift_monitor))
    r.fail_at(6, "unknown state type " + std::to_string(type));
  h.type = static_cast<state_type>(type);
  if (h.version > state_version(h.type))
    r.fail_at(4, "format version " + std::to_string(h.version) + " is not supported (this build reads versions 1 to " +
                     std::to_string(state_version(h.type)) + " of " + to_string(h.type) + " states)");
  h.payload_size = r.u64("payload size");
  if (h.payload_size != static_cast<std::uint64_t>(bytes.size()) - detail::state_header_size - detail::state_trailer_size ||
      bytes.size() < detail::state_header_size + detail::state_trailer_size)
    r.fail_at(8, "the header announces a payload of " + std::to_string(h.payload_size) + " bytes but the input has " +
                     std::to_string(bytes.size()) + " bytes in all (truncated, or trailing bytes)");
  const std::size_t end = bytes.size() - detail::state_trailer_size;
  std::uint32_t stored = 0;
  for (std::size_t i = 0; i < 4; ++i) stored |= static_cast<std::uint32_t>(bytes[end + i]) << (8 * i);
  if (detail::crc32(bytes.data(), end) != stored)
    r.fail_at(end, "checksum mismatch (the state is corrupted)");
  return h;
}

/// Serializes an accumulator or monitor: histogram, category_counts,
/// mean_accumulator, ranking_accumulator, paired_comparison, welch_comparison,
/// drift_monitor. The bytes are the same on every platform; deserialize<T>
/// gives back an object whose state is bit-identical (every count, every
/// double's bits, category order, bin kind, references, raw samples).
/// O(state size); allocates the result.
template <class T>
std::vector<std::uint8_t> serialize(const T& value) {
  return detail::seal(detail::state_type_of<T>::value, value);
}

/// Reads a state written by serialize(const T&) of this or an older layout
/// version (a drift_monitor of version 1, with raw current samples, is
/// converted: its window state is rebuilt from the samples, which were the
/// whole KS window). Throws driftwatch::error (naming the byte offset and the reason)
/// for anything else -- see the header comment. A restored drift_monitor has
/// its sample reservation again, so its observe still never allocates.
template <class T>
T deserialize(span<const std::uint8_t> bytes, const deserialize_limits& limits = {}) {
  const state_header h = inspect_state(bytes);
  constexpr state_type expected = detail::state_type_of<T>::value;
  if (h.type != expected)
    detail::fail(std::string("state: holds a ") + to_string(h.type) + ", not a " + to_string(expected));
  detail::byte_reader r(span<const std::uint8_t>(bytes.data(), bytes.size() - detail::state_trailer_size));
  r.u64("header");
  r.u64("header");
  T value = detail::decode_payload<T>(r, limits, h.version);
  if (r.remaining() != 0)
    r.fail_here(std::to_string(r.remaining()) + " bytes left over after the " + to_string(expected) + " payload");
  return value;
}

}  // namespace driftwatch
