// Byte scanning for the streaming JSON reader (json_item_stream.h): runs of blanks and of plain
// string characters, 16 bytes at a time with SSE2 (every x86-64 CPU has it), a plain loop
// elsewhere. These loops see every byte of a 1 GiB List, so they set the reader's speed.
#pragma once

#include <array>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace deshim::analyze::json_stream {

/// Bytes that end a run of plain string characters: the closing quote, an escape, a control.
constexpr std::array<bool, 256> make_string_stops() {
  std::array<bool, 256> stops{};
  for (int c = 0; c < 0x20; ++c)
    stops[c] = true;
  stops['"'] = true;
  stops['\\'] = true;
  return stops;
}
constexpr std::array<bool, 256> string_stops = make_string_stops();

inline bool is_number_byte(char c) {
  return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/// The first byte of [p, e) that is not a space (e when there is none).
inline const char* skip_spaces(const char* p, const char* e) {
#if defined(__SSE2__)
  const __m128i spaces = _mm_set1_epi8(' ');
  while (e - p >= 16) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned same = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, spaces)));
    if (same != 0xFFFF) return p + __builtin_ctz(~same);
    p += 16;
  }
#endif
  while (p < e && *p == ' ')
    ++p;
  return p;
}

/// The first byte of [p, e) that ends a run of plain string characters (e when there is none).
inline const char* find_string_stop(const char* p, const char* e) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i control_max = _mm_set1_epi8(0x1F);
  while (e - p >= 16) {
    __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // A byte <= 0x1F (unsigned) is its own minimum with 0x1F.
    __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(bytes, control_max), bytes);
    __m128i stops = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)), control);
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(stops));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#endif
  while (p < e && !string_stops[static_cast<unsigned char>(*p)])
    ++p;
  return p;
}

}  // namespace deshim::analyze::json_stream
