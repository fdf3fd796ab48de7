/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private side of the token module.
 *
 * libp11 loads and initialises the module (PKCS11_CTX_load) and enumerates
 * slots, keys and certificates.  What libp11 0.4.12 cannot do -- signatures
 * with a chosen mechanism (CKM_RSA_PKCS_PSS, CKM_ECDSA), CKU_CONTEXT_SPECIFIC
 * logins, C_Login without keeping a copy of the PIN, EC key generation,
 * certificate objects with CKA_CERTIFICATE_CATEGORY -- goes through the
 * module's own CK_FUNCTION_LIST: the same module instance, found with dlopen
 * on the same path (already C_Initialize'd by libp11) and C_GetFunctionList,
 * on a session of our own.  Login state is per application and token, so a
 * C_Login on our session logs libp11's sessions in too.
 */
#ifndef LIBSIGN_TOKEN_PRIV_H
#define LIBSIGN_TOKEN_PRIV_H

#include <libp11.h>
#include <p11-kit/pkcs11.h>
#include <p11-kit/uri.h>

#include "internal.h"
#include "libsign/token.h"
#include "libsign/cert.h"
#include "signer_priv.h"

/* A loaded module, shared by the tokens and lists opened on the same path. */
struct sign_p11_module {
	struct sign_p11_module *next;
	int refs;
	char *path;
	PKCS11_CTX *ctx;            /* libp11 */
	void *dl;                   /* our dlopen reference to the same module */
	CK_FUNCTION_LIST *f;        /* the module's functions */
	PKCS11_SLOT *slots;         /* libp11's slot list */
	unsigned int nslots;
	CK_INFO info;               /* C_GetInfo, read once at load */
	int have_info;
};

/* Owned strings behind a sign_token_info. */
struct sign_token_info_store {
	sign_token_info info;
	char *slot_description, *slot_manufacturer;
	char *label, *manufacturer, *model, *serial;
	char *uri;
	CK_TOKEN_INFO raw;          /* as the module gave it (for URIs) */
	CK_SLOT_INFO raw_slot;
	int has_token;
};

struct sign_token {
	int refs;
	struct sign_p11_module *mod;
	PKCS11_SLOT *slot;          /* in mod->slots */
	CK_SLOT_ID slot_id;
	CK_SESSION_HANDLE session;  /* ours */
	int have_session;
	int logged_in;
	sign_pin_cb pin_cb;
	void *pin_ud;
	unsigned int flags;         /* SIGN_TOKEN_OPEN_RW | SIGN_TOKEN_FORCE_LAST_TRY */
	struct sign_token_info_store info;
};

/* ---- token_module.c ---- */

/* Load (or share) the module at path: libp11 context, slots, function list. */
int sign_token__module_get(struct sign_p11_module **out, const char *path);
void sign_token__module_put(struct sign_p11_module *mod);
/* Re-read slot and token info of slot_id into st (frees what st held). */
int sign_token__info_read(struct sign_p11_module *mod, CK_SLOT_ID slot_id,
    struct sign_token_info_store *st);
void sign_token__info_clear(struct sign_token_info_store *st);
/* 1 when the URI's module, slot and token attributes match the slot st (as
 * read by sign_token__info_read: no PKCS#11 call). */
int sign_token__slot_matches(P11KitUri *u, struct sign_p11_module *mod,
    const struct sign_token_info_store *st);
/* Map PKCS#11 token flags to SIGN_TOKEN_* flags. */
unsigned int sign_token__flags(CK_FLAGS token_flags, CK_FLAGS slot_flags, int present);
/* The value of "pkcs11-module" in the configuration file text (ptr, len),
 * copied into out (cap bytes).  0 found, SIGN_ERR_NOT_FOUND absent,
 * SIGN_ERR_TOO_LARGE when the path does not fit. */
int sign_token__conf_module(const char *text, size_t len, char *out, size_t cap);

/* ---- token_uri.c ---- */

/*
 * Parse a pkcs11: URI for the token module.  NULL or "" gives an empty URI
 * matching everything.  SIGN_ERR_INVALID_ARG for a malformed URI (with
 * p11-kit's reason), SIGN_ERR_USAGE when it carries pin-value or pin-source.
 */
int sign_token__uri_parse(P11KitUri **out, const char *uri);
/* A URI naming the token (info) and, when attrs != NULL, an object. */
int sign_token__uri_format(char **out, const CK_TOKEN_INFO *info, CK_ATTRIBUTE *attrs,
    CK_ULONG nattrs);
/* The URI's object class from type=, or (CK_OBJECT_CLASS)-1 when absent. */
CK_OBJECT_CLASS sign_token__uri_class(P11KitUri *uri);

/* ---- token.c ---- */

/* Trace a PKCS#11 call and its result (never with a PIN). */
void sign_token__trace(const char *call, CK_RV rv);
/* Set the last error for a failed PKCS#11 call: "what: C_Xxx: reason (0x..)". */
int sign_token__p11_error(int code, CK_RV rv, const char *call, const char *what);
/* Map a CK_RV of C_Login to an error, re-reading the token's PIN flags. */
int sign_token__login_error(sign_token *tok, CK_RV rv, int context);
/* Before asking for a PIN: SIGN_ERR_PIN_LOCKED / SIGN_ERR_PIN_FINAL_TRY from
 * the token flags (SIGN_TOKEN_*), 0 to go on.  Sets the message. */
int sign_token__login_precheck(unsigned int token_flags, int force_last_try,
    const char *label);
/* What the token's flags say about the tries left, for messages ("" when
 * nothing). */
const char *sign_token__tries_text(unsigned int token_flags);
/* Ask the PIN callback and C_Login with user (CKU_USER or
 * CKU_CONTEXT_SPECIFIC). */
int sign_token__do_login(sign_token *tok, CK_USER_TYPE user, const char *key_label);
/* Find objects matching tmpl on our session (at most max handles). */
int sign_token__find(sign_token *tok, CK_ATTRIBUTE *tmpl, CK_ULONG n,
    CK_OBJECT_HANDLE *out, CK_ULONG max, CK_ULONG *found);
/* Read one attribute into a new buffer (OPENSSL_malloc'd, *len bytes). */
int sign_token__attr(sign_token *tok, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
    unsigned char **val, CK_ULONG *len);
/* Read a CK_BBOOL attribute; def when the module does not have it. */
int sign_token__attr_bool(sign_token *tok, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
    int def);
sign_token *sign_token__ref(sign_token *tok);
/* Open the token in slot of mod (mod reference taken).  st, when not NULL,
 * is the slot's info just read, moved into the token (else it is read). */
int sign_token__open_slot(sign_token **out, struct sign_p11_module *mod, PKCS11_SLOT *slot,
    const sign_token_options *opts, struct sign_token_info_store *st);

/* ---- token_objects.c ---- */

/* The public key of the key object pair with id, or of the certificate
 * with id (in that order); SIGN_ERR_KEY_NOT_FOUND when none. */
int sign_token__pubkey(EVP_PKEY **out, sign_token *tok, const unsigned char *id,
    size_t id_len);
/* The X.509 certificate in object h (its CKA_VALUE, exactly one DER
 * certificate); SIGN_ERR_MALFORMED when it is not one. */
int sign_token__x509(X509 **out, sign_token *tok, CK_OBJECT_HANDLE h);
/* An EVP_PKEY from a public key object's attributes. */
int sign_token__pubkey_from_object(EVP_PKEY **out, sign_token *tok, CK_OBJECT_HANDLE h);

/* ---- token_sign.c ---- */

/* DER DigestInfo prefix for md; NULL for none. */
const unsigned char *sign_token__digestinfo_prefix(sign_md md, size_t *len);
/* CKM_SHAxxx and CKG_MGF1_SHAxxx for md; 0 on success. */
int sign_token__pss_params(sign_md md, CK_RSA_PKCS_PSS_PARAMS *out);
/* r||s (2n bytes) to a DER ECDSA-Sig-Value. */
int sign_token__ecdsa_der(const unsigned char *rs, size_t len, sign_buf *out);

/* ---- cert.c ---- */

/* (sign_cert__from_x509 and sign_cert__x509: signer_priv.h) */
/* Parse "/C=VN/O=.../CN=..." (UTF-8) into nm. */
int sign_cert__parse_subject(X509_NAME *nm, const char *subject);

/* ---- token_objects.c (internal listing) ---- */

/* As sign_token_objects_new with a parsed URI (u may be NULL). */
int sign_token__objects(sign_token_objects **out, sign_token *tok, unsigned int types,
    P11KitUri *u);

#endif
