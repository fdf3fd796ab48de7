/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the virtual CCCD (vcard), its data generator (mkcard)
 * and their tests.  Test tooling only: nothing here is part of libsign, and
 * nothing here links libsign (the card side is an independent implementation
 * of ICAO 9303, so that a bug shared with the host code cannot hide).
 *
 * THREAD SAFETY: none of this is meant for concurrent use.
 */
#ifndef KYSO_VCARD_VC_H
#define KYSO_VCARD_VC_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

/* A growable byte buffer.  A zeroed struct is an empty buffer. */
typedef struct {
	uint8_t *p;
	size_t len, cap;
} vbuf;

int vbuf_put(vbuf *b, const void *d, size_t n);
int vbuf_byte(vbuf *b, uint8_t c);
/* BER tag (1..3 bytes, as the value reads in hex: 0x5F1F) */
int vbuf_tag(vbuf *b, unsigned tag);
/* DER definite length */
int vbuf_len(vbuf *b, size_t n);
/* tag || length || value */
int vbuf_tlv(vbuf *b, unsigned tag, const void *d, size_t n);
/* tag || length || contents of inner (inner is freed) */
int vbuf_wrap(vbuf *b, unsigned tag, vbuf *inner);
void vbuf_free(vbuf *b);

/*
 * Read one BER-TLV header from p[0..len): tag (as a number, e.g. 0x7F61),
 * header size and value length.  Definite lengths only, bounded by len.
 * Returns 0 or -1 when malformed or truncated.
 */
int vc_tlv(const uint8_t *p, size_t len, unsigned *tag, size_t *hdr, size_t *vlen);

/* Whole file into a new buffer (max bytes at most); 0 or -1 (errno set). */
int vc_read_file(const char *path, uint8_t **out, size_t *outlen, size_t max);
/* Write a file (mode e.g. 0644 or 0600); 0 or -1. */
int vc_write_file(const char *path, const void *d, size_t n, int mode);

/* ICAO 9303-3 7-3-1 check digit of s[0..n) ('<' = 0, A = 10 ...); -1 if invalid char. */
int vc_check_digit(const char *s, size_t n);

/* Hex: parse (spaces and colons ignored) into out (max), returns length or -1. */
long vc_unhex(const char *s, uint8_t *out, size_t max);
void vc_hexdump(char *out, const uint8_t *p, size_t n); /* out: 2n+1 chars */

/* ---- crypto (OpenSSL) ---- */

/* 2-key 3DES-CBC, IV zero, n a multiple of 8 (in == out allowed). 0 or -1. */
int vc_3des_cbc(const uint8_t key[16], int enc, const uint8_t *in, size_t n, uint8_t *out);
/* ISO 9797-1 MAC algorithm 3 (retail MAC, DES), input already padded. 0 or -1. */
int vc_retail_mac(const uint8_t key[16], const uint8_t *in, size_t n, uint8_t mac[8]);
/* ISO 9797-1 padding method 2 onto b (always adds 0x80 then zeros to a multiple of 8). */
int vc_pad(vbuf *b);
/* strip method-2 padding: returns the unpadded length or -1 */
long vc_unpad(const uint8_t *p, size_t n);
/* ICAO 9303-11 key derivation for 3DES: SHA-1(seed || c)[0..16], DES parity set. */
int vc_kdf_3des(const uint8_t seed[16], uint32_t c, uint8_t out[16]);
/*
 * Active Authentication signature over challenge[0..n):
 *   RSA: ISO/IEC 9796-2 scheme 1 (partial recovery), hash SHA-1 (trailer BC)
 *        or SHA-256 (trailer 34CC), the recoverable part M1 random.
 *   EC:  ECDSA with SHA-256, plain r||s.
 * sig has room for *siglen bytes; 0 or -1.
 */
int vc_aa_sign(EVP_PKEY *key, const EVP_MD *md, const uint8_t *chal, size_t n,
    uint8_t *sig, size_t *siglen);

/* ---- Chip Authentication and AES secure messaging ---- */

/* vcard.conf / profile ca_cipher (3des, aes128, aes192, aes256): the last arc
 * of id-CA-(EC)DH-*, 1 to 4; -1 for another name. */
int vc_ca_arc(const char *cipher);

/* ISO 9797-1 padding method 2 to a multiple of bs (8 or 16). */
int vc_pad_to(vbuf *b, size_t bs);
/* AES-CBC, key 16/24/32 bytes, iv NULL = zero, n a multiple of 16. 0 or -1. */
int vc_aes_cbc(const uint8_t *key, size_t kl, const uint8_t iv[16], int enc, const uint8_t *in,
    size_t n, uint8_t *out);
/* AES-CMAC truncated to 8 bytes. 0 or -1. */
int vc_aes_cmac8(const uint8_t *key, size_t kl, const uint8_t *in, size_t n, uint8_t mac[8]);
/* 9303-11 §9.7.1: H(secret || c)[0..kl]; SHA-1 for 3DES (parity set) and AES-128,
 * SHA-256 for AES-192/256. 0 or -1. */
int vc_ca_kdf(const uint8_t *secret, size_t n, int aes, size_t kl, uint32_t c, uint8_t *out);
/* Key agreement with the chip's private key and the terminal's encoded public key
 * (EC point, or DH value): ECDH X coordinate, DH padded to p.  *slen: room in, length out. */
int vc_ca_agree(EVP_PKEY *priv, const uint8_t *pub, size_t n, uint8_t *secret, size_t *slen);

#endif
