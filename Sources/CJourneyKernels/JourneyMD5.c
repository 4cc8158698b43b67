// MD5 (RFC 1321) of a message, for the hold-out split (HoldoutSplit in JourneyEstimation):
// no allocation, so that the row kernel can split each customer it adds.

#include "JourneyLogKernel.h"

#include <string.h>

static const uint32_t md5Shift[64] = {
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
    4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
};

/// floor(|sin(i + 1)| · 2^32).
static const uint32_t md5Constant[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/// One 64-byte block into the state `h`.
static void md5Block(uint32_t h[4], const uint8_t *block) {
  uint32_t m[16];
  for (int i = 0; i < 16; i++)
    m[i] = (uint32_t)block[4 * i] | (uint32_t)block[4 * i + 1] << 8 | (uint32_t)block[4 * i + 2] << 16 |
           (uint32_t)block[4 * i + 3] << 24;
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  for (int i = 0; i < 64; i++) {
    uint32_t f;
    int g;
    if (i < 16) {
      f = (b & c) | (~b & d);
      g = i;
    } else if (i < 32) {
      f = (d & b) | (~d & c);
      g = (5 * i + 1) % 16;
    } else if (i < 48) {
      f = b ^ c ^ d;
      g = (3 * i + 5) % 16;
    } else {
      f = c ^ (b | ~d);
      g = (7 * i) % 16;
    }
    f = f + a + md5Constant[i] + m[g];
    a = d;
    d = c;
    c = b;
    b = b + ((f << md5Shift[i]) | (f >> (32 - md5Shift[i])));
  }
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

void journey_md5(const uint8_t *message, long length, uint8_t digest[16]) {
  uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  long whole = length / 64 * 64;
  for (long at = 0; at < whole; at += 64) md5Block(h, message + at);
  // The rest, the 0x80 byte, zeros and the length in bits: one block or two.
  uint8_t tail[128] = {0};
  const long rest = length - whole;
  if (rest > 0) memcpy(tail, message + whole, (size_t)rest);
  tail[rest] = 0x80;
  const long blocks = rest < 56 ? 1 : 2;
  const uint64_t bits = (uint64_t)length * 8;
  for (int i = 0; i < 8; i++) tail[64 * blocks - 8 + i] = (uint8_t)(bits >> (8 * i));
  for (long k = 0; k < blocks; k++) md5Block(h, tail + 64 * k);
  for (int w = 0; w < 4; w++)
    for (int i = 0; i < 4; i++) digest[4 * w + i] = (uint8_t)(h[w] >> (8 * i));
}

uint32_t journey_md5_prefix32(const uint8_t *message, long length) {
  uint8_t d[16];
  journey_md5(message, length, d);
  return (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | (uint32_t)d[3];
}
