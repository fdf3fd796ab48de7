/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private helpers shared by libsign modules. */
#ifndef LIBSIGN_PRIV_COMMON_H
#define LIBSIGN_PRIV_COMMON_H

#include "config.h"
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <sys/types.h>
#include <sys/stat.h>
#include "libsign/common.h"

#if defined(__GNUC__)
#define SIGN__PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SIGN__PRINTF(f, a)
#endif

/* Set the thread's last error and return code (so: return sign_error__set(...)). */
int sign_error__set(int code, unsigned long backend, const char *fmt, ...) SIGN__PRINTF(3, 4);
/* As sign_error__set, appending OpenSSL's first queued error reason, and
 * clearing OpenSSL's queue. */
int sign_error__openssl(int code, const char *fmt, ...) SIGN__PRINTF(2, 3);

void sign_log__msg(sign_log_level level, const char *fmt, ...) SIGN__PRINTF(2, 3);
int sign_log__enabled(sign_log_level level);

/* Buffers. */
int sign_buf__set(sign_buf *buf, const void *data, size_t len);
/* Wipe and free any memory (NULL-safe). */
void sign__freezero(void *ptr, size_t len);

/* Lowercase hex of n bytes into out, which holds 2n + 1 bytes (NUL-terminated). */
void sign__hex(char *out, const unsigned char *p, size_t n);

/* Constant-time comparison: 0 when equal. */
int sign__ct_memcmp(const void *a, const void *b, size_t len);

/* Read a whole file of at most max bytes into buf: any file that can be
 * opened, a pipe or a device too (opened as fopen() would: a FIFO waits for
 * its writer).  The last error says "PATH: cause". */
int sign__read_file(const char *path, size_t max, sign_buf *buf);

/*
 * The safe way to read a file a user named: sign__file_open() opens it
 * without waiting (O_NONBLOCK: a FIFO opens at once instead of hanging us;
 * O_NOCTTY, O_CLOEXEC), fstat()s it into *st (what the caller judges:
 * permissions, owner), refuses anything but a regular file unless flags
 * holds SIGN__FILE_ANY_KIND, and clears O_NONBLOCK again (but on a FIFO,
 * which only SIGN__FILE_ANY_KIND lets through: its reader polls).
 * sign__file_read() then reads fd to its end, at most max bytes (max <
 * SIZE_MAX), retrying reads a signal interrupts; with st (from
 * sign__file_open) a file whose size is already over max is refused
 * unread, and the buffer starts at its size.  Buffers it lets go are
 * wiped: it may read secrets.
 *
 * Both return 0, or -1 with *why filled and the thread's last error left
 * alone: the caller words the message (its file, its fix).  On failure
 * sign__file_open leaves *fd at -1 (nothing to close); sign__file_read
 * leaves out as it was.
 */
enum sign__file_fail {
	SIGN__FILE_OPEN = 1,    /* open(2) failed: err */
	SIGN__FILE_STAT,        /* fstat(2) or fcntl(2) failed: err */
	SIGN__FILE_KIND,        /* not a regular file: kind says what it is */
	SIGN__FILE_SIZE,        /* larger than max bytes */
	SIGN__FILE_READ,        /* read(2) failed: err */
	SIGN__FILE_NOMEM        /* out of memory */
};
struct sign__file_why {
	enum sign__file_fail fail;
	int code;               /* the usual SIGN_ERR_*: NOT_FOUND for a name that
	                         * is not there, IO, TOO_LARGE, NOMEM, USAGE (KIND) */
	int err;                /* errno, for OPEN, STAT and READ */
	const char *kind;       /* for KIND: sign__file_kind(), "a FIFO"... */
};
#define SIGN__FILE_ANY_KIND 1u  /* sign__file_open: every kind; the caller judges */
int sign__file_open(const char *path, unsigned int flags, int *fd, struct stat *st,
    struct sign__file_why *why);
int sign__file_read(int fd, const struct stat *st, size_t max, sign_buf *out,
    struct sign__file_why *why);

/*
 * Atomic output: write to a temporary file beside `path`, then rename.
 * sign__atomic_open returns a FILE * on a temporary file (tmp_path gets its
 * name); sign__atomic_commit flushes, fsyncs and renames (refusing to replace
 * an existing file unless overwrite); sign__atomic_abort removes it.
 */
int sign__atomic_open(const char *path, int overwrite, FILE **out, char **tmp_path);
int sign__atomic_commit(FILE *fp, char *tmp_path, const char *path, int overwrite);
void sign__atomic_abort(FILE *fp, char *tmp_path);
int sign__write_file_atomic(const char *path, const void *data, size_t len, int overwrite);

/*
 * Temporary files a killed writer (SIGKILL, a crash) left in dir: remove
 * those whose name match(name, ud) accepts that are regular files (never a
 * link, nor what it points to) of this user, last modified at least min_age
 * seconds before now (a writer at work holds its file for milliseconds).
 * *removed counts them.  SIGN_ERR_IO when dir cannot be listed.
 */
int sign__remove_leftovers(const char *dir, int (*match)(const char *name, void *ud), void *ud,
    time_t now, time_t min_age, unsigned int *removed);

/* What a file of mode m is, for "... is a FIFO, not a regular file"
 * messages: "a directory", "a symbolic link", "a FIFO", "a character
 * device", "a block device", "a socket", "a regular file", else "a special
 * file". */
const char *sign__file_kind(mode_t m);

/* A pem_password_cb that gives no password: an encrypted PEM item fails to
 * load instead of OpenSSL prompting on the terminal. */
int sign__pem_no_password(char *buf, int size, int rwflag, void *u);

#endif
