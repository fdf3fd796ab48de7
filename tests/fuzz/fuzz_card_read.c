/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzz the card reader's handling of what a card answers: the APDU channel
 * (61xx GET RESPONSE chains, 6Cxx, answers without a status word) and the
 * adaptive file reader (TLV header from the first chunk, step-down, short
 * and oversized answers, B1 above 32 767, the file bound) over a scripted
 * fake card, plus the ATR capability parser.
 *
 * Input: byte 0 = flags (bit 0 T=0, bit 1 extended allowed, bit 2 small
 * file bound), then answers, each a 2-byte big-endian length and that many
 * bytes, handed out in order; when they run out the card answers 6F00.
 * Without libFuzzer it replays tests/fuzz/corpus/card_read/ (make check).
 */
#define FUZZ_NAME "card_read"
#include "config.h"
#include "icao_replay.h"
#include "card_priv.h"
#include "tlv.h"

#include <stdlib.h>
#include <string.h>

struct script {
	const uint8_t *p;
	size_t left;
	unsigned long calls;
};

static int
script_tx(void *ctx, const unsigned char *cmd, size_t len, unsigned char *resp, size_t cap,
    size_t *rlen)
{
	struct script *s = ctx;
	size_t n;

	(void)cmd;
	(void)len;
	s->calls++;
	if (s->left < 2) {
		resp[0] = 0x6F;
		resp[1] = 0x00;
		*rlen = 2;
		return 0;
	}
	n = (size_t)s->p[0] << 8 | s->p[1];
	s->p += 2;
	s->left -= 2;
	if (n > s->left)
		n = s->left;
	if (n > cap)
		n = cap;
	memcpy(resp, s->p, n);
	s->p += n;
	s->left -= n;
	*rlen = n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sign_card__transport tr = { script_tx, NULL, 0 };
	struct script s;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;
	unsigned int flags;

	if (size < 1)
		return 0;
	(void)sign_card__atr_extended(data, size > 33 ? 33 : size);
	flags = data[0];
	s.p = data + 1;
	s.left = size - 1;
	s.calls = 0;
	tr.ctx = &s;
	tr.t0 = (flags & 1) != 0;
	if (sign_card__chan_init(&ch, &tr) != 0)
		return 0;
	ch.apdu_limit = 2000;
	if (flags & 2)
		sign_card__chan_set_ext(&ch, SIGN_CARD__EXT_READ_MAX);
	if (sign_card__read_ef(&ch, 0x0102, (flags & 4) ? 300 : 0, &b) == 0) {
		/* a file is returned only whole: exactly its TLV */
		size_t hdr, total;

		if (sign_tlv__header(b.data, b.len, &hdr, &total) != 0 || total != b.len ||
		    ((flags & 4) && b.len > 300))
			abort();
	}
	sign_buf_dispose(&b);
	sign_card__chan_clear(&ch);
	return 0;
}
