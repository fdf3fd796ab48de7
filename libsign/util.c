/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Buffers, wiping, constant-time comparison, bounded and atomic file I/O. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/stat.h>
#include <openssl/crypto.h>

void
sign__freezero(void *ptr, size_t len)
{
	if (ptr == NULL)
		return;
	OPENSSL_cleanse(ptr, len);
	free(ptr);
}

void
sign_buf_dispose(sign_buf *buf)
{
	if (buf == NULL)
		return;
	sign__freezero(buf->data, buf->len);
	buf->data = NULL;
	buf->len = 0;
}

int
sign_buf__set(sign_buf *buf, const void *data, size_t len)
{
	unsigned char *p;

	p = malloc(len > 0 ? len : 1);
	if (p == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	if (len > 0)
		memcpy(p, data, len);
	sign_buf_dispose(buf);
	buf->data = p;
	buf->len = len;
	return 0;
}

void
sign__hex(char *out, const unsigned char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The length of the valid UTF-8 character at p (n bytes left), else 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t k, i;
	unsigned int c;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		k = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		k = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		k = 4, c = p[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return k;
}

/* 1 when the character at p (k bytes, valid UTF-8) is to be escaped. */
static int
unsafe_char(const unsigned char *p, size_t k)
{
	if (k == 1)
		return p[0] < 0x20 || p[0] == 0x7f;
	if (k == 2)
		return (p[0] == 0xc2 && p[1] <= 0x9f) || (p[0] == 0xd8 && p[1] == 0x9c);
	if (k == 3 && p[0] == 0xe2 && p[1] == 0x80)
		return p[2] == 0x8e || p[2] == 0x8f || (p[2] >= 0xa8 && p[2] <= 0xae);
	if (k == 3 && p[0] == 0xe2 && p[1] == 0x81)
		return p[2] >= 0xa6 && p[2] <= 0xa9;
	return 0;
}

size_t
sign_text_escape(char *out, size_t cap, const char *in)
{
	static const char hx[] = "0123456789ABCDEF";
	const unsigned char *p = (const unsigned char *)(in != NULL ? in : "");
	size_t n = strlen((const char *)p), i = 0, need = 0, used = 0, k, j;
	int full = 0;

	while (i < n) {
		k = utf8_len(p + i, n - i);
		if (k != 0 && !unsafe_char(p + i, k)) {
			if (!full && used + k < cap) {
				memcpy(out + used, p + i, k);
				used += k;
			} else {
				full = 1;
			}
			need += k;
			i += k;
			continue;
		}
		if (k == 0)
			k = 1;          /* an invalid byte alone */
		if (full || used + 3 * k >= cap)
			full = 1;
		for (j = 0; j < k; j++, i++) {
			if (!full) {
				out[used++] = '\\';
				out[used++] = hx[p[i] >> 4];
				out[used++] = hx[p[i] & 15];
			}
			need += 3;
		}
	}
	if (cap > 0)
		out[used] = '\0';
	return need;
}

int
sign__ct_memcmp(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) != 0;
}

/* Fill why (for the caller's message) and fail. */
static int
file_fail(struct sign__file_why *why, enum sign__file_fail fail, int code, int err)
{
	why->fail = fail;
	why->code = code;
	why->err = err;
	return -1;
}

int
sign__file_open(const char *path, unsigned int flags, int *fd, struct stat *st,
    struct sign__file_why *why)
{
	int f, fl, e;

	memset(why, 0, sizeof(*why));
	*fd = -1;
	f = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (f < 0)
		return file_fail(why, SIGN__FILE_OPEN, errno == ENOENT ? SIGN_ERR_NOT_FOUND :
		    SIGN_ERR_IO, errno);
	if (fstat(f, st) != 0) {
		e = errno;
		close(f);
		return file_fail(why, SIGN__FILE_STAT, SIGN_ERR_IO, e);
	}
	/* a device or a FIFO has no size to bound, and may never end */
	if (!S_ISREG(st->st_mode) && !(flags & SIGN__FILE_ANY_KIND)) {
		close(f);
		why->kind = sign__file_kind(st->st_mode);
		return file_fail(why, SIGN__FILE_KIND, SIGN_ERR_USAGE, 0);
	}
	if (!S_ISFIFO(st->st_mode) && ((fl = fcntl(f, F_GETFL)) < 0 ||
	    fcntl(f, F_SETFL, fl & ~O_NONBLOCK) != 0)) {
		e = errno;
		close(f);
		return file_fail(why, SIGN__FILE_STAT, SIGN_ERR_IO, e);
	}
	*fd = f;
	return 0;
}

int
sign__file_read(int fd, const struct stat *st, size_t max, sign_buf *out,
    struct sign__file_why *why)
{
	unsigned char *data = NULL, *p;
	size_t len = 0, cap, ncap;
	ssize_t r;

	memset(why, 0, sizeof(*why));
	if (st != NULL && S_ISREG(st->st_mode) && st->st_size > 0 &&
	    (unsigned long long)st->st_size > max)
		return file_fail(why, SIGN__FILE_SIZE, SIGN_ERR_TOO_LARGE, 0);
	/* its size and one byte more (where the end is seen), else a page */
	cap = st != NULL && S_ISREG(st->st_mode) && st->st_size >= 0 ?
	    (size_t)st->st_size + 1 : 4096;
	if (cap > max + 1)
		cap = max + 1;
	data = malloc(cap);
	if (data == NULL)
		return file_fail(why, SIGN__FILE_NOMEM, SIGN_ERR_NOMEM, 0);
	for (;;) {
		if (len == cap) {
			/* max + 1 bytes read: more than max */
			if (cap == max + 1) {
				file_fail(why, SIGN__FILE_SIZE, SIGN_ERR_TOO_LARGE, 0);
				goto fail;
			}
			ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			p = malloc(ncap);
			if (p == NULL) {
				file_fail(why, SIGN__FILE_NOMEM, SIGN_ERR_NOMEM, 0);
				goto fail;
			}
			memcpy(p, data, len);
			sign__freezero(data, cap);
			data = p;
			cap = ncap;
		}
		r = read(fd, data + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			file_fail(why, SIGN__FILE_READ, SIGN_ERR_IO, errno);
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	sign_buf_dispose(out);
	out->data = data;
	out->len = len;
	return 0;
fail:
	sign__freezero(data, cap);
	return -1;
}

int
sign__read_file(const char *path, size_t max, sign_buf *buf)
{
	struct sign__file_why why;
	int fd, rc = 0;

	/* as fopen() opens it: a pipe (/dev/stdin) or a device is read too */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return sign_error__set(errno == ENOENT ? SIGN_ERR_NOT_FOUND : SIGN_ERR_IO,
		    (unsigned long)errno, "%s: %s", path, strerror(errno));
	if (sign__file_read(fd, NULL, max, buf, &why) != 0)
		rc = why.fail == SIGN__FILE_SIZE ? sign_error__set(why.code, 0,
		    "%s: larger than %zu bytes", path, max) :
		    why.fail == SIGN__FILE_NOMEM ? sign_error__set(why.code, 0, "out of memory") :
		    sign_error__set(why.code, (unsigned long)why.err, "%s: read error", path);
	close(fd);
	return rc;
}

int
sign__atomic_open(const char *path, int overwrite, FILE **out, char **tmp_path)
{
	char *tmp = NULL;
	size_t n;
	int fd;

	*out = NULL;
	*tmp_path = NULL;
	if (!overwrite && access(path, F_OK) == 0)
		return sign_error__set(SIGN_ERR_EXISTS, 0,
		    "%s already exists (use --force to replace it)", path);
	n = strlen(path) + sizeof(".tmpXXXXXX");
	tmp = malloc(n);
	if (tmp == NULL)
		return sign_error__set(SIGN_ERR_NOMEM, 0, "out of memory");
	snprintf(tmp, n, "%s.tmpXXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		int e = errno;

		free(tmp);
		return sign_error__set(SIGN_ERR_IO, (unsigned long)e,
		    "cannot create a file beside %s: %s", path, strerror(e));
	}
	*out = fdopen(fd, "wb");
	if (*out == NULL) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "fdopen failed");
	}
	*tmp_path = tmp;
	return 0;
}

void
sign__atomic_abort(FILE *fp, char *tmp_path)
{
	if (fp != NULL)
		fclose(fp);
	if (tmp_path != NULL) {
		unlink(tmp_path);
		free(tmp_path);
	}
}

int
sign__atomic_commit(FILE *fp, char *tmp_path, const char *path, int overwrite)
{
	int rc = 0;

	if (fflush(fp) != 0 || fsync(fileno(fp)) != 0 || ferror(fp)) {
		rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
		    "writing %s failed: %s", path, strerror(errno));
		sign__atomic_abort(fp, tmp_path);
		return rc;
	}
	if (fclose(fp) != 0) {
		rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
		    "writing %s failed: %s", path, strerror(errno));
		sign__atomic_abort(NULL, tmp_path);
		return rc;
	}
	if (!overwrite) {
		/* link() fails if the target appeared meanwhile: no clobbering. */
		if (link(tmp_path, path) != 0) {
			int e = errno;

			rc = sign_error__set(e == EEXIST ? SIGN_ERR_EXISTS : SIGN_ERR_IO,
			    (unsigned long)e, e == EEXIST ?
			    "%s already exists (use --force to replace it)%.0s" :
			    "cannot create %s: %s", path, strerror(e));
		}
		unlink(tmp_path);
	} else if (rename(tmp_path, path) != 0) {
		rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
		    "cannot create %s: %s", path, strerror(errno));
		unlink(tmp_path);
	}
	free(tmp_path);
	return rc;
}

int
sign__write_file_atomic(const char *path, const void *data, size_t len, int overwrite)
{
	FILE *fp;
	char *tmp;
	int rc;

	rc = sign__atomic_open(path, overwrite, &fp, &tmp);
	if (rc != 0)
		return rc;
	if (len > 0 && fwrite(data, 1, len, fp) != len) {
		rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno,
		    "writing %s failed: %s", path, strerror(errno));
		sign__atomic_abort(fp, tmp);
		return rc;
	}
	return sign__atomic_commit(fp, tmp, path, overwrite);
}

const char *
sign__file_kind(mode_t m)
{
	return S_ISREG(m) ? "a regular file" : S_ISDIR(m) ? "a directory" :
	    S_ISLNK(m) ? "a symbolic link" : S_ISFIFO(m) ? "a FIFO" :
	    S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" :
	    S_ISSOCK(m) ? "a socket" : "a special file";
}

int
sign__pem_no_password(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int
sign__remove_leftovers(const char *dir, int (*match)(const char *name, void *ud), void *ud,
    time_t now, time_t min_age, unsigned int *removed)
{
	DIR *d = NULL;
	struct dirent *e;
	struct stat st;
	uid_t me = geteuid();
	int dfd, rc;

	*removed = 0;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		rc = sign_error__set(SIGN_ERR_IO, (unsigned long)errno, "cannot list %s: %s", dir,
		    strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return rc;
	}
	while ((e = readdir(d)) != NULL) {
		if (!match(e->d_name, ud) ||
		    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode) || st.st_uid != me || st.st_mtime > now - min_age)
			continue;
		if (unlinkat(dfd, e->d_name, 0) == 0)
			(*removed)++;
	}
	closedir(d);
	return 0;
}
