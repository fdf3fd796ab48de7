/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The eMRTD read session: SELECT, BAC, EF.COM, DG14 and Chip Authentication,
 * the other data groups, EF.SOD, AA. */
#include "card_priv.h"
#include "chipauth.h"
#include "pcsc_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

static const unsigned char emrtd_aid[] = { 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01 };

/* Most BAC keys tried in one session (the QR candidates are at most 5). */
#define MAX_KEYS 8

static unsigned long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long)ts.tv_sec * 1000UL + (unsigned long)(ts.tv_nsec / 1000000L);
}

static int
pcsc_tx(void *ctx, const unsigned char *cmd, size_t len, unsigned char *resp, size_t cap,
    size_t *rlen)
{
	return sign_pcsc__transmit(ctx, cmd, len, resp, cap, rlen);
}

void
sign_card__pcsc_transport(struct sign_card__transport *tr, struct sign_pcsc_card *card)
{
	memset(tr, 0, sizeof(*tr));
	tr->transmit = pcsc_tx;
	tr->ctx = card;
	tr->t0 = sign_pcsc__protocol(card) == 0;
}

static int
simple(sign_card__chan *ch, unsigned char ins, const unsigned char *data, size_t lc,
    size_t ne, const unsigned char **out, size_t *olen, unsigned int *sw)
{
	sign_apdu a;

	memset(&a, 0, sizeof(a));
	a.ins = ins;
	a.data = data;
	a.lc = lc;
	a.ne = ne;
	return sign_card__send(ch, &a, out, olen, sw);
}

/*
 * One BAC attempt.  0 with SM installed on the channel; SIGN_ERR_AUTH_FAILED
 * when the card refuses our cryptogram (a wrong key); other errors as they
 * come.
 */
static int
bac(sign_card__chan *ch, const sign_mrz_key *key)
{
	sign_bac *b = NULL;
	sign_sm *sm = NULL;
	unsigned char rnd_ic[8], cmd[40], resp[40];
	const unsigned char *d = NULL;
	size_t dl = 0;
	unsigned int sw = 0;
	int rc;

	rc = sign_bac__new(&b, key);
	if (rc != 0)
		goto out;
	rc = simple(ch, 0x84, NULL, 0, 8, &d, &dl, &sw);
	if (rc != 0)
		goto out;
	if (sw != 0x9000 || dl != 8) {
		rc = sign_error__set(sw == 0x9000 ? SIGN_ERR_CARD_RESPONSE : SIGN_ERR_CARD_STATUS,
		    sw, "GET CHALLENGE failed: %04X with %zu bytes", sw, dl);
		goto out;
	}
	memcpy(rnd_ic, d, 8);
	rc = sign_bac__ext_auth_data(b, rnd_ic, cmd);
	if (rc != 0)
		goto out;
	rc = simple(ch, 0x82, cmd, sizeof(cmd), sizeof(cmd), &d, &dl, &sw);
	if (rc != 0)
		goto out;
	if (sw == 0x6300 || sw == 0x6982 || sw == 0x6A80 || sw == 0x6985 || sw == 0x6988 ||
	    (sw & 0xFFF0) == 0x63C0) {
		rc = sign_error__set(SIGN_ERR_AUTH_FAILED, sw,
		    "these MRZ data do not open this card (EXTERNAL AUTHENTICATE: %04X)", sw);
		goto out;
	}
	if (sw != 0x9000) {
		rc = sign_error__set(SIGN_ERR_CARD_STATUS, sw,
		    "EXTERNAL AUTHENTICATE failed: %04X", sw);
		goto out;
	}
	if (dl != sizeof(resp)) {
		rc = sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
		    "the card's BAC answer has %zu bytes, not 40", dl);
		goto out;
	}
	memcpy(resp, d, sizeof(resp));
	rc = sign_bac__finish(b, resp, sizeof(resp), &sm);
	if (rc == SIGN_ERR_AUTH_FAILED) {
		/* The card accepted our cryptogram, so the key is right: its own
		 * answer does not check out. */
		rc = sign_error__set(SIGN_ERR_SM, 0,
		    "the card's answer failed its MAC check (BAC mutual authentication)");
		goto out;
	}
	if (rc != 0)
		goto out;
	sign_card__chan_set_sm(ch, sm);
	sm = NULL;
out:
	OPENSSL_cleanse(cmd, sizeof(cmd));
	OPENSSL_cleanse(resp, sizeof(resp));
	OPENSSL_cleanse(rnd_ic, sizeof(rnd_ic));
	sign_sm__free(sm);
	sign_bac__free(b);
	return rc;
}

static int
select_applet(sign_card__chan *ch, int want_ext, size_t ext_cap)
{
	int rc;

	if (want_ext) {
		/* The SELECT doubles as the probe for extended length: the
		 * card and the reader must both pass it. */
		rc = sign_card__select_aid(ch, emrtd_aid, sizeof(emrtd_aid), 1);
		if (rc == 0) {
			sign_card__chan_set_ext(ch, ext_cap);
			return 0;
		}
		if (rc == SIGN_ERR_CARD_REMOVED || rc == SIGN_ERR_NOMEM)
			return rc;
		sign_log__msg(SIGN_LOG_DEBUG, "extended-length SELECT refused (%s): short APDUs",
		    sign_error_message());
		sign_error_clear();
	}
	sign_card__chan_set_ext(ch, 0);
	return sign_card__select_aid(ch, emrtd_aid, sizeof(emrtd_aid), 0);
}

static int
read_file(sign_card__chan *ch, sign_card_doc *doc, unsigned int fid, size_t max_file)
{
	sign_buf b = SIGN_BUF_INIT;
	const char *name = sign_card_fid_name(fid);
	int rc;

	rc = sign_card__read_ef(ch, fid, max_file, &b);
	if (rc == SIGN_ERR_ACCESS_DENIED) {
		sign_error_clear();
		sign_log__msg(SIGN_LOG_INFO, "%s: access denied (EAC); skipped", name);
		return sign_card__doc_skip(doc, fid,
		    "access denied by the card (protected by Extended Access Control, 6982)");
	}
	if (rc == SIGN_ERR_NOT_FOUND) {
		sign_error_clear();
		return sign_card__doc_skip(doc, fid, "listed in EF.COM but not on the card");
	}
	if (rc != 0)            /* the file named in the message */
		return sign_error__set(rc, sign_error_backend(), "%s: %s", name,
		    sign_error_message());
	sign_log__msg(SIGN_LOG_DEBUG, "%s: %zu bytes", name, b.len);
	rc = sign_card__doc_add(doc, fid, &b);
	sign_buf_dispose(&b);
	return rc;
}

static int
active_auth(sign_card__chan *ch, sign_card_doc *doc)
{
	const unsigned char *d = NULL;
	size_t dl = 0;
	unsigned int sw = 0;
	int rc;

	if (RAND_bytes(doc->aa_chal, sizeof(doc->aa_chal)) != 1)
		return sign_error__openssl(SIGN_ERR_CRYPTO, "no random challenge for AA");
	rc = simple(ch, 0x88, doc->aa_chal, sizeof(doc->aa_chal), ch->ext ? 65536 : 256,
	    &d, &dl, &sw);
	if (rc != 0)
		return rc;
	if (sw != 0x9000 || dl == 0) {
		doc->aa_sw = sw != 0x9000 ? sw : 0x6F00;
		if (sw == 0x6700 || (sw & 0xFF00) == 0x6C00)
			snprintf(doc->aa_note, sizeof(doc->aa_note),
			    "the chip's INTERNAL AUTHENTICATE answer does not fit the APDUs this "
			    "card and reader allow (%04X)", sw);
		else
			snprintf(doc->aa_note, sizeof(doc->aa_note),
			    "the chip refused INTERNAL AUTHENTICATE (%04X)", sw);
		return 0;
	}
	doc->aa_resp = malloc(dl);
	if (doc->aa_resp == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	memcpy(doc->aa_resp, d, dl);
	doc->aa_resp_len = dl;
	doc->have_aa = 1;
	return 0;
}

/* After a Chip Authentication that did not pass: a fresh BAC session (the
 * chip may have switched keys, or dropped secure messaging), so that the
 * rest of the document can still be read and verified. */
static int
rebac(sign_card__chan *ch, const sign_mrz_key *key)
{
	int rc;

	sign_card__chan_set_sm(ch, NULL);
	rc = sign_card__select_aid(ch, emrtd_aid, sizeof(emrtd_aid), 0);
	if (rc == 0)
		rc = bac(ch, key);
	if (rc != 0 && rc != SIGN_ERR_CARD_REMOVED && rc != SIGN_ERR_NOMEM)
		rc = sign_error__set(rc, sign_error_backend(),
		    "after a failed Chip Authentication the card does not open again: %s",
		    sign_error_message());
	return rc;
}

/* Record a CA failure (the note) and go on under BAC. */
static int
ca_failed(sign_card__chan *ch, sign_card_doc *doc, const sign_mrz_key *key, const char *fmt,
    ...) SIGN__PRINTF(4, 5);

static int
ca_failed(sign_card__chan *ch, sign_card_doc *doc, const sign_mrz_key *key, const char *fmt,
    ...)
{
	va_list ap;

	doc->ca = SIGN_CHIPAUTH_FAILED;
	va_start(ap, fmt);
	vsnprintf(doc->ca_note, sizeof(doc->ca_note), fmt, ap);
	va_end(ap);
	sign_log__msg(SIGN_LOG_INFO, "Chip Authentication FAILED: %s", doc->ca_note);
	sign_error_clear();
	return rebac(ch, key);
}

/*
 * The chip refused a CA command with a status word (MSE:Set or GENERAL
 * AUTHENTICATE).  CA comes in several protocol variants and command forms,
 * and a chip may want another one than DG14 led us to: a refusal proves
 * nothing either way (a clone gains nothing by it - without AA or CA passed
 * a card is not genuine).  Recorded as not attempted, with the note; the
 * read goes on under a fresh BAC.  (A wrong answer under the agreed keys is
 * a failure: ca_failed.)
 */
static int
ca_refused(sign_card__chan *ch, sign_card_doc *doc, const sign_mrz_key *key, const char *cmd,
    unsigned int sw)
{
	doc->ca = SIGN_CHIPAUTH_NOT_ATTEMPTED;
	snprintf(doc->ca_note, sizeof(doc->ca_note), "the chip refused Chip Authentication "
	    "(%s: %04X): it proves nothing either way", cmd, sw);
	sign_log__msg(SIGN_LOG_INFO, "Chip Authentication not attempted: %s", doc->ca_note);
	sign_error_clear();
	return rebac(ch, key);
}

/* A command the link cannot carry (a DH key over short APDUs: this reader
 * does not chain commands): nothing was sent, the BAC session goes on. */
static int
ca_too_long(sign_card_doc *doc)
{
	doc->ca = SIGN_CHIPAUTH_NOT_ATTEMPTED;
	snprintf(doc->ca_note, sizeof(doc->ca_note),
	    "the Chip Authentication command for this key needs extended-length APDUs, which "
	    "this card or reader does not allow");
	sign_log__msg(SIGN_LOG_INFO, "Chip Authentication not attempted: %s", doc->ca_note);
	sign_error_clear();
	return 0;
}

/*
 * Chip Authentication with DG14's key (ICAO 9303-11 §6.2).  The commands go
 * under the BAC session; the chip's answers to them come under the BAC keys
 * too; then both sides switch to the keys of the agreement, SSC 0.  The
 * proof: EF.COM read again under the new keys passes its MAC check and
 * equals the EF.COM read before.  Only errors that end the read (card
 * removed, out of memory, a card that no longer opens) are returned; a chip
 * that fails is recorded in doc and the read goes on under a fresh BAC.
 */
static int
chip_auth(sign_card__chan *ch, sign_card_doc *doc, const sign_mrz_key *key)
{
	const unsigned char *d14 = NULL, *com = NULL, *d = NULL;
	size_t d14_len = 0, com_len = 0, dl = 0;
	sign_dg14 *dg14 = NULL;
	sign_ca__params p;
	sign_ca__ctx *ca = NULL;
	sign_buf cmd = SIGN_BUF_INIT, again = SIGN_BUF_INIT;
	sign_sm *sm = NULL;
	sign_apdu a;
	unsigned int sw = 0;
	int rc = 0;

	if (sign_card_doc_file(doc, SIGN_LDS_FID_DG(14), &d14, &d14_len) != 0 ||
	    sign_card_doc_file(doc, SIGN_LDS_FID_COM, &com, &com_len) != 0) {
		doc->ca = SIGN_CHIPAUTH_NOT_SUPPORTED;
		snprintf(doc->ca_note, sizeof(doc->ca_note),
		    "no DG14: the card does not offer Chip Authentication");
		return 0;
	}
	if (sign_dg14_parse(&dg14, d14, d14_len) != 0 || sign_ca__select(dg14, &p) != 0) {
		/* A DG14 that does not parse is PA's business; CA cannot run. */
		doc->ca = SIGN_CHIPAUTH_NOT_SUPPORTED;
		snprintf(doc->ca_note, sizeof(doc->ca_note), "%s", sign_error_message());
		sign_error_clear();
		goto out;
	}
	snprintf(doc->ca_protocol, sizeof(doc->ca_protocol), "%s", p.name);
	rc = sign_ca__new(&ca, &p);
	if (rc == SIGN_ERR_MALFORMED || rc == SIGN_ERR_UNSUPPORTED) {
		/* The key in DG14 cannot be used: nothing was sent to the chip. */
		doc->ca = SIGN_CHIPAUTH_NOT_SUPPORTED;
		snprintf(doc->ca_note, sizeof(doc->ca_note), "%s", sign_error_message());
		sign_error_clear();
		rc = 0;
		goto out;
	}
	if (rc != 0)
		goto out;
	memset(&a, 0, sizeof(a));
	a.ins = 0x22;
	a.p1 = 0x41;
	a.p2 = p.use_kat ? 0xA6 : 0xA4;
	rc = p.use_kat ? sign_ca__mse_kat_data(ca, &cmd) : sign_ca__mse_at_data(ca, &cmd);
	if (rc != 0)
		goto out;
	a.data = cmd.data;
	a.lc = cmd.len;
	rc = sign_card__send(ch, &a, &d, &dl, &sw);
	if (rc == SIGN_ERR_UNSUPPORTED) {
		rc = ca_too_long(doc);
		goto out;
	}
	if (rc == SIGN_ERR_SM) {
		rc = ca_failed(ch, doc, key, "the chip's answer to MSE:Set %s failed its MAC check",
		    p.use_kat ? "KAT" : "AT");
		goto out;
	}
	if (rc != 0)
		goto out;
	if (sw != 0x9000) {
		rc = ca_refused(ch, doc, key, p.use_kat ? "MSE:Set KAT" : "MSE:Set AT", sw);
		goto out;
	}
	if (!p.use_kat) {
		memset(&a, 0, sizeof(a));
		a.ins = 0x86;
		if ((rc = sign_ca__ga_data(ca, &cmd)) != 0)
			goto out;
		a.data = cmd.data;
		a.lc = cmd.len;
		a.ne = 256;
		rc = sign_card__send(ch, &a, &d, &dl, &sw);
		if (rc == SIGN_ERR_UNSUPPORTED) {
			rc = ca_too_long(doc);
			goto out;
		}
		if (rc == SIGN_ERR_SM) {
			rc = ca_failed(ch, doc, key,
			    "the chip's answer to GENERAL AUTHENTICATE failed its MAC check");
			goto out;
		}
		if (rc != 0)
			goto out;
		if (sw != 0x9000) {
			rc = ca_refused(ch, doc, key, "GENERAL AUTHENTICATE", sw);
			goto out;
		}
		if (sign_ca__ga_check(d, dl) != 0) {
			rc = ca_failed(ch, doc, key, "%s", sign_error_message());
			goto out;
		}
	}
	if ((rc = sign_ca__session(ca, &sm)) != 0)
		goto out;
	sign_card__chan_set_sm(ch, sm);
	sm = NULL;
	/* The proof: the chip answers under the new keys, with the same EF.COM. */
	rc = sign_card__read_ef(ch, SIGN_LDS_FID_COM, com_len, &again);
	if (rc == SIGN_ERR_CARD_REMOVED || rc == SIGN_ERR_NOMEM)
		goto out;
	if (rc == SIGN_ERR_SM) {
		rc = ca_failed(ch, doc, key,
		    "the chip's answer under the agreed keys failed its MAC check: it does not "
		    "hold the private key of its DG14 public key");
		goto out;
	}
	if (rc != 0) {
		rc = ca_failed(ch, doc, key,
		    "reading EF.COM under the agreed keys failed (%s)", sign_error_message());
		goto out;
	}
	if (again.len != com_len || sign__ct_memcmp(again.data, com, com_len) != 0) {
		rc = ca_failed(ch, doc, key,
		    "under the agreed keys the chip answered an EF.COM other than before");
		goto out;
	}
	doc->ca = SIGN_CHIPAUTH_PASSED;
	snprintf(doc->ca_note, sizeof(doc->ca_note),
	    "the chip answered under keys agreed with its DG14 key (%s); the rest of the card "
	    "was read under them", p.name);
	sign_log__msg(SIGN_LOG_DEBUG, "Chip Authentication (%s) passed", p.name);
out:
	sign_buf_dispose(&again);
	sign_buf_dispose(&cmd);
	sign_sm__free(sm);
	sign_ca__free(ca);
	sign_dg14_free(dg14);
	return rc;
}

static int
session(sign_card__chan *ch, sign_card_doc *doc, const sign_card_read_options *o,
    const sign_mrz_key **keys, size_t nkeys, int want_ext, size_t ext_cap)
{
	sign_efcom *com = NULL;
	const unsigned char *cd = NULL;
	size_t i, cl = 0, max_file = o->max_file != 0 ? o->max_file : SIGN_CARD__FILE_MAX;
	int rc, has14;

	rc = select_applet(ch, want_ext, ext_cap);
	if (rc != 0)
		goto out;
	for (i = 0; i < nkeys; i++) {
		if (i > 0) {
			rc = sign_card__select_aid(ch, emrtd_aid, sizeof(emrtd_aid), 0);
			if (rc != 0)
				goto out;
		}
		rc = bac(ch, keys[i]);
		if (rc == 0)
			break;
		if (rc != SIGN_ERR_AUTH_FAILED)
			goto out;
		sign_log__msg(SIGN_LOG_INFO, "BAC key %zu of %zu (%s) refused", i + 1, nkeys,
		    sign_mrz_key_origin(keys[i]));
	}
	if (rc != 0) {
		if (nkeys == 1)
			rc = sign_error__set(SIGN_ERR_AUTH_FAILED, sign_error_backend(),
			    "these MRZ data do not open this card; check the document number, "
			    "date of birth and expiry");
		else
			rc = sign_error__set(SIGN_ERR_AUTH_FAILED, sign_error_backend(),
			    "none of the %zu candidate keys opens this card; check the ID number "
			    "and date of birth, or give the expiry", nkeys);
		goto out;
	}
	doc->key_index = i;
	rc = read_file(ch, doc, SIGN_LDS_FID_COM, max_file);
	if (rc != 0)
		goto out;
	if (sign_card_doc_file(doc, SIGN_LDS_FID_COM, &cd, &cl) != 0) {
		rc = sign_error__set(SIGN_ERR_CARD_RESPONSE, 0,
		    "the card has no EF.COM: it is not a readable eMRTD");
		goto out;
	}
	rc = sign_efcom_parse(&com, cd, cl);
	if (rc != 0)
		goto out;
	/* DG14 first, then Chip Authentication: everything after it is read
	 * under the keys agreed with the chip. */
	for (i = 0; i < sign_efcom_count(com) && sign_efcom_dg(com, i) != 14; i++)
		;
	has14 = i < sign_efcom_count(com);
	if (has14) {
		rc = read_file(ch, doc, SIGN_LDS_FID_DG(14), max_file);
		if (rc != 0)
			goto out;
	}
	if (o->flags & SIGN_CARD_NO_CA) {
		doc->ca = SIGN_CHIPAUTH_NOT_ATTEMPTED;
		snprintf(doc->ca_note, sizeof(doc->ca_note), "not attempted (asked not to)");
	} else {
		rc = chip_auth(ch, doc, keys[doc->key_index]);
		if (rc != 0)
			goto out;
	}
	for (i = 0; i < sign_efcom_count(com); i++) {
		int dg = sign_efcom_dg(com, i);
		size_t k;

		if (dg < 1 || dg > 16 || dg == 14)      /* DG14: read above */
			continue;
		/* Each file once, whatever EF.COM lists: a second copy could be
		 * shown while the other one is verified. */
		for (k = 0; k < i && sign_efcom_dg(com, k) != dg; k++)
			;
		if (k < i)
			continue;
		rc = read_file(ch, doc, SIGN_LDS_FID_DG(dg), max_file);
		if (rc != 0)
			goto out;
	}
	rc = read_file(ch, doc, SIGN_LDS_FID_SOD, max_file);
	if (rc != 0)
		goto out;
	if (!(o->flags & SIGN_CARD_NO_AA) &&
	    sign_card_doc_file(doc, SIGN_LDS_FID_DG(15), NULL, NULL) == 0) {
		rc = active_auth(ch, doc);
		if (rc != 0)
			goto out;
	}
out:
	sign_efcom_free(com);
	return rc;
}

int
sign_card_read(sign_card_doc **out, const sign_card_read_options *o)
{
	const sign_mrz_key *keys[MAX_KEYS];
	sign_pcsc *ctx = NULL;
	sign_pcsc_card *card = NULL;
	sign_card_doc *doc = NULL;
	sign_card__chan ch;
	struct sign_card__transport tr;
	const unsigned char *atr;
	size_t nkeys = 0, i, atr_len = 0, maxin, ext_cap = SIGN_CARD__EXT_READ_MAX;
	unsigned long t0 = now_ms();
	char *reader = NULL;
	int rc, want_ext, chan_ok = 0;

	if (out == NULL || o == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "NULL argument");
	*out = NULL;
	if (o->version != SIGN_CARD_READ_OPTIONS_VERSION)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "sign_card_read_options version %u not supported", o->version);
	if ((o->key == NULL) == (o->keys == NULL))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
		    "give exactly one of a BAC key and a list of keys");
	if (o->key != NULL) {
		keys[nkeys++] = o->key;
	} else {
		size_t n = sign_mrz_keys_count(o->keys);

		if (n == 0 || n > MAX_KEYS)
			return sign_error__set(SIGN_ERR_INVALID_ARG, 0,
			    "the key list has %zu keys (1..%d)", n, MAX_KEYS);
		for (i = 0; i < n; i++)
			keys[nkeys++] = sign_mrz_keys_get(o->keys, i);
	}
	rc = sign_card__doc_new(&doc);
	if (rc != 0)
		return rc;
	rc = sign_pcsc__open(&ctx);
	if (rc != 0)
		goto out;
	rc = sign_pcsc__wait(ctx, o->reader, o->wait_ms, &reader);
	if (rc != 0)
		goto out;
	rc = sign_pcsc__connect(ctx, reader, &card);
	if (rc != 0)
		goto out;
	sign_card__pcsc_transport(&tr, card);
	rc = sign_card__chan_init(&ch, &tr);
	if (rc != 0)
		goto out;
	chan_ok = 1;
	/* Extended length: not over T=0, not when the caller says no, not
	 * when the reader's message size or the ATR says no; else try. */
	want_ext = !tr.t0 && !(o->flags & SIGN_CARD_NO_EXTENDED);
	maxin = sign_pcsc__max_input(card);
	if (maxin != 0) {
		if (maxin < 512)
			want_ext = 0;
		else if (maxin - 64 < ext_cap)
			ext_cap = maxin - 64;
	}
	atr = sign_pcsc__atr(card, &atr_len);
	if (sign_card__atr_extended(atr, atr_len) == 0)
		want_ext = 0;
	sign_log__msg(SIGN_LOG_DEBUG, "reader %s, T=%d, max message %zu, extended %s", reader,
	    tr.t0 ? 0 : 1, maxin, want_ext ? "to try" : "no");
	rc = session(&ch, doc, o, keys, nkeys, want_ext, ext_cap);
	if (rc != 0 && !sign_pcsc__card_present(card))
		rc = sign_error__set(SIGN_ERR_CARD_REMOVED, 0,
		    "the card was removed during the read; put it back and read again");
	if (rc != 0)
		goto out;
	doc->reader = reader;
	reader = NULL;
	doc->stats.apdus = ch.apdus;
	doc->stats.bytes_sent = ch.bytes_out;
	doc->stats.bytes_received = ch.bytes_in;
	doc->stats.max_read = ch.max_read;
	doc->stats.stepdowns = ch.stepdowns;
	doc->stats.extended = ch.ext;
	doc->stats.protocol = tr.t0 ? 0 : 1;
	doc->stats.ms = now_ms() - t0;
	*out = doc;
	doc = NULL;
out:
	if (chan_ok)
		sign_card__chan_clear(&ch);
	sign_card_doc_free(doc);
	sign_pcsc__disconnect(card);
	sign_pcsc__free(ctx);
	free(reader);
	return rc;
}
