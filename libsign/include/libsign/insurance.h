/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * BHYT (health insurance) card lookups through the Vietnam Social Security
 * gateway (Phụ lục 03, Công văn 1923/BHXH-CNTT):
 *
 *   1. POST {gateway}/api/token/take  {"username", "password": MD5 hex}
 *        -> APIKey { access_token, id_token, expires_in... }
 *   2. POST {gateway}/api/egw/KQNhanLichSuKCB2024
 *        ?token=..&id_token=..&username=..&password=MD5 hex
 *        {"maThe", "hoTen", "ngaySinh", "hoTenCb", "cccdCb"}
 *        -> { "maKetQua", "ghiChu", "gtTheTu", "gtTheDen", "maDKBD", ... }
 *
 * A client object holds the facility account and caches the token while it
 * is valid (the answer's expiry when it gives one, else until the gateway
 * answers 401); after a 401 it takes a new token once and repeats the
 * lookup once.  Only https:// gateways are accepted; the server certificate
 * is always verified.  Network errors and HTTP 5xx answers without a result
 * code are retried a bounded number of times with a doubling delay; answers
 * that carry a result code are never retried.
 *
 * Secrets: the password is MD5-hashed in sign_insurance_client_new() and
 * never kept in clear; the hash and the tokens are wiped when the client is
 * freed.  Log messages (sign_log_set) show request URLs with the token,
 * id_token and password replaced by "***"; libcurl's verbose mode is never
 * enabled.  The library never prints.
 *
 * THREAD SAFETY: a client must be used by one thread at a time; results are
 * read-only and may be read from any thread.  libcurl is initialised on the
 * first sign_insurance_client_new(): in a threaded program call
 * curl_global_init() (or create the first client) before starting threads.
 */
#ifndef LIBSIGN_INSURANCE_H
#define LIBSIGN_INSURANCE_H

#include <stddef.h>
#include "libsign/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a result code is to be taken. */
typedef enum {
	SIGN_INSURANCE_COVERED = 0,       /* 000-004: the card gives coverage */
	SIGN_INSURANCE_NOT_COVERED = 1,   /* 010, 05x, 06x, 070, 110, 12x, 130 */
	SIGN_INSURANCE_GATEWAY_ERROR = 2, /* 100, 101, 205 and codes not in the table */
	SIGN_INSURANCE_AUTH_ERROR = 3     /* 401 */
} sign_insurance_class;

/*
 * The official meaning of a result code ("000", "051"...).  0 with the class
 * and the Vietnamese and English texts; SIGN_ERR_NOT_FOUND for a code not in
 * the table (then *cls is SIGN_INSURANCE_GATEWAY_ERROR and the texts NULL).
 * Any out pointer may be NULL.  The texts are static.
 */
int sign_insurance_code_info(const char *code, sign_insurance_class *cls, const char **vi,
    const char **en);

/* The table, in code order: 0 for i < count, SIGN_ERR_NOT_FOUND beyond. */
size_t sign_insurance_code_count(void);
int sign_insurance_code_get(size_t i, const char **code, sign_insurance_class *cls,
    const char **vi, const char **en);

/* Options of a client.  Strings are copied (the password is hashed at once):
 * the caller may wipe and free them after sign_insurance_client_new(). */
typedef struct sign_insurance_options {
	unsigned int version;       /* SIGN_INSURANCE_OPTIONS_VERSION */
	const char *gateway;        /* base URL, "https://egw.baohiemxahoi.gov.vn" */
	const char *username;       /* facility account, e.g. "01001_BV" */
	const char *password;       /* the account's password, in clear (hashed here) */
	const char *facility_code;  /* the facility's code for the "registered
	                               elsewhere" warning; NULL: username without "_BV" */
	const char *staff_name;     /* default hoTenCb: name of the staff member */
	const char *staff_id;       /* default cccdCb: the staff member's 12-digit ID */
	const char *cacert;         /* PEM file of trusted CAs; NULL: the system's store */
	const char *client_cert;    /* PEM client certificate (+ chain) file, or NULL */
	const char *client_key;     /* with client_cert: a PEM private-key file (mode
	                               0600 or stricter) or a pkcs11: URI */
	const char *client_key_pin; /* PIN of a pkcs11: client key (used once at
	                               creation), or NULL */
	const char *pkcs11_module;  /* module for a pkcs11: key; NULL: the URI's
	                               module-path, $KYSO_PKCS11_MODULE, or the
	                               pkcs11 engine's default */
	long connect_timeout_ms;    /* per connection; 0: 10 000 */
	long timeout_ms;            /* per request, whole exchange; 0: 30 000 */
	unsigned int tries;         /* attempts per request on network errors and
	                               HTTP 5xx; 0: 3; at most 10 */
	long retry_delay_ms;        /* delay before the 2nd try, doubled after;
	                               0: 500; negative: no delay */
	unsigned int expiry_warn_days; /* warn when the card ends within; 0: 30 */
} sign_insurance_options;

#define SIGN_INSURANCE_OPTIONS_VERSION 1
#define SIGN_INSURANCE_OPTIONS_INIT { SIGN_INSURANCE_OPTIONS_VERSION, NULL, NULL, NULL, \
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0 }

typedef struct sign_insurance_client sign_insurance_client;

/*
 * A client.  Checks the options (https:// URL without credentials, query or
 * fragment; a 12-digit staff ID; client certificate and key that match; a
 * key file of mode 0600) and hashes the password; does not connect.
 * SIGN_ERR_INVALID_ARG for a bad option, SIGN_ERR_USAGE for a key file
 * others may read, SIGN_ERR_NOT_FOUND / SIGN_ERR_MALFORMED for unreadable
 * certificate or key files, SIGN_ERR_KEY_USAGE when they do not match,
 * SIGN_ERR_PKCS11 / SIGN_ERR_PIN_* for a token key that cannot be used.
 */
int sign_insurance_client_new(sign_insurance_client **out, const sign_insurance_options *opts)
    SIGN_WARN_UNUSED;

/* Release (NULL-safe): wipes the password hash and tokens. */
void sign_insurance_client_free(sign_insurance_client *client);

/* One lookup.  NULL staff fields take the client's defaults. */
typedef struct sign_insurance_request {
	unsigned int version;       /* SIGN_INSURANCE_REQUEST_VERSION */
	const char *ma_the;         /* card code: 10-digit social-insurance code,
	                               15-character card code, or 12-digit citizen ID */
	const char *full_name;      /* hoTen, UTF-8 */
	const char *birth_date;     /* ngaySinh: dd/mm/yyyy, or yyyy when only the
	                               year is known */
	const char *staff_name;     /* hoTenCb, or NULL */
	const char *staff_id;       /* cccdCb, or NULL */
} sign_insurance_request;

#define SIGN_INSURANCE_REQUEST_VERSION 1
#define SIGN_INSURANCE_REQUEST_INIT { SIGN_INSURANCE_REQUEST_VERSION, NULL, NULL, NULL, NULL, NULL }

typedef struct sign_insurance_result sign_insurance_result;

/*
 * Look a card up.  0 whenever the gateway answered the lookup with a result
 * code, whatever it means (check sign_insurance_result_class()).  Errors:
 * SIGN_ERR_INVALID_ARG (a request field missing or of the wrong form),
 * SIGN_ERR_SERVER_AUTH (token refused, or 401 again after a new token),
 * SIGN_ERR_NETWORK (unreachable, timed out, TLS failure - the message says
 * which), SIGN_ERR_HTTP (an HTTP error status without a result code, or
 * with a covered code 000-004: coverage only comes from a 2xx answer),
 * SIGN_ERR_SERVER_RESPONSE (not JSON, truncated, no maKetQua),
 * SIGN_ERR_TOO_LARGE (an answer beyond 4 MiB).
 */
int sign_insurance_lookup(sign_insurance_result **out, sign_insurance_client *client,
    const sign_insurance_request *req) SIGN_WARN_UNUSED;

void sign_insurance_result_free(sign_insurance_result *res);

/* The result code as sent, normalised to three digits when numeric ("000"). */
const char *sign_insurance_result_code(const sign_insurance_result *res);
sign_insurance_class sign_insurance_result_class(const sign_insurance_result *res);
/* 1 when the class is SIGN_INSURANCE_COVERED. */
int sign_insurance_result_covered(const sign_insurance_result *res);
/* The code's meaning (static), NULL for a code not in the table. */
const char *sign_insurance_result_meaning_vi(const sign_insurance_result *res);
const char *sign_insurance_result_meaning_en(const sign_insurance_result *res);

/*
 * A top-level field of the answer when it is a string; NULL when absent,
 * null or of another type:
 * "ghiChu", "gtTheTu", "gtTheDen", "maDKBD", "tenDKBD", "ngayDu5Nam",
 * "maTheMoi", "gtTheTuMoi", "gtTheDenMoi", "maDKBDMoi", "tenDKBDMoi"...
 * Borrowed, valid while res lives.
 */
const char *sign_insurance_result_field(const sign_insurance_result *res, const char *name);

/* Warnings (OR of flags) computed at lookup time from the local date. */
#define SIGN_INSURANCE_WARN_EXPIRES_SOON   0x01u /* gtTheDen within expiry_warn_days */
#define SIGN_INSURANCE_WARN_EXPIRED        0x02u /* gtTheDen already past */
#define SIGN_INSURANCE_WARN_NOT_YET_VALID  0x04u /* gtTheTu still to come */
#define SIGN_INSURANCE_WARN_OTHER_FACILITY 0x08u /* maDKBD is not facility_code */
#define SIGN_INSURANCE_WARN_NEW_CARD       0x10u /* 003/004, or maTheMoi given */
unsigned int sign_insurance_result_warnings(const sign_insurance_result *res);

/* Days from the lookup's date to gtTheDen (negative when past), and 0;
 * SIGN_ERR_NOT_FOUND when the answer has no valid gtTheDen. */
int sign_insurance_result_days_left(const sign_insurance_result *res, long *days);

/* The answer's bytes exactly as received (NUL-terminated for convenience;
 * len excludes it).  Borrowed, valid while res lives. */
int sign_insurance_result_raw(const sign_insurance_result *res, const char **data, size_t *len);

/* SHA-256 of those bytes (32 bytes), borrowed. */
const unsigned char *sign_insurance_result_sha256(const sign_insurance_result *res);

/* The HTTP status of the answer (200 normally). */
long sign_insurance_result_http_status(const sign_insurance_result *res);

/* The request as sent (never the password): "maThe", "hoTen", "ngaySinh",
 * "hoTenCb", "cccdCb"; NULL for another name.  Borrowed. */
const char *sign_insurance_result_request(const sign_insurance_result *res, const char *name);

#ifdef __cplusplus
}
#endif

#endif /* LIBSIGN_INSURANCE_H */
