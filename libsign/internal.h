/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private helpers shared by libsign modules. */
#ifndef LIBSIGN_PRIV_COMMON_H
#define LIBSIGN_PRIV_COMMON_H

#include "config.h"
#include <stddef.h>
#include <stdarg.h>
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

/* Read a whole file of at most max bytes into buf. */
int sign__read_file(const char *path, size_t max, sign_buf *buf);

/*
 * Atomic output: write to a temporary file beside `path`, then rename.
 * sign__atomic_open returns a FILE * on a temporary file (tmp_path gets its
 * name); sign__atomic_commit flushes, fsyncs and renames (refusing to replace
 * an existing file unless overwrite); sign__atomic_abort removes it.
 */
#include <stdio.h>
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
#include <time.h>
int sign__remove_leftovers(const char *dir, int (*match)(const char *name, void *ud), void *ud,
    time_t now, time_t min_age, unsigned int *removed);

/* What a file of mode m is, for "... is a FIFO, not a regular file"
 * messages: "a directory", "a symbolic link", "a FIFO", "a character
 * device", "a block device", "a socket", "a regular file", else "a special
 * file". */
#include <sys/types.h>
const char *sign__file_kind(mode_t m);

/* A pem_password_cb that gives no password: an encrypted PEM item fails to
 * load instead of OpenSSL prompting on the terminal. */
int sign__pem_no_password(char *buf, int size, int rwflag, void *u);

#endif
