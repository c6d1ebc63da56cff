// Little-endian byte writer and bounds-checked reader for the state format
// (accumulators/serialization.hpp), and its CRC-32. Users must not touch this header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <driftwatch/core/error.hpp>
#include <driftwatch/core/span.hpp>

namespace driftwatch {
namespace detail {

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's crc32): it
// detects every error burst of up to 32 bits, so every single-byte corruption.
// Table t[0] is the classic byte-at-a-time table; t[k][i] is the CRC of byte
// i followed by k zero bytes, so 8 bytes are folded per step with 8 lookups
// ("slicing by 8": the same CRC with an eighth of the dependent steps; a
// state of millions of values is sealed and checked through it).
struct crc32_tables {
  std::uint32_t t[8][256];
};
constexpr crc32_tables make_crc32_tables() noexcept {
  crc32_tables x{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    x.t[0][i] = c;
  }
  for (std::uint32_t i = 0; i < 256; ++i)
    for (int k = 1; k < 8; ++k) x.t[k][i] = (x.t[k - 1][i] >> 8) ^ x.t[0][x.t[k - 1][i] & 0xFFu];
  return x;
}

/// The byte-at-a-time CRC-32 (the twin crc32 is tested against).
inline std::uint32_t crc32_bytewise(const std::uint8_t* data, std::size_t n) noexcept {
  static constexpr crc32_tables x = make_crc32_tables();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < n; ++i) c = x.t[0][(c ^ data[i]) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

inline std::uint32_t crc32(const std::uint8_t* data, std::size_t n) noexcept {
  static constexpr crc32_tables x = make_crc32_tables();
  const auto& t = x.t;
  std::uint32_t c = 0xFFFFFFFFu;
  for (; n >= 8; n -= 8, data += 8) {
    const std::uint32_t lo = c ^ (std::uint32_t{data[0]} | std::uint32_t{data[1]} << 8 |
                                  std::uint32_t{data[2]} << 16 | std::uint32_t{data[3]} << 24);
    const std::uint32_t hi = std::uint32_t{data[4]} | std::uint32_t{data[5]} << 8 | std::uint32_t{data[6]} << 16 |
                             std::uint32_t{data[7]} << 24;
    c = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^
        t[3][hi & 0xFFu] ^ t[2][(hi >> 8) & 0xFFu] ^ t[1][(hi >> 16) & 0xFFu] ^ t[0][hi >> 24];
  }
  for (; n != 0; --n, ++data) c = t[0][(c ^ *data) & 0xFFu] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// Appends fixed-width little-endian values, whatever the host's byte order.
class byte_writer {
 public:
  explicit byte_writer(std::vector<std::uint8_t>& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void i32(std::int32_t v) { put(static_cast<std::uint32_t>(v), 4); }
  // The IEEE-754 bit pattern, so every double (NaN payloads, -0) reads back
  // bit-identical.
  void f64(double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    u64(bits);
  }
  /// n values at once: one resize of the buffer for all of them (the
  /// monitor's windows and samples are millions of values).
  void u64s(const std::uint64_t* p, std::size_t n) { put_array(p, n); }
  void f64s(const double* p, std::size_t n) { put_array(p, n); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void string(const std::string& s) {
    u64(s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  std::size_t size() const noexcept { return out_.size(); }
  std::vector<std::uint8_t>& bytes() noexcept { return out_; }

 private:
  void put(std::uint64_t v, int n) {
    const std::size_t at = out_.size();
    out_.resize(at + static_cast<std::size_t>(n));
    std::uint8_t* d = out_.data() + at;
    for (int i = 0; i < n; ++i) d[i] = static_cast<std::uint8_t>(v >> (8 * i));
  }
  // 8 little-endian bytes per element (T: std::uint64_t or double, its bit
  // pattern); the byte stores merge into one 64-bit store on little-endian
  // hosts.
  template <class T>
  void put_array(const T* p, std::size_t n) {
    static_assert(sizeof(T) == 8, "put_array writes 8 bytes per element");
    const std::size_t at = out_.size();
    out_.resize(at + 8 * n);
    std::uint8_t* d = out_.data() + at;
    for (std::size_t i = 0; i < n; ++i, d += 8) {
      std::uint64_t v;
      std::memcpy(&v, p + i, sizeof v);
      for (int b = 0; b < 8; ++b) d[b] = static_cast<std::uint8_t>(v >> (8 * b));
    }
  }
  std::vector<std::uint8_t>& out_;
};

// Reads what byte_writer wrote. Every read checks the remaining length first
// and throws driftwatch::error naming the offset: it never reads past the end.
// Counts of elements are checked against the bytes left *before* anything is
// allocated, so a forged count cannot make it allocate more than the input.
class byte_reader {
 public:
  explicit byte_reader(span<const std::uint8_t> bytes) : data_(bytes.data()), size_(bytes.size()) {}

  std::uint8_t u8(const char* what) { return static_cast<std::uint8_t>(get(1, what)); }
  std::uint16_t u16(const char* what) { return static_cast<std::uint16_t>(get(2, what)); }
  std::uint32_t u32(const char* what) { return static_cast<std::uint32_t>(get(4, what)); }
  std::uint64_t u64(const char* what) { return get(8, what); }
  std::int32_t i32(const char* what) {
    const auto u = static_cast<std::uint32_t>(get(4, what));
    std::int32_t v;
    std::memcpy(&v, &u, sizeof v);
    return v;
  }
  double f64(const char* what) {
    const std::uint64_t bits = get(8, what);
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }
  bool boolean(const char* what) {
    const std::uint8_t v = u8(what);
    if (v > 1) fail_at(pos_ - 1, std::string(what) + " must be 0 or 1, got " + std::to_string(v));
    return v == 1;
  }
  // A length-prefixed string of at most the bytes left.
  std::string string(const char* what) {
    const std::uint64_t n = count(1, what);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  // An element count whose elements (at least `min_element_size` bytes each)
  // must fit in the bytes left.
  std::uint64_t count(std::size_t min_element_size, const char* what) {
    const std::size_t at = pos_;
    const std::uint64_t n = u64(what);
    if (min_element_size > 0 && n > remaining() / min_element_size)
      fail_at(at, std::string(what) + " is " + std::to_string(n) + ", more than the " + std::to_string(remaining()) +
                      " bytes left can hold");
    return n;
  }

  // A byte naming an enumerator in [0, max].
  std::uint8_t enum_byte(unsigned max, const char* what) {
    const std::uint8_t v = u8(what);
    if (v > max) fail_at(pos_ - 1, std::string("unknown ") + what + " " + std::to_string(v));
    return v;
  }
  // A u64 count, then that many doubles.
  std::vector<double> doubles(const char* what) {
    const std::uint64_t n = count(8, what);
    std::vector<double> v(static_cast<std::size_t>(n));
    for (auto& x : v) x = f64("sample value");
    return v;
  }

  // The layout version of the state being read (bytes 4-5 of its header), for
  // a load_state that reads older layouts; set by deserialize.
  std::uint16_t format_version() const noexcept { return version_; }
  void set_format_version(std::uint16_t v) noexcept { version_ = v; }

  std::size_t position() const noexcept { return pos_; }
  std::size_t remaining() const noexcept { return size_ - pos_; }
  [[noreturn]] void fail_at(std::size_t offset, const std::string& message) const {
    detail::fail("state: invalid at byte " + std::to_string(offset) + ": " + message);
  }
  [[noreturn]] void fail_here(const std::string& message) const { fail_at(pos_, message); }

 private:
  std::uint64_t get(std::size_t n, const char* what) {
    if (remaining() < n)
      fail_at(pos_, std::string("truncated: ") + what + " needs " + std::to_string(n) + " bytes, " +
                        std::to_string(remaining()) + " left");
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(data_[pos_ + i]) << (8 * i);
    pos_ += n;
    return v;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  std::uint16_t version_ = 1;
};

}  // namespace detail
}  // namespace driftwatch
