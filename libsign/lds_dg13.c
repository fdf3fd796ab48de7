/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * DG13 of the Vietnamese citizen ID card: tag 6D holding, after a wrapper
 * whose layout is not known, a series of SEQUENCE { INTEGER n, string }.
 *
 * The walk is structural: every element is read as BER with bounded
 * lengths; a SEQUENCE whose first child is an INTEGER 1..99 followed only by
 * strings (or, for field 13, by the father's and mother's SEQUENCEs) is a
 * field; any other constructed element is part of the wrapper and is walked
 * into (to a bounded depth); primitive wrapper elements are skipped.  No
 * byte patterns are searched for.
 */
#include "internal.h"
#include "mrtd_priv.h"
#include "tlv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHAT "DG13"
#define DG13_MAX_PAIRS 64
#define DG13_MAX_WRAPPER_DEPTH 8

typedef struct dg13_pair {
	int number;
	const char *key;     /* static name, or keybuf */
	char keybuf[16];
	char *value;
	size_t value_len;
} dg13_pair;

struct sign_dg13 {
	size_t n;
	dg13_pair p[DG13_MAX_PAIRS];
};

static const char *names[15] = {
	"id_number", "full_name", "date_of_birth", "sex", "nationality", "ethnicity",
	"religion", "place_of_origin", "place_of_residence", "identifying_marks", "issue_date",
	"expiry_date", NULL /* 13: father/mother */, "spouse_name", NULL /* 15 */
};

static int
is_string_tag(unsigned int tag)
{
	return tag == 0x0C || tag == 0x13 || tag == 0x16 || tag == 0x1A || tag == 0x14;
}

static int
add_pair(sign_dg13 *d, int number, const char *key, const unsigned char *v, size_t len)
{
	dg13_pair *p;

	if (d->n == DG13_MAX_PAIRS)
		return sign_error__set(SIGN_ERR_TOO_LARGE, 0, "%s: more than %d fields", WHAT,
		    DG13_MAX_PAIRS);
	if (!sign_mrtd__utf8_ok(v, len))
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: field %d is not valid UTF-8 text", WHAT, number);
	p = &d->p[d->n];
	p->value = malloc(len + 1);
	if (p->value == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (len > 0)
		memcpy(p->value, v, len);
	p->value[len] = '\0';
	p->value_len = len + 1;
	p->number = number;
	if (key != NULL) {
		p->key = key;
	} else {
		snprintf(p->keybuf, sizeof(p->keybuf), "unknown_%d", number);
		p->key = p->keybuf;
	}
	d->n++;
	return 0;
}

/* The one string inside a parent SEQUENCE (INTEGERs skipped): 1 and *out
 * when found, 0 when empty, negative when it holds something else. */
static int
inner_string(const sign_tlv *seq, sign_tlv *out)
{
	sign_tlv_iter it;
	sign_tlv c;
	int rc, found = 0;

	if ((rc = sign_tlv__iter_init(&it, seq, WHAT)) < 0)
		return rc;
	while ((rc = sign_tlv__next(&it, &c)) > 0) {
		if (c.tag == 0x02)
			continue;
		if (!is_string_tag(c.tag) || found)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: field 13 (parents) holds an unexpected element %X", WHAT, c.tag);
		*out = c;
		found = 1;
	}
	return rc < 0 ? rc : found;
}

/*
 * Is t (a SEQUENCE) a field?  1 when it is (and it was recorded), 0 when it
 * does not have a field's shape, negative on error.
 */
static int
try_field(sign_dg13 *d, const sign_tlv *t, unsigned char *seen)
{
	sign_tlv_iter it;
	sign_tlv c, first, strs[2];
	unsigned long n;
	size_t nstr = 0, nseq = 0, i;
	int rc;

	if ((rc = sign_tlv__iter_init(&it, t, WHAT)) < 0)
		return rc;
	if ((rc = sign_tlv__next(&it, &first)) <= 0)
		return rc;
	if (first.tag != 0x02 || first.constructed || first.len == 0 || first.len > 2 ||
	    sign_tlv__uint(&first, &n, WHAT) < 0 || n < 1 || n > 99) {
		sign_error_clear();
		return 0;
	}
	/* Shape check first: strings only (field 13: strings or SEQUENCEs). */
	{
		sign_tlv_iter it2 = it;

		while ((rc = sign_tlv__next(&it2, &c)) > 0) {
			if (is_string_tag(c.tag))
				nstr++;
			else if (n == 13 && c.tag == 0x30)
				nseq++;
			else
				return 0;
		}
		if (rc < 0)
			return rc;
	}
	if (seen[n])
		return sign_error__set(SIGN_ERR_MALFORMED, 0, "%s: field %lu appears twice", WHAT, n);
	seen[n] = 1;
	if (n == 13) {
		static const char *pk[2] = { "father_name", "mother_name" };

		if (nstr + nseq > 2)
			return sign_error__set(SIGN_ERR_MALFORMED, 0,
			    "%s: field 13 (parents) holds %zu entries, expected 2", WHAT,
			    nstr + nseq);
		for (i = 0; (rc = sign_tlv__next(&it, &c)) > 0; i++) {
			sign_tlv s;
			int f = 1;

			memset(&s, 0, sizeof(s));
			if (c.tag == 0x30)
				f = inner_string(&c, &s);
			else
				s = c;
			if (f < 0)
				return f;
			if ((rc = add_pair(d, 13, pk[i], f ? s.value : (const unsigned char *)"",
			    f ? s.len : 0)) < 0)
				return rc;
		}
		return rc < 0 ? rc : 1;
	}
	if (nstr > 1 && n <= 16)
		return sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: field %lu holds %zu strings, expected one", WHAT, n, nstr);
	if (nstr == 0) {
		rc = add_pair(d, (int)n, n <= 15 ? names[n - 1] : NULL, (const unsigned char *)"",
		    0);
		return rc < 0 ? rc : 1;
	}
	if (nstr == 1) {
		if ((rc = sign_tlv__next(&it, &strs[0])) < 0)
			return rc;
		rc = add_pair(d, (int)n, n <= 15 ? names[n - 1] : NULL, strs[0].value,
		    strs[0].len);
		return rc < 0 ? rc : 1;
	}
	/* An unknown field with several strings: keep them, one per line. */
	{
		sign_buf joined = SIGN_BUF_INIT;

		while ((rc = sign_tlv__next(&it, &c)) > 0) {
			if (joined.len > 0 && (rc = sign_tlv__append_raw(&joined, "\n", 1)) < 0)
				break;
			if ((rc = sign_tlv__append_raw(&joined, c.value, c.len)) < 0)
				break;
		}
		if (rc == 0)
			rc = add_pair(d, (int)n, NULL,
			    joined.data != NULL ? joined.data : (const unsigned char *)"", joined.len);
		sign_buf_dispose(&joined);
		return rc < 0 ? rc : 1;
	}
}

static int
walk(sign_dg13 *d, const sign_tlv *parent, unsigned int depth, unsigned char *seen)
{
	sign_tlv_iter it;
	sign_tlv c;
	int rc;

	if ((rc = sign_tlv__iter_init(&it, parent, WHAT)) < 0)
		return rc;
	while ((rc = sign_tlv__next(&it, &c)) > 0) {
		if (c.tag == 0x30) {
			int f = try_field(d, &c, seen);

			if (f < 0)
				return f;
			if (f == 1)
				continue;
		}
		if (c.constructed) {
			if (depth >= DG13_MAX_WRAPPER_DEPTH)
				return sign_error__set(SIGN_ERR_MALFORMED, 0,
				    "%s: the wrapper nests deeper than %d levels", WHAT,
				    DG13_MAX_WRAPPER_DEPTH);
			if ((rc = walk(d, &c, depth + 1, seen)) < 0)
				return rc;
		}
		/* primitive wrapper elements (versions, OIDs...) are skipped */
	}
	return rc;
}

static int
nine_digits(const char *s)
{
	size_t i;

	for (i = 0; i < 9; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return s[9] == '\0';
}

/* Fields 15 and 16: the old 9-digit ID is recognised by its content. */
static void
name_15_16(sign_dg13 *d)
{
	dg13_pair *f15 = NULL, *f16 = NULL;
	dg13_pair *old = NULL;
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (d->p[i].number == 15)
			f15 = &d->p[i];
		else if (d->p[i].number == 16)
			f16 = &d->p[i];
	}
	if (f15 != NULL && nine_digits(f15->value))
		old = f15;
	else if (f16 != NULL && nine_digits(f16->value))
		old = f16;
	if (f15 != NULL) {
		if (f15 == old || (old == NULL && f15->value[0] == '\0'))
			f15->key = "old_id_number";
		else
			f15->key = "unknown_15";
	}
	if (f16 != NULL)
		f16->key = f16 == old ? "old_id_number" : "card_serial";
}

int
sign_dg13_parse(sign_dg13 **out, const unsigned char *data, size_t len)
{
	sign_dg13 *d = NULL;
	sign_tlv top;
	unsigned char seen[100];
	int rc;

	if (out == NULL || (data == NULL && len > 0))
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "%s: NULL argument", WHAT);
	*out = NULL;
	memset(seen, 0, sizeof(seen));
	if ((rc = sign_tlv__expect(&top, data, len, 0x6D, 0, WHAT)) < 0)
		return rc;
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if ((rc = walk(d, &top, 0, seen)) < 0)
		goto out;
	if (d->n == 0) {
		rc = sign_error__set(SIGN_ERR_MALFORMED, 0,
		    "%s: no SEQUENCE { INTEGER n, string } fields found", WHAT);
		goto out;
	}
	name_15_16(d);
	*out = d;
	d = NULL;
out:
	sign_dg13_free(d);
	return rc;
}

void
sign_dg13_free(sign_dg13 *dg13)
{
	size_t i;

	if (dg13 == NULL)
		return;
	for (i = 0; i < dg13->n; i++)
		sign__freezero(dg13->p[i].value, dg13->p[i].value_len);
	sign__freezero(dg13, sizeof(*dg13));
}

size_t
sign_dg13_count(const sign_dg13 *dg13)
{
	return dg13 != NULL ? dg13->n : 0;
}

int
sign_dg13_field_at(const sign_dg13 *dg13, size_t i, const char **key, const char **value,
    int *number)
{
	if (dg13 == NULL || i >= dg13->n)
		return SIGN_ERR_NOT_FOUND;
	if (key != NULL)
		*key = dg13->p[i].key;
	if (value != NULL)
		*value = dg13->p[i].value;
	if (number != NULL)
		*number = dg13->p[i].number;
	return 0;
}

const char *
sign_dg13_get(const sign_dg13 *dg13, const char *key)
{
	size_t i;

	if (dg13 == NULL || key == NULL)
		return NULL;
	for (i = 0; i < dg13->n; i++)
		if (strcmp(dg13->p[i].key, key) == 0)
			return dg13->p[i].value;
	return NULL;
}
