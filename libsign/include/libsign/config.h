/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kyso configuration file (kyso.conf): a small, strict "key = value"
 * format shared by the modules that read settings from it.
 *
 *   # a comment (only at the start of a line, after optional blanks)
 *   pkcs11-module = /usr/lib/softhsm/libsofthsm2.so
 *
 *   [insurance]
 *   gateway = https://egw.baohiemxahoi.gov.vn
 *   password-source = file:/etc/kyso/bhyt-password
 *   staff-name = "Trần Thị Bình"
 *
 * Rules: UTF-8 text, at most SIGN_CONFIG_MAX_SIZE bytes and lines of at most
 * SIGN_CONFIG_MAX_LINE bytes; keys are [a-z0-9_.-]+ (lower case); blanks
 * around keys and values are ignored; a value wholly in double quotes loses
 * the quotes (no escapes; use them to keep blanks); "#" is a comment only at
 * the start of a line, never inside a value; "[name]" starts a section, keys
 * before the first section are global; a key given twice in one section is
 * an error; NUL bytes and control characters other than TAB are refused.
 *
 * Secrets: a file that holds a sensitive key (see sign_config_key_is_secret)
 * must be a regular file of mode 0600 or stricter; sign_config_load() refuses
 * it otherwise with SIGN_ERR_USAGE and a message asking for "chmod 600 FILE".
 * Any configuration file must be writable by its owner only, and owned by
 * the user or root: its settings (gateway URL, CA bundle...) decide where
 * secrets go.  Otherwise SIGN_ERR_USAGE, asking for "chmod go-w FILE".
 *
 * THREAD SAFETY: a sign_config is read-only after loading and may be read
 * from several threads at once; sign_config_default_path() reads the
 * environment.
 */
#ifndef LIBSIGN_CONFIG_H
#define LIBSIGN_CONFIG_H

#include <stddef.h>
#include "libsign/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SIGN_CONFIG_MAX_SIZE (64 * 1024)
#define SIGN_CONFIG_MAX_LINE 4096

typedef struct sign_config sign_config;

/*
 * Which file to read: path when not NULL, else $KYSO_CONF when set and
 * not empty, else SYSCONFDIR/kyso.conf when that file exists.  *out is NULL
 * when no file applies (then there is nothing to load, which is not an
 * error).  *explicit_out (may be NULL) is set to 1 when the file was named
 * (explicitly or by $KYSO_CONF): a named file that does not exist is an
 * error, the default one is optional.  Borrowed: *out is path, the
 * environment's string or a static string.
 */
int sign_config_default_path(const char **out, int *explicit_out, const char *path);

/*
 * Read and parse a configuration file.  SIGN_ERR_NOT_FOUND when it does not
 * exist, SIGN_ERR_IO when unreadable, SIGN_ERR_TOO_LARGE beyond
 * SIGN_CONFIG_MAX_SIZE, SIGN_ERR_MALFORMED with "FILE:LINE: cause" for a
 * syntax error, SIGN_ERR_USAGE when it holds a sensitive key and is not a
 * regular file of mode 0600 or stricter, or when others may write it (group
 * or other write permission, or an owner other than the user and root).
 */
int sign_config_load(sign_config **out, const char *path) SIGN_WARN_UNUSED;

/* Parse text of len bytes (no permission check); name is used in messages. */
int sign_config_parse(sign_config **out, const char *text, size_t len, const char *name)
    SIGN_WARN_UNUSED;

/* Release (NULL-safe); values are wiped. */
void sign_config_free(sign_config *cfg);

/*
 * The value of key in section (NULL: the global part).  A key not in the
 * section falls back to the global part.  NULL when absent.  Borrowed,
 * valid while cfg lives.
 */
const char *sign_config_get(const sign_config *cfg, const char *section, const char *key);

/* The line a key was found on (as sign_config_get looks it up), 0 when absent. */
unsigned int sign_config_line(const sign_config *cfg, const char *section, const char *key);

/* The file name given to load/parse; borrowed. */
const char *sign_config_name(const sign_config *cfg);

/* Iterate over every entry, in file order: 0 for i < count, SIGN_ERR_NOT_FOUND
 * beyond.  section is NULL for global keys.  Borrowed strings. */
size_t sign_config_count(const sign_config *cfg);
int sign_config_entry(const sign_config *cfg, size_t i, const char **section,
    const char **key, const char **value, unsigned int *line);

/*
 * 1 when a key is sensitive: one of its words (split at "-", "_" and ".")
 * is "password", "passwd", "secret" or "pin", or its last word is "source"
 * or "key" (secret sources and private-key locations): "password-source",
 * "password-file", "client-key", "client-key-pin-source".  Files holding
 * one must be mode 0600.
 */
int sign_config_key_is_secret(const char *key);

#ifdef __cplusplus
}
#endif

#endif /* LIBSIGN_CONFIG_H */
