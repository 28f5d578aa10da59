/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CRC-32 (IEEE 802.3) two ways.
 *
 * Tables: slicing-by-8, about 4 instructions a byte.
 *
 * Carry-less multiplication: the data is taken 16 bytes at a time as a
 * 128-bit polynomial (bit-reflected, as the CRC is). The running remainder
 * x is "folded" over each next block y: x' = x.lo * (X^(128+64) mod P) +
 * x.hi * (X^128 mod P) + y, which has the same remainder modulo P as x
 * shifted by 128 bits plus y. At the end the 128 bits are reduced to 64,
 * then 32 with the same kind of constants, and a Barrett reduction gives
 * the 32-bit remainder. The constants below are those values for P =
 * 0x104c11db7, bit-reflected and shifted as the reflected domain needs;
 * they can be recomputed from P alone (see the unit test, which checks the
 * result against the tables for every length up to 2 KiB and for random
 * data and starting values). A tail (len % 16) is folded in as one more
 * block (fold_tail); below 16 bytes the tables do it all.
 */
#include "core/crc32.h"

#include <pthread.h>
#include <string.h>

static uint32_t tab[8][256];
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

static void tab_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (unsigned k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (unsigned t = 1; t < 8; t++)
			tab[t][i] = (tab[t - 1][i] >> 8) ^ tab[0][tab[t - 1][i] & 0xff];
}

static uint32_t table_update(uint32_t crc, const uint8_t *p, size_t len)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (len >= 8) {
		uint32_t a, b;

		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		a ^= crc;
		crc = tab[7][a & 0xff] ^ tab[6][(a >> 8) & 0xff] ^ tab[5][(a >> 16) & 0xff] ^
		      tab[4][a >> 24] ^ tab[3][b & 0xff] ^ tab[2][(b >> 8) & 0xff] ^
		      tab[1][(b >> 16) & 0xff] ^ tab[0][b >> 24];
		p += 8;
		len -= 8;
	}
#endif
	while (len--)
		crc = (crc >> 8) ^ tab[0][(crc ^ *p++) & 0xff];
	return crc;
}

uint32_t crc32_eth_update_table(uint32_t crc, const void *p, size_t len)
{
	pthread_once(&tab_once, tab_init);
	return table_update(crc, p, len);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define CLMUL_TARGET __attribute__((target("pclmul,ssse3,sse4.1")))

/*
 * Folding over 512 bits (four lanes) and over 128 bits, the 64-to-32 fold, P'
 * and mu (reflected); in each pair, LO multiplies the low 64 bits.
 */
#define K_FOLD4_LO 0x154442bd4ull
#define K_FOLD4_HI 0x1c6e41596ull
#define K_FOLD_LO 0x1751997d0ull
#define K_FOLD_HI 0x0ccaa009eull
#define K_32 0x163cd6124ull
#define K_POLY 0x1db710641ull
#define K_MU 0x1f7011641ull

/* x moved forward by the distance k folds for, plus y. */
CLMUL_TARGET static inline __m128i fold_into(__m128i x, __m128i k, __m128i y)
{
	return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00),
					   _mm_clmulepi64_si128(x, k, 0x11)),
			     y);
}

/*
 * pshufb masks: at T + r, shifting bytes up by 16 - r (x[0..r-1] to the top);
 * at T + 16 + r, down by r (x[r..15] to the bottom), its top r bytes 0x80.
 */
static const uint8_t shuf_tab[48] = {
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
};

/*
 * The message ends r (1..15) bytes after the 16 held in x: they are the last
 * 16 bytes, x[r..15] then the tail, preceded by x[0..r-1] alone in a block of
 * its own (leading zero bytes do not change a remainder), which is folded
 * over them like any block before another. end: the message's end (the 16
 * bytes before it are readable: the message is 16 bytes or more).
 */
CLMUL_TARGET static inline __m128i fold_tail(__m128i x, __m128i fold, const uint8_t *end, size_t r)
{
	const __m128i up = _mm_loadu_si128((const __m128i *)(shuf_tab + r));
	const __m128i down = _mm_loadu_si128((const __m128i *)(shuf_tab + 16 + r));
	/* x[r..15], then the last r bytes of the message where down is 0x80. */
	__m128i last = _mm_blendv_epi8(_mm_shuffle_epi8(x, down),
				       _mm_loadu_si128((const __m128i *)(end - 16)), down);

	return fold_into(_mm_shuffle_epi8(x, up), fold, last);
}

/* The CRC of nblocks 16-byte blocks at p and tail more bytes (0..15). */
CLMUL_TARGET static uint32_t clmul_blocks(uint32_t crc, const uint8_t *p, size_t nblocks,
					  size_t tail)
{
	const __m128i fold = _mm_set_epi64x((long long)K_FOLD_HI, (long long)K_FOLD_LO);
	const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
	__m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)crc));
	size_t i = 1;

	if (nblocks >= 8) {
		/* Four independent lanes, 64 bytes a round: the multiplier's latency overlaps. */
		const __m128i fold4 = _mm_set_epi64x((long long)K_FOLD4_HI, (long long)K_FOLD4_LO);
		__m128i x1 = _mm_loadu_si128((const __m128i *)(p + 16));
		__m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32));
		__m128i x3 = _mm_loadu_si128((const __m128i *)(p + 48));

		for (i = 4; i + 4 <= nblocks; i += 4) {
			const __m128i *q = (const __m128i *)(p + 16 * i);

			x = fold_into(x, fold4, _mm_loadu_si128(q));
			x1 = fold_into(x1, fold4, _mm_loadu_si128(q + 1));
			x2 = fold_into(x2, fold4, _mm_loadu_si128(q + 2));
			x3 = fold_into(x3, fold4, _mm_loadu_si128(q + 3));
		}
		x = fold_into(x, fold, x1);
		x = fold_into(x, fold, x2);
		x = fold_into(x, fold, x3);
	}
	for (; i < nblocks; i++)
		x = fold_into(x, fold, _mm_loadu_si128((const __m128i *)(p + 16 * i)));
	if (tail)
		x = fold_tail(x, fold, p + 16 * nblocks + tail, tail);
	/* 128 -> 64 bits: the low half moves up by 64 (x K_FOLD_HI), the high half stays. */
	x = _mm_xor_si128(_mm_clmulepi64_si128(x, fold, 0x10), _mm_srli_si128(x, 8));
	/* 64 -> 32 bits (a 96-bit value: the low 32 bits x K_32, plus the rest). */
	x = _mm_xor_si128(
		_mm_clmulepi64_si128(_mm_and_si128(x, mask32), _mm_cvtsi64_si128((long long)K_32), 0x00),
		_mm_srli_si128(x, 4));
	/* Barrett reduction to the 32-bit remainder. */
	const __m128i pm = _mm_set_epi64x((long long)K_MU, (long long)K_POLY);
	__m128i t = _mm_clmulepi64_si128(_mm_and_si128(x, mask32), pm, 0x10);

	t = _mm_clmulepi64_si128(_mm_and_si128(t, mask32), pm, 0x00);
	return (uint32_t)_mm_extract_epi32(_mm_xor_si128(t, x), 1);
}

static bool have_clmul(void)
{
	static int have = -1;

	if (have < 0)
		have = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("ssse3") &&
		       __builtin_cpu_supports("sse4.1");
	return have;
}
#else
static uint32_t clmul_blocks(uint32_t crc, const uint8_t *p, size_t nblocks, size_t tail)
{
	pthread_once(&tab_once, tab_init);
	return table_update(crc, p, nblocks * 16 + tail);
}

static bool have_clmul(void)
{
	return false;
}
#endif

bool crc32_eth_have_clmul(void)
{
	return have_clmul();
}

uint32_t crc32_eth_update_clmul(uint32_t crc, const void *p, size_t len)
{
	if (len < 16) {
		pthread_once(&tab_once, tab_init);
		return table_update(crc, p, len);
	}
	return clmul_blocks(crc, p, len / 16, len % 16);
}

uint32_t crc32_eth_update(uint32_t crc, const void *p, size_t len)
{
	/* Below 32 bytes the setup of the folding costs what the tables do. */
	if (len >= 32 && have_clmul())
		return crc32_eth_update_clmul(crc, p, len);
	return crc32_eth_update_table(crc, p, len);
}

uint32_t crc32_eth(const void *p, size_t len)
{
	return ~crc32_eth_update(0xffffffffu, p, len);
}
