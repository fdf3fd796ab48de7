/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for the ICAO unit tests: fixtures, hex, JSON.  Header-only. */
#ifndef KYSO_TEST_ICAO_UTIL_H
#define KYSO_TEST_ICAO_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#if defined(__GNUC__)
#define ICAO_UNUSED __attribute__((unused))
#else
#define ICAO_UNUSED
#endif

/* $top_srcdir/tests/fixtures/icao/<name> */
static ICAO_UNUSED char *
fixture_path(const char *name)
{
	const char *top = getenv("top_srcdir");
	size_t n;
	char *p;

	if (top == NULL)
		top = ".";
	n = strlen(top) + strlen(name) + 32;
	p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/tests/fixtures/icao/%s", top, name);
	return p;
}

static ICAO_UNUSED unsigned char *
load_fixture(const char *name, size_t *len)
{
	char *path = fixture_path(name);
	FILE *fp = fopen(path, "rb");
	unsigned char *buf;
	long n;

	if (fp == NULL)
		fail_msg("cannot open fixture %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	free(path);
	*len = (size_t)n;
	return buf;
}

static ICAO_UNUSED json_t *
load_json_fixture(const char *name)
{
	char *path = fixture_path(name);
	json_error_t err;
	json_t *j = json_load_file(path, 0, &err);

	if (j == NULL)
		fail_msg("cannot parse %s: %s", path, err.text);
	free(path);
	return j;
}

static ICAO_UNUSED int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode hex (spaces allowed); the result is malloc'ed. */
static ICAO_UNUSED unsigned char *
unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex), i, o = 0;
	unsigned char *out = malloc(n / 2 + 1);
	int hi = -1;

	assert_non_null(out);
	for (i = 0; i < n; i++) {
		int v;

		if (hex[i] == ' ' || hex[i] == '\n')
			continue;
		v = hexval(hex[i]);
		if (v < 0)
			fail_msg("bad hex character in %s", hex);
		if (hi < 0) {
			hi = v;
		} else {
			out[o++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	assert_int_equal(hi, -1);
	*len = o;
	return out;
}

/* The string at JSON path obj.key. */
static ICAO_UNUSED const char *
jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		fail_msg("JSON field %s missing", key);
	return json_string_value(v);
}

/* The hex string at JSON path obj.key. */
static ICAO_UNUSED unsigned char *
jhex(json_t *obj, const char *key, size_t *len)
{
	return unhex(jstr(obj, key), len);
}

static ICAO_UNUSED void
assert_hex_equal(const unsigned char *got, size_t got_len, const char *want_hex)
{
	size_t n;
	unsigned char *want = unhex(want_hex, &n);

	if (got_len != n || memcmp(got, want, n) != 0) {
		char buf[1024];
		size_t i, o = 0;

		for (i = 0; i < got_len && o + 3 < sizeof(buf); i++)
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%02X", got[i]);
		fail_msg("got %s, want %s", buf, want_hex);
	}
	free(want);
}

#endif
