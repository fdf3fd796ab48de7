/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Virtual CCCD card side, from ICAO Doc 9303 part 10 (LDS) and part 11
 * (BAC, secure messaging, Active Authentication) and ISO/IEC 7816-4.  Chip
 * Authentication is in vc-ca.c.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "vc-card.h"
#include "vc-card-priv.h"
#include "vc.h"

static const uint8_t AID[7] = { 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01 };

void
vc_logf(struct vc_card *c, const char *fmt, ...)
{
	va_list ap;

	if (c->log == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(c->log, fmt, ap);
	va_end(ap);
}

static void
loghex(struct vc_card *c, const char *pfx, const uint8_t *p, size_t n)
{
	char *h;

	if (c->log == NULL)
		return;
	if ((h = malloc(2 * n + 1)) == NULL)
		return;
	vc_hexdump(h, p, n);
	fprintf(c->log, "%s%s\n", pfx, h);
	free(h);
}

static int
rnd(struct vc_card *c, uint8_t *out, size_t n)
{
	if (c->rng != NULL)
		return c->rng(c->rng_arg, out, n);
	return RAND_bytes(out, (int)n) == 1 ? 0 : -1;
}

static void
drop_sm(struct vc_card *c)
{
	c->sm = 0;
	c->sm_aes = 0;
	c->sm_kl = 16;
	c->sm_bs = 8;
	c->ca_at = 0;
	c->ca_pending = 0;
	OPENSSL_cleanse(c->ks_enc, sizeof c->ks_enc);
	OPENSSL_cleanse(c->ks_mac, sizeof c->ks_mac);
	OPENSSL_cleanse(c->ssc, sizeof c->ssc);
	OPENSSL_cleanse(c->p_enc, sizeof c->p_enc);
	OPENSSL_cleanse(c->p_mac, sizeof c->p_mac);
}

static void
ssc_inc(struct vc_card *c)
{
	int i;

	for (i = (int)c->sm_bs - 1; i >= 0; i--)
		if (++c->ssc[i] != 0)
			break;
}

static void
build_atr(struct vc_card *c)
{
	/*
	 * PC/SC part 3 ATR of an ISO 14443-4 card: 3B 8n 80 01 hist TCK.
	 * Historical bytes: category 80, compact-TLV card capabilities (73):
	 * selection by full DF name, FID and SFI; third byte bit 7 = extended
	 * Lc/Le supported (absent for no-extended / short-le-only).
	 */
	uint8_t hist[5] = { 0x80, 0x73, 0x94, 0x01, 0x40 };
	size_t i, k = 0;
	uint8_t tck = 0;

	if (c->b & B_NO_EXT)
		hist[4] = 0x00;
	c->atr[k++] = 0x3B;
	c->atr[k++] = (uint8_t)(0x80 | sizeof hist);
	c->atr[k++] = 0x80;
	c->atr[k++] = 0x01;
	memcpy(c->atr + k, hist, sizeof hist);
	k += sizeof hist;
	for (i = 1; i < k; i++)
		tck ^= c->atr[i];
	c->atr[k++] = tck;
	c->atrlen = k;
}

int
vc_card_new(struct vc_card **out)
{
	struct vc_card *c = calloc(1, sizeof *c);

	if (c == NULL)
		return -1;
	c->le_max = 223;
	c->sm_kl = 16;
	c->sm_bs = 8;
	c->ca_key_id = -1;
	build_atr(c);
	*out = c;
	return 0;
}

void
vc_card_free(struct vc_card *c)
{
	int i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i].data);
	free(c->forged.data);
	EVP_PKEY_free(c->aa);
	EVP_PKEY_free(c->ca);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

static int
file_by_name(const char *s, uint16_t *fid)
{
	static const struct { const char *n; uint16_t fid; } t[] = {
		{ "com", 0x011E }, { "sod", 0x011D }, { "dg1", 0x0101 }, { "dg2", 0x0102 },
		{ "dg3", 0x0103 }, { "dg13", 0x010D }, { "dg14", 0x010E }, { "dg15", 0x010F },
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++)
		if (strcasecmp(s, t[i].n) == 0) {
			*fid = t[i].fid;
			return 0;
		}
	return -1;
}

static int
num_arg(const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long n;

	if (v == NULL || !isdigit((unsigned char)*v))
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

int
vc_card_set_behaviour(struct vc_card *c, const char *spec, char *err, size_t errlen)
{
	char *s = strdup(spec != NULL ? spec : ""), *tok, *save = NULL, *v;
	int r = -1;

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	c->b = 0;
	c->trunc_fid = c->trail_fid = 0x010D;
	c->wrong_mac_n = c->malformed_n = 1;
	for (tok = strtok_r(s, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if ((v = strchr(tok, '=')) != NULL)
			*v++ = '\0';
		if (strcmp(tok, "normal") == 0 || strcmp(tok, "extended") == 0) {
			if (v != NULL)
				goto bad;
		} else if (strcmp(tok, "no-extended") == 0 && v == NULL) {
			c->b |= B_NO_EXT;
		} else if (strcmp(tok, "short-le-only") == 0) {
			c->b |= B_NO_EXT | B_SHORT_LE;
			if (v != NULL && num_arg(v, 1, 256, &c->le_max) != 0)
				goto bad;
		} else if (strcmp(tok, "tampered-dg") == 0 && v == NULL) {
			c->b |= B_TAMPER;
		} else if (strcmp(tok, "unknown-signer") == 0 && v == NULL) {
			c->b |= B_UNKNOWN_SIGNER;
		} else if (strcmp(tok, "clone") == 0 && v == NULL) {
			c->b |= B_CLONE;
		} else if (strcmp(tok, "no-dg15") == 0 && v == NULL) {
			c->b |= B_NO_DG15;
		} else if (strcmp(tok, "hidden-dg15") == 0 && v == NULL) {
			c->b |= B_HIDE_DG15;
		} else if (strcmp(tok, "dup-forged-dg13") == 0 && v == NULL) {
			c->b |= B_DUP_FORGED;
		} else if (strcmp(tok, "own-dg15") == 0 && v == NULL) {
			c->b |= B_CLONE | B_OWN_DG15;
		} else if (strcmp(tok, "ca-wrong-key") == 0 && v == NULL) {
			c->b |= B_CA_WRONG_KEY;
		} else if (strcmp(tok, "own-dg14") == 0 && v == NULL) {
			c->b |= B_CA_WRONG_KEY | B_OWN_DG14;
		} else if (strcmp(tok, "ca-refuse") == 0 && v == NULL) {
			c->b |= B_CA_REFUSE;
		} else if (strcmp(tok, "unlisted-dg14") == 0 && v == NULL) {
			c->b |= B_UNLISTED_DG14;
		} else if (strcmp(tok, "aa-refuse") == 0 && v == NULL) {
			c->b |= B_AA_REFUSE;
		} else if (strcmp(tok, "wrong-mac") == 0) {
			c->b |= B_WRONG_MAC;
			if (v != NULL && num_arg(v, 1, 1000000, &c->wrong_mac_n) != 0)
				goto bad;
		} else if (strcmp(tok, "remove-after") == 0) {
			c->b |= B_REMOVE;
			if (num_arg(v, 0, 100000000, &c->remove_after) != 0)
				goto bad;
		} else if (strcmp(tok, "oversized") == 0 && v == NULL) {
			c->b |= B_OVERSIZED;
		} else if (strcmp(tok, "truncated") == 0) {
			c->b |= B_TRUNCATED;
			if (v != NULL && file_by_name(v, &c->trunc_fid) != 0)
				goto bad;
		} else if (strcmp(tok, "trailing") == 0) {
			c->b |= B_TRAILING;
			if (v != NULL && file_by_name(v, &c->trail_fid) != 0)
				goto bad;
		} else if (strcmp(tok, "malformed-sm") == 0) {
			c->b |= B_MALFORMED_SM;
			if (v != NULL && num_arg(v, 1, 1000000, &c->malformed_n) != 0)
				goto bad;
		} else {
			goto bad;
		}
	}
	build_atr(c);
	r = 0;
	goto out;
bad:
	snprintf(err, errlen, "bad behaviour '%s%s%s' (see tests/vcard/README.md)", tok,
	    v != NULL ? "=" : "", v != NULL ? v : "");
out:
	free(s);
	return r;
}

int
vc_card_set_mrz_info(struct vc_card *c, const char *mrz_info)
{
	uint8_t h[20], seed[16];
	unsigned int hl = 0;
	int r = -1;

	if (EVP_Digest(mrz_info, strlen(mrz_info), h, &hl, EVP_sha1(), NULL) != 1)
		goto out;
	memcpy(seed, h, 16);
	if (vc_kdf_3des(seed, 1, c->kenc) != 0 || vc_kdf_3des(seed, 2, c->kmac) != 0)
		goto out;
	c->have_mrz = 1;
	r = 0;
out:
	OPENSSL_cleanse(h, sizeof h);
	OPENSSL_cleanse(seed, sizeof seed);
	return r;
}

int
vc_card_add_file(struct vc_card *c, uint16_t fid, uint8_t sfi, const uint8_t *d, size_t n,
    unsigned flags)
{
	struct vc_file *f;

	if (c->nfiles >= MAXFILES || n > 65536)
		return -1;
	f = &c->files[c->nfiles];
	if ((f->data = malloc(n ? n : 1)) == NULL)
		return -1;
	memcpy(f->data, d, n);
	f->len = n;
	f->fid = fid;
	f->sfi = sfi;
	f->flags = flags;
	c->nfiles++;
	return 0;
}

void
vc_card_set_aa(struct vc_card *c, EVP_PKEY *key, const EVP_MD *md)
{
	EVP_PKEY_free(c->aa);
	c->aa = key;
	c->aa_md = md;
}

void
vc_card_set_rng(struct vc_card *c, int (*rng)(void *, uint8_t *, size_t), void *arg)
{
	c->rng = rng;
	c->rng_arg = arg;
}

void
vc_card_set_log(struct vc_card *c, FILE *f)
{
	c->log = f;
}

const uint8_t *
vc_card_atr(const struct vc_card *c, size_t *len)
{
	*len = c->atrlen;
	return c->atr;
}

void
vc_card_reset(struct vc_card *c)
{
	c->applet = 0;
	c->cur = NULL;
	c->chal = 0;
	OPENSSL_cleanse(c->rnd_ic, sizeof c->rnd_ic);
	drop_sm(c);
}

/* ---- loading a card directory ---- */

static int
load_one(struct vc_card *c, const char *dir, const char *name, uint16_t fid, uint8_t sfi,
    unsigned flags, int required, char *err, size_t errlen)
{
	char path[4096];
	uint8_t *d = NULL, *t;
	size_t n = 0;
	int r = -1;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (vc_read_file(path, &d, &n, 65536 - 16) != 0) {
		if (errno == ENOENT && !required)
			return 0;
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	if ((c->b & B_TAMPER) && fid == 0x010D && n > 0) {
		/* change the last byte (the last character of the last DG13 string) */
		uint8_t *p = &d[n - 1];

		*p = (uint8_t)(isdigit(*p) ? '0' + (*p - '0' + 1) % 10 :
		    isupper(*p) ? 'A' + (*p - 'A' + 1) % 26 : *p ^ 0x01);
	}
	if ((c->b & B_TRUNCATED) && fid == c->trunc_fid)
		n -= n > 32 ? 16 : n / 2; /* the outer TLV length now exceeds the data */
	if ((c->b & B_TRAILING) && fid == c->trail_fid) {
		static const uint8_t junk[4] = { 0xAB, 0xCD, 0xEF, 0x01 };

		if ((t = realloc(d, n + sizeof junk)) == NULL)
			goto out;
		d = t;
		memcpy(d + n, junk, sizeof junk);
		n += sizeof junk;
	}
	if (vc_card_add_file(c, fid, sfi, d, n, flags) != 0) {
		snprintf(err, errlen, "cannot add %s", path);
		goto out;
	}
	r = 0;
out:
	free(d);
	return r;
}

/*
 * dup-forged-dg13: EF.COM lists DG13 twice; the first SELECT of DG13 gets a
 * forged copy (its last byte changed, as tampered-dg), later ones the
 * genuine DG13.  A host that shows one copy and verifies the other is
 * fooled.
 */
static struct vc_file *find_fid(struct vc_card *c, uint16_t fid);

static int
dup_forged(struct vc_card *c, char *err, size_t errlen)
{
	struct vc_file *com = find_fid(c, 0x011E), *dg13 = find_fid(c, 0x010D);
	uint8_t *d, *p;
	size_t k;

	if (com == NULL || dg13 == NULL || com->len < 4 || com->len > 120 || com->data[1] >= 0x7F) {
		snprintf(err, errlen, "dup-forged-dg13 needs EF.COM (short form) and DG13");
		return -1;
	}
	/* append 6D to the tag list 5C (the last object, short lengths) */
	for (k = 2; k + 2 <= com->len && com->data[k] != 0x5C;
	    k += (com->data[k] == 0x5F ? 3 : 2) + com->data[k + (com->data[k] == 0x5F ? 2 : 1)])
		;
	if (k + 2 > com->len || k + 2 + com->data[k + 1] != com->len) {
		snprintf(err, errlen, "dup-forged-dg13: EF.COM's tag list is not its last object");
		return -1;
	}
	if ((d = malloc(com->len + 1)) == NULL || (p = malloc(dg13->len)) == NULL) {
		free(d);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(d, com->data, com->len);
	d[com->len] = 0x6D;
	d[1]++;
	d[k + 1]++;
	free(com->data);
	com->data = d;
	com->len++;
	memcpy(p, dg13->data, dg13->len);
	p[dg13->len - 1] ^= 0x01;
	c->forged = *dg13;
	c->forged.data = p;
	return 0;
}

/* own-dg15: DG15 (6F { SubjectPublicKeyInfo }) replaced by the clone key's:
 * a clone with its own AA key, DG15 no longer matching the SOD. */
static int
own_dg15(struct vc_card *c, EVP_PKEY *k)
{
	struct vc_file *f = find_fid(c, 0x010F);
	unsigned char *spki = NULL, *d;
	int n = i2d_PUBKEY(k, &spki);
	size_t h;

	if (f == NULL || n <= 0 || n > 0xFFFF || (d = malloc((size_t)n + 4)) == NULL) {
		OPENSSL_free(spki);
		return -1;
	}
	d[0] = 0x6F;
	if (n < 0x80) {
		d[1] = (uint8_t)n;
		h = 2;
	} else if (n < 0x100) {
		d[1] = 0x81; d[2] = (uint8_t)n;
		h = 3;
	} else {
		d[1] = 0x82; d[2] = (uint8_t)(n >> 8); d[3] = (uint8_t)n;
		h = 4;
	}
	memcpy(d + h, spki, (size_t)n);
	OPENSSL_free(spki);
	free(f->data);
	f->data = d;
	f->len = h + (size_t)n;
	return 0;
}

/* BAC MRZ information from DG1 (TD1 or TD3) */
static int
mrz_from_dg1(struct vc_card *c, char *err, size_t errlen)
{
	const struct vc_file *f = NULL;
	const uint8_t *p;
	size_t hdr, vl, hdr2, vl2;
	unsigned tag, tag2;
	char info[32], m[91];
	int i, r;

	for (i = 0; i < c->nfiles; i++)
		if (c->files[i].fid == 0x0101)
			f = &c->files[i];
	if (f == NULL || vc_tlv(f->data, f->len, &tag, &hdr, &vl) != 0 || tag != 0x61 ||
	    vc_tlv(f->data + hdr, vl, &tag2, &hdr2, &vl2) != 0 || tag2 != 0x5F1F ||
	    (vl2 != 90 && vl2 != 88)) {
		snprintf(err, errlen, "DG1 does not hold a TD1 or TD3 MRZ (61 { 5F1F })");
		return -1;
	}
	p = f->data + hdr + hdr2;
	memcpy(m, p, vl2);
	m[vl2] = '\0';
	if (vl2 == 90) /* TD1 */
		snprintf(info, sizeof info, "%.10s%.7s%.7s", m + 5, m + 30, m + 38);
	else /* TD3 */
		snprintf(info, sizeof info, "%.10s%.7s%.7s", m + 44, m + 57, m + 65);
	r = vc_card_set_mrz_info(c, info);
	OPENSSL_cleanse(info, sizeof info);
	if (r != 0)
		snprintf(err, errlen, "BAC key derivation failed");
	return r;
}

EVP_PKEY *
vc_load_key(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k;

	if (f == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}

/* vcard.conf "KEY = VALUE": the value into out ("" when absent). */
void
vc_conf_get(const char *dir, const char *key, char *out, size_t cap)
{
	char path[4096], line[256], *p;
	size_t kl = strlen(key);
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof path, "%s/vcard.conf", dir);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, kl) != 0 || (line[kl] != ' ' && line[kl] != '=') ||
		    (p = strchr(line, '=')) == NULL)
			continue;
		p += strspn(p + 1, " \t") + 1;
		p[strcspn(p, " \t\r\n")] = '\0';
		snprintf(out, cap, "%s", p);
	}
	fclose(f);
}

/* vcard.conf: "aa_hash = sha1|sha256" */
static const EVP_MD *
aa_md_from_conf(const char *dir, EVP_PKEY *key)
{
	char v[32];

	/* aa_hash is for RSA only: EC AA is ECDSA-SHA-256, as DG14's
	 * ActiveAuthenticationInfo says (was: the default aa_hash = sha1 made
	 * an EC card sign with SHA-1). */
	if (!EVP_PKEY_is_a(key, "RSA"))
		return EVP_sha256();
	vc_conf_get(dir, "aa_hash", v, sizeof v);
	return strcmp(v, "sha256") == 0 ? EVP_sha256() : EVP_sha1();
}

int
vc_card_load_dir(struct vc_card *c, const char *dir, char *err, size_t errlen)
{
	/* hidden-dg15: the genuine SOD (DG15 listed), but EF.COM and the
	 * files without DG15 and no AA key: a clone that cannot answer AA. */
	int hide = (c->b & B_HIDE_DG15) != 0, nodg15 = (c->b & B_NO_DG15) != 0 || hide;
	const char *sod = (c->b & B_UNKNOWN_SIGNER) ? "EF.SOD.unknown-signer" :
	    (c->b & B_UNLISTED_DG14) ? "EF.SOD.no-dg14" :
	    nodg15 && !hide ? "EF.SOD.no-dg15" : "EF.SOD";
	char path[4096];
	EVP_PKEY *k;

	if ((c->b & B_UNKNOWN_SIGNER) && nodg15) {
		snprintf(err, errlen, "unknown-signer and no-dg15 cannot be combined");
		return -1;
	}
	if ((c->b & B_UNLISTED_DG14) && (nodg15 || (c->b & B_UNKNOWN_SIGNER))) {
		snprintf(err, errlen, "unlisted-dg14 cannot be combined with another SOD variant");
		return -1;
	}
	if (load_one(c, dir, nodg15 ? "EF.COM.no-dg15" : "EF.COM", 0x011E, 0x1E, 0, 1, err,
	        errlen) != 0 ||
	    load_one(c, dir, "DG1.bin", 0x0101, 0x01, 0, 1, err, errlen) != 0 ||
	    load_one(c, dir, "DG2.bin", 0x0102, 0x02, 0, 0, err, errlen) != 0 ||
	    load_one(c, dir, "DG3.bin", 0x0103, 0x03, VC_FILE_EAC, 0, err, errlen) != 0 ||
	    load_one(c, dir, "DG13.bin", 0x010D, 0x0D, 0, 0, err, errlen) != 0 ||
	    load_one(c, dir, (c->b & B_OWN_DG14) ? "DG14.own-ca.bin" : "DG14.bin", 0x010E, 0x0E,
	        0, (c->b & B_OWN_DG14) != 0, err, errlen) != 0 ||
	    (!nodg15 && load_one(c, dir, "DG15.bin", 0x010F, 0x0F, 0, 0, err, errlen) != 0) ||
	    load_one(c, dir, sod, 0x011D, 0x1D, 0, 1, err, errlen) != 0)
		return -1;
	if (mrz_from_dg1(c, err, errlen) != 0 || vc_ca_load(c, dir, err, errlen) != 0)
		return -1;
	if ((c->b & B_DUP_FORGED) && dup_forged(c, err, errlen) != 0)
		return -1;
	if (!nodg15) {
		snprintf(path, sizeof path, "%s/%s", dir, (c->b & B_CLONE) ? "clone.key" : "aa.key");
		if ((k = vc_load_key(path)) == NULL) {
			if (c->b & B_CLONE) {
				snprintf(err, errlen, "cannot read %s (needed by 'clone')", path);
				return -1;
			}
		} else {
			if ((c->b & B_OWN_DG15) && own_dg15(c, k) != 0) {
				EVP_PKEY_free(k);
				snprintf(err, errlen, "own-dg15: cannot make DG15");
				return -1;
			}
			vc_card_set_aa(c, k, aa_md_from_conf(dir, k));
		}
	}
	return 0;
}

/* ---- APDU processing ---- */

static int
parse_apdu(const uint8_t *p, size_t n, struct apdu *a)
{
	size_t nc;

	memset(a, 0, sizeof *a);
	if (n < 4)
		return -1;
	a->cla = p[0]; a->ins = p[1]; a->p1 = p[2]; a->p2 = p[3];
	if (n == 4)
		return 0;
	if (p[4] != 0 || n == 5) { /* short */
		if (n == 5) {
			a->ne = p[4] ? p[4] : 256;
			return 0;
		}
		nc = p[4];
		if (n != 5 + nc && n != 6 + nc)
			return -1;
		a->data = p + 5;
		a->nc = nc;
		if (n == 6 + nc)
			a->ne = p[5 + nc] ? p[5 + nc] : 256;
		return 0;
	}
	/* extended: p[4] == 0 and n >= 6 */
	if (n < 7)
		return -1;
	a->ext = 1;
	nc = (size_t)p[5] << 8 | p[6];
	if (n == 7) {
		a->ne = nc ? nc : 65536;
		return 0;
	}
	if (nc == 0 || (n != 7 + nc && n != 9 + nc))
		return -1;
	a->data = p + 7;
	a->nc = nc;
	if (n == 9 + nc) {
		size_t le = (size_t)p[7 + nc] << 8 | p[8 + nc];

		a->ne = le ? le : 65536;
	}
	return 0;
}

static struct vc_file *
find_fid(struct vc_card *c, uint16_t fid)
{
	int i;

	for (i = 0; i < c->nfiles; i++)
		if (c->files[i].fid == fid)
			return &c->files[i];
	return NULL;
}

static struct vc_file *
find_sfi(struct vc_card *c, uint8_t sfi)
{
	int i;

	for (i = 0; i < c->nfiles; i++)
		if (c->files[i].sfi == sfi)
			return &c->files[i];
	return NULL;
}

static void
cmd_select(struct vc_card *c, const struct apdu *a, struct resp *r)
{
	struct vc_file *f;
	uint8_t *d = c->rdata;
	size_t k = 0;

	if (a->p2 != 0x0C && a->p2 != 0x00 && a->p2 != 0x04) {
		r->sw = 0x6A86;
		return;
	}
	switch (a->p1) {
	case 0x00: /* MF / EF under MF: this card answers 6D00 */
		r->sw = 0x6D00;
		return;
	case 0x04: /* by DF name */
		if (a->nc != sizeof AID || memcmp(a->data, AID, sizeof AID) != 0) {
			r->sw = 0x6A82;
			return;
		}
		c->applet = 1;
		c->cur = NULL;
		if (a->p2 != 0x0C) { /* FCI: 6F { 84 AID } */
			d[k++] = 0x6F; d[k++] = 2 + sizeof AID; d[k++] = 0x84; d[k++] = sizeof AID;
			memcpy(d + k, AID, sizeof AID);
			k += sizeof AID;
		}
		break;
	case 0x02: /* EF under the current DF */
		if (a->nc != 2) {
			r->sw = 0x6700;
			return;
		}
		if (!c->applet || (f = find_fid(c, (uint16_t)(a->data[0] << 8 | a->data[1]))) == NULL) {
			r->sw = 0x6A82;
			return;
		}
		if ((c->b & B_DUP_FORGED) && f->fid == 0x010D && c->forged.data != NULL &&
		    c->nsel13++ == 0)
			f = &c->forged;
		c->cur = f;
		if (a->p2 != 0x0C) { /* FCP: 62 { 80 size, 82 01 01, 83 fid } */
			d[k++] = 0x62; d[k++] = 11;
			d[k++] = 0x80; d[k++] = 2; d[k++] = (uint8_t)(f->len >> 8); d[k++] = (uint8_t)f->len;
			d[k++] = 0x82; d[k++] = 1; d[k++] = 0x01;
			d[k++] = 0x83; d[k++] = 2; d[k++] = (uint8_t)(f->fid >> 8); d[k++] = (uint8_t)f->fid;
		}
		break;
	default:
		r->sw = 0x6A86;
		return;
	}
	if (k > 0 && a->ne == 0)
		k = 0; /* no Le: no FCI */
	r->data = d;
	r->len = k;
	r->sw = 0x9000;
}

static void
cmd_get_challenge(struct vc_card *c, const struct apdu *a, struct resp *r)
{
	if (a->p1 != 0 || a->p2 != 0) {
		r->sw = 0x6A86;
		return;
	}
	if (a->nc != 0 || a->ne < 8) {
		r->sw = 0x6700;
		return;
	}
	if (rnd(c, c->rnd_ic, 8) != 0) {
		r->sw = 0x6F00;
		return;
	}
	c->chal = 1;
	memcpy(c->rdata, c->rnd_ic, 8);
	r->data = c->rdata;
	r->len = 8;
	r->sw = 0x9000;
}

static void
cmd_external_auth(struct vc_card *c, const struct apdu *a, struct resp *r)
{
	uint8_t s[32], mac[8], rr[32], kic[16], seed[16];
	vbuf m = { 0 };
	int i, ok;

	r->sw = 0x6300;
	if (a->p1 != 0 || a->p2 != 0) {
		r->sw = 0x6A86;
		return;
	}
	if (!c->chal || !c->have_mrz) {
		r->sw = 0x6985;
		return;
	}
	c->chal = 0; /* one try per challenge */
	if (a->nc != 40) {
		r->sw = 0x6700;
		return;
	}
	if (vbuf_put(&m, a->data, 32) != 0 || vc_pad(&m) != 0 ||
	    vc_retail_mac(c->kmac, m.p, m.len, mac) != 0)
		goto fail;
	ok = CRYPTO_memcmp(mac, a->data + 32, 8) == 0;
	if (!ok) {
		vc_logf(c, "  EXTERNAL AUTHENTICATE: MAC check failed (wrong MRZ key?)\n");
		goto out;
	}
	if (vc_3des_cbc(c->kenc, 0, a->data, 32, s) != 0)
		goto fail;
	if (CRYPTO_memcmp(s + 8, c->rnd_ic, 8) != 0) {
		vc_logf(c, "  EXTERNAL AUTHENTICATE: RND.IC does not match\n");
		goto out;
	}
	if (rnd(c, kic, 16) != 0)
		goto fail;
	memcpy(rr, c->rnd_ic, 8);
	memcpy(rr + 8, s, 8);
	memcpy(rr + 16, kic, 16);
	if (vc_3des_cbc(c->kenc, 1, rr, 32, c->rdata) != 0)
		goto fail;
	vbuf_free(&m);
	if (vbuf_put(&m, c->rdata, 32) != 0 || vc_pad(&m) != 0 ||
	    vc_retail_mac(c->kmac, m.p, m.len, c->rdata + 32) != 0)
		goto fail;
	for (i = 0; i < 16; i++)
		seed[i] = s[16 + i] ^ kic[i];
	if (vc_kdf_3des(seed, 1, c->ks_enc) != 0 || vc_kdf_3des(seed, 2, c->ks_mac) != 0)
		goto fail;
	memcpy(c->ssc, c->rnd_ic + 4, 4);
	memcpy(c->ssc + 4, s + 4, 4);
	c->sm = 1;
	c->sm_aes = 0;
	c->sm_kl = 16;
	c->sm_bs = 8;
	r->data = c->rdata;
	r->len = 40;
	r->sw = 0x9000;
	vc_logf(c, "  BAC done, secure messaging on\n");
	goto out;
fail:
	r->sw = 0x6F00;
out:
	vbuf_free(&m);
	OPENSSL_cleanse(s, sizeof s);
	OPENSSL_cleanse(rr, sizeof rr);
	OPENSSL_cleanse(kic, sizeof kic);
	OPENSSL_cleanse(seed, sizeof seed);
}

/* bytes [off, off+n) of f into rdata, past-the-end bytes as 0x00 (oversized) */
static void
copy_out(struct vc_card *c, const struct vc_file *f, size_t off, size_t n, size_t at)
{
	size_t have = off < f->len ? f->len - off : 0;

	if (have > n)
		have = n;
	memcpy(c->rdata + at, f->data + off, have);
	memset(c->rdata + at + have, 0, n - have);
}

static void
cmd_read_binary(struct vc_card *c, const struct apdu *a, int prot, struct resp *r)
{
	struct vc_file *f;
	size_t off, n, avail, hdr = 0;
	unsigned tag;
	size_t th, tl, i;

	if (!prot) {
		r->sw = 0x6982;
		return;
	}
	if (a->ins == 0xB0) {
		if (a->p1 & 0x80) {
			if (a->p1 & 0x60) {
				r->sw = 0x6A86;
				return;
			}
			if ((f = find_sfi(c, a->p1 & 0x1F)) == NULL) {
				r->sw = 0x6A82;
				return;
			}
			c->cur = f;
			off = a->p2;
		} else {
			if ((f = c->cur) == NULL) {
				r->sw = 0x6986;
				return;
			}
			off = (size_t)a->p1 << 8 | a->p2;
		}
		if (a->nc != 0) {
			r->sw = 0x6700;
			return;
		}
	} else { /* B1: P1P2 = 0000 current EF, 00 SFI, or FID; data DO54 offset */
		if (a->p1 == 0 && a->p2 == 0) {
			f = c->cur;
			if (f == NULL) {
				r->sw = 0x6986;
				return;
			}
		} else if (a->p1 == 0 && (a->p2 & 0xE0) == 0) {
			f = find_sfi(c, a->p2 & 0x1F);
		} else {
			f = find_fid(c, (uint16_t)(a->p1 << 8 | a->p2));
		}
		if (f == NULL) {
			r->sw = 0x6A82;
			return;
		}
		c->cur = f;
		if (a->nc < 3 || vc_tlv(a->data, a->nc, &tag, &th, &tl) != 0 || tag != 0x54 ||
		    th + tl != a->nc || tl < 1 || tl > 3) {
			r->sw = 0x6A80;
			return;
		}
		for (off = 0, i = 0; i < tl; i++)
			off = off << 8 | a->data[th + i];
	}
	if (f->flags & VC_FILE_EAC) {
		r->sw = 0x6982;
		return;
	}
	if (a->ne == 0) {
		r->sw = 0x6700;
		return;
	}
	if ((c->b & B_SHORT_LE) && a->ne > c->le_max) {
		r->sw = 0x6700;
		return;
	}
	if (off >= f->len) {
		r->sw = 0x6B00;
		return;
	}
	avail = f->len - off;
	if (a->ins == 0xB0) {
		n = avail < a->ne ? avail : a->ne;
		if (c->b & B_OVERSIZED)
			n = a->ne + 8 > MAXDATA - 8 ? MAXDATA - 8 : a->ne + 8;
		copy_out(c, f, off, n, 0);
	} else {
		/* DO53 { data } with the whole DO within Le */
		n = avail < a->ne ? avail : a->ne;
		while (n > 0 && n + (n < 0x80 ? 2 : n < 0x100 ? 3 : 4) > a->ne)
			n--;
		if (c->b & B_OVERSIZED)
			n = a->ne + 8 > MAXDATA - 8 ? MAXDATA - 8 : a->ne + 8;
		if (n == 0) {
			r->sw = 0x6700;
			return;
		}
		c->rdata[hdr++] = 0x53;
		if (n >= 0x100) {
			c->rdata[hdr++] = 0x82; c->rdata[hdr++] = (uint8_t)(n >> 8);
		} else if (n >= 0x80) {
			c->rdata[hdr++] = 0x81;
		}
		c->rdata[hdr++] = (uint8_t)n;
		copy_out(c, f, off, n, hdr);
	}
	r->data = c->rdata;
	r->len = hdr + n;
	r->sw = 0x9000;
}

static void
cmd_internal_auth(struct vc_card *c, const struct apdu *a, int prot, struct resp *r)
{
	size_t sl = MAXDATA;

	if (!prot) {
		r->sw = 0x6982;
		return;
	}
	if (c->aa == NULL) {
		r->sw = 0x6D00;
		return;
	}
	if (c->b & B_AA_REFUSE) {
		vc_logf(c, "  aa-refuse: INTERNAL AUTHENTICATE refused\n");
		r->sw = 0x6985;
		return;
	}
	if (a->p1 != 0 || a->p2 != 0) {
		r->sw = 0x6A86;
		return;
	}
	if (a->nc != 8 || a->ne == 0) {
		r->sw = 0x6700;
		return;
	}
	if (vc_aa_sign(c->aa, c->aa_md, a->data, a->nc, c->rdata, &sl) != 0) {
		r->sw = 0x6F00;
		return;
	}
	if (sl > a->ne) {
		r->sw = 0x6700;
		return;
	}
	r->data = c->rdata;
	r->len = sl;
	r->sw = 0x9000;
}

static void
process(struct vc_card *c, const struct apdu *a, int prot, struct resp *r)
{
	r->data = NULL;
	r->len = 0;
	switch (a->ins) {
	case 0xA4: cmd_select(c, a, r); break;
	case 0x84: cmd_get_challenge(c, a, r); break;
	case 0x82:
		if (prot)
			r->sw = 0x6985;
		else
			cmd_external_auth(c, a, r);
		break;
	case 0xB0:
	case 0xB1: cmd_read_binary(c, a, prot, r); break;
	case 0x88: cmd_internal_auth(c, a, prot, r); break;
	case 0x22: vc_ca_mse(c, a, prot, r); break;
	case 0x86: vc_ca_general_auth(c, a, prot, r); break;
	default: r->sw = 0x6D00; break;
	}
}

static size_t
put_sw(uint8_t *out, size_t k, uint16_t sw)
{
	out[k++] = (uint8_t)(sw >> 8);
	out[k++] = (uint8_t)sw;
	return k;
}

/* MAC over pad(SSC || m) with the session MAC key */
static int
sm_mac(struct vc_card *c, const uint8_t *m, size_t n, uint8_t mac[8])
{
	vbuf b = { 0 };
	int r = -1;

	if (vbuf_put(&b, c->ssc, c->sm_bs) == 0 && vbuf_put(&b, m, n) == 0 &&
	    vc_pad_to(&b, c->sm_bs) == 0)
		r = c->sm_aes ? vc_aes_cmac8(c->ks_mac, c->sm_kl, b.p, b.len, mac) :
		    vc_retail_mac(c->ks_mac, b.p, b.len, mac);
	vbuf_free(&b);
	return r;
}

/* Encrypt or decrypt with KS_enc: 3DES-CBC, zero IV; AES-CBC, IV = E(KS_enc, SSC). */
static int
sm_crypt(struct vc_card *c, int enc, const uint8_t *in, size_t n, uint8_t *out)
{
	uint8_t iv[16];
	int r;

	if (!c->sm_aes)
		return vc_3des_cbc(c->ks_enc, enc, in, n, out);
	r = vc_aes_cbc(c->ks_enc, c->sm_kl, NULL, 1, c->ssc, 16, iv);
	if (r == 0)
		r = vc_aes_cbc(c->ks_enc, c->sm_kl, iv, enc, in, n, out);
	OPENSSL_cleanse(iv, sizeof iv);
	return r;
}

/* Unwrap, process and wrap a protected APDU.  Returns the R-APDU length. */
static size_t
sm_apdu(struct vc_card *c, const struct apdu *a, uint8_t *out)
{
	const uint8_t *p = a->data, *crypt = NULL, *le = NULL, *mac = NULL;
	size_t left = a->nc, hdr, vl, cryptlen = 0, lelen = 0, maclen_at = 0, plain_cap = 0;
	uint8_t mbuf[8], *plain = NULL;
	unsigned tag;
	int crypt_tag = 0;
	struct apdu in;
	struct resp r;
	vbuf m = { 0 }, rd = { 0 };
	long pl;
	size_t k = 0;
	uint16_t sw_plain = 0x6988;

	if (!c->sm)
		goto plain_error;
	if (a->ext && (c->b & B_NO_EXT)) {
		sw_plain = 0x6700;
		goto plain_error;
	}
	/* DOs: [87|85] [97] 8E, in that order */
	while (left > 0) {
		if (vc_tlv(p, left, &tag, &hdr, &vl) != 0)
			goto plain_error;
		if ((tag == 0x87 || tag == 0x85) && crypt == NULL && le == NULL && mac == NULL) {
			crypt = p + hdr; cryptlen = vl; crypt_tag = (int)tag;
		} else if (tag == 0x97 && le == NULL && mac == NULL) {
			le = p + hdr; lelen = vl;
		} else if (tag == 0x8E && mac == NULL && vl == 8 && hdr + vl == left) {
			mac = p + hdr;
			maclen_at = (size_t)(p - a->data);
		} else {
			goto plain_error;
		}
		p += hdr + vl;
		left -= hdr + vl;
	}
	if (mac == NULL) {
		sw_plain = 0x6987;
		goto plain_error;
	}
	ssc_inc(c);
	{
		uint8_t h[16] = { a->cla, a->ins, a->p1, a->p2, 0x80 };

		if (vbuf_put(&m, h, c->sm_bs) != 0 || vbuf_put(&m, a->data, maclen_at) != 0 ||
		    sm_mac(c, m.p, m.len, mbuf) != 0)
			goto plain_error;
	}
	if (CRYPTO_memcmp(mbuf, mac, 8) != 0) {
		vc_logf(c, "  SM: command MAC wrong: session dropped\n");
		goto plain_error;
	}
	memset(&in, 0, sizeof in);
	in.cla = a->cla & 0xF3;
	in.ins = a->ins;
	in.p1 = a->p1;
	in.p2 = a->p2;
	in.ext = a->ext;
	if (crypt != NULL) {
		const uint8_t *ct = crypt;
		size_t cl = cryptlen;

		if (crypt_tag == 0x87) {
			if (cl < 1 || ct[0] != 0x01)
				goto plain_error;
			ct++;
			cl--;
		}
		if (cl == 0 || cl % c->sm_bs != 0 || (plain = malloc(plain_cap = cl)) == NULL ||
		    sm_crypt(c, 0, ct, cl, plain) != 0 || (pl = vc_unpad(plain, cl)) < 0)
			goto plain_error;
		in.data = plain;
		in.nc = (size_t)pl;
	}
	if (le != NULL) {
		if (lelen == 1)
			in.ne = le[0] ? le[0] : 256;
		else if (lelen == 2)
			in.ne = (le[0] << 8 | le[1]) ? (size_t)(le[0] << 8 | le[1]) : 65536;
		else
			goto plain_error;
	}
	if ((c->b & B_NO_EXT) && (lelen == 2 || in.nc > 255)) {
		r.data = NULL; r.len = 0; r.sw = 0x6700;
	} else {
		process(c, &in, 1, &r);
	}
	if (c->log != NULL)
		vc_logf(c, "  = %02X %02X %02X %02X Lc=%zu Le=%zu -> %zu bytes, SW %04X\n", in.cla,
		    in.ins, in.p1, in.p2, in.nc, in.ne, r.len, r.sw);
	/* no-extended: the wrapped response must fit a short Le */
	if ((c->b & B_NO_EXT) && r.len > 0) {
		size_t clen = (r.len / c->sm_bs + 1) * c->sm_bs + 1;

		if (1 + (clen < 0x80 ? 1 : clen < 0x100 ? 2 : 3) + clen + 4 + 10 > 256) {
			r.data = NULL; r.len = 0; r.sw = 0x6700;
		}
	}
	/* The response's SSC is the command's + 1 (AES takes its IV from it). */
	ssc_inc(c);
	/* response: [DO87|DO85] DO99 DO8E SW */
	if (r.len > 0) {
		vbuf pt = { 0 };
		size_t clen;
		int odd = (a->ins & 1) != 0;

		if (vbuf_put(&pt, r.data, r.len) != 0 || vc_pad_to(&pt, c->sm_bs) != 0 ||
		    sm_crypt(c, 1, pt.p, pt.len, pt.p) != 0) {
			vbuf_free(&pt);
			goto plain_error;
		}
		clen = pt.len + (odd ? 0 : 1);
		c->ndataresp++;
		if ((c->b & B_MALFORMED_SM) && c->ndataresp == c->malformed_n) {
			clen += 64; /* DO87 length runs past the end of the response */
			vc_logf(c, "  malformed-sm: DO%02X claims %zu bytes\n", odd ? 0x85 : 0x87, clen);
		}
		if (vbuf_tag(&rd, odd ? 0x85 : 0x87) != 0 || vbuf_len(&rd, clen) != 0 ||
		    (!odd && vbuf_byte(&rd, 0x01) != 0) || vbuf_put(&rd, pt.p, pt.len) != 0) {
			vbuf_free(&pt);
			goto plain_error;
		}
		vbuf_free(&pt);
	}
	{
		uint8_t do99[4] = { 0x99, 0x02, (uint8_t)(r.sw >> 8), (uint8_t)r.sw };

		if (vbuf_put(&rd, do99, 4) != 0)
			goto plain_error;
	}
	if (sm_mac(c, rd.p, rd.len, mbuf) != 0)
		goto plain_error;
	c->nsmresp++;
	if ((c->b & B_WRONG_MAC) && c->nsmresp == c->wrong_mac_n) {
		mbuf[0] ^= 0x01;
		vc_logf(c, "  wrong-mac: response MAC spoiled\n");
	}
	if (rd.len + 10 + 2 > VC_MAXRESP)
		goto plain_error;
	memcpy(out, rd.p, rd.len);
	k = rd.len;
	out[k++] = 0x8E;
	out[k++] = 0x08;
	memcpy(out + k, mbuf, 8);
	k += 8;
	k = put_sw(out, k, r.sw);
	if (c->ca_pending) {
		/* Chip Authentication: this answer went out under the old keys;
		 * from now on the agreed ones, SSC 0 (9303-11 §6.2.4). */
		memcpy(c->ks_enc, c->p_enc, sizeof c->ks_enc);
		memcpy(c->ks_mac, c->p_mac, sizeof c->ks_mac);
		c->sm_aes = c->ca_aes;
		c->sm_kl = c->ca_kl;
		c->sm_bs = c->ca_aes ? 16 : 8;
		memset(c->ssc, 0, sizeof c->ssc);
		c->ca_pending = 0;
		OPENSSL_cleanse(c->p_enc, sizeof c->p_enc);
		OPENSSL_cleanse(c->p_mac, sizeof c->p_mac);
		vc_logf(c, "  CA: secure messaging restarts with the agreed %s keys\n",
		    c->sm_aes ? "AES" : "3DES");
	}
	goto done;
plain_error:
	drop_sm(c);
	k = put_sw(out, 0, sw_plain);
done:
	if (plain != NULL) {
		OPENSSL_cleanse(plain, plain_cap);
		free(plain);
	}
	vbuf_free(&m);
	vbuf_free(&rd);
	return k;
}

int
vc_card_apdu(struct vc_card *c, const uint8_t *cmd, size_t n, uint8_t *resp, size_t *rlen)
{
	struct apdu a;
	struct resp r;
	size_t k;

	c->napdu++;
	if ((c->b & B_REMOVE) && c->napdu > c->remove_after) {
		vc_logf(c, "remove-after=%lu: card removed\n", c->remove_after);
		return VC_REMOVE;
	}
	loghex(c, "> ", cmd, n);
	if (parse_apdu(cmd, n, &a) != 0) {
		drop_sm(c);
		k = put_sw(resp, 0, 0x6700);
	} else if (a.cla == 0x0C) {
		k = sm_apdu(c, &a, resp);
	} else if (a.cla != 0x00) {
		drop_sm(c);
		k = put_sw(resp, 0, (a.cla & 0x0C) ? 0x6882 : 0x6E00);
	} else {
		/* a plain command ends secure messaging */
		if (c->sm)
			vc_logf(c, "  plain command: secure messaging off\n");
		drop_sm(c);
		if (a.ext && (c->b & B_NO_EXT)) {
			r.len = 0;
			r.sw = 0x6700;
		} else {
			process(c, &a, 0, &r);
		}
		k = 0;
		if (r.len > 0) {
			memcpy(resp, r.data, r.len);
			k = r.len;
		}
		k = put_sw(resp, k, r.sw);
	}
	loghex(c, "< ", resp, k);
	*rlen = k;
	return VC_OK;
}
