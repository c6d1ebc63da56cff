// driftwatch state serialization: a versioned, portable binary format for
// every accumulator and the drift monitor, so a service keeps its windows
// across restarts and a batch job merges the states of many replicas.
//
// Layout (docs/concurrency.md, "State format"), every integer little-endian,
// every double as its IEEE-754 bit pattern:
//
//   offset  size  field
//   0       4     magic "DWST" (0x44 0x57 0x53 0x54)
//   4       2     layout version of the state's type (T::state_version:
//                 1 for every type but drift_monitor, which is at 2)
//   6       2     state type (state_type)
//   8       8     payload size P
//   16      P     payload (per type: save_state/load_state in its own header)
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
//
// Making a type serializable is one edit in its own header (docs/design.md,
// "The accumulator contract"): these public members
//
//   static constexpr state_type state_tag = state_type{N};  // N: next free number
//   static constexpr const char* state_name = "my_type";
//   static constexpr std::uint16_t state_version = 1;         // its payload layout
//   void save_state(detail::byte_writer& w) const;           // the payload
//   static T load_state(detail::byte_reader& r, const deserialize_limits& limits);
//
// load_state validates every invariant the public API keeps, so a decoded
// object is one the library could have produced. A type whose payload layout
// changes raises its own state_version and keeps reading the older layouts
// (r.format_version() tells which one it reads). This header includes no
// accumulator: each type includes it.
//
// Templated accumulators (basic_histogram, basic_category_counts,
// basic_ks_stream) record their instantiation in the type number: the low byte
// is the family (1 histogram, 2 category_counts, 8 ks_stream), the high byte
// value type | weight << 4 | storage << 5 (accumulators/storage.hpp,
// detail::instantiation_tag), 0 for the default instantiation, whose states
// are therefore unchanged. A state of one instantiation refuses to load into
// another, naming both ("holds a histogram<float, weighted, counter64>, not a
// histogram<double, unweighted, counter64>").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <driftwatch/core/error.hpp>
#include <driftwatch/accumulators/storage.hpp>
#include <driftwatch/core/span.hpp>
#include <driftwatch/detail/byte_io.hpp>

namespace driftwatch {

/// The envelope's version, and the layout version of every type whose payload
/// never changed. Each type writes its own layout version (T::state_version);
/// deserialize<T> accepts every version up to T's and rejects newer ones
/// (docs/concurrency.md, "Version rules").
constexpr std::uint16_t state_format_version = 1;

/// What a serialized state holds (bytes 6-7 of the header). Values are
/// stable: new types get new numbers, numbers are never reused. The
/// enumerators name the first seven; a type added later declares its number
/// in its own header as `state_type{N}` (ks_stream: 8; docs/design.md lists
/// every number in use).
// The enumerators share names with the accumulator aliases of core/fwd.hpp
// (histogram, category_counts); being scoped, they shadow nothing a user
// writes, but GCC's -Wshadow reports them against the aliases.
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#endif
enum class state_type : std::uint16_t {
  histogram = 1,
  category_counts = 2,
  mean_accumulator = 3,
  ranking_accumulator = 4,
  paired_comparison = 5,
  welch_comparison = 6,
  drift_monitor = 7,
};
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

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

/// Bounds a decoder enforces on what a state may make it allocate beyond its
/// own size (see deserialize).
struct deserialize_limits {
  /// drift_monitor reserves max_current_samples doubles per numeric feature
  /// so that observe never allocates; a state asking for more than this many
  /// bytes in total is rejected.
  std::size_t max_reserved_bytes = std::size_t{1} << 30;
};

namespace detail {

constexpr std::size_t state_header_size = 16;
constexpr std::size_t state_trailer_size = 4;
constexpr std::uint8_t state_magic[4] = {0x44, 0x57, 0x53, 0x54};  // "DWST"

/// True when T has the serialization members described at the top of this file.
template <class T, class = void>
struct is_serializable : std::false_type {};
template <class T>
struct is_serializable<
    T, std::void_t<decltype(T::state_tag), decltype(T::state_name), decltype(T::state_version),
                   decltype(std::declval<const T&>().save_state(std::declval<byte_writer&>())),
                   decltype(T::load_state(std::declval<byte_reader&>(), std::declval<const deserialize_limits&>()))>>
    : std::is_same<decltype(T::load_state(std::declval<byte_reader&>(), std::declval<const deserialize_limits&>())),
                   T> {};

template <class T>
std::vector<std::uint8_t> seal(state_type type, const T& value) {
  std::vector<std::uint8_t> out;
  byte_writer w(out);
  for (auto b : state_magic) w.u8(b);
  w.u16(T::state_version);
  w.u16(static_cast<std::uint16_t>(type));
  w.u64(0);  // payload size, patched below
  value.save_state(w);
  const std::uint64_t payload = out.size() - state_header_size;
  for (int i = 0; i < 8; ++i) out[8 + i] = static_cast<std::uint8_t>(payload >> (8 * i));
  w.u32(crc32(out.data(), out.size()));
  return out;
}

inline std::string state_type_name(state_type t) {
  const std::string inst = instantiation_name(static_cast<std::uint16_t>(t));
  if (!inst.empty()) return inst;
  const char* name = to_string(t);
  return std::string(name) == "unknown" ? "state of type " + std::to_string(static_cast<unsigned>(t)) : name;
}

}  // namespace detail

/// Checks the envelope of a serialized state -- magic, version, exact size,
/// checksum -- and returns its header. Throws driftwatch::error otherwise.
/// O(n) (the checksum), no allocation beyond the error message. The type
/// number and the version are checked by deserialize<T> (T's number, at most
/// T's version): the envelope knows no list of types.
inline state_header inspect_state(span<const std::uint8_t> bytes) {
  detail::byte_reader r(bytes);
  for (std::size_t i = 0; i < 4; ++i)
    if (r.u8("magic") != detail::state_magic[i])
      r.fail_at(i, "not a driftwatch state (the magic number \"DWST\" is missing)");
  state_header h;
  h.version = r.u16("format version");
  if (h.version == 0) r.fail_at(4, "format version 0 is not supported");
  const std::uint16_t type = r.u16("state type");
  if (type == 0) r.fail_at(6, "unknown state type 0");
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
/// ks_stream, drift_monitor (every type with the members above). The bytes
/// are the same on every platform; deserialize<T> gives back an object whose
/// state is bit-identical (every count, every double's bits, category order,
/// bin kind, references, raw samples). O(state size); allocates the result.
template <class T>
std::vector<std::uint8_t> serialize(const T& value) {
  static_assert(detail::is_serializable<T>::value,
                "serialize: T lacks state_tag, state_name, save_state or load_state (docs/design.md)");
  return detail::seal(T::state_tag, value);
}

/// Reads a state written by serialize(const T&) of this or an older layout
/// version (a drift_monitor of version 1, with raw current samples, is
/// converted: its window state is rebuilt from the samples, which were the
/// whole KS window). Throws driftwatch::error (naming the byte offset and the reason)
/// for anything else -- see the header comment. A restored drift_monitor has
/// its sample reservation again, so its observe still never allocates.
template <class T>
T deserialize(span<const std::uint8_t> bytes, const deserialize_limits& limits = {}) {
  static_assert(detail::is_serializable<T>::value,
                "deserialize: T lacks state_tag, state_name, save_state or load_state (docs/design.md)");
  const state_header h = inspect_state(bytes);
  if (h.type != T::state_tag) {
    const auto held = static_cast<std::uint16_t>(h.type), want = static_cast<std::uint16_t>(T::state_tag);
    if ((held & 0xffu) == (want & 0xffu))  // two instantiations of one template: name both in full
      detail::fail("state: holds a " + detail::instantiation_name(held, true) + ", not a " +
                   detail::instantiation_name(want, true));
    detail::fail("state: holds a " + detail::state_type_name(h.type) + ", not a " +
                 (detail::instantiation_name(want).empty() ? std::string(T::state_name) : detail::instantiation_name(want)));
  }
  detail::byte_reader r(span<const std::uint8_t>(bytes.data(), bytes.size() - detail::state_trailer_size));
  if (h.version > T::state_version)
    r.fail_at(4, "format version " + std::to_string(h.version) + " is not supported (this build reads versions 1 to " +
                     std::to_string(T::state_version) + " of " + T::state_name + " states)");
  r.set_format_version(h.version);
  r.u64("header");
  r.u64("header");
  T value = T::load_state(r, limits);
  if (r.remaining() != 0)
    r.fail_here(std::to_string(r.remaining()) + " bytes left over after the " + T::state_name + " payload");
  return value;
}

}  // namespace driftwatch
