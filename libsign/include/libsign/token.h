/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PKCS#11 tokens: modules, slots, login, keys, certificates, and signers
 * whose private key stays on the token.
 *
 * Tokens, keys and certificates are named by RFC 7512 PKCS#11 URIs, e.g.
 *   pkcs11:token=Nguyen%20Van%20An;object=sign;type=private
 *   pkcs11:token=T1;id=%01%02?module-path=/usr/lib/softhsm/libsofthsm2.so
 * A URI's path attributes select the token (token, manufacturer, model,
 * serial, slot-id, slot-description, slot-manufacturer, library-*) and the
 * object (object = CKA_LABEL, id = CKA_ID, type = private|public|cert).
 * PIN attributes (pin-value, pin-source) are refused: the PIN comes from the
 * caller's callback only.
 *
 * The module is, in order: sign_token_options.module; the URI's module-path
 * query attribute; the environment variable KYSO_PKCS11_MODULE; the line
 * "pkcs11-module = PATH" in the configuration file ($KYSO_CONF, else
 * SYSCONFDIR/kyso.conf); p11-kit's proxy module.
 *
 * PINs: the library never caches a PIN.  It asks the caller's sign_pin_cb
 * when a login is needed (once per token handle, however many signatures),
 * passes the PIN to C_Login and wipes the buffer at once.  Keys marked
 * CKA_ALWAYS_AUTHENTICATE make it ask again before each signature.
 *
 * THREAD SAFETY: a sign_token and the signers made from it must be used from
 * one thread at a time.  Separate tokens may be used from separate threads.
 * The info, object and list records are read-only and may be read from any
 * thread while their owner lives.
 */
#ifndef LIBSIGN_TOKEN_H
#define LIBSIGN_TOKEN_H

#include <stddef.h>
#include "libsign/common.h"
#include "libsign/signer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Token state flags (sign_token_info.flags). */
#define SIGN_TOKEN_PRESENT         0x0001u /* a token is in the slot */
#define SIGN_TOKEN_INITIALIZED     0x0002u /* CKF_TOKEN_INITIALIZED */
#define SIGN_TOKEN_LOGIN_REQUIRED  0x0004u /* CKF_LOGIN_REQUIRED */
#define SIGN_TOKEN_PINPAD          0x0008u /* CKF_PROTECTED_AUTHENTICATION_PATH */
#define SIGN_TOKEN_PIN_INITIALIZED 0x0010u /* CKF_USER_PIN_INITIALIZED */
#define SIGN_TOKEN_PIN_COUNT_LOW   0x0020u /* CKF_USER_PIN_COUNT_LOW: a wrong PIN was given */
#define SIGN_TOKEN_PIN_FINAL_TRY   0x0040u /* CKF_USER_PIN_FINAL_TRY: one try left */
#define SIGN_TOKEN_PIN_LOCKED      0x0080u /* CKF_USER_PIN_LOCKED */
#define SIGN_TOKEN_PIN_TO_CHANGE   0x0100u /* CKF_USER_PIN_TO_BE_CHANGED */
#define SIGN_TOKEN_READ_ONLY       0x0200u /* CKF_WRITE_PROTECTED */
#define SIGN_TOKEN_REMOVABLE       0x0400u /* the slot's device is removable */

/* A slot and its token.  Strings are UTF-8 with the PKCS#11 blank padding
 * removed; token strings are "" when no token is present. */
typedef struct sign_token_info {
	unsigned long slot_id;
	const char *slot_description;
	const char *slot_manufacturer;
	const char *label;
	const char *manufacturer;
	const char *model;
	const char *serial;
	unsigned int flags;         /* SIGN_TOKEN_* */
	const char *uri;            /* pkcs11: URI naming the token ("" without one) */
} sign_token_info;

/* What a PIN callback is asked for. */
typedef enum {
	SIGN_PIN_USER = 0,          /* log in to the token (C_Login CKU_USER) */
	SIGN_PIN_CONTEXT = 1        /* a key needs its PIN again for this signature
	                               (CKA_ALWAYS_AUTHENTICATE, CKU_CONTEXT_SPECIFIC) */
} sign_pin_kind;

typedef struct sign_pin_request {
	sign_pin_kind kind;
	const sign_token_info *token; /* the token asking (flags: PINPAD, COUNT_LOW...) */
	const char *key_label;      /* SIGN_PIN_CONTEXT: the key's label, else NULL */
} sign_pin_request;

/* A callback's answer meaning: log in through the token's PIN pad
 * (C_Login with no PIN).  Refused with SIGN_ERR_USAGE on a token without one. */
#define SIGN_PIN_USE_PINPAD 1

/*
 * PIN callback: write the PIN (UTF-8, NUL-terminated) into buf, which holds
 * cap bytes, and return 0; or return SIGN_PIN_USE_PINPAD; or a negative
 * SIGN_ERR_* to stop (SIGN_ERR_PIN_REQUIRED when no PIN can be had,
 * SIGN_ERR_CANCELLED).  The library wipes buf right after C_Login.
 */
typedef int (*sign_pin_cb)(const sign_pin_request *req, char *buf, size_t cap,
    void *userdata);

/* Flags for sign_token_options.flags. */
#define SIGN_TOKEN_OPEN_RW          0x01u /* read-write sessions (key generation, import) */
#define SIGN_TOKEN_FORCE_LAST_TRY   0x02u /* allow a login when the token reports the final PIN try */

typedef struct sign_token_options {
	unsigned int version;       /* SIGN_TOKEN_OPTIONS_VERSION */
	const char *module;         /* PKCS#11 module path, or NULL (see above) */
	sign_pin_cb pin_cb;         /* NULL: logins fail with SIGN_ERR_PIN_REQUIRED */
	void *pin_userdata;
	unsigned int flags;         /* SIGN_TOKEN_OPEN_RW | SIGN_TOKEN_FORCE_LAST_TRY */
} sign_token_options;

#define SIGN_TOKEN_OPTIONS_VERSION 1
#define SIGN_TOKEN_OPTIONS_INIT { SIGN_TOKEN_OPTIONS_VERSION, NULL, NULL, NULL, 0 }

/* ---- module and slots ---------------------------------------------------- */

/*
 * The module path that would be used for uri (may be NULL) and module (may be
 * NULL), following the order above.  Borrowed: valid until the next call on
 * this thread.
 */
int sign_token_module_path(const char **out, const char *uri, const char *module);

typedef struct sign_token_list sign_token_list;

/* Every slot of the module (with or without a token).  uri may be NULL or a
 * pkcs11: URI whose module-path and token attributes filter the list. */
int sign_token_list_new(sign_token_list **out, const char *uri,
    const sign_token_options *opts);
size_t sign_token_list_count(const sign_token_list *list);
/* Borrowed, valid while the list lives; NULL when i is out of range. */
const sign_token_info *sign_token_list_get(const sign_token_list *list, size_t i);
/* The module path the list was read from. */
const char *sign_token_list_module(const sign_token_list *list);
void sign_token_list_free(sign_token_list *list);

/* ---- one token ----------------------------------------------------------- */

typedef struct sign_token sign_token;

/*
 * Open the one token uri names (any object attributes in uri are ignored
 * here).  SIGN_ERR_TOKEN_NOT_FOUND when none matches, SIGN_ERR_USAGE when
 * several do (name one with token= or serial=) or uri carries a PIN,
 * SIGN_ERR_INVALID_ARG for a malformed URI, SIGN_ERR_PKCS11 when the module
 * cannot be loaded.  Does not log in.
 */
int sign_token_open(sign_token **out, const char *uri, const sign_token_options *opts);

/* Release (NULL-safe).  Signers made from the token keep it alive. */
void sign_token_free(sign_token *tok);

/* The token's info, re-read from the module (PIN flags change after a wrong
 * PIN).  Borrowed, valid until the next call on tok. */
const sign_token_info *sign_token_get_info(sign_token *tok);

/*
 * Log in as the user, once: asks the PIN callback (or uses the PIN pad).
 * 0 when logged in or no login is needed.  SIGN_ERR_PIN_LOCKED when the PIN
 * is locked; SIGN_ERR_PIN_FINAL_TRY when the token reports one try left and
 * SIGN_TOKEN_FORCE_LAST_TRY was not given; SIGN_ERR_PIN_INCORRECT for a
 * wrong PIN (the message says what the token reports about the tries left);
 * SIGN_ERR_PIN_INVALID for a PIN of a bad length; SIGN_ERR_USAGE for a PIN
 * pad answer on a token without one; the callback's error otherwise.
 */
int sign_token_login(sign_token *tok) SIGN_WARN_UNUSED;

/* ---- objects ------------------------------------------------------------- */

typedef enum {
	SIGN_TOKEN_OBJ_PRIVATE_KEY = 1,
	SIGN_TOKEN_OBJ_PUBLIC_KEY = 2,
	SIGN_TOKEN_OBJ_CERT = 4
} sign_token_obj_type;

typedef struct sign_token_object {
	sign_token_obj_type type;
	const char *label;          /* CKA_LABEL, "" when none */
	const unsigned char *id;    /* CKA_ID */
	size_t id_len;
	const char *uri;            /* RFC 7512 URI naming this object */
	const char *key_type;       /* keys and certificates: "rsa", "ec", or "other" */
	unsigned int key_bits;      /* RSA modulus or EC field size; 0 when unknown */
	const unsigned char *cert_der; /* certificates: the DER value, else NULL */
	size_t cert_len;
	int always_authenticate;    /* private keys: CKA_ALWAYS_AUTHENTICATE */
} sign_token_object;

typedef struct sign_token_objects sign_token_objects;

/*
 * The objects of the given types (an OR of sign_token_obj_type) matching uri's
 * object attributes (uri may be NULL).  Private keys are visible only after
 * sign_token_login().
 */
int sign_token_objects_new(sign_token_objects **out, sign_token *tok, unsigned int types,
    const char *uri);
size_t sign_token_objects_count(const sign_token_objects *objs);
const sign_token_object *sign_token_objects_get(const sign_token_objects *objs, size_t i);
void sign_token_objects_free(sign_token_objects *objs);

/* ---- key generation ------------------------------------------------------ */

typedef enum {
	SIGN_KEY_RSA_2048 = 0,
	SIGN_KEY_RSA_3072 = 1,
	SIGN_KEY_EC_P256 = 2,       /* prime256v1 */
	SIGN_KEY_EC_P384 = 3        /* secp384r1 */
} sign_key_type;

/* Parse "rsa:2048", "rsa:3072", "ec:prime256v1" (or "ec:P-256"),
 * "ec:secp384r1" (or "ec:P-384"). */
int sign_key_type_parse(sign_key_type *out, const char *name);

/* The canonical name of a key type ("rsa:2048", "rsa:3072", "ec:prime256v1",
 * "ec:secp384r1"), which sign_key_type_parse() takes back; NULL for a value
 * that is not a sign_key_type. */
const char *sign_key_type_name(sign_key_type type);

/*
 * Generate a key pair on the token (C_GenerateKeyPair; never in software):
 * the private key is sensitive, non-extractable, signing only.  id may be
 * NULL (a random 20-byte CKA_ID is chosen).  SIGN_ERR_EXISTS when a private
 * key with that id or that label, or a certificate or public key with that
 * id, is already on the token.  The token must be open read-write (a
 * write-protected token is refused by sign_token_open()) and logged in.
 * uri_out receives the new private key's URI (NUL-terminated text; len
 * excludes the NUL).
 */
int sign_token_generate_key(sign_buf *uri_out, sign_token *tok, sign_key_type type,
    const char *label, const unsigned char *id, size_t id_len);

/* ---- certificates -------------------------------------------------------- */

/*
 * Store the certificates of cert_path (PEM, DER or PKCS#7, several allowed:
 * see sign_cert_list_from_file()) that carry the public key of a private
 * key on the token, each with that key's CKA_ID and label; the other
 * certificates of cert_path and those of chain_path (may be NULL) as CA
 * certificates under their own ids when they are CA certificates or
 * self-signed roots (another end-entity certificate is left out).
 * SIGN_ERR_KEY_NOT_FOUND when no certificate matches a key.  Certificates
 * already on the token are not stored twice.  The token must be open
 * read-write and logged in.  uri_out (may be NULL) receives the stored
 * certificate's URI.
 */
int sign_token_import_cert(sign_buf *uri_out, sign_token *tok, const char *cert_path,
    const char *chain_path);

/* ---- signers ------------------------------------------------------------- */

/*
 * A signer for the private key key_uri names on tok (logging in first if
 * needed).  cert is NULL, a pkcs11: URI of a certificate, or a PEM/DER file.
 * With cert NULL the token's certificate with the key's CKA_ID is used,
 * preferring one with nonRepudiation or digitalSignature that is valid now.
 * SIGN_ERR_KEY_NOT_FOUND when no key matches, SIGN_ERR_USAGE when several
 * do, SIGN_ERR_KEY_USAGE when the certificate forbids signing (an
 * encryption-only certificate) or does not belong to the key.  A key without
 * any certificate gives a signer without one (sign_signer_cert() then
 * answers SIGN_ERR_NOT_FOUND).  The signer keeps tok alive.
 *
 * Signatures are made on the token: RSA PKCS#1 v1.5 with CKM_RSA_PKCS over
 * the DigestInfo, RSA-PSS with CKM_RSA_PKCS_PSS (MGF1 with the same hash,
 * salt = hash length), ECDSA with CKM_ECDSA (returned as DER).
 */
int sign_token_signer(sign_signer **out, sign_token *tok, const char *key_uri,
    const char *cert);

/*
 * A signer for the private key alone, with no certificate chosen or checked
 * (for certification requests: sign_cert_request()).  Otherwise as
 * sign_token_signer().
 */
int sign_token_key_signer(sign_signer **out, sign_token *tok, const char *key_uri);

/*
 * All in one: open the token key_uri names, log in once, and return a signer
 * for the key (as sign_token_signer).  The signer owns the token; free it
 * with sign_signer_free().
 */
int sign_token_signer_open(sign_signer **out, const char *key_uri, const char *cert,
    const sign_token_options *opts);

/*
 * Self-test of a signer: sign count random digests of md with scheme and
 * verify each with the signer's public key (and certificate, when it has
 * one).  0 when all verify; SIGN_ERR_VERIFY when the token's signature does
 * not; the signing error otherwise.
 */
int sign_token_signer_test(sign_signer *signer, sign_scheme scheme, sign_md md,
    unsigned int count) SIGN_WARN_UNUSED;

#ifdef __cplusplus
}
#endif

#endif /* LIBSIGN_TOKEN_H */
