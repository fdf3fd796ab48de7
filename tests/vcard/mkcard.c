/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mkcard: make the files of a virtual CCCD from a holder profile.
 *
 *   mkcard -o OUTDIR -k PKI_DIR [-p PROFILE.conf] [-s KEY=VALUE]...
 *
 * PKI_DIR is a test PKI made by certs/mkpki.sh (the Document Signer NAME.pem
 * and NAME.key, default "ds"; "ds-unknown" for EF.SOD.unknown-signer).
 * PROFILE.conf holds "key = value" lines (UTF-8); -s overrides one key.
 * Writes OUTDIR/: EF.COM DG1.bin DG2.bin DG3.bin DG13.bin DG14.bin DG15.bin
 * EF.SOD aa.key clone.key mrz.txt profile.json card.env vcard.conf and the
 * variants EF.COM.no-dg15 EF.SOD.no-dg15 EF.SOD.unknown-signer; with a Chip
 * Authentication key (ca = ...) also ca.key ca-clone.key DG14.own-ca.bin
 * EF.SOD.no-dg14.
 * Everything but the keys and signatures is deterministic.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "vc.h"

/* ---- profile ---- */

static const char *const KEYS[] = {
	"id", "old_id", "full_name", "mrz_name", "dob", "sex", "nationality", "ethnicity",
	"religion", "origin", "residence", "marks", "issue", "expiry", "father", "mother",
	"spouse", "chip_id", "photo", "photo_min_size", "aa", "aa_hash", "dg13_layout",
	"signer", "signer_pss", "ca", "ca_cipher", "ca_key_id", NULL,
};

/* The built-in holder (tests/vcard/profiles/default.conf says the same). */
static const char *const DEFAULTS[][2] = {
	{ "id", "001190012345" },
	{ "old_id", "012345678" },
	{ "full_name", "Nguyễn Thị Hồng Nhung" },
	{ "dob", "15/03/1990" },
	{ "sex", "Nữ" },
	{ "nationality", "Việt Nam" },
	{ "ethnicity", "Kinh" },
	{ "religion", "Không" },
	{ "origin", "Xã Phú Xuân, Huyện Phú Xuyên, Thành phố Hà Nội" },
	{ "residence", "Số nhà 12A, ngách 34/56, ngõ 78 phố Nguyễn Chí Thanh, Tổ dân phố số 5, "
	    "Phường Láng Thượng, Quận Đống Đa, Thành phố Hà Nội" },
	{ "marks", "Nốt ruồi C:1cm trên sau cánh mũi trái" },
	{ "issue", "10/04/2021" },
	{ "expiry", "15/03/2030" },
	{ "father", "Nguyễn Văn Hùng" },
	{ "mother", "Trần Thị Lan" },
	{ "spouse", "" },
	{ "chip_id", "A1B2C3D4E5F60718" },
	{ "aa", "rsa2048" },
	{ "aa_hash", "sha1" },
	{ "dg13_layout", "nested" },
	{ "signer", "ds" },
	{ "signer_pss", "no" },
	{ "photo_min_size", "0" },
	{ "ca", "none" },
	{ "ca_cipher", "aes128" },
	{ "ca_key_id", "" },
};

#define NKEYS (sizeof KEYS / sizeof KEYS[0])
static char *prof[NKEYS];
static char profdir[4096] = ".";

static void
die(const char *fmt, ...)
{
	va_list ap;
	unsigned long e;

	fputs("mkcard: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if ((e = ERR_get_error()) != 0)
		fprintf(stderr, " (OpenSSL: %s)", ERR_reason_error_string(e));
	fputc('\n', stderr);
	exit(1);
}

static int
key_index(const char *k)
{
	int i;

	for (i = 0; KEYS[i] != NULL; i++)
		if (strcmp(KEYS[i], k) == 0)
			return i;
	return -1;
}

static void
set_key(const char *k, const char *v, const char *where)
{
	int i = key_index(k);

	if (i < 0)
		die("%s: unknown profile key '%s'", where, k);
	free(prof[i]);
	if ((prof[i] = strdup(v)) == NULL)
		die("out of memory");
}

static const char *
get(const char *k)
{
	int i = key_index(k);

	return i >= 0 && prof[i] != NULL ? prof[i] : "";
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

static void
load_profile(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[2048], *eq, where[4200];
	const char *slash;
	int ln = 0;

	if (f == NULL)
		die("cannot open profile %s: %s", path, strerror(errno));
	if ((slash = strrchr(path, '/')) != NULL)
		snprintf(profdir, sizeof profdir, "%.*s", (int)(slash - path), path);
	while (fgets(line, sizeof line, f) != NULL) {
		char *s = trim(line);

		ln++;
		if (*s == '\0' || *s == '#')
			continue;
		if ((eq = strchr(s, '=')) == NULL)
			die("%s:%d: expected key = value", path, ln);
		*eq = '\0';
		snprintf(where, sizeof where, "%s:%d", path, ln);
		set_key(trim(s), trim(eq + 1), where);
	}
	fclose(f);
}

/* ---- derived values ---- */

/* Vietnamese letters to their ASCII base letter (for the MRZ name). */
static const char *const VN[][2] = {
	{ "a", "àáảãạăằắẳẵặâầấẩẫậÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ" },
	{ "e", "èéẻẽẹêềếểễệÈÉẺẼẸÊỀẾỂỄỆ" },
	{ "i", "ìíỉĩịÌÍỈĨỊ" },
	{ "o", "òóỏõọôồốổỗộơờớởỡợÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ" },
	{ "u", "ùúủũụưừứửữựÙÚỦŨỤƯỪỨỬỮỰ" },
	{ "y", "ỳýỷỹỵỲÝỶỸỴ" },
	{ "d", "đĐ" },
};

static int
utf8_char_len(unsigned char c)
{
	return c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 :
	    (c & 0xF8) == 0xF0 ? 4 : -1;
}

/* full name -> "PRIMARY<<SECONDARY<NAMES", 30 characters */
static void
mrz_name(const char *name, char out[31])
{
	char up[256];
	size_t k = 0, i, j, w;
	int words = 0, in_word = 0, l;

	for (i = 0; name[i] != '\0' && k < sizeof up - 3;) {
		unsigned char c = (unsigned char)name[i];

		if ((l = utf8_char_len(c)) < 0)
			die("full_name is not UTF-8");
		if (c == ' ') {
			in_word = 0;
			i++;
			continue;
		}
		if (!in_word && words > 0) {
			if (words == 1)
				up[k++] = '<';
			up[k++] = '<';
		}
		if (!in_word)
			words++;
		in_word = 1;
		if (l == 1) {
			if (!isalpha(c))
				die("full_name: character '%c' has no MRZ form; set mrz_name", c);
			up[k++] = (char)toupper(c);
		} else {
			char ch[5] = { 0 };
			int found = 0;

			memcpy(ch, name + i, (size_t)l);
			for (j = 0; j < sizeof VN / sizeof VN[0] && !found; j++)
				for (w = 0; VN[j][1][w] != '\0'; w += (size_t)utf8_char_len((unsigned char)VN[j][1][w]))
					if (strncmp(VN[j][1] + w, ch, (size_t)l) == 0) {
						up[k++] = (char)toupper((unsigned char)VN[j][0][0]);
						found = 1;
						break;
					}
			if (!found)
				die("full_name: a letter has no MRZ form; set mrz_name");
		}
		i += (size_t)l;
	}
	up[k] = '\0';
	memset(out, '<', 30);
	memcpy(out, up, k > 30 ? 30 : k);
	out[30] = '\0';
}

/* "dd/mm/yyyy" -> day, month, year */
static void
parse_date(const char *key, int *d, int *m, int *y)
{
	const char *s = get(key);
	char tail;

	if (strlen(s) != 10 || sscanf(s, "%2d/%2d/%4d%c", d, m, y, &tail) != 3 || *d < 1 ||
	    *d > 31 || *m < 1 || *m > 12 || *y < 1900)
		die("profile key %s: expected dd/mm/yyyy, got '%s'", key, s);
}

static int
no_expiry(void)
{
	return strcmp(get("expiry"), "Không thời hạn") == 0;
}

struct holder {
	char doc[10];     /* last 9 digits of the ID */
	char dob[32];     /* YYMMDD */
	char exp[32];     /* YYMMDD (991231: no expiry) */
	char sex;         /* M / F */
	char mrz[3][31];
	char dob_qr[9], issue_qr[9];
};

static void
derive(struct holder *h)
{
	const char *id = get("id");
	int d, m, y, i, cd;
	char comp[64];

	if (strlen(id) != 12 || strspn(id, "0123456789") != 12)
		die("profile key id: expected 12 digits, got '%s'", id);
	if (strlen(get("old_id")) > 0 && strspn(get("old_id"), "0123456789") != 9)
		die("profile key old_id: expected 9 digits or nothing");
	memcpy(h->doc, id + 3, 9);
	h->doc[9] = '\0';
	parse_date("dob", &d, &m, &y);
	snprintf(h->dob, sizeof h->dob, "%02d%02d%02d", y % 100, m, d);
	snprintf(h->dob_qr, sizeof h->dob_qr, "%02d%02d%04d", d, m, y);
	parse_date("issue", &d, &m, &y);
	snprintf(h->issue_qr, sizeof h->issue_qr, "%02d%02d%04d", d, m, y);
	if (no_expiry()) {
		strcpy(h->exp, "991231");
	} else {
		parse_date("expiry", &d, &m, &y);
		snprintf(h->exp, sizeof h->exp, "%02d%02d%02d", y % 100, m, d);
	}
	if (strcmp(get("sex"), "Nam") == 0)
		h->sex = 'M';
	else if (strcmp(get("sex"), "Nữ") == 0)
		h->sex = 'F';
	else
		die("profile key sex: expected Nam or Nữ");

	/* line 1: IDVNM doc9 cd ID12 << cd(ID12) */
	snprintf(h->mrz[0], 31, "IDVNM%.9s%d%.12s<<%d", h->doc, vc_check_digit(h->doc, 9), id,
	    vc_check_digit(id, 12));
	/* line 2: DOB cd sex EXP cd VNM filler composite */
	snprintf(h->mrz[1], 31, "%.6s%d%c%.6s%dVNM<<<<<<<<<<<0", h->dob,
	    vc_check_digit(h->dob, 6), h->sex, h->exp, vc_check_digit(h->exp, 6));
	snprintf(comp, sizeof comp, "%.25s%.7s%.7s%.11s", h->mrz[0] + 5, h->mrz[1],
	    h->mrz[1] + 8, h->mrz[1] + 18);
	cd = vc_check_digit(comp, strlen(comp));
	h->mrz[1][29] = (char)('0' + cd);
	if (strlen(get("mrz_name")) > 0) {
		const char *n = get("mrz_name");

		if (strlen(n) > 30 || strspn(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ<") != strlen(n))
			die("profile key mrz_name: at most 30 of A-Z and <");
		memset(h->mrz[2], '<', 30);
		memcpy(h->mrz[2], n, strlen(n));
		h->mrz[2][30] = '\0';
	} else {
		mrz_name(get("full_name"), h->mrz[2]);
	}
	for (i = 0; i < 3; i++)
		if (strlen(h->mrz[i]) != 30)
			die("internal: MRZ line %d is not 30 characters", i + 1);
}

/* ---- data groups ---- */

static void
chk(int r)
{
	if (r != 0)
		die("out of memory");
}

static void
put_obj(vbuf *b, const char *oid)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	unsigned char *p = NULL;
	int n;

	if (o == NULL || (n = i2d_ASN1_OBJECT(o, &p)) <= 0)
		die("bad OID %s", oid);
	chk(vbuf_put(b, p, (size_t)n));
	OPENSSL_free(p);
	ASN1_OBJECT_free(o);
}

static void
put_int(vbuf *b, unsigned v)
{
	uint8_t x[3] = { 0x02, 0x01, (uint8_t)v };

	if (v > 127)
		die("internal: small integers only");
	chk(vbuf_put(b, x, 3));
}

static void
make_dg1(const struct holder *h, vbuf *out)
{
	vbuf in = { 0 };
	char m[91];

	snprintf(m, sizeof m, "%s%s%s", h->mrz[0], h->mrz[1], h->mrz[2]);
	chk(vbuf_tlv(&in, 0x5F1F, m, 90));
	chk(vbuf_wrap(out, 0x61, &in));
}

static void
field(vbuf *b, unsigned n, unsigned strtag, const char *s)
{
	vbuf f = { 0 };

	put_int(&f, n);
	chk(vbuf_tlv(&f, strtag, s, strlen(s)));
	chk(vbuf_wrap(b, 0x30, &f));
}

/* DG13 (Vietnamese personal data): 6D { wrapper { SEQUENCE { INTEGER n, string } ... } } */
static void
make_dg13(vbuf *out)
{
	vbuf seq = { 0 }, f13 = { 0 }, p = { 0 }, in = { 0 };
	int nested = strcmp(get("dg13_layout"), "flat") != 0;

	if (nested) { /* the wrapper: a version and an identifier before the fields */
		put_int(&seq, 1);
		put_obj(&seq, "2.16.704.1.99.13");
	}
	field(&seq, 1, 0x13, get("id"));
	field(&seq, 2, 0x0C, get("full_name"));
	field(&seq, 3, 0x13, get("dob"));
	field(&seq, 4, 0x0C, get("sex"));
	field(&seq, 5, 0x0C, get("nationality"));
	field(&seq, 6, 0x0C, get("ethnicity"));
	field(&seq, 7, 0x0C, get("religion"));
	field(&seq, 8, 0x0C, get("origin"));
	field(&seq, 9, 0x0C, get("residence"));
	field(&seq, 10, 0x0C, get("marks"));
	field(&seq, 11, 0x13, get("issue"));
	field(&seq, 12, 0x0C, get("expiry"));
	put_int(&f13, 13);
	chk(vbuf_tlv(&p, 0x0C, get("father"), strlen(get("father"))));
	chk(vbuf_wrap(&f13, 0x30, &p));
	chk(vbuf_tlv(&p, 0x0C, get("mother"), strlen(get("mother"))));
	chk(vbuf_wrap(&f13, 0x30, &p));
	chk(vbuf_wrap(&seq, 0x30, &f13));
	field(&seq, 14, 0x0C, get("spouse"));
	field(&seq, 15, 0x13, get("old_id"));
	field(&seq, 16, 0x13, get("chip_id"));
	if (nested)
		chk(vbuf_wrap(&in, 0x30, &seq));
	else
		in = seq;
	chk(vbuf_wrap(out, 0x6D, &in));
}

/* JPEG width/height from the first SOFn marker; 0 when not found */
static void
jpeg_size(const uint8_t *p, size_t n, unsigned *w, unsigned *h)
{
	size_t i = 2;

	*w = *h = 0;
	if (n < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return;
	while (i + 4 <= n && p[i] == 0xFF) {
		uint8_t mk = p[i + 1];
		size_t sl = (size_t)p[i + 2] << 8 | p[i + 3];

		if (mk >= 0xC0 && mk <= 0xCF && mk != 0xC4 && mk != 0xC8 && mk != 0xCC) {
			if (i + 9 <= n) {
				*h = (unsigned)(p[i + 5] << 8 | p[i + 6]);
				*w = (unsigned)(p[i + 7] << 8 | p[i + 8]);
			}
			return;
		}
		i += 2 + sl;
	}
}

static void
be(vbuf *b, unsigned long v, int n)
{
	while (n-- > 0)
		chk(vbuf_byte(b, (uint8_t)(v >> (8 * n))));
}

/* DG2: 75 { 7F61 { 02 count, 7F60 { A1 header, 5F2E ISO 19794-5 record } } } */
static void
make_dg2(const struct holder *h, vbuf *out)
{
	char path[8192];
	const char *ph = get("photo");
	uint8_t *img = NULL;
	size_t imglen = 0;
	unsigned long minsz = strtoul(get("photo_min_size"), NULL, 10);
	unsigned w, hh;
	vbuf jpg = { 0 }, rec = { 0 }, hdr = { 0 }, bit = { 0 }, grp = { 0 };
	static const uint8_t bht[] = { 0x80, 0x02, 0x01, 0x01, 0x81, 0x01, 0x02,
		0x87, 0x02, 0x01, 0x01, 0x88, 0x02, 0x00, 0x08 };

	if (*ph == '\0')
		die("profile key photo is empty: name a JPEG file");
	if (ph[0] == '/')
		snprintf(path, sizeof path, "%s", ph);
	else
		snprintf(path, sizeof path, "%s/%s", profdir, ph);
	if (vc_read_file(path, &img, &imglen, 60000) != 0)
		die("cannot read photo %s: %s", path, strerror(errno));
	jpeg_size(img, imglen, &w, &hh);
	if (w == 0)
		die("photo %s is not a JPEG", path);
	/* pad with JPEG comment segments up to photo_min_size */
	chk(vbuf_put(&jpg, img, 2));
	while (jpg.len + (imglen - 2) < minsz) {
		size_t need = minsz - jpg.len - (imglen - 2), chunk = need > 60000 ? 60000 : need;
		vbuf seg = { 0 };

		if (chunk < 4)
			chunk = 4;
		be(&jpg, 0xFFFE, 2);
		be(&jpg, chunk - 2, 2);
		while (seg.len < chunk - 4)
			chk(vbuf_byte(&seg, (uint8_t)('a' + seg.len % 26)));
		chk(vbuf_put(&jpg, seg.p, seg.len));
		vbuf_free(&seg);
	}
	chk(vbuf_put(&jpg, img + 2, imglen - 2));
	free(img);
	if (jpg.len > 60000)
		die("photo too large for one DG2 (%zu bytes)", jpg.len);

	/* ISO/IEC 19794-5 facial record */
	chk(vbuf_put(&rec, "FAC\0" "010\0", 8));
	be(&rec, 14 + 20 + 12 + jpg.len, 4);
	be(&rec, 1, 2);
	be(&rec, 20 + 12 + jpg.len, 4); /* facial record data length */
	be(&rec, 0, 2);                 /* feature points */
	be(&rec, h->sex == 'M' ? 1 : 2, 1);
	be(&rec, 0, 1);   /* eye colour */
	be(&rec, 0, 1);   /* hair colour */
	be(&rec, 0, 3);   /* feature mask */
	be(&rec, 0, 2);   /* expression */
	be(&rec, 0, 3);   /* pose angle */
	be(&rec, 0, 3);   /* pose angle uncertainty */
	be(&rec, 1, 1);   /* face image type: full frontal */
	be(&rec, 0, 1);   /* image data type: JPEG */
	be(&rec, w, 2);
	be(&rec, hh, 2);
	be(&rec, 1, 1);   /* colour space: 24-bit RGB */
	be(&rec, 2, 1);   /* source: digital still camera */
	be(&rec, 0, 2);   /* device type */
	be(&rec, 0, 2);   /* quality */
	chk(vbuf_put(&rec, jpg.p, jpg.len));
	vbuf_free(&jpg);

	chk(vbuf_tlv(&hdr, 0xA1, bht, sizeof bht));
	chk(vbuf_put(&bit, hdr.p, hdr.len));
	vbuf_free(&hdr);
	chk(vbuf_wrap(&bit, 0x5F2E, &rec));
	put_int(&grp, 1);
	chk(vbuf_wrap(&grp, 0x7F60, &bit));
	chk(vbuf_wrap(&hdr, 0x7F61, &grp));
	chk(vbuf_wrap(out, 0x75, &hdr));
}

/* DG3: a fingerprint group nobody may read without EAC (answers 6982) */
static void
make_dg3(vbuf *out)
{
	static const uint8_t bht[] = { 0x81, 0x01, 0x08, 0x87, 0x02, 0x01, 0x01,
		0x88, 0x02, 0x00, 0x07 };
	vbuf rec = { 0 }, bit = { 0 }, grp = { 0 }, g = { 0 };
	int i;

	chk(vbuf_put(&rec, "FIR\0" "010\0", 8));
	for (i = 0; i < 56; i++)
		chk(vbuf_byte(&rec, (uint8_t)i));
	chk(vbuf_tlv(&bit, 0xA1, bht, sizeof bht));
	chk(vbuf_wrap(&bit, 0x5F2E, &rec));
	put_int(&grp, 1);
	chk(vbuf_wrap(&grp, 0x7F60, &bit));
	chk(vbuf_wrap(&g, 0x7F61, &grp));
	chk(vbuf_wrap(out, 0x63, &g));
}

static int
cmp_der(const void *a, const void *b)
{
	const vbuf *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

/* Chip Authentication key (profile key ca): none, ec-p256, ec-brainpool256 or
 * dh2048 (the RFC 7919 ffdhe2048 group, encoded with explicit p and g). */
static EVP_PKEY *
ca_keygen(const char *type)
{
	EVP_PKEY_CTX *x = NULL;
	EVP_PKEY *k = NULL;
	OSSL_PARAM p[2];

	if (strcmp(type, "ec-p256") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (strcmp(type, "ec-brainpool256") == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "brainpoolP256r1");
	if (strcmp(type, "dh2048") != 0)
		die("profile key ca: expected none, ec-p256, ec-brainpool256 or dh2048");
	p[0] = OSSL_PARAM_construct_utf8_string("group", (char *)"ffdhe2048", 0);
	p[1] = OSSL_PARAM_construct_end();
	if ((x = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) == NULL ||
	    EVP_PKEY_keygen_init(x) != 1 || EVP_PKEY_CTX_set_params(x, p) != 1 ||
	    EVP_PKEY_keygen(x, &k) != 1)
		die("DH key generation failed");
	EVP_PKEY_CTX_free(x);
	return k;
}

/* ca_cipher: the last arc of id-CA-(EC)DH-* */
static int
ca_arc(void)
{
	int arc = vc_ca_arc(get("ca_cipher"));

	if (arc < 0)
		die("profile key ca_cipher: expected 3des, aes128, aes192 or aes256");
	return arc;
}

/* DG14: 6E { SET OF SecurityInfo }: TA info; AA info (ecdsa-plain-SHA256) for EC AA;
 * with a CA key ChipAuthenticationInfo { id-CA-(EC)DH-cipher, 1 [, keyId] } and
 * ChipAuthenticationPublicKeyInfo { id-PK-(EC)DH, SubjectPublicKeyInfo [, keyId] }. */
static void
make_dg14(int ec_aa, EVP_PKEY *ca, vbuf *out)
{
	vbuf si[4] = { { 0 }, { 0 }, { 0 }, { 0 } }, set = { 0 }, tmp = { 0 };
	int n = 0, i;

	put_obj(&tmp, "0.4.0.127.0.7.2.2.2"); /* id-TA */
	put_int(&tmp, 1);
	chk(vbuf_wrap(&si[n++], 0x30, &tmp));
	if (ec_aa) {
		put_obj(&tmp, "2.23.136.1.1.5"); /* id-AA */
		put_int(&tmp, 1);
		put_obj(&tmp, "0.4.0.127.0.7.1.1.4.1.3"); /* ecdsa-plain-SHA256 */
		chk(vbuf_wrap(&si[n++], 0x30, &tmp));
	}
	if (ca != NULL) {
		int ec = EVP_PKEY_is_a(ca, "EC"), kid = -1;
		unsigned char *der = NULL;
		char oid[64];
		int dl = i2d_PUBKEY(ca, &der);

		if (get("ca_key_id")[0] != '\0')
			kid = atoi(get("ca_key_id"));
		if (dl <= 0)
			die("cannot encode the CA public key");
		snprintf(oid, sizeof oid, "0.4.0.127.0.7.2.2.3.%d.%d", ec ? 2 : 1, ca_arc());
		put_obj(&tmp, oid);
		put_int(&tmp, 1);
		if (kid >= 0)
			put_int(&tmp, (unsigned)kid);
		chk(vbuf_wrap(&si[n++], 0x30, &tmp));
		put_obj(&tmp, ec ? "0.4.0.127.0.7.2.2.1.2" : "0.4.0.127.0.7.2.2.1.1");
		chk(vbuf_put(&tmp, der, (size_t)dl));
		if (kid >= 0)
			put_int(&tmp, (unsigned)kid);
		chk(vbuf_wrap(&si[n++], 0x30, &tmp));
		OPENSSL_free(der);
	}
	qsort(si, (size_t)n, sizeof si[0], cmp_der); /* DER SET OF order */
	for (i = 0; i < n; i++) {
		chk(vbuf_put(&set, si[i].p, si[i].len));
		vbuf_free(&si[i]);
	}
	chk(vbuf_wrap(&tmp, 0x31, &set));
	chk(vbuf_wrap(out, 0x6E, &tmp));
}

static void
make_dg15(EVP_PKEY *k, vbuf *out)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);

	if (n <= 0)
		die("cannot encode the AA public key");
	chk(vbuf_tlv(out, 0x6F, der, (size_t)n));
	OPENSSL_free(der);
}

static void
make_com(int with_dg15, vbuf *out)
{
	static const uint8_t tags[] = { 0x61, 0x75, 0x63, 0x6D, 0x6E, 0x6F };
	vbuf in = { 0 };

	chk(vbuf_tlv(&in, 0x5F01, "0107", 4));
	chk(vbuf_tlv(&in, 0x5F36, "040000", 6));
	chk(vbuf_tlv(&in, 0x5C, tags, sizeof tags - (with_dg15 ? 0 : 1)));
	chk(vbuf_wrap(out, 0x60, &in));
}

/* ---- SOD ---- */

struct dg {
	int num;
	vbuf *data;
};

static void
lds_object(const struct dg *dgs, int n, vbuf *out)
{
	vbuf seq = { 0 }, alg = { 0 }, list = { 0 }, one = { 0 };
	uint8_t h[32];
	unsigned int hl;
	int i;

	put_int(&seq, 0);
	put_obj(&alg, "2.16.840.1.101.3.4.2.1"); /* sha256, parameters absent */
	chk(vbuf_wrap(&seq, 0x30, &alg));
	for (i = 0; i < n; i++) {
		if (EVP_Digest(dgs[i].data->p, dgs[i].data->len, h, &hl, EVP_sha256(), NULL) != 1)
			die("SHA-256 failed");
		put_int(&one, (unsigned)dgs[i].num);
		chk(vbuf_tlv(&one, 0x04, h, hl));
		chk(vbuf_wrap(&list, 0x30, &one));
	}
	chk(vbuf_wrap(&seq, 0x30, &list));
	chk(vbuf_wrap(out, 0x30, &seq));
}

static void
load_signer(const char *pki, const char *name, X509 **cert, EVP_PKEY **key)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s.pem", pki, name);
	if ((f = fopen(path, "r")) == NULL)
		die("cannot open %s: %s; make the test PKI with certs/mkpki.sh", path,
		    strerror(errno));
	*cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	snprintf(path, sizeof path, "%s/%s.key", pki, name);
	if ((f = fopen(path, "r")) == NULL)
		die("cannot open %s: %s", path, strerror(errno));
	*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (*cert == NULL || *key == NULL)
		die("cannot read the Document Signer %s in %s", name, pki);
}

/* EF.SOD: 77 { CMS SignedData over the LDSSecurityObject, eContentType id-icao-ldsSecurityObject } */
static void
make_sod(const char *pki, const char *signer, int pss, const struct dg *dgs, int n, vbuf *out)
{
	vbuf lds = { 0 };
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	CMS_ContentInfo *cms = NULL;
	CMS_SignerInfo *si;
	BIO *in = NULL;
	ASN1_OBJECT *ct = OBJ_txt2obj("2.23.136.1.1.1", 1);
	unsigned char *der = NULL;
	unsigned flags = CMS_BINARY | CMS_NOSMIMECAP | CMS_PARTIAL;
	int dl;

	lds_object(dgs, n, &lds);
	load_signer(pki, signer, &cert, &key);
	if ((cms = CMS_sign(NULL, NULL, NULL, NULL, flags)) == NULL)
		die("CMS_sign failed");
	if ((si = CMS_add1_signer(cms, cert, key, EVP_sha256(),
	        flags | (pss ? CMS_KEY_PARAM : 0))) == NULL)
		die("cannot add the Document Signer %s", signer);
	if (pss) {
		EVP_PKEY_CTX *pctx = CMS_SignerInfo_get0_pkey_ctx(si);

		if (pctx == NULL || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) <= 0)
			die("signer_pss needs an RSA Document Signer (e.g. signer = ds-rsa)");
	}
	if (ct == NULL || CMS_set1_eContentType(cms, ct) != 1)
		die("cannot set the eContentType");
	if ((in = BIO_new_mem_buf(lds.p, (int)lds.len)) == NULL ||
	    CMS_final(cms, in, NULL, flags & ~CMS_PARTIAL) != 1)
		die("CMS signing failed");
	if ((dl = i2d_CMS_ContentInfo(cms, &der)) <= 0)
		die("cannot encode the SOD");
	chk(vbuf_tlv(out, 0x77, der, (size_t)dl));
	OPENSSL_free(der);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	ASN1_OBJECT_free(ct);
	X509_free(cert);
	EVP_PKEY_free(key);
	vbuf_free(&lds);
}

/* ---- output ---- */

static void
write_out(const char *dir, const char *name, const void *d, size_t n, int mode)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (vc_write_file(path, d, n, mode) != 0)
		die("cannot write %s: %s", path, strerror(errno));
}

static void
write_key(const char *dir, const char *name, EVP_PKEY *k)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (vc_write_file(path, "", 0, 0600) != 0 || (f = fopen(path, "w")) == NULL)
		die("cannot write %s: %s", path, strerror(errno));
	if (PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1)
		die("cannot write %s", path);
	fclose(f);
}

static void
json_str(vbuf *b, const char *s)
{
	char esc[8];

	chk(vbuf_byte(b, '"'));
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			chk(vbuf_byte(b, '\\'));
			chk(vbuf_byte(b, c));
		} else if (c < 0x20) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			chk(vbuf_put(b, esc, strlen(esc)));
		} else {
			chk(vbuf_byte(b, c));
		}
	}
	chk(vbuf_byte(b, '"'));
}

static void
json_kv(vbuf *b, const char *k, const char *v, int comma)
{
	chk(vbuf_put(b, "  ", 2));
	if (comma >= 2) /* inside "bac" */
		chk(vbuf_put(b, "  ", 2));
	json_str(b, k);
	chk(vbuf_put(b, ": ", 2));
	json_str(b, v);
	chk(vbuf_put(b, comma & 1 ? ",\n" : "\n", comma & 1 ? 2 : 1));
}

static void
sh_kv(vbuf *b, const char *k, const char *v)
{
	chk(vbuf_put(b, k, strlen(k)));
	chk(vbuf_put(b, "='", 2));
	for (; *v; v++) {
		if (*v == '\'')
			chk(vbuf_put(b, "'\\''", 4));
		else
			chk(vbuf_byte(b, (uint8_t)*v));
	}
	chk(vbuf_put(b, "'\n", 2));
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mkcard -o OUTDIR -k PKI_DIR [-p PROFILE.conf] [-s KEY=VALUE]...\n"
	    "  -o OUTDIR   directory to fill (created)\n"
	    "  -k PKI_DIR  test PKI from certs/mkpki.sh (Document Signer: profile key signer)\n"
	    "  -p FILE     holder profile (key = value lines; see tests/vcard/profiles/)\n"
	    "  -s KEY=VAL  override one profile key (repeatable), e.g. -s aa=ec-p256,\n"
	    "              -s ca=ec-p256 -s ca_cipher=aes256 (Chip Authentication in DG14)\n");
}

int
main(int argc, char **argv)
{
	const char *outdir = NULL, *pki = NULL;
	struct holder h;
	vbuf com = { 0 }, com15 = { 0 }, dg1 = { 0 }, dg2 = { 0 }, dg3 = { 0 }, dg13 = { 0 };
	vbuf dg14 = { 0 }, dg15 = { 0 }, sod = { 0 }, sod15 = { 0 }, sodu = { 0 }, txt = { 0 };
	vbuf dg14own = { 0 }, sod14 = { 0 };
	EVP_PKEY *aa = NULL, *clone = NULL, *ca = NULL, *caclone = NULL;
	const char *aat;
	char qr[4096], path[4096];
	struct dg dgs[6];
	int opt, ec = 0, has_aa, pss, i, ndg;
	size_t k;

	for (k = 0; k < sizeof DEFAULTS / sizeof DEFAULTS[0]; k++)
		set_key(DEFAULTS[k][0], DEFAULTS[k][1], "default");
	while ((opt = getopt(argc, argv, "o:k:p:s:h")) != -1) {
		switch (opt) {
		case 'o': outdir = optarg; break;
		case 'k': pki = optarg; break;
		case 'p': load_profile(optarg); break;
		case 's': {
			char *kv = strdup(optarg), *eq;

			if (kv == NULL || (eq = strchr(kv, '=')) == NULL)
				die("-s wants KEY=VALUE");
			*eq = '\0';
			set_key(kv, eq + 1, "-s");
			free(kv);
			break;
		}
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 3;
		}
	}
	if (outdir == NULL || pki == NULL || optind != argc) {
		usage(stderr);
		return 3;
	}
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
		die("cannot create %s: %s", outdir, strerror(errno));

	derive(&h);
	aat = get("aa");
	has_aa = strcmp(aat, "none") != 0;
	if (strcmp(aat, "rsa1024") == 0 || strcmp(aat, "rsa2048") == 0 ||
	    strcmp(aat, "rsa3072") == 0) {
		aa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)atoi(aat + 3));
		clone = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)atoi(aat + 3));
	} else if (strcmp(aat, "ec-p256") == 0) {
		ec = 1;
		aa = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		clone = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	} else if (has_aa) {
		die("profile key aa: expected rsa1024, rsa2048, rsa3072, ec-p256 or none");
	}
	if (has_aa && (aa == NULL || clone == NULL))
		die("AA key generation failed");
	if (strcmp(get("aa_hash"), "sha1") != 0 && strcmp(get("aa_hash"), "sha256") != 0)
		die("profile key aa_hash: expected sha1 or sha256");
	pss = strcmp(get("signer_pss"), "yes") == 0;
	if (strcmp(get("ca"), "none") != 0) {
		ca = ca_keygen(get("ca"));
		caclone = ca_keygen(get("ca"));
		if (ca == NULL || caclone == NULL)
			die("CA key generation failed");
		(void)ca_arc();
	}

	make_com(has_aa, &com);
	make_com(0, &com15);
	make_dg1(&h, &dg1);
	make_dg2(&h, &dg2);
	make_dg3(&dg3);
	make_dg13(&dg13);
	make_dg14(ec, ca, &dg14);
	if (ca != NULL)
		make_dg14(ec, caclone, &dg14own);
	if (has_aa)
		make_dg15(aa, &dg15);

	ndg = 0;
	dgs[ndg].num = 1; dgs[ndg++].data = &dg1;
	dgs[ndg].num = 2; dgs[ndg++].data = &dg2;
	dgs[ndg].num = 3; dgs[ndg++].data = &dg3;
	dgs[ndg].num = 13; dgs[ndg++].data = &dg13;
	dgs[ndg].num = 14; dgs[ndg++].data = &dg14;
	make_sod(pki, get("signer"), pss, dgs, ndg, &sod15);
	if (has_aa) {
		dgs[ndg].num = 15; dgs[ndg++].data = &dg15;
		make_sod(pki, get("signer"), pss, dgs, ndg, &sod);
	} else {
		chk(vbuf_put(&sod, sod15.p, sod15.len));
	}
	if (ca != NULL) {
		/* EF.SOD without DG14's hash (DG15 listed when there is one) */
		struct dg d14[6];
		int j, m = 0;

		for (j = 0; j < ndg; j++)
			if (dgs[j].num != 14)
				d14[m++] = dgs[j];
		make_sod(pki, get("signer"), pss, d14, m, &sod14);
	}
	snprintf(path, sizeof path, "%s/ds-unknown.pem", pki);
	if (access(path, R_OK) == 0)
		make_sod(pki, "ds-unknown", 0, dgs, ndg, &sodu);

	write_out(outdir, "EF.COM", com.p, com.len, 0644);
	write_out(outdir, "EF.COM.no-dg15", com15.p, com15.len, 0644);
	write_out(outdir, "DG1.bin", dg1.p, dg1.len, 0644);
	write_out(outdir, "DG2.bin", dg2.p, dg2.len, 0644);
	write_out(outdir, "DG3.bin", dg3.p, dg3.len, 0644);
	write_out(outdir, "DG13.bin", dg13.p, dg13.len, 0644);
	write_out(outdir, "DG14.bin", dg14.p, dg14.len, 0644);
	snprintf(path, sizeof path, "%s/DG15.bin", outdir);
	if (has_aa)
		write_out(outdir, "DG15.bin", dg15.p, dg15.len, 0644);
	else
		remove(path);
	write_out(outdir, "EF.SOD", sod.p, sod.len, 0644);
	write_out(outdir, "EF.SOD.no-dg15", sod15.p, sod15.len, 0644);
	if (sodu.len > 0)
		write_out(outdir, "EF.SOD.unknown-signer", sodu.p, sodu.len, 0644);
	if (has_aa) {
		write_key(outdir, "aa.key", aa);
		write_key(outdir, "clone.key", clone);
	}
	if (ca != NULL) {
		write_key(outdir, "ca.key", ca);
		write_key(outdir, "ca-clone.key", caclone);
		write_out(outdir, "DG14.own-ca.bin", dg14own.p, dg14own.len, 0644);
		write_out(outdir, "EF.SOD.no-dg14", sod14.p, sod14.len, 0644);
	}

	snprintf(path, sizeof path, "%s\n%s\n%s\n", h.mrz[0], h.mrz[1], h.mrz[2]);
	write_out(outdir, "mrz.txt", path, strlen(path), 0644);
	snprintf(path, sizeof path, "aa_hash = %s\nca_cipher = %s\nca_key_id = %s\n",
	    get("aa_hash"), get("ca_cipher"), get("ca_key_id"));
	write_out(outdir, "vcard.conf", path, strlen(path), 0644);

	snprintf(qr, sizeof qr, "%s|%s|%s|%s|%s|%s|%s", get("id"), get("old_id"),
	    get("full_name"), h.dob_qr, get("sex"), get("residence"), h.issue_qr);

	/* profile.json */
	chk(vbuf_put(&txt, "{\n  \"schema\": 1,\n", 17));
	for (i = 0; KEYS[i] != NULL; i++)
		if (strcmp(KEYS[i], "photo") != 0 && strcmp(KEYS[i], "signer_pss") != 0 &&
		    strcmp(KEYS[i], "photo_min_size") != 0 && strcmp(KEYS[i], "mrz_name") != 0)
			json_kv(&txt, KEYS[i], get(KEYS[i]), 1);
	json_kv(&txt, "qr", qr, 1);
	chk(vbuf_put(&txt, "  \"mrz\": [", 10));
	for (i = 0; i < 3; i++) {
		json_str(&txt, h.mrz[i]);
		chk(vbuf_put(&txt, i < 2 ? ", " : "],\n", i < 2 ? 2 : 3));
	}
	chk(vbuf_put(&txt, "  \"bac\": {\n", 11));
	json_kv(&txt, "document_number", h.doc, 3);
	json_kv(&txt, "date_of_birth", h.dob, 3);
	json_kv(&txt, "date_of_expiry", h.exp, 2);
	chk(vbuf_put(&txt, "  }\n}\n", 6));
	write_out(outdir, "profile.json", txt.p, txt.len, 0644);
	vbuf_free(&txt);

	/* card.env (sh) */
	sh_kv(&txt, "CARD_ID12", get("id"));
	sh_kv(&txt, "CARD_OLD_ID", get("old_id"));
	sh_kv(&txt, "CARD_FULL_NAME", get("full_name"));
	sh_kv(&txt, "CARD_DOC_NUMBER", h.doc);
	sh_kv(&txt, "CARD_DOB", h.dob);
	sh_kv(&txt, "CARD_EXPIRY", h.exp);
	sh_kv(&txt, "CARD_SEX", get("sex"));
	sh_kv(&txt, "CARD_AA", get("aa"));
	sh_kv(&txt, "CARD_AA_HASH", get("aa_hash"));
	sh_kv(&txt, "CARD_CA", get("ca"));
	sh_kv(&txt, "CARD_CA_CIPHER", get("ca_cipher"));
	sh_kv(&txt, "CARD_QR", qr);
	write_out(outdir, "card.env", txt.p, txt.len, 0644);

	vbuf_free(&txt);
	vbuf_free(&com); vbuf_free(&com15); vbuf_free(&dg1); vbuf_free(&dg2); vbuf_free(&dg3);
	vbuf_free(&dg13); vbuf_free(&dg14); vbuf_free(&dg15); vbuf_free(&sod);
	vbuf_free(&sod15); vbuf_free(&sodu); vbuf_free(&dg14own); vbuf_free(&sod14);
	EVP_PKEY_free(ca);
	EVP_PKEY_free(caclone);
	EVP_PKEY_free(aa);
	EVP_PKEY_free(clone);
	for (i = 0; i < (int)NKEYS; i++)
		free(prof[i]);
	return 0;
}
