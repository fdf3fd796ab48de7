/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Virtual CCCD: Chip Authentication, card side (ICAO 9303-11 §6.2 and
 * §9.7.1): MSE:Set KAT (3DES), MSE:Set AT + GENERAL AUTHENTICATE, the key
 * agreement with the card's CA key, and the new session keys, which
 * vc-card.c takes once the answer has gone out under the old ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "vc-card-priv.h"
#include "vc.h"

/* The Chip Authentication key and protocol (ca.key, vcard.conf ca_cipher and
 * ca_key_id); ca-wrong-key / own-dg14 answer with ca-clone.key instead. */
int
vc_ca_load(struct vc_card *c, const char *dir, char *err, size_t errlen)
{
	static const uint8_t prefix[] = { 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x03 };
	char path[4096], cipher[32], kid[32];
	int wrong = (c->b & B_CA_WRONG_KEY) != 0, arc;

	snprintf(path, sizeof path, "%s/%s", dir, wrong ? "ca-clone.key" : "ca.key");
	if ((c->ca = vc_load_key(path)) == NULL) {
		if (wrong || (c->b & (B_CA_REFUSE | B_UNLISTED_DG14))) {
			snprintf(err, errlen, "cannot read %s (a CA behaviour needs a card made "
			    "with ca = ...)", path);
			return -1;
		}
		return 0;       /* no Chip Authentication on this card */
	}
	vc_conf_get(dir, "ca_cipher", cipher, sizeof cipher);
	if ((arc = vc_ca_arc(cipher)) < 0) {
		snprintf(err, errlen, "vcard.conf: ca_cipher '%s' (3des, aes128, aes192, aes256)",
		    cipher);
		return -1;
	}
	c->ca_aes = arc != 1;
	c->ca_kl = arc == 3 ? 24 : arc == 4 ? 32 : 16;
	memcpy(c->ca_oid, prefix, sizeof prefix);
	c->ca_oid[sizeof prefix] = EVP_PKEY_is_a(c->ca, "EC") ? 2 : 1;
	c->ca_oid[sizeof prefix + 1] = (uint8_t)arc;
	c->ca_oid_len = sizeof prefix + 2;
	vc_conf_get(dir, "ca_key_id", kid, sizeof kid);
	c->ca_key_id = kid[0] != '\0' ? strtol(kid, NULL, 10) : -1;
	return 0;
}


/* The agreed keys become the session keys once the answer to this command
 * has gone out under the old ones (SSC 0). */
static void
ca_agree(struct vc_card *c, const uint8_t *pub, size_t n, struct resp *r)
{
	uint8_t secret[600];
	size_t sl = sizeof secret;

	if (vc_ca_agree(c->ca, pub, n, secret, &sl) != 0) {
		vc_logf(c, "  CA: key agreement failed (bad ephemeral key)\n");
		r->sw = 0x6A80;
		return;
	}
	if (vc_ca_kdf(secret, sl, c->ca_aes, c->ca_kl, 1, c->p_enc) != 0 ||
	    vc_ca_kdf(secret, sl, c->ca_aes, c->ca_kl, 2, c->p_mac) != 0) {
		r->sw = 0x6F00;
	} else {
		c->ca_pending = 1;
		r->sw = 0x9000;
		vc_logf(c, "  CA: key agreement done, new keys after this answer\n");
	}
	OPENSSL_cleanse(secret, sizeof secret);
}

/* An optional 84 keyId must name this card's key (keyId from vcard.conf, or any
 * value when DG14 gives none). */
static int
ca_key_ref_ok(struct vc_card *c, const uint8_t *v, size_t n)
{
	long id = 0;
	size_t i;

	if (n == 0 || n > 4)
		return 0;
	for (i = 0; i < n; i++)
		id = id << 8 | v[i];
	return c->ca_key_id < 0 || id == c->ca_key_id;
}

/* MSE:Set KAT (41 A6: 91 ephemeral key [84 keyId], 3DES only) and
 * MSE:Set AT (41 A4: 80 protocol OID [84 keyId]).  Under SM only. */
void
vc_ca_mse(struct vc_card *c, const struct apdu *a, int prot, struct resp *r)
{
	const uint8_t *p = a->data, *pub = NULL, *oid = NULL;
	size_t left = a->nc, hdr, vl, publen = 0, oidlen = 0;
	unsigned tag;

	if (!prot) {
		r->sw = 0x6982;
		return;
	}
	if (c->ca == NULL) {
		r->sw = 0x6D00;
		return;
	}
	if (c->b & B_CA_REFUSE) {
		r->sw = 0x6A80;
		vc_logf(c, "  ca-refuse: MSE refused\n");
		return;
	}
	if (a->p1 != 0x41 || (a->p2 != 0xA6 && a->p2 != 0xA4)) {
		r->sw = 0x6A86;
		return;
	}
	while (left > 0) {
		if (vc_tlv(p, left, &tag, &hdr, &vl) != 0) {
			r->sw = 0x6A80;
			return;
		}
		if (tag == 0x91 && a->p2 == 0xA6 && pub == NULL) {
			pub = p + hdr;
			publen = vl;
		} else if (tag == 0x80 && a->p2 == 0xA4 && oid == NULL) {
			oid = p + hdr;
			oidlen = vl;
		} else if (tag == 0x84 && ca_key_ref_ok(c, p + hdr, vl)) {
			/* the key named is ours */
		} else {
			r->sw = 0x6A80;
			return;
		}
		p += hdr + vl;
		left -= hdr + vl;
	}
	if (a->p2 == 0xA6) {
		/* KAT is for 3DES protocols (9303-11 §6.2.4.1) */
		if (pub == NULL || c->ca_aes) {
			r->sw = 0x6A80;
			return;
		}
		ca_agree(c, pub, publen, r);
		return;
	}
	if (oid == NULL || oidlen != c->ca_oid_len || memcmp(oid, c->ca_oid, oidlen) != 0) {
		vc_logf(c, "  CA: MSE:Set AT names another protocol\n");
		r->sw = 0x6A80;
		return;
	}
	c->ca_at = 1;
	r->sw = 0x9000;
}

/* GENERAL AUTHENTICATE (00 86 00 00: 7C { 80 ephemeral key }) after MSE:Set AT;
 * the answer is 7C 00. */
void
vc_ca_general_auth(struct vc_card *c, const struct apdu *a, int prot, struct resp *r)
{
	unsigned tag;
	size_t hdr, vl, hdr2, vl2;

	if (!prot) {
		r->sw = 0x6982;
		return;
	}
	if (c->ca == NULL || !c->ca_at) {
		r->sw = 0x6985;
		return;
	}
	c->ca_at = 0;
	if (a->p1 != 0 || a->p2 != 0) {
		r->sw = 0x6A86;
		return;
	}
	if (vc_tlv(a->data, a->nc, &tag, &hdr, &vl) != 0 || tag != 0x7C || hdr + vl != a->nc ||
	    vc_tlv(a->data + hdr, vl, &tag, &hdr2, &vl2) != 0 || tag != 0x80 ||
	    hdr2 + vl2 != vl) {
		r->sw = 0x6A80;
		return;
	}
	ca_agree(c, a->data + hdr + hdr2, vl2, r);
	if (r->sw == 0x9000) {
		c->rdata[0] = 0x7C;
		c->rdata[1] = 0x00;
		r->data = c->rdata;
		r->len = 2;
	}
}
