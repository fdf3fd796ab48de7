/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Machine readable zones (ICAO 9303 parts 3-6), BAC access keys, and the
 * Vietnamese citizen ID card's ID number, QR code and expiry rule.
 */
#include "internal.h"
#include "mrtd_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

static int
mrz_char_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	if (c == '<')
		return 0;
	return -1;
}

int
sign_mrz_check_digit(const char *s, size_t len)
{
	static const int w[3] = { 7, 3, 1 };
	size_t i;
	int sum = 0, v;

	if (s == NULL && len > 0)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "MRZ: NULL string");
	for (i = 0; i < len; i++) {
		if ((v = mrz_char_value(s[i])) < 0)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "MRZ: character 0x%02X is not 0-9, A-Z or '<'", (unsigned char)s[i]);
		sum += v * w[i % 3];
	}
	return sum % 10;
}

static int
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
sign_mrtd__utf8_ok(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n, k;
		unsigned long cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F)
				return 0;
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		/* overlong, surrogates, beyond U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

/* A date: YYMMDD, dd/mm/yyyy, ddmmyyyy or yyyy-mm-dd.  *year is the full
 * year, or -1 when only yy is known. */
typedef struct vdate {
	int year, yy, month, day;
} vdate;

static int
days_in_month(int year, int month)
{
	static const int d[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month == 2 && year >= 0 && !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return 28;
	return d[month - 1];
}

static int
num(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int
parse_date(const char *s, vdate *d, const char *what)
{
	size_t len;

	if (s == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s: missing", what);
	len = strlen(s);
	memset(d, 0, sizeof(*d));
	if (len == 6 && all_digits(s, 6)) {
		d->year = -1;
		d->yy = num(s, 2);
		d->month = num(s + 2, 2);
		d->day = num(s + 4, 2);
	} else if (len == 10 && s[2] == '/' && s[5] == '/' && all_digits(s, 2) &&
	    all_digits(s + 3, 2) && all_digits(s + 6, 4)) {
		d->day = num(s, 2);
		d->month = num(s + 3, 2);
		d->year = num(s + 6, 4);
	} else if (len == 8 && all_digits(s, 8)) {
		d->day = num(s, 2);
		d->month = num(s + 2, 2);
		d->year = num(s + 4, 4);
	} else if (len == 10 && s[4] == '-' && s[7] == '-' && all_digits(s, 4) &&
	    all_digits(s + 5, 2) && all_digits(s + 8, 2)) {
		d->year = num(s, 4);
		d->month = num(s + 5, 2);
		d->day = num(s + 8, 2);
	} else {
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: not a date (use YYMMDD or dd/mm/yyyy)", what);
	}
	if (d->year >= 0)
		d->yy = d->year % 100;
	if (d->month < 1 || d->month > 12 || d->day < 1 ||
	    d->day > days_in_month(d->year, d->month))
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: no such day", what);
	return 0;
}

static long
date_ord(int year, int month, int day)
{
	return (long)year * 10000L + month * 100L + day;
}

/* ------------------------------------------------------------------ */
/* MRZ parsing                                                         */
/* ------------------------------------------------------------------ */

#define MRZ_NFIELDS 15

struct sign_mrz {
	sign_mrz_format format;
	char lines[3][45];
	char document_code[3];
	char issuing_state[4];
	char document_number[32];
	char optional_data[32];
	char optional_data_2[16];
	char date_of_birth[7];
	char sex[2];
	char expiry_date[7];
	char nationality[4];
	char primary[45];
	char secondary[45];
	char full_name[92];
	sign_mrz_cd_status cd[5];
	/* the check digit characters of the key fields (for the key) */
	char cd_doc, cd_dob, cd_exp;
	size_t nfields;
	const char *keys[MRZ_NFIELDS];
	const char *values[MRZ_NFIELDS];
};

/* Copy s[0..n) without leading/trailing '<'. */
static void
copy_trim(char *dst, size_t cap, const char *s, size_t n)
{
	while (n > 0 && s[n - 1] == '<')
		n--;
	while (n > 0 && s[0] == '<') {
		s++;
		n--;
	}
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static sign_mrz_cd_status
cd_status(const char *field, size_t n, char cd)
{
	int v = sign_mrz_check_digit(field, n);

	if (v < 0)
		return SIGN_MRZ_CD_BAD;
	return cd == '0' + v ? SIGN_MRZ_CD_OK : SIGN_MRZ_CD_BAD;
}

/* Split "SURNAME<<GIVEN<NAMES<<<" into primary / secondary / full. */
static void
parse_name(sign_mrz *m, const char *s, size_t n)
{
	size_t i, sep = n;
	char *p;

	while (n > 0 && s[n - 1] == '<')
		n--;
	for (i = 0; i + 1 < n; i++)
		if (s[i] == '<' && s[i + 1] == '<') {
			sep = i;
			break;
		}
	if (sep > n)
		sep = n;
	copy_trim(m->primary, sizeof(m->primary), s, sep);
	if (sep < n)
		copy_trim(m->secondary, sizeof(m->secondary), s + sep + 2, n - sep - 2);
	for (p = m->primary; *p != '\0'; p++)
		if (*p == '<')
			*p = ' ';
	for (p = m->secondary; *p != '\0'; p++)
		if (*p == '<')
			*p = ' ';
	snprintf(m->full_name, sizeof(m->full_name), "%s%s%s", m->primary,
	    m->primary[0] != '\0' && m->secondary[0] != '\0' ? " " : "", m->secondary);
}

/*
 * Document number, possibly extended into the optional data (TD1/TD2):
 * when the check digit position holds '<', the number continues in opt up
 * to the first '<', whose previous character is the check digit.
 */
static void
parse_docnum(sign_mrz *m, const char *doc9, char cd, const char *opt, size_t optlen,
    char *opt_out, size_t opt_cap)
{
	char full[32];
	size_t k, n;

	if (cd == '<' && optlen > 0 && opt[0] != '<') {
		for (k = 0; k < optlen && opt[k] != '<'; k++)
			;
		/* doc9 + opt[0..k-1], check digit opt[k-1] */
		memcpy(full, doc9, 9);
		memcpy(full + 9, opt, k - 1);
		n = 9 + k - 1;
		full[n] = '\0';
		m->cd_doc = opt[k - 1];
		m->cd[SIGN_MRZ_CD_DOCUMENT_NUMBER] = cd_status(full, n, opt[k - 1]);
		copy_trim(m->document_number, sizeof(m->document_number), full, n);
		if (k < optlen)
			copy_trim(opt_out, opt_cap, opt + k + 1, optlen - k - 1);
		else
			opt_out[0] = '\0';
		return;
	}
	m->cd_doc = cd;
	m->cd[SIGN_MRZ_CD_DOCUMENT_NUMBER] = cd_status(doc9, 9, cd);
	copy_trim(m->document_number, sizeof(m->document_number), doc9, 9);
	copy_trim(opt_out, opt_cap, opt, optlen);
}

static void
add_field(sign_mrz *m, const char *key, const char *value)
{
	if (m->nfields < MRZ_NFIELDS) {
		m->keys[m->nfields] = key;
		m->values[m->nfields] = value;
		m->nfields++;
	}
}

static void
index_fields(sign_mrz *m)
{
	m->nfields = 0;
	add_field(m, "document_code", m->document_code);
	add_field(m, "issuing_state", m->issuing_state);
	add_field(m, "document_number", m->document_number);
	add_field(m, "optional_data", m->optional_data);
	if (m->format == SIGN_MRZ_TD1)
		add_field(m, "optional_data_2", m->optional_data_2);
	add_field(m, "date_of_birth", m->date_of_birth);
	add_field(m, "sex", m->sex);
	add_field(m, "expiry_date", m->expiry_date);
	add_field(m, "nationality", m->nationality);
	add_field(m, "primary_identifier", m->primary);
	add_field(m, "secondary_identifier", m->secondary);
	add_field(m, "full_name", m->full_name);
	add_field(m, "line1", m->lines[0]);
	add_field(m, "line2", m->lines[1]);
	if (m->format == SIGN_MRZ_TD1)
		add_field(m, "line3", m->lines[2]);
}

static void
parse_td1(sign_mrz *m)
{
	const char *l1 = m->lines[0], *l2 = m->lines[1];
	char comp[64];

	copy_trim(m->document_code, sizeof(m->document_code), l1, 2);
	copy_trim(m->issuing_state, sizeof(m->issuing_state), l1 + 2, 3);
	parse_docnum(m, l1 + 5, l1[14], l1 + 15, 15, m->optional_data, sizeof(m->optional_data));
	memcpy(m->date_of_birth, l2, 6);
	m->cd_dob = l2[6];
	m->cd[SIGN_MRZ_CD_DATE_OF_BIRTH] = cd_status(l2, 6, l2[6]);
	m->sex[0] = l2[7];
	memcpy(m->expiry_date, l2 + 8, 6);
	m->cd_exp = l2[14];
	m->cd[SIGN_MRZ_CD_EXPIRY_DATE] = cd_status(l2 + 8, 6, l2[14]);
	copy_trim(m->nationality, sizeof(m->nationality), l2 + 15, 3);
	copy_trim(m->optional_data_2, sizeof(m->optional_data_2), l2 + 18, 11);
	m->cd[SIGN_MRZ_CD_OPTIONAL_DATA] = SIGN_MRZ_CD_ABSENT;
	memcpy(comp, l1 + 5, 25);
	memcpy(comp + 25, l2, 7);
	memcpy(comp + 32, l2 + 8, 7);
	memcpy(comp + 39, l2 + 18, 11);
	m->cd[SIGN_MRZ_CD_COMPOSITE] = cd_status(comp, 50, l2[29]);
	parse_name(m, m->lines[2], 30);
}

/* TD2 and TD3 share the layout of line 2 up to the optional data. */
static void
parse_td23(sign_mrz *m, size_t width)
{
	const char *l1 = m->lines[0], *l2 = m->lines[1];
	char comp[64];
	size_t optlen = width == 44 ? 14 : 7;

	copy_trim(m->document_code, sizeof(m->document_code), l1, 2);
	copy_trim(m->issuing_state, sizeof(m->issuing_state), l1 + 2, 3);
	parse_name(m, l1 + 5, width - 5);
	if (width == 36)
		parse_docnum(m, l2, l2[9], l2 + 28, optlen, m->optional_data,
		    sizeof(m->optional_data));
	else
		parse_docnum(m, l2, l2[9], "", 0, m->optional_data, sizeof(m->optional_data));
	copy_trim(m->nationality, sizeof(m->nationality), l2 + 10, 3);
	memcpy(m->date_of_birth, l2 + 13, 6);
	m->cd_dob = l2[19];
	m->cd[SIGN_MRZ_CD_DATE_OF_BIRTH] = cd_status(l2 + 13, 6, l2[19]);
	m->sex[0] = l2[20];
	memcpy(m->expiry_date, l2 + 21, 6);
	m->cd_exp = l2[27];
	m->cd[SIGN_MRZ_CD_EXPIRY_DATE] = cd_status(l2 + 21, 6, l2[27]);
	if (width == 44) {
		size_t k;
		int empty = 1;

		copy_trim(m->optional_data, sizeof(m->optional_data), l2 + 28, 14);
		for (k = 28; k < 42; k++)
			if (l2[k] != '<')
				empty = 0;
		if (empty && (l2[42] == '<' || l2[42] == '0'))
			m->cd[SIGN_MRZ_CD_OPTIONAL_DATA] = SIGN_MRZ_CD_ABSENT;
		else
			m->cd[SIGN_MRZ_CD_OPTIONAL_DATA] = cd_status(l2 + 28, 14, l2[42]);
		memcpy(comp, l2, 10);
		memcpy(comp + 10, l2 + 13, 7);
		memcpy(comp + 17, l2 + 21, 22);
		m->cd[SIGN_MRZ_CD_COMPOSITE] = cd_status(comp, 39, l2[43]);
	} else {
		m->cd[SIGN_MRZ_CD_OPTIONAL_DATA] = SIGN_MRZ_CD_ABSENT;
		memcpy(comp, l2, 10);
		memcpy(comp + 10, l2 + 13, 7);
		memcpy(comp + 17, l2 + 21, 14);
		m->cd[SIGN_MRZ_CD_COMPOSITE] = cd_status(comp, 31, l2[35]);
	}
}

int
sign_mrz__parse_named(sign_mrz **out, const char *text, size_t len, const char *what)
{
	sign_mrz *m = NULL;
	size_t starts[3], lens[3], nlines = 0, i, start = 0, width;
	int rc = 0;

	if (out == NULL || (text == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s: NULL argument", what);
	*out = NULL;
	/* Trailing newlines / spaces are tolerated. */
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
	    text[len - 1] == ' '))
		len--;
	if (len == 0 || len > 200)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: %s", what,
		    len == 0 ? "empty MRZ" : "too long for an MRZ");
	for (i = 0; i <= len; i++) {
		if (i == len || text[i] == '\n') {
			size_t e = i;

			if (e > start && text[e - 1] == '\r')
				e--;
			if (nlines == 3)
				return sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s: more than 3 lines", what);
			starts[nlines] = start;
			lens[nlines] = e - start;
			nlines++;
			start = i + 1;
		}
	}
	if (nlines == 1) {
		/* Concatenated lines. */
		size_t w = lens[0] == 90 ? 30 : lens[0] == 72 ? 36 : lens[0] == 88 ? 44 : 0;

		if (w == 0)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: %zu characters is not TD1 (3x30), TD2 (2x36) or TD3 (2x44)", what,
			    lens[0]);
		nlines = lens[0] / w;
		for (i = 0; i < nlines; i++) {
			starts[i] = starts[0] + i * w;
			lens[i] = w;
		}
	}
	width = lens[0];
	for (i = 1; i < nlines; i++)
		if (lens[i] != width)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: line %zu has %zu characters, line 1 has %zu", what, i + 1, lens[i],
			    width);
	if (!((nlines == 3 && width == 30) || (nlines == 2 && (width == 36 || width == 44))))
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: %zu lines of %zu characters is not TD1 (3x30), TD2 (2x36) or TD3 (2x44)",
		    what, nlines, lens[0]);
	for (i = 0; i < nlines; i++) {
		size_t k;

		for (k = 0; k < width; k++)
			if (mrz_char_value(text[starts[i] + k]) < 0)
				return sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s: line %zu holds a character other than 0-9, A-Z and '<'",
				    what, i + 1);
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	for (i = 0; i < nlines; i++)
		memcpy(m->lines[i], text + starts[i], width);
	if (nlines == 3) {
		m->format = SIGN_MRZ_TD1;
		parse_td1(m);
	} else {
		m->format = width == 36 ? SIGN_MRZ_TD2 : SIGN_MRZ_TD3;
		parse_td23(m, width);
	}
	if (m->sex[0] == '\0')
		m->sex[0] = '<';
	index_fields(m);
	*out = m;
	return rc;
}

int
sign_mrz_parse(sign_mrz **out, const char *text, size_t len)
{
	return sign_mrz__parse_named(out, text, len, "MRZ");
}

void
sign_mrz_free(sign_mrz *mrz)
{
	sign__freezero(mrz, mrz != NULL ? sizeof(*mrz) : 0);
}

sign_mrz_format
sign_mrz_get_format(const sign_mrz *mrz)
{
	return mrz != NULL ? mrz->format : (sign_mrz_format)0;
}

sign_mrz_cd_status
sign_mrz_check(const sign_mrz *mrz, sign_mrz_cd which)
{
	if (mrz == NULL || (int)which < 0 || which > SIGN_MRZ_CD_COMPOSITE)
		return SIGN_MRZ_CD_ABSENT;
	return mrz->cd[which];
}

int
sign_mrz_verify(const sign_mrz *mrz)
{
	static const char *names[5] = { "document number", "date of birth", "expiry date",
		"optional data", "composite" };
	int i;

	if (mrz == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "MRZ: NULL argument");
	for (i = 0; i < 5; i++)
		if (mrz->cd[i] == SIGN_MRZ_CD_BAD)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "MRZ: the %s check digit is wrong", names[i]);
	return 0;
}

const char *
sign_mrz_field(const sign_mrz *mrz, const char *key)
{
	size_t i;

	if (mrz == NULL || key == NULL)
		return NULL;
	for (i = 0; i < mrz->nfields; i++)
		if (strcmp(mrz->keys[i], key) == 0)
			return mrz->values[i];
	return NULL;
}

int
sign_mrz_field_at(const sign_mrz *mrz, size_t i, const char **key, const char **value)
{
	if (mrz == NULL || i >= mrz->nfields)
		return SIGN_ERR_NOT_FOUND;
	if (key != NULL)
		*key = mrz->keys[i];
	if (value != NULL)
		*value = mrz->values[i];
	return 0;
}

/* ------------------------------------------------------------------ */
/* BAC keys                                                            */
/* ------------------------------------------------------------------ */

struct sign_mrz_key {
	char info[48];
	size_t len;
	const char *origin;
};

#define MAX_CANDIDATES 6

struct sign_mrz_keys {
	size_t n;
	sign_mrz_key k[MAX_CANDIDATES];
};

int
sign_mrz_key__info(const sign_mrz_key *key, const char **info, size_t *len)
{
	if (key == NULL || key->len == 0)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "MRZ key: empty");
	*info = key->info;
	*len = key->len;
	return 0;
}

/* Fill k from the fields; doc already upper-case MRZ characters. */
static int
key_fill(sign_mrz_key *k, const char *doc, size_t doclen, const char *dob, const char *exp)
{
	char d[32];
	size_t n = doclen;
	int cd;

	if (doclen == 0 || doclen > 22)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "MRZ key: a document number has 1 to 22 characters");
	memcpy(d, doc, doclen);
	while (n < 9)
		d[n++] = '<';
	memcpy(k->info, d, n);
	if ((cd = sign_mrz_check_digit(d, n)) < 0)
		return cd;
	k->info[n] = (char)('0' + cd);
	memcpy(k->info + n + 1, dob, 6);
	k->info[n + 7] = (char)('0' + sign_mrz_check_digit(dob, 6));
	memcpy(k->info + n + 8, exp, 6);
	k->info[n + 14] = (char)('0' + sign_mrz_check_digit(exp, 6));
	k->len = n + 15;
	k->info[k->len] = '\0';
	k->origin = "given";
	OPENSSL_cleanse(d, sizeof(d));
	return 0;
}

static int
yymmdd(const char *s, char out[7], const char *what)
{
	vdate d;
	int rc;

	/* DG13's expiry of a card without one ("Không thời hạn"): 991231. */
	if (s != NULL && (strcmp(s, "Kh\xC3\xB4ng th\xE1\xBB\x9Di h\xE1\xBA\xA1n") == 0 ||
	    strcmp(s, "Khong thoi han") == 0)) {
		memcpy(out, "991231", 7);
		return 0;
	}
	if ((rc = parse_date(s, &d, what)) < 0)
		return rc;
	snprintf(out, 7, "%02d%02d%02d", d.yy, d.month, d.day);
	return 0;
}

int
sign_mrz_key_new(sign_mrz_key **out, const char *document_number, const char *date_of_birth,
    const char *expiry_date)
{
	sign_mrz_key *k = NULL;
	char doc[23], dob[7], exp[7];
	size_t n, i;
	int rc;

	if (out == NULL || document_number == NULL || date_of_birth == NULL || expiry_date == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "MRZ key: NULL argument");
	*out = NULL;
	n = strlen(document_number);
	if (n == 0 || n > 22)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "MRZ key: a document number has 1 to 22 characters");
	for (i = 0; i < n; i++) {
		char c = document_number[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (mrz_char_value(c) < 0) {
			rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "MRZ key: the document number may hold only 0-9, A-Z and '<'");
			goto out;
		}
		doc[i] = c;
	}
	if ((rc = yymmdd(date_of_birth, dob, "MRZ key: date of birth")) < 0 ||
	    (rc = yymmdd(expiry_date, exp, "MRZ key: expiry date")) < 0)
		goto out;
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	if ((rc = key_fill(k, doc, n, dob, exp)) < 0)
		goto out;
	*out = k;
	k = NULL;
out:
	OPENSSL_cleanse(doc, sizeof(doc));
	OPENSSL_cleanse(dob, sizeof(dob));
	OPENSSL_cleanse(exp, sizeof(exp));
	sign_mrz_key_free(k);
	return rc;
}

int
sign_mrz_key_from_mrz(sign_mrz_key **out, const char *text, size_t len)
{
	sign_mrz *m = NULL;
	sign_mrz_key *k = NULL;
	int rc;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "MRZ key: NULL argument");
	*out = NULL;
	if ((rc = sign_mrz_parse(&m, text, len)) < 0)
		goto out;
	if (m->cd[SIGN_MRZ_CD_DOCUMENT_NUMBER] != SIGN_MRZ_CD_OK ||
	    m->cd[SIGN_MRZ_CD_DATE_OF_BIRTH] != SIGN_MRZ_CD_OK ||
	    m->cd[SIGN_MRZ_CD_EXPIRY_DATE] != SIGN_MRZ_CD_OK) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "MRZ: the %s check digit is wrong; check the MRZ for a misread character",
		    m->cd[SIGN_MRZ_CD_DOCUMENT_NUMBER] != SIGN_MRZ_CD_OK ? "document number" :
		    m->cd[SIGN_MRZ_CD_DATE_OF_BIRTH] != SIGN_MRZ_CD_OK ? "date of birth" :
		    "expiry date");
		goto out;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	/* The number as printed: for a short (or extended) number with its
	 * fillers to 9 characters. */
	if ((rc = key_fill(k, m->document_number, strlen(m->document_number), m->date_of_birth,
	    m->expiry_date)) < 0)
		goto out;
	*out = k;
	k = NULL;
out:
	sign_mrz_free(m);
	sign_mrz_key_free(k);
	return rc;
}

void
sign_mrz_key_free(sign_mrz_key *key)
{
	sign__freezero(key, key != NULL ? sizeof(*key) : 0);
}

const char *
sign_mrz_key_origin(const sign_mrz_key *key)
{
	return key != NULL && key->origin != NULL ? key->origin : "given";
}

size_t
sign_mrz_keys_count(const sign_mrz_keys *keys)
{
	return keys != NULL ? keys->n : 0;
}

const sign_mrz_key *
sign_mrz_keys_get(const sign_mrz_keys *keys, size_t i)
{
	if (keys == NULL || i >= keys->n)
		return NULL;
	return &keys->k[i];
}

void
sign_mrz_keys_free(sign_mrz_keys *keys)
{
	sign__freezero(keys, keys != NULL ? sizeof(*keys) : 0);
}

/* ------------------------------------------------------------------ */
/* Vietnamese ID number, key candidates, QR                            */
/* ------------------------------------------------------------------ */

int
sign_vn_id_decode(const char *id12, unsigned int *province, unsigned int *birth_year,
    int *female)
{
	int g;

	if (id12 == NULL || strlen(id12) != 12 || !all_digits(id12, 12))
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "ID number: a citizen ID number has 12 digits");
	g = id12[3] - '0';
	if (province != NULL)
		*province = (unsigned)num(id12, 3);
	if (birth_year != NULL)
		*birth_year = (unsigned)(1900 + 100 * (g / 2) + num(id12 + 4, 2));
	if (female != NULL)
		*female = g % 2;
	return 0;
}

/* "Nam"/"M" -> 0, "Nữ"/"F" -> 1, else -1. */
static int
sex_value(const char *s)
{
	if (strcmp(s, "Nam") == 0 || strcmp(s, "M") == 0 || strcmp(s, "NAM") == 0)
		return 0;
	if (strcmp(s, "N\xE1\xBB\xAF") == 0 || strcmp(s, "N\xE1\xBB\xAE") == 0 ||
	    strcmp(s, "F") == 0 || strcmp(s, "Nu") == 0 || strcmp(s, "NU") == 0)
		return 1;
	return -1;
}

int
sign_vn_id_check(const char *id12, const char *date_of_birth, const char *sex)
{
	unsigned int prov, year;
	int female, rc, sx;
	vdate d;

	if ((rc = sign_vn_id_decode(id12, &prov, &year, &female)) < 0)
		return rc;
	if (prov < 1 || prov > 96)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "ID number: province code %03u does not exist", prov);
	if (date_of_birth != NULL) {
		if ((rc = parse_date(date_of_birth, &d, "date of birth")) < 0)
			return rc;
		if ((d.year >= 0 && (unsigned)d.year != year) ||
		    (d.year < 0 && (unsigned)d.yy != year % 100))
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "ID number: it encodes birth year %u, which differs from the date of "
			    "birth", year);
	}
	if (sex != NULL) {
		if ((sx = sex_value(sex)) < 0)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "sex: expected Nam/N\xE1\xBB\xAF or M/F");
		if (sx != female)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "ID number: its century digit says %s, the card says otherwise",
			    female ? "female" : "male");
	}
	return 0;
}

int
sign_mrz_key_from_vn_id(sign_mrz_key **out, const char *id12, const char *date_of_birth,
    const char *expiry_date)
{
	int rc;

	if (out == NULL || id12 == NULL || date_of_birth == NULL || expiry_date == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "MRZ key: NULL argument");
	*out = NULL;
	if ((rc = sign_vn_id_check(id12, date_of_birth, NULL)) < 0)
		return rc;
	return sign_mrz_key_new(out, id12 + 3, date_of_birth, expiry_date);
}

static int
add_candidate(sign_mrz_keys *ks, const char *doc9, const char *dob6, int y, int m, int d,
    const char *origin)
{
	char exp[16];
	size_t i;
	int rc;

	if (ks->n >= MAX_CANDIDATES)
		return 0;
	snprintf(exp, sizeof(exp), "%02d%02d%02d", y % 100, m, d);
	for (i = 0; i < ks->n; i++)
		if (memcmp(ks->k[i].info + 17, exp, 6) == 0)
			return 0;
	if ((rc = key_fill(&ks->k[ks->n], doc9, 9, dob6, exp)) < 0)
		return rc;
	ks->k[ks->n].origin = origin;
	ks->n++;
	return 0;
}

int
sign_mrz_keys_vn(sign_mrz_keys **out, const char *id12, const char *date_of_birth,
    const char *issue_date, const char *expiry_date)
{
	static const int ages[4] = { 14, 25, 40, 60 };
	static const char *origins[4] = { "age 14", "age 25", "age 40", "age 60" };
	sign_mrz_keys *ks = NULL;
	unsigned int idyear;
	vdate dob, iss;
	char dob6[7];
	long issued = 0;
	int have_issue = issue_date != NULL && issue_date[0] != '\0';
	int byear, i, rc;

	if (out == NULL || id12 == NULL || date_of_birth == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "MRZ keys: NULL argument");
	*out = NULL;
	if ((rc = sign_vn_id_check(id12, date_of_birth, NULL)) < 0)
		return rc;
	if ((rc = sign_vn_id_decode(id12, NULL, &idyear, NULL)) < 0 ||
	    (rc = parse_date(date_of_birth, &dob, "date of birth")) < 0)
		return rc;
	byear = dob.year >= 0 ? dob.year : (int)idyear;
	snprintf(dob6, sizeof(dob6), "%02d%02d%02d", dob.yy, dob.month, dob.day);
	if (have_issue) {
		if ((rc = parse_date(issue_date, &iss, "issue date")) < 0)
			return rc;
		if (iss.year < 0)
			iss.year = 2000 + iss.yy;
		issued = date_ord(iss.year, iss.month, iss.day);
	}
	ks = calloc(1, sizeof(*ks));
	if (ks == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (expiry_date != NULL && expiry_date[0] != '\0') {
		char exp6[7];

		if ((rc = yymmdd(expiry_date, exp6, "expiry date")) < 0)
			goto out;
		if ((rc = key_fill(&ks->k[0], id12 + 3, 9, dob6, exp6)) < 0)
			goto out;
		ks->n = 1;
		goto done;
	}
	/*
	 * The rule birthdays after the issue date (the first is the
	 * card's expiry; the next cover a card issued in the two years before a
	 * renewal age); without an issue date, every rule birthday from 2021
	 * (chip cards did not exist before).  Then 991231.
	 */
	for (i = 0; i < 4; i++) {
		int y = byear + ages[i], d = dob.day;
		long when;

		/* Age 14 only on cards under the 2023 law (from 2024-07-01). */
		if (ages[i] == 14 && have_issue && issued < 20240701L)
			continue;
		if (dob.month == 2 && d == 29 && days_in_month(y, 2) == 28)
			d = 28;
		when = date_ord(y, dob.month, d);
		if (have_issue ? when <= issued : when < 20210101L)
			continue;
		if ((rc = add_candidate(ks, id12 + 3, dob6, y, dob.month, d, origins[i])) < 0)
			goto out;
		if (d != dob.day &&
		    (rc = add_candidate(ks, id12 + 3, dob6, y, 3, 1, origins[i])) < 0)
			goto out;
	}
	if ((rc = add_candidate(ks, id12 + 3, dob6, 1999, 12, 31, "no expiry")) < 0)
		goto out;
done:
	*out = ks;
	ks = NULL;
out:
	OPENSSL_cleanse(dob6, sizeof(dob6));
	sign_mrz_keys_free(ks);
	return rc;
}

#define QR_FIELDS 7

struct sign_vn_qr {
	char *text;     /* copy, '|' replaced by NULs */
	size_t len;
	const char *f[QR_FIELDS];
};

static const char *qr_keys[QR_FIELDS] = { "id_number", "old_id_number", "full_name",
	"date_of_birth", "sex", "place_of_residence", "issue_date" };

int
sign_vn_qr_parse(sign_vn_qr **out, const char *text, size_t len)
{
	sign_vn_qr *qr = NULL;
	const char *parts[QR_FIELDS + 1];
	size_t i, n = 0;
	int rc = 0;

	if (out == NULL || (text == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "QR: NULL argument");
	*out = NULL;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	if (len == 0 || len > 4096)
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "QR: %s",
		    len == 0 ? "empty text" : "text too long for the card's QR code");
	if (!sign_mrtd__utf8_ok((const unsigned char *)text, len))
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "QR: not valid UTF-8 text");
	qr = calloc(1, sizeof(*qr));
	if (qr == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	qr->text = malloc(len + 1);
	if (qr->text == NULL) {
		rc = sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
		goto out;
	}
	memcpy(qr->text, text, len);
	qr->text[len] = '\0';
	qr->len = len + 1;
	parts[n++] = qr->text;
	for (i = 0; i < len; i++) {
		if (qr->text[i] == '|') {
			if (n == QR_FIELDS) {
				rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "QR: more than 7 '|'-separated fields: not a citizen ID card QR "
				    "layout this version knows");
				goto out;
			}
			qr->text[i] = '\0';
			parts[n++] = qr->text + i + 1;
		}
	}
	if (n == 7) {
		for (i = 0; i < 7; i++)
			qr->f[i] = parts[i];
	} else if (n == 6) {
		qr->f[0] = parts[0];
		qr->f[1] = qr->text + len; /* "" */
		for (i = 1; i < 6; i++)
			qr->f[i + 1] = parts[i];
	} else {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "QR: %zu '|'-separated fields, expected 7 (or 6)", n);
		goto out;
	}
	if (strlen(qr->f[0]) != 12 || !all_digits(qr->f[0], 12)) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "QR: the first field is not a 12-digit ID number");
		goto out;
	}
	if (qr->f[1][0] != '\0' && (strlen(qr->f[1]) != 9 || !all_digits(qr->f[1], 9))) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "QR: the old ID number field is not 9 digits");
		goto out;
	}
	for (i = 3; i < 7; i += 3) {
		vdate d;

		if (strlen(qr->f[i]) != 8 || !all_digits(qr->f[i], 8) ||
		    parse_date(qr->f[i], &d, "QR") < 0) {
			rc = sign_error__set(SIGN_ERR_MALFORMED, 0, "QR: the %s is not a ddmmyyyy date",
			    i == 3 ? "date of birth" : "issue date");
			goto out;
		}
	}
	*out = qr;
	qr = NULL;
out:
	sign_vn_qr_free(qr);
	return rc;
}

const char *
sign_vn_qr_field(const sign_vn_qr *qr, const char *key)
{
	size_t i;

	if (qr == NULL || key == NULL)
		return NULL;
	for (i = 0; i < QR_FIELDS; i++)
		if (strcmp(qr_keys[i], key) == 0)
			return qr->f[i];
	return NULL;
}

void
sign_vn_qr_free(sign_vn_qr *qr)
{
	if (qr == NULL)
		return;
	sign__freezero(qr->text, qr->len);
	sign__freezero(qr, sizeof(*qr));
}

int
sign_mrz_keys_from_qr(sign_mrz_keys **out, const char *text, size_t len)
{
	sign_vn_qr *qr = NULL;
	int rc;

	if (out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "QR: NULL argument");
	*out = NULL;
	if ((rc = sign_vn_qr_parse(&qr, text, len)) < 0)
		return rc;
	rc = sign_mrz_keys_vn(out, qr->f[0], qr->f[3], qr->f[6], NULL);
	sign_vn_qr_free(qr);
	return rc;
}
