/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The APDU channel: encoding, T=0 GET RESPONSE and 6Cxx, secure messaging,
 * counters, SELECT. */
#include "card_priv.h"
#include "tlv.h"

#include <stdlib.h>
#include <string.h>

#define TX_MAX (4 + 3 + 65536 + 3)
/* Bound on GET RESPONSE rounds for one command. */
#define GET_RESPONSE_MAX 300

int
sign_card__chan_init(sign_card__chan *ch, const struct sign_card__transport *tr)
{
	memset(ch, 0, sizeof(*ch));
	ch->tr = *tr;
	ch->max_read = SIGN_CARD__SHORT_READ_MAX;
	ch->apdu_limit = SIGN_CARD__APDU_LIMIT;
	ch->tx = malloc(TX_MAX);
	ch->rx = malloc(SIGN_CARD__RESP_MAX);
	ch->resp = malloc(SIGN_CARD__RESP_MAX);
	if (ch->tx == NULL || ch->rx == NULL || ch->resp == NULL) {
		sign_card__chan_clear(ch);
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	}
	return 0;
}

void
sign_card__chan_clear(sign_card__chan *ch)
{
	if (ch == NULL)
		return;
	sign_sm__free(ch->sm);
	ch->sm = NULL;
	/* Answers hold personal data: wipe. */
	sign__freezero(ch->tx, ch->tx != NULL ? TX_MAX : 0);
	sign__freezero(ch->rx, ch->rx != NULL ? SIGN_CARD__RESP_MAX : 0);
	sign__freezero(ch->resp, ch->resp != NULL ? SIGN_CARD__RESP_MAX : 0);
	ch->tx = ch->rx = ch->resp = NULL;
	sign_buf_dispose(&ch->plain);
}

static size_t
short_max(const sign_card__chan *ch)
{
	return ch->sm != NULL ? sign_sm__short_read_max(ch->sm) : SIGN_CARD__SHORT_READ_MAX;
}

static void
reset_max_read(sign_card__chan *ch)
{
	ch->max_read = ch->ext ? ch->ext_cap : short_max(ch);
	ch->size_ok = 0;
	ch->size_fail = 0;
	ch->first_fail = 0;
}

void
sign_card__chan_set_sm(sign_card__chan *ch, sign_sm *sm)
{
	sign_sm__free(ch->sm);
	ch->sm = sm;
	reset_max_read(ch);
}

void
sign_card__chan_set_ext(sign_card__chan *ch, size_t cap)
{
	if (ch->tr.t0 || cap <= SIGN_CARD__SHORT_READ_MAX) {
		ch->ext = 0;
		ch->ext_cap = 0;
	} else {
		ch->ext = 1;
		ch->ext_cap = cap > SIGN_CARD__EXT_READ_MAX ? SIGN_CARD__EXT_READ_MAX : cap;
	}
	reset_max_read(ch);
}

size_t
sign_card__step_down(const sign_card__chan *ch, size_t size)
{
	static const size_t ladder[] = {
		SIGN_CARD__EXT_READ_MAX, 32768, 16384, 8192, 4096, 2048, 1024, 512,
		SIGN_CARD__SHORT_READ_MAX, SIGN_CARD__SHORT_READ_MAX_SM, 223, 128, 64, 32, 16,
		SIGN_CARD__READ_MIN
	};
	size_t i, top = ch->ext ? ch->ext_cap : short_max(ch);

	for (i = 0; i < sizeof(ladder) / sizeof(ladder[0]); i++)
		if (ladder[i] < size && ladder[i] <= top)
			return ladder[i];
	return 0;
}

int
sign_card__encode(const sign_apdu *a, int t0, unsigned char *out, size_t cap, size_t *len)
{
	int ext = a->extended || a->lc > 255 || a->ne > 256;
	size_t n = 0, need;

	*len = 0;
	if (a->lc > 65535 || a->ne > 65536 || (a->lc > 0 && a->data == NULL))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "APDU lengths out of range");
	if (ext && t0)
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "extended-length APDUs cannot be sent over T=0");
	need = 4 + (ext ? 3 : 1) + a->lc + (ext ? 3 : 1);
	if (need > cap)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "APDU too long");
	out[n++] = a->cla;
	out[n++] = a->ins;
	out[n++] = a->p1;
	out[n++] = a->p2;
	if (a->lc > 0) {
		if (ext) {
			out[n++] = 0;
			out[n++] = (unsigned char)(a->lc >> 8);
			out[n++] = (unsigned char)a->lc;
		} else {
			out[n++] = (unsigned char)a->lc;
		}
		memcpy(out + n, a->data, a->lc);
		n += a->lc;
	}
	if (a->ne > 0 && !(t0 && a->lc > 0)) {
		if (ext) {
			if (a->lc == 0)
				out[n++] = 0;
			out[n++] = (unsigned char)((a->ne >> 8) & 0xFF); /* 65536 -> 00 00 */
			out[n++] = (unsigned char)(a->ne & 0xFF);
		} else {
			out[n++] = (unsigned char)(a->ne & 0xFF);        /* 256 -> 00 */
		}
	}
	*len = n;
	return 0;
}

static int
xmit(sign_card__chan *ch, const unsigned char *cmd, size_t len, size_t *rlen)
{
	int rc;

	if (ch->apdus >= ch->apdu_limit)
		return sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
		    "the card needed more than %lu commands; giving up", ch->apdu_limit);
	ch->apdus++;
	ch->bytes_out += len;
	if (sign_log__enabled(SIGN_LOG_TRACE))
		sign_log__msg(SIGN_LOG_TRACE, "> %02X %02X %02X %02X (%zu bytes)",
		    cmd[0], len > 1 ? cmd[1] : 0, len > 2 ? cmd[2] : 0, len > 3 ? cmd[3] : 0, len);
	rc = ch->tr.transmit(ch->tr.ctx, cmd, len, ch->rx, SIGN_CARD__RESP_MAX, rlen);
	if (rc != 0)
		return rc;
	ch->bytes_in += *rlen;
	if (*rlen < 2 || *rlen > SIGN_CARD__RESP_MAX)
		return sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
		    "the card's answer has %zu bytes, not even a status word", *rlen);
	if (sign_log__enabled(SIGN_LOG_TRACE))
		sign_log__msg(SIGN_LOG_TRACE, "< %02X%02X (%zu bytes)",
		    ch->rx[*rlen - 2], ch->rx[*rlen - 1], *rlen);
	return 0;
}

int
sign_card__transceive(sign_card__chan *ch, const unsigned char *cmd, size_t len,
    int short_le, const unsigned char **resp, size_t *rlen)
{
	unsigned char gr[5] = { 0x00, 0xC0, 0x00, 0x00, 0x00 };
	size_t n = 0, total = 0, send_len = len;
	unsigned int sw1, sw2;
	int rc, rounds = 0, reissued = 0;

	*resp = NULL;
	*rlen = 0;
	if (len < 4 || len > TX_MAX)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "APDU of %zu bytes", len);
	if (cmd != ch->tx)
		memcpy(ch->tx, cmd, len);
	/* T=0 carries no Le on a case-4 command: the card answers 61xx. */
	if (ch->tr.t0 && short_le && len > 5)
		send_len = len - 1;
	rc = xmit(ch, ch->tx, send_len, &n);
	if (rc != 0)
		return rc;
	for (;;) {
		sw1 = ch->rx[n - 2];
		sw2 = ch->rx[n - 1];
		if (sw1 == 0x6C && short_le && !reissued && total == 0 && send_len == len) {
			/* Wrong Le: re-issue with the length the card names. */
			reissued = 1;
			ch->tx[len - 1] = (unsigned char)sw2;
			rc = xmit(ch, ch->tx, len, &n);
			if (rc != 0)
				return rc;
			continue;
		}
		if (total + n - 2 > SIGN_CARD__RESP_MAX - 2)
			return sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
			    "the card's answer exceeds %u bytes", SIGN_CARD__RESP_MAX - 2);
		memcpy(ch->resp + total, ch->rx, n - 2);
		total += n - 2;
		if (sw1 != 0x61)
			break;
		if (++rounds > GET_RESPONSE_MAX)
			return sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
			    "the card keeps answering 61xx; giving up");
		gr[4] = (unsigned char)sw2;
		rc = xmit(ch, gr, sizeof(gr), &n);
		if (rc != 0)
			return rc;
	}
	ch->resp[total++] = (unsigned char)sw1;
	ch->resp[total++] = (unsigned char)sw2;
	ch->resp_len = total;
	*resp = ch->resp;
	*rlen = total;
	return 0;
}

int
sign_card__send(sign_card__chan *ch, const sign_apdu *a, const unsigned char **data,
    size_t *dlen, unsigned int *sw)
{
	const unsigned char *r = NULL;
	sign_buf wrapped = SIGN_BUF_INIT;
	size_t rlen = 0, len = 0;
	int rc, ext = a->extended || a->lc > 255 || a->ne > 256;

	*data = NULL;
	*dlen = 0;
	*sw = 0;
	if (ch->sm == NULL) {
		/* Encoded with Le; sign_card__transceive leaves it out for T=0. */
		if (ext && ch->tr.t0)
			return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
			    "extended-length APDUs cannot be sent over T=0");
		rc = sign_card__encode(a, 0, ch->tx, TX_MAX, &len);
		if (rc != 0)
			return rc;
		rc = sign_card__transceive(ch, ch->tx, len, !ext && a->ne > 0, &r, &rlen);
		if (rc != 0)
			return rc;
		*data = r;
		*dlen = rlen - 2;
		*sw = ((unsigned int)r[rlen - 2] << 8) | r[rlen - 1];
		return 0;
	}
	if (ext && (!ch->ext || ch->tr.t0))
		return sign_error__set(SIGN_ERR_UNSUPPORTED, 0,
		    "extended-length APDUs are not available with this card or reader");
	rc = sign_sm__wrap(ch->sm, a, &wrapped);
	if (rc != 0)
		goto out;
	rc = sign_card__transceive(ch, wrapped.data, wrapped.len, !ext, &r, &rlen);
	if (rc != 0)
		goto out;
	rc = sign_sm__unwrap(ch->sm, r, rlen, &ch->plain, sw);
	if (rc != 0) {
		if (rc == SIGN_ERR_SM && strcmp(sign_error_message(), SIGN_SM_MSG_DEAD) == 0)
			rc = sign_error__set(SIGN_ERR_SM, 0,
			    "the card's answer failed its MAC check: it was altered on the way or "
			    "the chip is not genuine; read the card again");
		else if (rc == SIGN_ERR_SM || rc == SIGN_ERR_MALFORMED ||
		    rc == SIGN_ERR_CARD_RESPONSE)
			rc = sign_error__set(SIGN_ERR_SM, 0,
			    "the card's answer is not valid secure messaging (%s)",
			    sign_error_message());
		goto out;
	}
	*data = ch->plain.data;
	*dlen = ch->plain.len;
out:
	sign_buf_dispose(&wrapped);
	return rc;
}

static const char *
sw_text(unsigned int sw)
{
	switch (sw) {
	case 0x6700: return "wrong length";
	case 0x6982: return "security status not satisfied";
	case 0x6985: return "conditions of use not satisfied";
	case 0x6986: return "command not allowed";
	case 0x6987: return "secure messaging objects missing";
	case 0x6988: return "secure messaging objects incorrect";
	case 0x6A82: return "file or application not found";
	case 0x6A86: return "incorrect P1-P2";
	case 0x6B00: return "wrong parameters (offset outside the file)";
	case 0x6D00: return "instruction not supported";
	case 0x6E00: return "class not supported";
	default: return "unexpected status";
	}
}

int
sign_card__select_aid(sign_card__chan *ch, const unsigned char *aid, size_t len, int extended)
{
	sign_apdu a;
	const unsigned char *d;
	size_t dl;
	unsigned int sw;
	int rc;

	memset(&a, 0, sizeof(a));
	a.ins = 0xA4;
	a.p1 = 0x04;
	a.p2 = 0x0C;
	a.data = aid;
	a.lc = len;
	a.extended = extended;
	rc = sign_card__send(ch, &a, &d, &dl, &sw);
	if (rc != 0)
		return rc;
	if (sw == 0x9000)
		return 0;
	if (sw == 0x6A82 || sw == 0x6A86 || sw == 0x6D00 || sw == 0x6999)
		return sign_error__set(SIGN_ERR_NO_APPLET, sw,
		    "the card has no ICAO eMRTD application (SELECT answered %04X); "
		    "is it a chip ID card?", sw);
	return sign_error__set(SIGN_ERR_CARD_STATUS, sw,
	    "selecting the eMRTD application failed: %04X (%s)", sw, sw_text(sw));
}

int
sign_card__select_ef(sign_card__chan *ch, unsigned int fid)
{
	unsigned char f[2];
	sign_apdu a;
	const unsigned char *d;
	size_t dl;
	unsigned int sw;
	int rc;

	f[0] = (unsigned char)(fid >> 8);
	f[1] = (unsigned char)fid;
	memset(&a, 0, sizeof(a));
	a.ins = 0xA4;
	a.p1 = 0x02;
	a.p2 = 0x0C;
	a.data = f;
	a.lc = 2;
	rc = sign_card__send(ch, &a, &d, &dl, &sw);
	if (rc != 0)
		return rc;
	if (sw == 0x9000)
		return 0;
	if (sw == 0x6A82)
		return sign_error__set(SIGN_ERR_NOT_FOUND, sw, "file %04X is not on the card", fid);
	if (sw == 0x6982)
		return sign_error__set(SIGN_ERR_ACCESS_DENIED, sw,
		    "the card denies access to file %04X (6982)", fid);
	return sign_error__set(SIGN_ERR_CARD_STATUS, sw, "selecting file %04X failed: %04X (%s)",
	    fid, sw, sw_text(sw));
}

/* ---- the adaptive reader ---- */

/* The answer of an odd-INS READ BINARY is DO53 around the file bytes. */
static size_t
b1_ne(size_t want)
{
	return want + 1 + (want < 0x80 ? 1 : want < 0x100 ? 2 : want < 0x10000 ? 3 : 4);
}

/* File bytes one READ BINARY at off brings when the plain answer may have
 * `size` bytes (B1 answers carry the DO53 header). */
static size_t
read_limit(size_t size, size_t off)
{
	size_t d;

	if (off <= 0x7FFF)
		return size;
	for (d = size; d > 0 && b1_ne(d) > size; d--)
		;
	return d;
}

/* The plain answer size of a read of `n` file bytes at off. */
static size_t
plain_size(size_t n, size_t off)
{
	return off > 0x7FFF ? b1_ne(n) : n;
}

/* The answer size to ask for next: the size in use, or - once it is known
 * to work and a larger one is known to fail - halfway between them, so a
 * card's limit is found in a few reads (6700 for a larger size costs one
 * repeated read; each success raises the size for the rest of the
 * session).  A gap under 1/16 of the size is not worth probing. */
static size_t
next_size(const sign_card__chan *ch)
{
	if (ch->size_ok && ch->size_fail > ch->max_read + 1 &&
	    ch->size_fail - ch->max_read > ch->max_read / 16)
		return ch->max_read + (ch->size_fail - ch->max_read) / 2;
	return ch->max_read;
}

/* One READ BINARY of `want` file bytes at off.  *got gets the file bytes
 * (pointing into the channel), *sw the status. */
static int
read_chunk(sign_card__chan *ch, size_t off, size_t want, const unsigned char **got,
    size_t *n, unsigned int *sw)
{
	unsigned char buf[16];
	const unsigned char *d = NULL;
	size_t dl = 0;
	sign_apdu a;
	int rc;

	*got = NULL;
	*n = 0;
	memset(&a, 0, sizeof(a));
	/* ne counts file bytes: for B1 the DO53 header is added there. */
	rc = sign_sm__read_binary_cmd(&a, off, want, 0, buf, sizeof(buf));
	if (rc != 0)
		return rc;
	rc = sign_card__send(ch, &a, &d, &dl, sw);
	if (rc != 0)
		return rc;
	if (*sw != 0x9000 && *sw != 0x6282)
		return 0;
	if (off > 0x7FFF) {
		if (dl == 0) {
			*n = 0;
			return 0;
		}
		rc = sign_sm__read_binary_data(&a, d, dl, got, n);
		if (rc != 0)
			return sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
			    "the card's odd-INS READ BINARY answer is malformed: %s",
			    sign_error_message());
		return 0;
	}
	*got = d;
	*n = dl;
	return 0;
}

/* The card answered at most `plain` bytes (a short answer mid-file, or
 * 6Cxx): that is its limit for the session. */
static void
limit_read(sign_card__chan *ch, size_t plain)
{
	if (plain < SIGN_CARD__READ_MIN)
		return;
	if (plain < ch->max_read)
		ch->stepdowns++;
	ch->max_read = plain;
	ch->size_fail = plain + 1;
	ch->size_ok = 1;
	sign_log__msg(SIGN_LOG_DEBUG, "the card answers at most %zu bytes per read", plain);
}

/* Grow buf (cap) to hold at least need bytes, keeping the first have. */
static int
grow(unsigned char **buf, size_t *cap, size_t have, size_t need)
{
	unsigned char *p;

	if (need <= *cap)
		return 0;
	p = malloc(need);
	if (p == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (have > 0)
		memcpy(p, *buf, have);
	sign__freezero(*buf, *cap);
	*buf = p;
	*cap = need;
	return 0;
}

static int
truncated(size_t have, size_t total, unsigned int sw)
{
	return sign_error__set(SIGN_ERR_CARD_RESPONSE, sw,
	    "the file ends after %zu bytes although its length says %zu: it is truncated",
	    have, total);
}

int
sign_card__read_current(sign_card__chan *ch, size_t max_file, sign_buf *out)
{
	unsigned char *buf = NULL;
	size_t have = 0, total = 0, cap = 0, pending = 0, hdr = 0, tot = 0, first_fail = 0;
	unsigned int tries = 0;
	int rc = 0;

	if (max_file == 0)
		max_file = SIGN_CARD__FILE_MAX;
	for (;;) {
		const unsigned char *d = NULL;
		size_t want, full, n = 0, size, off = have, k;
		unsigned int sw = 0;
		int probing;

		if (total != 0 && have >= total)
			break;
		/* Probe a larger size only where the file still has that much. */
		size = next_size(ch);
		if (size != ch->max_read && (total == 0 || pending != 0 ||
		    read_limit(size, off) > total - have))
			size = ch->max_read;
		/* A first read refused earlier in the session (6700 before the
		 * file's length was known): start the next files below it. */
		if (total == 0 && ch->first_fail != 0 && size >= ch->first_fail) {
			size_t below = sign_card__step_down(ch, ch->first_fail);

			if (below != 0)
				size = below;
			/* That size failed: an upper bound for probing once a read
			 * of this file works (was lost when small files came first,
			 * leaving the session at the step below). */
			if (ch->size_fail == 0 || ch->size_fail > ch->first_fail)
				ch->size_fail = ch->first_fail;
		}
		probing = size != ch->max_read && total != 0;
		full = want = read_limit(size, off);
		if (total != 0 && want > total - have)
			want = total - have;
		if (pending != 0 && pending < want)
			want = pending;
		pending = 0;
		if (want == 0) {
			rc = sign_error__set(SIGN_ERR_CARD_RESPONSE, 0, "no read size left");
			goto out;
		}
		rc = read_chunk(ch, off, want, &d, &n, &sw);
		if (rc != 0)
			goto out;
		if (sw == 0x9000 || sw == 0x6282) {
			if (n == 0) {
				rc = sign_error__set(SIGN_ERR_CARD_RESPONSE, sw,
				    "the card answered no data at offset %zu (%04X): the file "
				    "is truncated", have, sw);
				goto out;
			}
			if (n > want) {
				rc = sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
				    "the card sent %zu bytes for a read of %zu at offset %zu",
				    n, want, have);
				goto out;
			}
			rc = grow(&buf, &cap, have, total != 0 ? total : have + n);
			if (rc != 0)
				goto out;
			memcpy(buf + have, d, n);
			have += n;
			tries = 0;
			if (n == full) {
				/* A whole read of this size worked. */
				if (size < ch->max_read)
					ch->stepdowns++;
				ch->max_read = size;
				ch->size_ok = 1;
			}
			if (total == 0) {
				rc = sign_tlv__header(buf, have, &hdr, &tot);
				if (rc != 0) {
					if (have < 8 && n == want && sw == 0x9000) {
						sign_error_clear();
						rc = 0;
						continue;       /* header not complete yet */
					}
					rc = sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
					    "the file does not start with a valid TLV header");
					goto out;
				}
				if (tot > max_file) {
					rc = sign_error__set(SIGN_ERR_TOO_LARGE, 0,
					    "the card claims a file of %zu bytes, more than the "
					    "%zu-byte bound; refusing it", tot, max_file);
					goto out;
				}
				total = tot;
				/* Bytes after the TLV: erased-memory padding (00 or FF)
				 * is not the file's; anything else is a malformed file. */
				for (k = total; k < have; k++) {
					if (buf[k] != 0x00 && buf[k] != 0xFF) {
						rc = sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
						    "the file has %zu bytes of data after its %zu-byte "
						    "TLV", have - total, total);
						goto out;
					}
				}
				if (have > total)
					have = total;
				rc = grow(&buf, &cap, have, total);
				if (rc != 0)
					goto out;
				if (first_fail != 0 && total >= first_fail &&
				    ch->max_read >= first_fail) {
					/* The file is that long: the size was the card's
					 * limit, not the file's end. */
					size_t next = sign_card__step_down(ch, first_fail);

					ch->size_fail = first_fail;
					if (next != 0) {
						ch->max_read = next;
						ch->size_ok = 0;
						ch->stepdowns++;
					}
				}
			}
			if (have < total) {
				if (sw == 0x6282) {
					rc = truncated(have, total, sw);
					goto out;
				}
				if (n < want)
					limit_read(ch, plain_size(n, off));
			}
			continue;
		}
		if (++tries > 32) {
			rc = sign_error__set(SIGN_ERR_CARD_STATUS, sw,
			    "the card refuses every read size (%04X)", sw);
			goto out;
		}
		if ((sw & 0xFF00) == 0x6C00) {
			size_t xx = (sw & 0xFF) != 0 ? (sw & 0xFF) : 256;

			xx = read_limit(xx, off);       /* xx counts the DO53 header too */
			if (xx == 0 || xx >= want) {
				rc = sign_error__set(SIGN_ERR_CARD_RESPONSE, sw,
				    "the card asks for a read length of %04X that does not help", sw);
				goto out;
			}
			pending = xx;
			if (total != 0 && have + xx < total)
				limit_read(ch, plain_size(xx, off));
			continue;
		}
		if (sw == 0x6700) {
			size_t next;

			if (total == 0 && want > 8) {
				/* The file may be shorter than the read, or the size too
				 * large for the card: read the header, then decide. */
				pending = 8;
				first_fail = size;
				if (ch->first_fail == 0 || size < ch->first_fail)
					ch->first_fail = size;
				continue;
			}
			if (probing) {
				ch->size_fail = size;   /* back to the size that works */
				continue;
			}
			ch->size_fail = size;
			next = sign_card__step_down(ch, size);
			if (next == 0) {
				rc = sign_error__set(SIGN_ERR_CARD_STATUS, sw,
				    "the card refuses reads of every length (6700)");
				goto out;
			}
			ch->max_read = next;
			ch->size_ok = 0;
			ch->stepdowns++;
			sign_log__msg(SIGN_LOG_DEBUG, "6700: trying reads of %zu bytes", next);
			continue;
		}
		if (sw == 0x6982) {
			rc = sign_error__set(SIGN_ERR_ACCESS_DENIED, sw,
			    "the card denies reading the file (6982)");
			goto out;
		}
		if ((sw == 0x6B00 || sw == 0x6A86) && total != 0) {
			rc = truncated(have, total, sw);
			goto out;
		}
		rc = sign_error__set(SIGN_ERR_CARD_STATUS, sw, "READ BINARY failed: %04X (%s)",
		    sw, sw_text(sw));
		goto out;
	}
	sign_buf_dispose(out);
	out->data = buf;
	out->len = total;
	buf = NULL;
out:
	sign__freezero(buf, cap);
	return rc;
}

int
sign_card__read_ef(sign_card__chan *ch, unsigned int fid, size_t max_file, sign_buf *out)
{
	int rc = sign_card__select_ef(ch, fid);

	if (rc != 0)
		return rc;
	return sign_card__read_current(ch, max_file, out);
}

int
sign_card__atr_extended(const unsigned char *atr, size_t len)
{
	size_t i, nhist, k;
	unsigned int y;
	int more = 1;

	if (atr == NULL || len < 2)
		return -1;
	/* T0 then the interface bytes TA/TB/TC/TDi. */
	nhist = atr[1] & 0x0F;
	y = atr[1] >> 4;
	i = 2;
	while (more) {
		if (y & 1) i++;
		if (y & 2) i++;
		if (y & 4) i++;
		if (y & 8) {
			if (i >= len)
				return -1;
			y = atr[i] >> 4;
			i++;
		} else {
			more = 0;
		}
	}
	if (i + nhist > len || nhist == 0)
		return -1;
	/* Category indicator 80: compact-TLV objects follow. */
	if (atr[i] != 0x80)
		return -1;
	for (k = i + 1; k < i + nhist;) {
		unsigned int tag = atr[k] >> 4, l = atr[k] & 0x0F;

		if (k + 1 + l > i + nhist)
			return -1;
		/* Card capabilities (tag 7): the third software function
		 * table byte, bit 7 (0x40) = extended Lc and Le. */
		if (tag == 7 && l >= 3)
			return (atr[k + 3] & 0x40) != 0;
		k += 1 + l;
	}
	return -1;
}
