/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The APDU channel and the adaptive file reader against a fake card (plain
 * commands, no SM): encoding, T=0 GET RESPONSE, 6Cxx re-issue, step-down on
 * 6700 remembered for the session, short answers, odd INS (B1) above offset
 * 32 767, the file bound, oversized / truncated / trailing answers, ATR
 * capability bytes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "card_priv.h"

/* ---- the fake card ---- */

struct fake {
	unsigned char *file;
	size_t len;
	int selected;
	size_t max_le;          /* 6700 above (0: none) */
	size_t cap_answer;      /* answer at most this many bytes with 9000 (0: none) */
	int six_c;              /* answer 6Cxx when Le exceeds the remaining bytes */
	int t0_chunks;          /* answer via 61xx in chunks of this size (T=0) */
	int oversize;           /* answer 8 bytes more than asked */
	int eac;                /* READ BINARY answers 6982 */
	int no_file;            /* SELECT answers 6A82 */
	int ext_ok;             /* extended APDUs accepted */
	int end_6282;           /* short read at the end answers 6282 */
	/* what it saw */
	unsigned char last_cmd[300];
	size_t last_len;
	unsigned long n_cmds, n_b0, n_b1, n_ext, n_6700, n_getresp;
	size_t max_off_b0, min_off_b1;
	size_t last_le;
	/* pending GET RESPONSE data */
	unsigned char pend[70000];
	size_t pend_len, pend_off;
	unsigned int pend_sw;
};

static void
put_sw(unsigned char *r, size_t *n, unsigned int sw)
{
	r[(*n)++] = (unsigned char)(sw >> 8);
	r[(*n)++] = (unsigned char)sw;
}

/* Deliver data+sw, through 61xx when t0_chunks is set. */
static void
deliver(struct fake *f, const unsigned char *d, size_t dl, unsigned int sw, unsigned char *r,
    size_t *n)
{
	if (f->t0_chunks > 0 && dl > 0) {
		memcpy(f->pend, d, dl);
		f->pend_len = dl;
		f->pend_off = 0;
		f->pend_sw = sw;
		put_sw(r, n, 0x6100 | (dl > (size_t)f->t0_chunks ? (unsigned)f->t0_chunks & 0xFF :
		    (unsigned)dl & 0xFF));
		return;
	}
	memcpy(r, d, dl);
	*n = dl;
	put_sw(r, n, sw);
}

static int
fake_tx(void *ctx, const unsigned char *c, size_t len, unsigned char *r, size_t cap,
    size_t *rlen)
{
	struct fake *f = ctx;
	size_t n = 0, lc = 0, le = 0, off = 0, avail, give;
	const unsigned char *data = NULL;
	int ext = 0;
	static unsigned char tmp[70000];

	(void)cap;
	f->n_cmds++;
	assert_true(len >= 4);
	if (c[1] != 0xC0) {
		f->last_len = len < sizeof(f->last_cmd) ? len : sizeof(f->last_cmd);
		memcpy(f->last_cmd, c, f->last_len);
	}
	/* parse */
	if (len == 5) {
		le = c[4] ? c[4] : 256;
	} else if (len > 5 && c[4] != 0) {
		lc = c[4];
		data = c + 5;
		assert_true(len == 5 + lc || len == 6 + lc);
		if (len == 6 + lc)
			le = c[5 + lc] ? c[5 + lc] : 256;
	} else if (len > 5) {
		ext = 1;
		f->n_ext++;
		if (len == 7) {
			le = ((size_t)c[5] << 8 | c[6]);
			le = le ? le : 65536;
		} else {
			lc = (size_t)c[5] << 8 | c[6];
			data = c + 7;
			if (len == 9 + lc) {
				le = (size_t)c[7 + lc] << 8 | c[8 + lc];
				le = le ? le : 65536;
			}
		}
	}
	if (ext && !f->ext_ok) {
		put_sw(r, &n, 0x6700);
		*rlen = n;
		return 0;
	}
	f->last_le = le;
	if (c[1] == 0xC0) {
		f->n_getresp++;
		give = f->pend_len - f->pend_off;
		if (give > le)
			give = le;
		memcpy(r, f->pend + f->pend_off, give);
		f->pend_off += give;
		n = give;
		if (f->pend_off < f->pend_len) {
			size_t left = f->pend_len - f->pend_off;

			put_sw(r, &n, 0x6100 | (left > (size_t)f->t0_chunks ?
			    (unsigned)f->t0_chunks & 0xFF : (unsigned)left & 0xFF));
		} else {
			put_sw(r, &n, f->pend_sw);
		}
		*rlen = n;
		return 0;
	}
	if (c[1] == 0xA4) {
		if (f->no_file)
			put_sw(r, &n, 0x6A82);
		else {
			f->selected = 1;
			put_sw(r, &n, 0x9000);
		}
		*rlen = n;
		return 0;
	}
	if (c[1] == 0xB0 || c[1] == 0xB1) {
		int odd = c[1] == 0xB1;
		size_t hdr = 0;

		if (f->eac) {
			put_sw(r, &n, 0x6982);
			*rlen = n;
			return 0;
		}
		if (!odd) {
			off = (size_t)c[2] << 8 | c[3];
			assert_true(off <= 0x7FFF);
			f->n_b0++;
			if (off > f->max_off_b0)
				f->max_off_b0 = off;
		} else {
			size_t i;

			assert_non_null(data);
			assert_int_equal(data[0], 0x54);
			for (i = 0; i < data[1]; i++)
				off = off << 8 | data[2 + i];
			f->n_b1++;
			if (f->min_off_b1 == 0 || off < f->min_off_b1)
				f->min_off_b1 = off;
		}
		if (f->max_le != 0 && le > f->max_le) {
			f->n_6700++;
			put_sw(r, &n, 0x6700);
			*rlen = n;
			return 0;
		}
		if (off >= f->len) {
			put_sw(r, &n, 0x6B00);
			*rlen = n;
			return 0;
		}
		avail = f->len - off;
		if (odd) {
			give = avail;
			while (give > 0 && give + 1 + (give < 0x80 ? 1 : give < 0x100 ? 2 : 3) > le)
				give--;
		} else {
			give = avail < le ? avail : le;
		}
		if (f->six_c && !odd && le > avail) {
			put_sw(r, &n, 0x6C00 | (unsigned)(avail & 0xFF));
			*rlen = n;
			return 0;
		}
		if (f->cap_answer != 0 && give > f->cap_answer)
			give = f->cap_answer;
		if (f->oversize)
			give = le + 8;
		if (odd) {
			tmp[hdr++] = 0x53;
			if (give >= 0x100) {
				tmp[hdr++] = 0x82;
				tmp[hdr++] = (unsigned char)(give >> 8);
			} else if (give >= 0x80) {
				tmp[hdr++] = 0x81;
			}
			tmp[hdr++] = (unsigned char)give;
		}
		memset(tmp + hdr, 0, give);
		memcpy(tmp + hdr, f->file + off, give < avail ? give : avail);
		deliver(f, tmp, hdr + give,
		    f->end_6282 && give < le && off + give >= f->len ? 0x6282 : 0x9000, r, &n);
		*rlen = n;
		return 0;
	}
	if (c[1] == 0x88) {         /* answers 20 bytes, through 61xx on T=0 */
		memset(tmp, 0x5A, 20);
		deliver(f, tmp, 20, 0x9000, r, &n);
		*rlen = n;
		return 0;
	}
	put_sw(r, &n, 0x6D00);
	*rlen = n;
	return 0;
}

/* A TLV file: tag 0x75, length long form, pattern contents. */
static void
make_file(struct fake *f, size_t content)
{
	size_t h = 0, i;

	f->len = content + 5;
	f->file = malloc(f->len + 64);
	assert_non_null(f->file);
	f->file[h++] = 0x75;
	f->file[h++] = 0x83;
	f->file[h++] = (unsigned char)(content >> 16);
	f->file[h++] = (unsigned char)(content >> 8);
	f->file[h++] = (unsigned char)content;
	for (i = 0; i < content; i++)
		f->file[h + i] = (unsigned char)(i * 7 + 3);
}

static void
open_chan(sign_card__chan *ch, struct fake *f, int t0)
{
	struct sign_card__transport tr = { fake_tx, NULL, 0 };

	tr.ctx = f;
	tr.t0 = t0;
	assert_int_equal(sign_card__chan_init(ch, &tr), 0);
}

/* ---- tests ---- */

static void
test_encode(void **state)
{
	unsigned char out[300], d[300];
	sign_apdu a;
	size_t n;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(d, 0xAB, sizeof(d));
	a.ins = 0xB0;
	a.ne = 256;                      /* case 2 short, Le 00 */
	assert_int_equal(sign_card__encode(&a, 0, out, sizeof(out), &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(out[4], 0x00);
	a.ne = 257;                      /* case 2 extended */
	assert_int_equal(sign_card__encode(&a, 0, out, sizeof(out), &n), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(out + 4, "\x00\x01\x01", 3);
	a.ne = 65536;                    /* 00 00 00 */
	assert_int_equal(sign_card__encode(&a, 0, out, sizeof(out), &n), 0);
	assert_memory_equal(out + 4, "\x00\x00\x00", 3);
	a.ne = 8;                        /* case 4 short */
	a.data = d;
	a.lc = 8;
	assert_int_equal(sign_card__encode(&a, 0, out, sizeof(out), &n), 0);
	assert_int_equal(n, 14);
	assert_int_equal(out[4], 8);
	assert_int_equal(out[13], 8);
	/* T=0: case 4 goes without Le */
	assert_int_equal(sign_card__encode(&a, 1, out, sizeof(out), &n), 0);
	assert_int_equal(n, 13);
	/* case 4 extended: 00 Lc Lc data Le Le */
	a.extended = 1;
	assert_int_equal(sign_card__encode(&a, 0, out, sizeof(out), &n), 0);
	assert_int_equal(n, 4 + 3 + 8 + 2);
	assert_memory_equal(out + 4, "\x00\x00\x08", 3);
	assert_memory_equal(out + 15, "\x00\x08", 2);
	/* no extended over T=0 */
	assert_int_equal(sign_card__encode(&a, 1, out, sizeof(out), &n), SIGN_ERR_UNSUPPORTED);
	/* too small a buffer */
	a.extended = 0;
	a.lc = 255;
	assert_int_equal(sign_card__encode(&a, 0, out, 100, &n), SIGN_ERR_TOO_LARGE);
}

static void
test_get_response_t0(void **state)
{
	struct fake f;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;

	(void)state;
	memset(&f, 0, sizeof(f));
	make_file(&f, 600);
	f.t0_chunks = 100;
	open_chan(&ch, &f, 1);
	assert_int_equal(ch.ext, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x0102, 0, &b), 0);
	assert_int_equal(b.len, f.len);
	assert_memory_equal(b.data, f.file, f.len);
	/* answers came in 61xx chunks, fetched with GET RESPONSE */
	assert_true(f.n_getresp >= 6);
	assert_true(ch.apdus == f.n_cmds);
	sign_buf_dispose(&b);
	sign_card__chan_clear(&ch);
	free(f.file);
}

/* A case-4 command over T=0: sent without Le, data intact, the answer
 * fetched with GET RESPONSE; over T=1 with Le. */
static void
test_case4_t0(void **state)
{
	static const unsigned char chal[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct fake f;
	sign_card__chan ch;
	sign_apdu a;
	const unsigned char *d;
	size_t dl;
	unsigned int sw;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.t0_chunks = 256;
	open_chan(&ch, &f, 1);
	memset(&a, 0, sizeof(a));
	a.ins = 0x88;
	a.data = chal;
	a.lc = sizeof(chal);
	a.ne = 256;
	assert_int_equal(sign_card__send(&ch, &a, &d, &dl, &sw), 0);
	assert_int_equal(sw, 0x9000);
	assert_int_equal(dl, 20);
	assert_int_equal(f.last_len, 13);
	assert_memory_equal(f.last_cmd + 5, chal, 8);
	assert_int_equal(f.n_getresp, 1);
	/* extended never goes over T=0 */
	a.ne = 1000;
	assert_int_equal(sign_card__send(&ch, &a, &d, &dl, &sw), SIGN_ERR_UNSUPPORTED);
	sign_card__chan_clear(&ch);
	/* T=1: the same command carries Le */
	memset(&f, 0, sizeof(f));
	open_chan(&ch, &f, 0);
	a.ne = 256;
	assert_int_equal(sign_card__send(&ch, &a, &d, &dl, &sw), 0);
	assert_int_equal(f.last_len, 14);
	assert_int_equal(f.last_cmd[13], 0x00);
	assert_int_equal(dl, 20);
	sign_card__chan_clear(&ch);
}

static void
test_6c_reissue(void **state)
{
	struct fake f;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;

	(void)state;
	memset(&f, 0, sizeof(f));
	make_file(&f, 20);              /* 25 bytes: the first read asks 256 */
	f.six_c = 1;
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x011E, 0, &b), 0);
	assert_int_equal(b.len, 25);
	assert_memory_equal(b.data, f.file, 25);
	/* SELECT, READ(256) -> 6C19, READ(25) re-issued by the transport */
	assert_int_equal(f.n_cmds, 3);
	assert_int_equal(f.last_le, 25);
	/* an end-of-file 6Cxx is not a card limit */
	assert_int_equal(ch.max_read, SIGN_CARD__SHORT_READ_MAX);
	sign_buf_dispose(&b);
	sign_card__chan_clear(&ch);
	free(f.file);
}

static void
test_stepdown_6700_remembered(void **state)
{
	struct fake f;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;
	unsigned long after_first;

	(void)state;
	memset(&f, 0, sizeof(f));
	make_file(&f, 3000);
	f.max_le = 100;                 /* 6700 above 100 bytes */
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x0102, 0, &b), 0);
	assert_int_equal(b.len, f.len);
	assert_memory_equal(b.data, f.file, f.len);
	/* 256 231 223 128 refused, 64 works, then halfway steps find the
	 * limit: 96 works, 112 and 104 fail, 100 works; 4 more bytes are not
	 * worth probing */
	assert_int_equal(ch.max_read, 100);
	assert_int_equal(ch.size_fail, 104);
	assert_true(ch.stepdowns >= 4);
	assert_true(ch.stepdowns >= 1);
	/* select, 2 first reads, 4 ladder steps, 3 failed probes,
	 * ceil(3005 / 100) + a few partial reads: near the minimum of 32 */
	assert_true(f.n_cmds <= 1 + 2 + 4 + 3 + 31 + 3);
	sign_buf_dispose(&b);
	/* A second file starts at the remembered size: no 6700 at all. */
	after_first = f.n_6700;
	assert_int_equal(sign_card__read_ef(&ch, 0x0101, 0, &b), 0);
	assert_int_equal(f.n_6700, after_first);
	assert_int_equal(b.len, f.len);
	sign_buf_dispose(&b);
	sign_card__chan_clear(&ch);
	free(f.file);
}

/* A 6700 on the first read of a small file is ambiguous (past the end, or
 * too large for the card?): the next files start below it, and a file long
 * enough settles it. */
static void
test_first_read_6700(void **state)
{
	struct fake small, big;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;
	struct sign_card__transport tr = { fake_tx, NULL, 0 };

	(void)state;
	memset(&small, 0, sizeof(small));
	memset(&big, 0, sizeof(big));
	make_file(&small, 20);
	make_file(&big, 3000);
	small.max_le = big.max_le = 223;
	tr.ctx = &small;
	assert_int_equal(sign_card__chan_init(&ch, &tr), 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x011E, 0, &b), 0);
	assert_int_equal(b.len, small.len);
	assert_int_equal(small.n_6700, 1);              /* 256, then the header */
	sign_buf_dispose(&b);
	ch.tr.ctx = &big;
	assert_int_equal(sign_card__read_ef(&ch, 0x0102, 0, &b), 0);
	assert_int_equal(b.len, big.len);
	assert_memory_equal(b.data, big.file, big.len);
	assert_int_equal(big.n_6700, 1);                /* 231 once; 256 never again */
	assert_int_equal(ch.max_read, 223);
	sign_buf_dispose(&b);
	sign_card__chan_clear(&ch);
	free(small.file);
	free(big.file);
}

static void
test_short_answers_remembered(void **state)
{
	struct fake f;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;

	(void)state;
	memset(&f, 0, sizeof(f));
	make_file(&f, 1000);
	f.cap_answer = 100;             /* answers at most 100 bytes, 9000 */
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x0102, 0, &b), 0);
	assert_int_equal(b.len, f.len);
	assert_memory_equal(b.data, f.file, f.len);
	assert_int_equal(ch.max_read, 100);
	/* select + ceil(1005 / 100) reads */
	assert_int_equal(f.n_cmds, 1 + 11);
	sign_buf_dispose(&b);
	sign_card__chan_clear(&ch);
	free(f.file);
}

static void
test_extended_and_b1(void **state)
{
	struct fake f;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;

	(void)state;
	memset(&f, 0, sizeof(f));
	make_file(&f, 100000);          /* beyond 32 767: needs B1 */
	f.ext_ok = 1;
	f.max_le = 4096;
	open_chan(&ch, &f, 0);
	sign_card__chan_set_ext(&ch, SIGN_CARD__EXT_READ_MAX);
	assert_int_equal(ch.ext, 1);
	assert_int_equal(sign_card__read_ef(&ch, 0x0102, 0, &b), 0);
	assert_int_equal(b.len, f.len);
	assert_memory_equal(b.data, f.file, f.len);
	assert_int_equal(ch.max_read, 4096);
	assert_true(f.n_b1 > 0);
	assert_true(f.min_off_b1 > 0x7FFF);
	assert_true(f.max_off_b0 <= 0x7FFF);
	assert_true(f.n_ext > 0);
	sign_buf_dispose(&b);
	sign_card__chan_clear(&ch);
	free(f.file);
}

static void
test_bound(void **state)
{
	struct fake f;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;

	(void)state;
	memset(&f, 0, sizeof(f));
	make_file(&f, 300 * 1024);
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x0102, 0, &b), SIGN_ERR_TOO_LARGE);
	assert_null(b.data);
	/* refused after the first chunk: nothing more was asked */
	assert_int_equal(f.n_cmds, 2);
	sign_card__chan_clear(&ch);
	/* an explicit smaller bound */
	f.n_cmds = 0;
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x0102, 1000, &b), SIGN_ERR_TOO_LARGE);
	sign_card__chan_clear(&ch);
	free(f.file);
}

static void
test_oversized(void **state)
{
	struct fake f;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;

	(void)state;
	memset(&f, 0, sizeof(f));
	make_file(&f, 1000);
	f.oversize = 1;
	open_chan(&ch, &f, 0);
	/* The short channel's answer buffer holds it, the reader refuses it. */
	assert_int_equal(sign_card__read_ef(&ch, 0x0102, 0, &b), SIGN_ERR_CARD_RESPONSE);
	assert_non_null(strstr(sign_error_message(), "bytes for a read of"));
	assert_null(b.data);
	sign_card__chan_clear(&ch);
	free(f.file);
}

static void
test_truncated(void **state)
{
	struct fake f;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;

	(void)state;
	memset(&f, 0, sizeof(f));
	make_file(&f, 1000);
	f.len -= 16;                    /* the TLV claims 16 bytes more */
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x0102, 0, &b), SIGN_ERR_CARD_RESPONSE);
	assert_non_null(strstr(sign_error_message(), "truncated"));
	assert_null(b.data);
	sign_card__chan_clear(&ch);
	/* the same with 6282 at the end */
	f.end_6282 = 1;
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x0102, 0, &b), SIGN_ERR_CARD_RESPONSE);
	assert_non_null(strstr(sign_error_message(), "truncated"));
	sign_card__chan_clear(&ch);
	free(f.file);
}

static void
test_trailing(void **state)
{
	struct fake f;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;

	(void)state;
	memset(&f, 0, sizeof(f));
	make_file(&f, 40);
	/* junk after the TLV: malformed */
	memcpy(f.file + f.len, "\xAB\xCD\xEF\x01", 4);
	f.len += 4;
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x010D, 0, &b), SIGN_ERR_CARD_RESPONSE);
	assert_non_null(strstr(sign_error_message(), "after its"));
	sign_card__chan_clear(&ch);
	/* erased-memory padding: not the file's, dropped */
	memset(f.file + f.len - 4, 0xFF, 4);
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x010D, 0, &b), 0);
	assert_int_equal(b.len, 45);
	assert_memory_equal(b.data, f.file, 45);
	sign_buf_dispose(&b);
	sign_card__chan_clear(&ch);
	free(f.file);
}

static void
test_status_errors(void **state)
{
	struct fake f;
	sign_card__chan ch;
	sign_buf b = SIGN_BUF_INIT;

	(void)state;
	memset(&f, 0, sizeof(f));
	make_file(&f, 100);
	f.eac = 1;
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x0103, 0, &b), SIGN_ERR_ACCESS_DENIED);
	sign_card__chan_clear(&ch);
	f.eac = 0;
	f.no_file = 1;
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__read_ef(&ch, 0x0104, 0, &b), SIGN_ERR_NOT_FOUND);
	assert_int_equal(sign_card__select_aid(&ch, (const unsigned char *)"\xA0\x00\x00\x02"
	    "\x47\x10\x01", 7, 0), SIGN_ERR_NO_APPLET);
	sign_card__chan_clear(&ch);
	free(f.file);
}

static void
test_step_down_ladder(void **state)
{
	struct fake f;
	sign_card__chan ch;

	(void)state;
	memset(&f, 0, sizeof(f));
	open_chan(&ch, &f, 0);
	assert_int_equal(sign_card__step_down(&ch, 256), 231);
	assert_int_equal(sign_card__step_down(&ch, 231), 223);
	assert_int_equal(sign_card__step_down(&ch, 9), 8);
	assert_int_equal(sign_card__step_down(&ch, 8), 0);
	/* never above what the channel allows */
	assert_int_equal(sign_card__step_down(&ch, 100000), 256);
	sign_card__chan_set_ext(&ch, 40000);
	assert_int_equal(ch.max_read, 40000);
	assert_int_equal(sign_card__step_down(&ch, 40000), 32768);
	sign_card__chan_clear(&ch);
	/* T=0 never goes extended */
	open_chan(&ch, &f, 1);
	sign_card__chan_set_ext(&ch, 40000);
	assert_int_equal(ch.ext, 0);
	assert_int_equal(ch.max_read, 256);
	sign_card__chan_clear(&ch);
}

static void
test_atr(void **state)
{
	/* 3B 85 80 01 | 80 73 94 01 40 | TCK : the virtual card's ATR */
	static const unsigned char yes[] = { 0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x94, 0x01,
		0x40, 0x00 };
	static const unsigned char no[] = { 0x3B, 0x85, 0x80, 0x01, 0x80, 0x73, 0x94, 0x01,
		0x00, 0x00 };
	static const unsigned char none[] = { 0x3B, 0x80, 0x80, 0x01, 0x01 };
	static const unsigned char bad[] = { 0x3B, 0x8F, 0x80 };

	(void)state;
	assert_int_equal(sign_card__atr_extended(yes, sizeof(yes)), 1);
	assert_int_equal(sign_card__atr_extended(no, sizeof(no)), 0);
	assert_int_equal(sign_card__atr_extended(none, sizeof(none)), -1);
	assert_int_equal(sign_card__atr_extended(bad, sizeof(bad)), -1);
	assert_int_equal(sign_card__atr_extended(NULL, 0), -1);
}

/* A card that answers 6101 forever, and one that answers 1 byte. */
static int
endless_tx(void *ctx, const unsigned char *c, size_t len, unsigned char *r, size_t cap,
    size_t *rlen)
{
	unsigned long *count = ctx;

	(void)c;
	(void)len;
	(void)cap;
	(*count)++;
	r[0] = 0x55;
	r[1] = 0x61;
	r[2] = 0x01;
	*rlen = 3;
	return 0;
}

static int
mute_tx(void *ctx, const unsigned char *c, size_t len, unsigned char *r, size_t cap,
    size_t *rlen)
{
	(void)ctx;
	(void)c;
	(void)len;
	(void)cap;
	r[0] = 0x90;
	*rlen = 1;
	return 0;
}

static void
test_transport_bounds(void **state)
{
	static const unsigned char cmd[5] = { 0x00, 0xB0, 0x00, 0x00, 0x10 };
	struct sign_card__transport tr = { endless_tx, NULL, 1 };
	unsigned long count = 0;
	sign_card__chan ch;
	const unsigned char *r;
	size_t rl;

	(void)state;
	tr.ctx = &count;
	assert_int_equal(sign_card__chan_init(&ch, &tr), 0);
	assert_int_equal(sign_card__transceive(&ch, cmd, 5, 1, &r, &rl), SIGN_ERR_CARD_RESPONSE);
	assert_non_null(strstr(sign_error_message(), "61xx"));
	assert_true(count > 100 && count < 1000);
	sign_card__chan_clear(&ch);
	/* an answer without a status word */
	tr.transmit = mute_tx;
	assert_int_equal(sign_card__chan_init(&ch, &tr), 0);
	assert_int_equal(sign_card__transceive(&ch, cmd, 5, 1, &r, &rl), SIGN_ERR_CARD_RESPONSE);
	sign_card__chan_clear(&ch);
	/* the session bound on commands */
	count = 0;
	tr.transmit = endless_tx;
	assert_int_equal(sign_card__chan_init(&ch, &tr), 0);
	ch.apdu_limit = 10;
	assert_int_equal(sign_card__transceive(&ch, cmd, 5, 1, &r, &rl), SIGN_ERR_CARD_RESPONSE);
	assert_int_equal(count, 10);
	sign_card__chan_clear(&ch);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_get_response_t0),
		cmocka_unit_test(test_case4_t0),
		cmocka_unit_test(test_6c_reissue),
		cmocka_unit_test(test_stepdown_6700_remembered),
		cmocka_unit_test(test_first_read_6700),
		cmocka_unit_test(test_short_answers_remembered),
		cmocka_unit_test(test_extended_and_b1),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_trailing),
		cmocka_unit_test(test_status_errors),
		cmocka_unit_test(test_step_down_ladder),
		cmocka_unit_test(test_atr),
		cmocka_unit_test(test_transport_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
