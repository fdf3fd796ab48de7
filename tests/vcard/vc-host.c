/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A minimal eMRTD host for testing the virtual card: BAC, 3DES secure
 * messaging and the Active Authentication check, written from ICAO 9303-11
 * for the tests (not libsign's implementation).  Test code: the random
 * numbers of BAC are fixed.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "vc-host.h"

static void
ssc_inc(uint8_t s[8])
{
	int i;

	for (i = 7; i >= 0; i--)
		if (++s[i] != 0)
			break;
}

static void
mac_over(struct vc_host *h, const uint8_t *m, size_t n, uint8_t out[8])
{
	vbuf b = { 0 };

	vbuf_put(&b, h->ssc, 8);
	vbuf_put(&b, m, n);
	vc_pad(&b);
	vc_retail_mac(h->kmac, b.p, b.len, out);
	vbuf_free(&b);
}

/*
 * Protect a command: CLA 0C, [DO87 (even INS) / DO85 (odd INS)], [DO97 with
 * lelen bytes], DO8E; outer Le 00 (short) or 0000 (ext).  Returns the length.
 */
size_t
vch_wrap(struct vc_host *h, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data, size_t nc,
    size_t ne, int lelen, int ext, uint8_t *out)
{
	vbuf dos = { 0 }, m = { 0 }, pt = { 0 };
	uint8_t hdr[8] = { 0x0C, ins, p1, p2, 0x80, 0, 0, 0 }, mac[8];
	size_t k = 0;

	if (nc > 0) {
		vbuf_put(&pt, data, nc);
		vc_pad(&pt);
		vc_3des_cbc(h->kenc, 1, pt.p, pt.len, pt.p);
		vbuf_tag(&dos, (ins & 1) ? 0x85 : 0x87);
		vbuf_len(&dos, pt.len + !(ins & 1));
		if (!(ins & 1))
			vbuf_byte(&dos, 0x01);
		vbuf_put(&dos, pt.p, pt.len);
	}
	if (ne > 0) {
		vbuf_byte(&dos, 0x97);
		vbuf_byte(&dos, (uint8_t)lelen);
		if (lelen == 2)
			vbuf_byte(&dos, (uint8_t)((ne == 65536 ? 0 : ne) >> 8));
		vbuf_byte(&dos, (uint8_t)(ne & 0xFF));
	}
	ssc_inc(h->ssc);
	vbuf_put(&m, hdr, 8);
	vbuf_put(&m, dos.p, dos.len);
	mac_over(h, m.p, m.len, mac);
	vbuf_byte(&dos, 0x8E);
	vbuf_byte(&dos, 8);
	vbuf_put(&dos, mac, 8);
	memcpy(out, hdr, 4);
	k = 4;
	if (ext) {
		out[k++] = 0;
		out[k++] = (uint8_t)(dos.len >> 8);
		out[k++] = (uint8_t)dos.len;
	} else {
		out[k++] = (uint8_t)dos.len;
	}
	memcpy(out + k, dos.p, dos.len);
	k += dos.len;
	out[k++] = 0;
	if (ext)
		out[k++] = 0;
	vbuf_free(&dos);
	vbuf_free(&m);
	vbuf_free(&pt);
	return k;
}

/*
 * Check and open the response resp[0..rlen): 0 ok (plain data in out),
 * -1 MAC wrong, -2 malformed, -3 plain (unprotected) status.
 */
int
vch_unwrap(struct vc_host *h, const uint8_t *resp, size_t rlen, uint8_t *out, size_t *outlen,
    unsigned *sw)
{
	size_t left, hdr, vl, at = 0, dlen = 0;
	const uint8_t *crypt = NULL, *do99 = NULL, *mac = NULL;
	unsigned tag;
	uint8_t m8[8];
	int odd = 0;
	long pl;

	*outlen = 0;
	if (rlen < 2)
		return -2;
	*sw = (unsigned)(resp[rlen - 2] << 8 | resp[rlen - 1]);
	left = rlen - 2;
	if (left == 0)
		return -3;
	ssc_inc(h->ssc);
	while (at < left) {
		if (vc_tlv(resp + at, left - at, &tag, &hdr, &vl) != 0)
			return -2;
		if (tag == 0x87 || tag == 0x85) {
			crypt = resp + at + hdr;
			dlen = vl;
			odd = tag == 0x85;
		} else if (tag == 0x99 && vl == 2) {
			do99 = resp + at + hdr;
		} else if (tag == 0x8E && vl == 8) {
			mac = resp + at + hdr;
			break;
		} else {
			return -2;
		}
		at += hdr + vl;
	}
	if (mac == NULL || do99 == NULL)
		return -2;
	mac_over(h, resp, at, m8);
	if (memcmp(m8, mac, 8) != 0)
		return -1;
	if ((unsigned)(do99[0] << 8 | do99[1]) != *sw)
		return -2;
	if (crypt != NULL) {
		if (!odd) {
			if (dlen < 9 || crypt[0] != 1)
				return -2;
			crypt++;
			dlen--;
		}
		if (dlen % 8 != 0)
			return -2;
		vc_3des_cbc(h->kenc, 0, crypt, dlen, out);
		if ((pl = vc_unpad(out, dlen)) < 0)
			return -2;
		*outlen = (size_t)pl;
	}
	return 0;
}

void
vch_bac_keys(const char *mrz_info, uint8_t kenc[16], uint8_t kmac[16])
{
	uint8_t hsh[20];
	unsigned int hl;

	EVP_Digest(mrz_info, strlen(mrz_info), hsh, &hl, EVP_sha1(), NULL);
	vc_kdf_3des(hsh, 1, kenc);
	vc_kdf_3des(hsh, 2, kmac);
}

/* full BAC from the host side; returns the EXTERNAL AUTHENTICATE SW */
unsigned
vch_bac(struct vc_host *h, vch_tx_fn tx, void *arg, const char *mrz_info)
{
	uint8_t kenc[16], kmac[16], rnd_ic[8], s[32], cmd[64], r[32], mac[8], seed[16];
	static const uint8_t rnd_ifd[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t kifd[16] = { 0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
		0x98, 0xA9, 0xBA, 0xCB, 0xDC, 0xED, 0xFE, 0x0F };
	vbuf m = { 0 };
	const uint8_t *resp = NULL;
	size_t rlen = 0;
	unsigned sw;
	int i;

	vch_bac_keys(mrz_info, kenc, kmac);
	if (tx(arg, (const uint8_t *)"\x00\x84\x00\x00\x08", 5, &resp, &rlen) != 0x9000 ||
	    rlen != 10)
		return 0;
	memcpy(rnd_ic, resp, 8);
	memcpy(s, rnd_ifd, 8);
	memcpy(s + 8, rnd_ic, 8);
	memcpy(s + 16, kifd, 16);
	memcpy(cmd, "\x00\x82\x00\x00\x28", 5);
	vc_3des_cbc(kenc, 1, s, 32, cmd + 5);
	vbuf_put(&m, cmd + 5, 32);
	vc_pad(&m);
	vc_retail_mac(kmac, m.p, m.len, cmd + 37);
	vbuf_free(&m);
	cmd[45] = 0x28;
	if ((sw = tx(arg, cmd, 46, &resp, &rlen)) != 0x9000)
		return sw;
	if (rlen != 42)
		return 1;
	vbuf_put(&m, resp, 32);
	vc_pad(&m);
	vc_retail_mac(kmac, m.p, m.len, mac);
	vbuf_free(&m);
	if (memcmp(mac, resp + 32, 8) != 0)
		return 2;
	vc_3des_cbc(kenc, 0, resp, 32, r);
	if (memcmp(r, rnd_ic, 8) != 0 || memcmp(r + 8, rnd_ifd, 8) != 0)
		return 3;
	for (i = 0; i < 16; i++)
		seed[i] = kifd[i] ^ r[16 + i];
	vc_kdf_3des(seed, 1, h->kenc);
	vc_kdf_3des(seed, 2, h->kmac);
	memcpy(h->ssc, rnd_ic + 4, 4);
	memcpy(h->ssc + 4, rnd_ifd + 4, 4);
	return 0x9000;
}

int
vch_aa_verify(EVP_PKEY *pub, const uint8_t *chal, const uint8_t *sig, size_t sl, const EVP_MD *md)
{
	uint8_t f[512], hsh[64];
	size_t fl = sizeof f, k = (size_t)EVP_PKEY_get_size(pub), hl = (size_t)EVP_MD_get_size(md);
	size_t tl = EVP_MD_get_type(md) == NID_sha1 ? 1 : 2;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pub, NULL);
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	int ok = 0;

	if (EVP_PKEY_is_a(pub, "EC")) {
		/* plain r||s -> DER, ECDSA-SHA-256 */
		ECDSA_SIG *es = ECDSA_SIG_new();
		uint8_t *der = NULL;
		int dl;

		if (sl != 64)
			goto out;
		ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
		dl = i2d_ECDSA_SIG(es, &der);
		ok = EVP_DigestVerifyInit(mctx, NULL, EVP_sha256(), NULL, pub) == 1 &&
		    EVP_DigestVerify(mctx, der, (size_t)dl, chal, 8) == 1;
		OPENSSL_free(der);
		ECDSA_SIG_free(es);
		goto out;
	}
	/* ISO 9796-2 scheme 1: F = s^e mod n = 6A || M1 || H(M1 || chal) || trailer */
	if (sl != k || EVP_PKEY_verify_recover_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1 ||
	    EVP_PKEY_verify_recover(ctx, f, &fl, sig, sl) != 1 || fl != k)
		goto out;
	if (f[0] != 0x6A || (tl == 1 && f[k - 1] != 0xBC) ||
	    (tl == 2 && (f[k - 2] != 0x34 || f[k - 1] != 0xCC)))
		goto out;
	EVP_DigestInit_ex(mctx, md, NULL);
	EVP_DigestUpdate(mctx, f + 1, k - hl - tl - 1);
	EVP_DigestUpdate(mctx, chal, 8);
	EVP_DigestFinal_ex(mctx, hsh, NULL);
	ok = memcmp(hsh, f + k - hl - tl, hl) == 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_MD_CTX_free(mctx);
	return ok;
}

