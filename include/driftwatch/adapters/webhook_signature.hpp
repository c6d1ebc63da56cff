// driftwatch::webhook (signatures): HMAC-SHA256 signing and verification of
// webhook bodies as the Standard Webhooks specification defines them
// (headers webhook-id, webhook-timestamp, webhook-signature: "v1,<base64>").
//
// An optional adapter: needs OpenSSL's libcrypto (link OpenSSL::Crypto). It
// needs no HTTP library, so a receiver written in C++ can verify with it.
#pragma once

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <driftwatch/core/error.hpp>

namespace driftwatch {
namespace webhook {

/// Standard Webhooks header names.
inline constexpr const char* id_header = "webhook-id";
inline constexpr const char* timestamp_header = "webhook-timestamp";
inline constexpr const char* signature_header = "webhook-signature";

namespace detail {

inline std::string base64_encode(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(&out[0]), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

/// Decodes standard base64 with padding; returns false on malformed input.
inline bool base64_decode(std::string_view text, std::vector<unsigned char>& out) {
  if (text.size() % 4 != 0) return false;
  out.assign(text.size() / 4 * 3, 0);
  if (text.empty()) return true;
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return false;
  std::size_t size = static_cast<std::size_t>(n);
  // EVP_DecodeBlock keeps the bytes that padding stands for; drop them.
  if (text.size() >= 1 && text[text.size() - 1] == '=') --size;
  if (text.size() >= 2 && text[text.size() - 2] == '=') --size;
  out.resize(size);
  return true;
}

}  // namespace detail

/// The HMAC key a secret stands for. A Standard Webhooks secret
/// "whsec_<base64>" is the base64-decoded bytes after the prefix; any other
/// string is used as raw bytes. Throws driftwatch::error (without echoing the
/// secret) if a "whsec_" secret is not valid base64 or the key is empty.
inline std::vector<unsigned char> key_from_secret(std::string_view secret) {
  std::vector<unsigned char> key;
  constexpr std::string_view prefix = "whsec_";
  if (secret.substr(0, prefix.size()) == prefix) {
    if (!detail::base64_decode(secret.substr(prefix.size()), key))
      driftwatch::detail::fail("webhook signing secret: the part after 'whsec_' is not valid base64 (secret not shown)");
  } else {
    key.assign(secret.begin(), secret.end());
  }
  if (key.empty()) driftwatch::detail::fail("webhook signing secret: empty key");
  return key;
}

/// The signature header value "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>"
/// for one attempt. `timestamp` is Unix seconds. O(body size).
inline std::string sign(const std::vector<unsigned char>& key, std::string_view id, std::int64_t timestamp,
                        std::string_view body) {
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id.data(), id.size());
  content += '.';
  content += std::to_string(timestamp);
  content += '.';
  content.append(body.data(), body.size());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &mac_size) == nullptr)
    driftwatch::detail::fail("webhook signature: HMAC-SHA256 failed");
  return "v1," + detail::base64_encode(mac, mac_size);
}

/// Why verify() rejected a request (or `ok`).
enum class verify_result { ok, bad_timestamp, timestamp_out_of_tolerance, no_matching_signature };

/// Verifies a Standard Webhooks request: `timestamp` (the webhook-timestamp
/// header, Unix seconds as text) must be within `tolerance_seconds` of `now`
/// (replay protection) and one of the space-separated "v1,<sig>" entries of
/// `signature_header_value` must equal the signature of id.timestamp.body.
/// Signatures are compared in constant time (CRYPTO_memcmp).
inline verify_result verify(const std::vector<unsigned char>& key, std::string_view id, std::string_view timestamp,
                            std::string_view body, std::string_view signature_header_value, std::int64_t now,
                            std::int64_t tolerance_seconds = 300) {
  if (timestamp.empty() || timestamp.size() > 18) return verify_result::bad_timestamp;
  std::int64_t ts = 0;
  for (char c : timestamp) {
    if (c < '0' || c > '9') return verify_result::bad_timestamp;
    ts = ts * 10 + (c - '0');
  }
  if (ts < now - tolerance_seconds || ts > now + tolerance_seconds) return verify_result::timestamp_out_of_tolerance;
  const std::string expected = sign(key, id, ts, body);
  std::size_t pos = 0;
  while (pos < signature_header_value.size()) {
    std::size_t end = signature_header_value.find(' ', pos);
    if (end == std::string_view::npos) end = signature_header_value.size();
    const std::string_view candidate = signature_header_value.substr(pos, end - pos);
    if (candidate.size() == expected.size() && CRYPTO_memcmp(candidate.data(), expected.data(), expected.size()) == 0)
      return verify_result::ok;
    pos = end + 1;
  }
  return verify_result::no_matching_signature;
}

}  // namespace webhook

/// Deprecated spelling: adapters live in the namespace of the system they talk
/// to (docs/design.md, "Names").
namespace webhook_signature = webhook;

}  // namespace driftwatch
