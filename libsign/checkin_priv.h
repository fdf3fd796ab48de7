/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private side of the check-in records: the model shared by checkin.c
 * (build, canonical form, write, parse) and checkin_verify.c, visible to the
 * unit tests through libsigncore. */
#ifndef LIBSIGN_PRIV_CHECKIN_H
#define LIBSIGN_PRIV_CHECKIN_H

#include <jansson.h>
#include "internal.h"
#include "libsign/checkin.h"

struct sign_checkin {
	json_t *root;           /* the record's content */
};

/* The canonical bytes of a JSON value (json_dumps with JSON_SORT_KEYS |
 * JSON_COMPACT | JSON_ENCODE_ANY). */
int sign_checkin__canonical(sign_buf *out, const json_t *v);

/* Strict base64 (RFC 4648 §4: standard alphabet, padding, no white space,
 * zero pad bits). */
int sign_checkin__b64_encode(char **out, const unsigned char *data, size_t len);
int sign_checkin__b64_decode(sign_buf *out, const char *text, size_t len);

/* SHA-256 as 64 lowercase hex digits into out[65]. */
int sign_checkin__sha256_hex(char out[65], const unsigned char *data, size_t len);
/* A digest by its SOD name ("SHA-1" ... "SHA-512") as lowercase hex into
 * out[129]; SIGN_ERR_UNSUPPORTED for another name. */
int sign_checkin__digest_hex(char out[129], const char *name, const unsigned char *data,
    size_t len);

/* The member at a dotted path ("card.holder.full_name"), or NULL. */
json_t *sign_checkin__at(const json_t *root, const char *path);

/* "2026-03-15T09:30:00+07:00" for t; and back (also "...Z"). */
void sign_checkin__format_time(char out[32], time_t t);
int sign_checkin__parse_time(const char *s, time_t *out);

/* The file key of a FID ("COM", "SOD", "DG1".."DG16"), NULL for others;
 * and back (0 for an unknown key). */
const char *sign_checkin__file_key(unsigned int fid, char buf[8]);
unsigned int sign_checkin__file_fid(const char *key);

/* The outcome of a record's "outcome" string; -1 when unknown. */
int sign_checkin__outcome_from_str(const char *s);

/* Schema check of a parsed record (after the canonical-form check). */
int sign_checkin__validate(const json_t *root);

/* The bytes of a recorded gateway answer ("lookup.answer"). */
int sign_checkin__answer_bytes(sign_buf *out, const json_t *answer);

/* Temporary files of sign_checkin_write (".STEM.json.XXXXXX",
 * ".STEM.json.p7s.XXXXXX") and of the photos kyso reception keeps beside
 * the records ("STEM[-N].jpg.tmpXXXXXX", .jp2, .img) are removed by the next
 * record writer in the directory when older than this (seconds): only a
 * killed process leaves any. */
#define SIGN_CHECKIN__TEMP_AGE (10 * 60)

/* 1 when name has the shape of such a temporary file, else 0. */
int sign_checkin__is_temp_name(const char *name);

/* Remove from dir the temporary files of that shape that are regular files
 * (not links), owned by this user and last modified before now -
 * SIGN_CHECKIN__TEMP_AGE; *removed counts them.  SIGN_ERR_IO when dir
 * cannot be listed. */
int sign_checkin__clean_temp(const char *dir, time_t now, unsigned int *removed);

/* Cut a UTF-8 character left incomplete at the end of s (a detail cut at
 * its buffer's end), so that s stays valid UTF-8. */
void sign_checkin__utf8_trim(char *s);

#endif
