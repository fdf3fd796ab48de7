/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Buffers, BER-TLV, files and MRZ check digits for the virtual card tools. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vc.h"

int
vbuf_put(vbuf *b, const void *d, size_t n)
{
	if (n == 0)
		return 0;
	if (b->len + n < b->len)
		return -1;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL)
			return -1;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, d, n);
	b->len += n;
	return 0;
}

int
vbuf_byte(vbuf *b, uint8_t c)
{
	return vbuf_put(b, &c, 1);
}

int
vbuf_tag(vbuf *b, unsigned tag)
{
	if (tag > 0xFFFF && vbuf_byte(b, (uint8_t)(tag >> 16)) != 0)
		return -1;
	if (tag > 0xFF && vbuf_byte(b, (uint8_t)(tag >> 8)) != 0)
		return -1;
	return vbuf_byte(b, (uint8_t)tag);
}

int
vbuf_len(vbuf *b, size_t n)
{
	uint8_t h[5];
	size_t k = 0;

	if (n < 0x80) {
		h[k++] = (uint8_t)n;
	} else if (n < 0x100) {
		h[k++] = 0x81; h[k++] = (uint8_t)n;
	} else if (n < 0x10000) {
		h[k++] = 0x82; h[k++] = (uint8_t)(n >> 8); h[k++] = (uint8_t)n;
	} else if (n < 0x1000000) {
		h[k++] = 0x83; h[k++] = (uint8_t)(n >> 16); h[k++] = (uint8_t)(n >> 8);
		h[k++] = (uint8_t)n;
	} else {
		return -1;
	}
	return vbuf_put(b, h, k);
}

int
vbuf_tlv(vbuf *b, unsigned tag, const void *d, size_t n)
{
	if (vbuf_tag(b, tag) != 0 || vbuf_len(b, n) != 0)
		return -1;
	return vbuf_put(b, d, n);
}

int
vbuf_wrap(vbuf *b, unsigned tag, vbuf *inner)
{
	int r = vbuf_tlv(b, tag, inner->p, inner->len);

	vbuf_free(inner);
	return r;
}

void
vbuf_free(vbuf *b)
{
	if (b->p != NULL) {
		memset(b->p, 0, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

int
vc_tlv(const uint8_t *p, size_t len, unsigned *tag, size_t *hdr, size_t *vlen)
{
	size_t i = 0, n = 0, k;
	unsigned t;

	if (len < 2)
		return -1;
	t = p[i++];
	if ((t & 0x1F) == 0x1F) {
		do {
			if (i >= len || i > 3)
				return -1;
			t = (t << 8) | p[i];
		} while (p[i++] & 0x80);
	}
	if (i >= len)
		return -1;
	if (p[i] < 0x80) {
		n = p[i++];
	} else {
		k = p[i++] & 0x7F;
		if (k == 0 || k > 3 || i + k > len)
			return -1;
		while (k--)
			n = (n << 8) | p[i++];
	}
	if (n > len - i)
		return -1;
	*tag = t;
	*hdr = i;
	*vlen = n;
	return 0;
}

int
vc_read_file(const char *path, uint8_t **out, size_t *outlen, size_t max)
{
	FILE *f = fopen(path, "rb");
	vbuf b = { 0 };
	uint8_t tmp[4096];
	size_t n;
	int r = -1;

	if (f == NULL)
		return -1;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) {
		if (b.len + n > max) {
			errno = EFBIG;
			goto out;
		}
		if (vbuf_put(&b, tmp, n) != 0)
			goto out;
	}
	if (ferror(f))
		goto out;
	if (b.p == NULL && (b.p = malloc(1)) == NULL)
		goto out;
	*out = b.p;
	*outlen = b.len;
	b.p = NULL;
	r = 0;
out:
	free(b.p);
	fclose(f);
	return r;
}

int
vc_write_file(const char *path, const void *d, size_t n, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	const uint8_t *p = d;
	ssize_t w;

	if (fd < 0)
		return -1;
	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return close(fd);
}

int
vc_check_digit(const char *s, size_t n)
{
	static const int w[3] = { 7, 3, 1 };
	int sum = 0, v;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'A' && c <= 'Z')
			v = c - 'A' + 10;
		else if (c == '<')
			v = 0;
		else
			return -1;
		sum += v * w[i % 3];
	}
	return sum % 10;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
vc_unhex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s; s++) {
		if (*s == ' ' || *s == ':' || *s == '\n' || *s == '\t')
			continue;
		if ((v = hexval((unsigned char)*s)) < 0)
			return -1;
		if (hi < 0) {
			hi = v;
		} else {
			if (n >= max)
				return -1;
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return hi < 0 ? (long)n : -1;
}

void
vc_hexdump(char *out, const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789ABCDEF";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}
