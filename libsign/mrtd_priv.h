/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Private to the ICAO modules (mrz.c, bac.c, sm.c, lds.c). */
#ifndef LIBSIGN_MRTD_PRIV_H
#define LIBSIGN_MRTD_PRIV_H

#include <stddef.h>
#include "libsign/mrtd.h"

/* The MRZ information string of a key (document number + cd, DOB + cd,
 * expiry + cd), borrowed; secret. */
int sign_mrz_key__info(const sign_mrz_key *key, const char **info, size_t *len);

/* The MRZ of DG1: parse with the file name in messages. */
int sign_mrz__parse_named(sign_mrz **out, const char *text, size_t len, const char *what);

/* 1 when (s, len) is valid UTF-8 without NUL or C0 controls other than
 * TAB/LF/CR; 0 otherwise. */
int sign_mrtd__utf8_ok(const unsigned char *s, size_t len);

#endif
