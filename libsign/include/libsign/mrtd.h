/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ICAO 9303 eMRTD data without a card: machine readable zones (MRZ), the
 * BAC access key derived from them (including the Vietnamese citizen ID
 * card's ID number, QR code and expiry rule), and the parsers for the
 * logical data structure files EF.COM, DG1 (MRZ), DG2 (face image) and
 * DG13 (the Vietnamese personal-data profile).
 *
 * Every parser takes (ptr, len), copies what it keeps, bounds every length
 * by the buffer, rejects bytes after the outer element and fails with
 * SIGN_ERR_MALFORMED and a message naming the file and the problem.
 * Strings returned are borrowed: NUL-terminated, UTF-8, valid while the
 * object that returned them lives.
 *
 * MRZ keys are secrets (anyone holding one can read the chip): key objects
 * are wiped when freed and never logged.  Personal data (DG1, DG13, QR) is
 * wiped when its object is freed.
 *
 * THREAD SAFETY: the objects are immutable after parsing; distinct objects
 * may be used from different threads, and one object may be read from
 * several threads at once.  Freeing must not race with readers.
 */
#ifndef LIBSIGN_MRTD_H
#define LIBSIGN_MRTD_H

#include <stddef.h>
#include "libsign/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* MRZ                                                                 */
/* ------------------------------------------------------------------ */

/* The ICAO 7-3-1 check digit of s[0..len): 0..9, or SIGN_ERR_MALFORMED
 * when s holds a character other than 0-9, A-Z and '<'. */
int sign_mrz_check_digit(const char *s, size_t len);

typedef enum {
	SIGN_MRZ_TD1 = 1, /* 3 lines of 30: ID cards (the Vietnamese card) */
	SIGN_MRZ_TD2 = 2, /* 2 lines of 36 */
	SIGN_MRZ_TD3 = 3  /* 2 lines of 44: passports */
} sign_mrz_format;

/* The check digits an MRZ carries. */
typedef enum {
	SIGN_MRZ_CD_DOCUMENT_NUMBER = 0,
	SIGN_MRZ_CD_DATE_OF_BIRTH = 1,
	SIGN_MRZ_CD_EXPIRY_DATE = 2,
	SIGN_MRZ_CD_OPTIONAL_DATA = 3, /* TD3 personal number; absent elsewhere */
	SIGN_MRZ_CD_COMPOSITE = 4
} sign_mrz_cd;

typedef enum {
	SIGN_MRZ_CD_ABSENT = 0, /* this format has no such check digit (or '<' where allowed) */
	SIGN_MRZ_CD_OK = 1,
	SIGN_MRZ_CD_BAD = 2
} sign_mrz_cd_status;

typedef struct sign_mrz sign_mrz;

/*
 * Parse an MRZ: TD1, TD2 or TD3, lines separated by "\n" or "\r\n" (a
 * trailing newline allowed) or concatenated without separators.  Only
 * 0-9, A-Z and '<' are accepted.  Check digits are verified and reported by
 * sign_mrz_check(), not enforced: a wrong digit does not fail parsing.
 */
int sign_mrz_parse(sign_mrz **out, const char *text, size_t len);
void sign_mrz_free(sign_mrz *mrz);

sign_mrz_format sign_mrz_get_format(const sign_mrz *mrz);

/* Status of one check digit. */
sign_mrz_cd_status sign_mrz_check(const sign_mrz *mrz, sign_mrz_cd which);

/* 0 when every check digit present is right, else SIGN_ERR_MALFORMED with a
 * message naming the first wrong one. */
int sign_mrz_verify(const sign_mrz *mrz) SIGN_WARN_UNUSED;

/*
 * Fields by stable key, with fillers '<' removed at the ends (names keep
 * '<' turned into spaces):
 *   document_code, issuing_state, document_number (the full number,
 *   extended numbers in TD1/TD2 optional data joined), optional_data,
 *   optional_data_2 (TD1 line 2), date_of_birth (YYMMDD), sex (M, F or <),
 *   expiry_date (YYMMDD), nationality, primary_identifier (surname),
 *   secondary_identifier (given names), full_name ("SURNAME GIVEN NAMES").
 * NULL when the key is unknown.  Also the raw lines: line1, line2, line3.
 */
const char *sign_mrz_field(const sign_mrz *mrz, const char *key);

/* Iterate over the fields above in a fixed order: i from 0 while it
 * returns 0 (SIGN_ERR_NOT_FOUND past the end). */
int sign_mrz_field_at(const sign_mrz *mrz, size_t i, const char **key, const char **value);

/* ------------------------------------------------------------------ */
/* BAC access keys                                                     */
/* ------------------------------------------------------------------ */

/* The BAC access key: document number, date of birth and expiry with their
 * check digits (the "MRZ information" of 9303-11 §9.7.2).  Secret. */
typedef struct sign_mrz_key sign_mrz_key;

/* From a full MRZ text (any format).  The document number, birth and
 * expiry check digits must be right (a wrong one means a misread MRZ):
 * SIGN_ERR_MALFORMED naming it otherwise. */
int sign_mrz_key_from_mrz(sign_mrz_key **out, const char *text, size_t len);

/* From the three fields: document number (1..22 characters of 0-9 A-Z <,
 * lower case accepted and upper-cased, padded with '<' to 9), and dates
 * as YYMMDD.  The caller's strings are not kept. */
int sign_mrz_key_new(sign_mrz_key **out, const char *document_number,
    const char *date_of_birth, const char *expiry_date);

/* Vietnamese citizen ID card: the 12-digit ID number (its last 9 digits
 * are the document number), the date of birth as YYMMDD or dd/mm/yyyy,
 * the expiry as YYMMDD or dd/mm/yyyy, or "991231" (or DG13's "Không thời
 * hạn") for a card without an expiry.  The ID is checked against the birth year (century digit). */
int sign_mrz_key_from_vn_id(sign_mrz_key **out, const char *id12,
    const char *date_of_birth, const char *expiry_date);

void sign_mrz_key_free(sign_mrz_key *key);

/* How the key's expiry was chosen, for messages: "given", "age 14",
 * "age 25", "age 40", "age 60", "no expiry". */
const char *sign_mrz_key_origin(const sign_mrz_key *key);

/*
 * A short ordered list of candidate keys, for a Vietnamese card whose
 * expiry is not known (tried in order until BAC succeeds).
 */
typedef struct sign_mrz_keys sign_mrz_keys;

size_t sign_mrz_keys_count(const sign_mrz_keys *keys);
/* Borrowed, valid while the list lives; NULL past the end. */
const sign_mrz_key *sign_mrz_keys_get(const sign_mrz_keys *keys, size_t i);
void sign_mrz_keys_free(sign_mrz_keys *keys);

/*
 * Candidates from the ID number and date of birth (YYMMDD or dd/mm/yyyy;
 * a YYMMDD birth year is resolved with the ID's century digit).
 * issue_date (dd/mm/yyyy, ddmmyyyy or YYMMDD, may be NULL) orders them.
 * When expiry_date is given the list has just that key.  Otherwise, by
 * the expiry rule (the birthday in the year the holder turns 14 - only for
 * cards issued from 2024-07-01 -, 25, 40 or 60; 991231 for no expiry):
 *   1. the first rule birthday after the issue date (the card's expiry),
 *   2. the later rule birthdays in increasing order (a card issued in the
 *      two years before a renewal age stays valid until the next one),
 *   3. 991231 (no expiry).
 * Without an issue date: every rule birthday in increasing order (14
 * included), then 991231.  Never more than 5 keys; never a search over
 * dates.
 */
int sign_mrz_keys_vn(sign_mrz_keys **out, const char *id12, const char *date_of_birth,
    const char *issue_date, const char *expiry_date);

/* ------------------------------------------------------------------ */
/* The Vietnamese card's QR code and ID number                         */
/* ------------------------------------------------------------------ */

typedef struct sign_vn_qr sign_vn_qr;

/*
 * Parse the QR text of the card front:
 *   ID12|oldID9|Full name|ddMMyyyy|Sex|Residence|ddMMyyyy   (issue date)
 * and the 6-field variant without the old ID.  UTF-8 is required; a
 * trailing newline is tolerated.  Fields (same keys as DG13): id_number,
 * old_id_number (may be ""), full_name, date_of_birth, sex,
 * place_of_residence, issue_date; dates as given (ddMMyyyy).
 */
int sign_vn_qr_parse(sign_vn_qr **out, const char *text, size_t len);
const char *sign_vn_qr_field(const sign_vn_qr *qr, const char *key);
void sign_vn_qr_free(sign_vn_qr *qr);

/* BAC key candidates from a QR text (sign_mrz_keys_vn with its ID, DOB and
 * issue date). */
int sign_mrz_keys_from_qr(sign_mrz_keys **out, const char *text, size_t len);

/* The 12-digit ID number PPP G YY NNNNNN: province code, century and sex
 * digit (0/1 = 1900s male/female, 2/3 = 2000s, 4/5 = 2100s...) and the
 * last two digits of the birth year.  *female is 1 for female, 0 male. */
int sign_vn_id_decode(const char *id12, unsigned int *province, unsigned int *birth_year,
    int *female);

/* Consistency of the ID with a date of birth (YYMMDD or dd/mm/yyyy) and a
 * sex ("Nam"/"Nữ", "M"/"F"; either may be NULL): 0, or SIGN_ERR_MALFORMED
 * naming the disagreement. */
int sign_vn_id_check(const char *id12, const char *date_of_birth, const char *sex);

/* ------------------------------------------------------------------ */
/* LDS files                                                           */
/* ------------------------------------------------------------------ */

/* File identifiers (in the eMRTD application). */
#define SIGN_LDS_FID_CARD_ACCESS 0x011C
#define SIGN_LDS_FID_SOD 0x011D
#define SIGN_LDS_FID_COM 0x011E
/* DGn is 0x0100 + n (n = 1..16). */
#define SIGN_LDS_FID_DG(n) (0x0100 + (n))

/* The LDS tag of DGn (0x61 for DG1 ... 0x70 for DG16); 0 if n is out of
 * range.  SOD is 0x77, EF.COM 0x60. */
unsigned int sign_lds_dg_tag(int dg);
/* The DG number of an LDS tag, or SIGN_ERR_NOT_FOUND. */
int sign_lds_dg_from_tag(unsigned int tag);

/* EF.COM (tag 60). */
typedef struct sign_efcom sign_efcom;

int sign_efcom_parse(sign_efcom **out, const unsigned char *data, size_t len);
void sign_efcom_free(sign_efcom *com);
/* "0107" (LDS 1.7), "040000" (Unicode 4.0.0); "" when absent. */
const char *sign_efcom_lds_version(const sign_efcom *com);
const char *sign_efcom_unicode_version(const sign_efcom *com);
/* The data groups listed (tag list 5C), in file order; unknown tags are
 * skipped. */
size_t sign_efcom_count(const sign_efcom *com);
int sign_efcom_dg(const sign_efcom *com, size_t i);
/* 1 when DGn is listed. */
int sign_efcom_has(const sign_efcom *com, int dg);

/* DG1 (tag 61, MRZ in 5F1F): the MRZ as sign_mrz_parse gives it. */
int sign_dg1_parse(sign_mrz **out, const unsigned char *data, size_t len);

/* DG2 (tag 75): facial images. */
typedef enum {
	SIGN_IMAGE_UNKNOWN = 0,
	SIGN_IMAGE_JPEG = 1,
	SIGN_IMAGE_JPEG2000 = 2   /* JP2 file or J2K codestream */
} sign_image_format;

/* "jpeg", "jpeg2000", "unknown". */
const char *sign_image_format_name(sign_image_format fmt);

typedef enum {
	SIGN_DG2_ISO19794 = 1,  /* ISO/IEC 19794-5 'FAC' record (5F2E or 7F2E) */
	SIGN_DG2_ISO39794 = 2   /* ISO/IEC 39794-5 (LDS 1.8 profile) */
} sign_dg2_encoding;

typedef struct sign_dg2 sign_dg2;

int sign_dg2_parse(sign_dg2 **out, const unsigned char *data, size_t len);
void sign_dg2_free(sign_dg2 *dg2);
sign_dg2_encoding sign_dg2_get_encoding(const sign_dg2 *dg2);
/* Number of images (at least 1 after a successful parse). */
size_t sign_dg2_count(const sign_dg2 *dg2);
/* Image i: its bytes (borrowed), format from the image data itself (the
 * magic), and width/height from the record header (0 when not given). */
int sign_dg2_image(const sign_dg2 *dg2, size_t i, const unsigned char **img, size_t *len,
    sign_image_format *fmt, unsigned int *width, unsigned int *height);

/*
 * DG13 (tag 6D), the Vietnamese profile: a series of SEQUENCE { INTEGER n,
 * string } after a wrapper, walked as BER.  Fields by stable key:
 *   id_number (1), full_name (2), date_of_birth (3), sex (4),
 *   nationality (5), ethnicity (6), religion (7), place_of_origin (8),
 *   place_of_residence (9), identifying_marks (10), issue_date (11),
 *   expiry_date (12), father_name and mother_name (13), spouse_name (14),
 *   old_id_number (15 or 16, whichever holds 9 digits), card_serial (16 if
 *   not an old ID), unknown_<n> (any other field, or 15 that is not an ID).
 * Values are as the card stores them (dates dd/mm/yyyy).  Strings must be
 * valid UTF-8.  See docs/card-fields.md.
 */
typedef struct sign_dg13 sign_dg13;

int sign_dg13_parse(sign_dg13 **out, const unsigned char *data, size_t len);
void sign_dg13_free(sign_dg13 *dg13);
/* Number of (key, value) pairs. */
size_t sign_dg13_count(const sign_dg13 *dg13);
/* Pair i in card order: 0, or SIGN_ERR_NOT_FOUND past the end.  number
 * (may be NULL) gets the card's field number. */
int sign_dg13_field_at(const sign_dg13 *dg13, size_t i, const char **key,
    const char **value, int *number);
/* Value by key; NULL when the card has no such field. */
const char *sign_dg13_get(const sign_dg13 *dg13, const char *key);

#ifdef __cplusplus
}
#endif

#endif
