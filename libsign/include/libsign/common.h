/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsign common definitions: error codes, the last-error record, owned
 * byte buffers and the log callback.
 *
 * THREAD SAFETY: the last-error record is thread-local; sign_log_set() must
 * be called before other threads use the library.  Everything else here is
 * safe to call from any thread.
 */
#ifndef LIBSIGN_COMMON_H
#define LIBSIGN_COMMON_H

#include <stddef.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SIGN_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define SIGN_WARN_UNUSED
#endif

/*
 * Error codes.  0 is success, every failure is negative.  The numbers are
 * frozen once released: add new codes, never renumber.
 */
typedef enum {
	SIGN_OK = 0,

	/* generic: -1 .. -99 */
	SIGN_ERR_GENERIC = -1,          /* unexpected internal failure */
	SIGN_ERR_NOMEM = -2,            /* out of memory */
	SIGN_ERR_INVALID_ARG = -3,      /* a caller passed an invalid argument */
	SIGN_ERR_IO = -4,               /* file read/write failed */
	SIGN_ERR_NOT_FOUND = -5,        /* a named file or object does not exist */
	SIGN_ERR_EXISTS = -6,           /* output exists and overwriting was not allowed */
	SIGN_ERR_MALFORMED = -7,        /* input data could not be parsed */
	SIGN_ERR_UNSUPPORTED = -8,      /* a valid but unsupported algorithm or format */
	SIGN_ERR_TOO_LARGE = -9,        /* a length exceeded its bound */
	SIGN_ERR_CANCELLED = -10,       /* the caller's callback cancelled */
	SIGN_ERR_USAGE = -11,           /* options that do not go together */

	/* reader and card: -100 .. -199 */
	SIGN_ERR_NO_READER = -100,      /* no PC/SC reader, or PC/SC service down */
	SIGN_ERR_NO_CARD = -101,        /* no card in the reader */
	SIGN_ERR_CARD_REMOVED = -102,   /* the card was removed during the operation */
	SIGN_ERR_CARD_IO = -103,        /* transmission with the card failed */
	SIGN_ERR_CARD_STATUS = -104,    /* the card answered an unexpected status word */
	SIGN_ERR_SM = -105,             /* secure messaging failed (MAC, SSC, padding) */
	SIGN_ERR_CARD_RESPONSE = -106,  /* the card's answer is malformed */
	SIGN_ERR_ACCESS_DENIED = -107,  /* security status not satisfied (6982) */
	SIGN_ERR_TIMEOUT = -108,        /* waited too long for a card */
	SIGN_ERR_NO_APPLET = -109,      /* the card has no eMRTD application */

	/* PIN and authentication: -200 .. -299 */
	SIGN_ERR_PIN_INCORRECT = -200,  /* wrong PIN */
	SIGN_ERR_PIN_LOCKED = -201,     /* PIN blocked */
	SIGN_ERR_PIN_REQUIRED = -202,   /* a PIN is needed and no source can give one */
	SIGN_ERR_PIN_FINAL_TRY = -203,  /* refused: one try left and not forced */
	SIGN_ERR_PIN_INVALID = -204,    /* PIN of a length or form the token refuses */
	SIGN_ERR_AUTH_FAILED = -205,    /* access key (MRZ, CAN, password) rejected */

	/* trust and cryptography: -300 .. -399 */
	SIGN_ERR_VERIFY = -300,         /* a signature is cryptographically invalid */
	SIGN_ERR_HASH_MISMATCH = -301,  /* a digest does not match the data */
	SIGN_ERR_UNTRUSTED = -302,      /* no chain to a trust anchor */
	SIGN_ERR_EXPIRED = -303,        /* a certificate has expired */
	SIGN_ERR_NOT_YET_VALID = -304,  /* a certificate is not yet valid */
	SIGN_ERR_KEY_USAGE = -305,      /* a certificate's key usage forbids this use */
	SIGN_ERR_CRYPTO = -306,         /* a cryptographic operation failed */

	/* backends: -400 .. -499 */
	SIGN_ERR_PKCS11 = -400,         /* a PKCS#11 call failed */
	SIGN_ERR_PCSC = -401,           /* a PC/SC call failed */
	SIGN_ERR_NETWORK = -402,        /* unreachable, timed out, TLS failure */
	SIGN_ERR_TOKEN_NOT_FOUND = -403,/* no token matches */
	SIGN_ERR_KEY_NOT_FOUND = -404,  /* no key or certificate matches */
	SIGN_ERR_HTTP = -405,           /* an HTTP error status */
	SIGN_ERR_SERVER_RESPONSE = -406,/* a server's answer is malformed */
	SIGN_ERR_SERVER_AUTH = -407     /* the server refused our credentials */
} sign_error_code;

/* A short English description of an error code; never NULL. */
const char *sign_strerror(int code);

/*
 * The last error raised on this thread: its code, a one-line message naming
 * the cause (and where known the fix), and the raw backend code (CK_RV,
 * SCard LONG, OpenSSL error, HTTP status...), 0 when none.  The message is
 * valid until the next libsign call on this thread.
 */
int sign_error_last(void);
const char *sign_error_message(void);
unsigned long sign_error_backend(void);
void sign_error_clear(void);

/* Owned bytes returned by the library.  Release with sign_buf_dispose(),
 * which wipes the contents; never free() them. */
typedef struct sign_buf {
	unsigned char *data;
	size_t len;
} sign_buf;

#define SIGN_BUF_INIT { NULL, 0 }

void sign_buf_dispose(sign_buf *buf);

/* Logging: silent unless a callback is installed.  Messages never carry
 * PINs, MRZ keys or session keys. */
typedef enum {
	SIGN_LOG_ERROR = 0,
	SIGN_LOG_WARN = 1,
	SIGN_LOG_INFO = 2,
	SIGN_LOG_DEBUG = 3,
	SIGN_LOG_TRACE = 4  /* APDU and PKCS#11 traces, secrets redacted */
} sign_log_level;

typedef void (*sign_log_cb)(sign_log_level level, const char *msg, void *userdata);

void sign_log_set(sign_log_cb cb, sign_log_level max_level, void *userdata);

/*
 * Text from a card, a token or a certificate made safe to show on a
 * terminal: every byte of a control character (C0, DEL, C1), of a line or
 * paragraph separator (U+2028, U+2029), of a bidirectional formatting
 * character (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and of
 * invalid UTF-8 is written as \XX (two hex digits); other UTF-8 (Vietnamese
 * letters) is kept.  Writes at most cap - 1 bytes and a NUL (never cutting
 * an escape or a character; nothing when cap is 0) and returns the length
 * the whole text needs, as snprintf() does.
 */
size_t sign_text_escape(char *out, size_t cap, const char *in);

/* The library version string, e.g. "0.1.0". */
const char *sign_version(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBSIGN_COMMON_H */
