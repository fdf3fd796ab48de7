/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internal: Basic Access Control (ICAO 9303-11 §4.3, App. D) and ISO 7816-4
 * secure messaging with 3DES (retail MAC, ISO 9797-1 MAC algorithm 3,
 * padding method 2) or AES (after Chip Authentication: AES-CBC with
 * IV = E(KS_enc, SSC), AES-CMAC truncated to 8 bytes, blocks of 16).  No
 * card I/O here: the card module sends what these functions build and hands
 * back what the card answered.
 *
 * Session flow (the card helper):
 *   sign_bac__new(&bac, key)                       K_enc/K_mac from the MRZ
 *   GET CHALLENGE (00 84 00 00 08) -> RND.IC
 *   sign_bac__ext_auth_data(bac, rnd_ic, cmd)      40 bytes E_IFD||M_IFD
 *   EXTERNAL AUTHENTICATE (00 82 00 00 28 cmd 28) -> resp (40 bytes + SW)
 *   sign_bac__finish(bac, resp, 40, &sm)           SIGN_ERR_AUTH_FAILED on
 *                                                  a wrong MRZ key
 *   then for each command:
 *   sign_sm__wrap(sm, &apdu, &protected)  -> transmit -> sign_sm__unwrap(...)
 *
 * Any failure while unwrapping (MAC, missing DO8E, padding, DO99, a
 * malformed object) ends the session: the keys are wiped and every later
 * wrap/unwrap fails with SIGN_ERR_SM.  Keys are wiped on free.
 *
 * THREAD SAFETY: a sign_bac / sign_sm belongs to one thread at a time.
 */
#ifndef LIBSIGN_SM_H
#define LIBSIGN_SM_H

#include <stddef.h>
#include <stdint.h>
#include "libsign/common.h"
#include "libsign/mrtd.h"

#define SIGN_SM_MSG_DEAD \
	"secure messaging MAC check failed: the card's answer was altered or the session was lost"

typedef struct sign_sm sign_sm;

/* ---- key derivation (9303-11 §9.7.1) ---- */

/* K_seed = first 16 bytes of SHA-1(MRZ_information). */
int sign_bac__kseed(const sign_mrz_key *key, unsigned char kseed[16]);
/* 3DES key (16 bytes, DES parity adjusted) = SHA-1(seed || counter)[0..16];
 * counter 1 for K_enc, 2 for K_mac. */
int sign_bac__derive(const unsigned char *seed, size_t seed_len, uint32_t counter,
    unsigned char out[16]);
/* Set DES odd parity on each byte. */
void sign_bac__parity(unsigned char *key, size_t len);

/* ---- host side of BAC mutual authentication ---- */

typedef struct sign_bac sign_bac;

/* Derive K_enc and K_mac from the MRZ key.  The key object is not kept. */
int sign_bac__new(sign_bac **out, const sign_mrz_key *key);
void sign_bac__free(sign_bac *bac);

/* Tests only: use these instead of RAND_bytes for RND.IFD and K.IFD. */
int sign_bac__set_random(sign_bac *bac, const unsigned char rnd_ifd[8],
    const unsigned char k_ifd[16]);

/* Given RND.IC (8 bytes, from GET CHALLENGE), build the EXTERNAL
 * AUTHENTICATE command data E_IFD || M_IFD (40 bytes). */
int sign_bac__ext_auth_data(sign_bac *bac, const unsigned char rnd_ic[8],
    unsigned char out[40]);

/* Check the card's answer E_IC || M_IC (resp_len must be 40, the status
 * word already removed): the MAC in constant time, then the RND.IFD and
 * RND.IC echoes.  On success a new SM session (KS_enc, KS_mac, SSC).
 * SIGN_ERR_AUTH_FAILED when the MAC or echo does not match. */
int sign_bac__finish(sign_bac *bac, const unsigned char *resp, size_t resp_len,
    sign_sm **out);

/* ---- secure messaging ---- */

typedef enum {
	SIGN_SM_3DES = 1,
	SIGN_SM_AES = 2
} sign_sm_cipher;

/* An SM session from session keys and the initial SSC: 3DES 16-byte keys
 * and an 8-byte SSC; AES 16-, 24- or 32-byte keys and a 16-byte SSC.  Used
 * by BAC, Chip Authentication and tests. */
int sign_sm__new(sign_sm **out, sign_sm_cipher cipher, const unsigned char *ks_enc,
    const unsigned char *ks_mac, size_t key_len, const unsigned char *ssc, size_t ssc_len);
void sign_sm__free(sign_sm *sm);

/* 1 while the session can be used, 0 after a failure. */
int sign_sm__alive(const sign_sm *sm);
sign_sm_cipher sign_sm__cipher(const sign_sm *sm);
/* Largest plain READ BINARY answer whose protected form fits a short
 * response (256 bytes): 231 for 3DES, 223 for AES. */
size_t sign_sm__short_read_max(const sign_sm *sm);

/* Tests: the current SSC (len must be the SSC size: 8 or 16). */
int sign_sm__ssc(const sign_sm *sm, unsigned char *out, size_t len);

/*
 * A plain command APDU.  ne is the expected response length (Ne): 0 means
 * no Le field; 1..256 short (256 is encoded 00); up to 65536 with extended
 * set (65536 is encoded 0000).  extended forces the extended encoding for
 * Le (and for the protected APDU); it is implied when ne > 256.
 */
typedef struct sign_apdu {
	unsigned char cla, ins, p1, p2;
	const unsigned char *data;
	size_t lc;
	size_t ne;
	int extended;
} sign_apdu;

/*
 * Protect a command: CLA | 0x0C, DO87 (even INS) or DO85 (odd INS, e.g. B1)
 * with the padded, encrypted data, DO97 with Le (1 byte, or 2 bytes for
 * extended), DO8E = retail MAC over SSC||padded header||DOs, the SSC
 * incremented first.  *out receives the whole protected APDU, Le 00 (or
 * 0000 when extended).
 */
int sign_sm__wrap(sign_sm *sm, const sign_apdu *cmd, sign_buf *out);

/*
 * Unprotect a response (resp = the card's whole answer, with SW1 SW2): the
 * SSC incremented, DO87/DO85, DO99 and DO8E parsed with bounds, the MAC
 * checked in constant time before anything is decrypted, the padding
 * checked, and the SW in DO99 must equal the trailer.  *data receives the
 * plaintext (for an odd-INS READ BINARY still wrapped in DO53: see
 * sign_sm__read_binary_data), *sw the status word.
 *
 * A bare status word with no SM objects (the card may answer an error like
 * 6982 or 6A82 unprotected) gives 0 with empty data and that *sw: the caller
 * must treat it as an error and never as data.  A bare 9000/61xx, 6987 or
 * 6988 is an SM failure.
 */
int sign_sm__unwrap(sign_sm *sm, const unsigned char *resp, size_t resp_len,
    sign_buf *data, unsigned int *sw);

/*
 * A plain READ BINARY for any offset and length: B0 with the offset in
 * P1-P2 when offset <= 0x7FFF, else B1 with DO54 (offset, 3 bytes) as data
 * (buf receives it, at least 8 bytes).  ne: bytes wanted (1..65536).
 */
int sign_sm__read_binary_cmd(sign_apdu *cmd, size_t offset, size_t ne, int extended,
    unsigned char *buf, size_t buf_len);
/* The file bytes from an unwrapped READ BINARY answer: for B1 (odd) the
 * contents of DO53, for B0 the data as is. */
int sign_sm__read_binary_data(const sign_apdu *cmd, const unsigned char *plain,
    size_t plain_len, const unsigned char **data, size_t *data_len);

/* ---- primitives (exposed for tests and other internal modules) ---- */

/* ISO 9797-1 padding method 2 to a multiple of 8: returns the padded size
 * (0 when it does not fit cap). */
size_t sign_sm__pad(unsigned char *buf, size_t len, size_t cap);
/* The same to a multiple of bs (8 or 16). */
size_t sign_sm__pad_block(unsigned char *buf, size_t len, size_t cap, size_t bs);
/* AES-CBC (key 16/24/32 bytes, iv NULL = zero) on a multiple of 16 bytes. */
int sign_sm__aes_cbc(const unsigned char *key, size_t key_len, const unsigned char iv[16],
    int encrypt, const unsigned char *in, size_t len, unsigned char *out);
/* AES-CMAC (NIST SP 800-38B) truncated to its first 8 bytes. */
int sign_sm__aes_cmac(const unsigned char *key, size_t key_len, const unsigned char *data,
    size_t len, unsigned char mac[8]);
/* 3DES-CBC (two-key, zero IV) on a multiple of 8 bytes; in may equal out. */
int sign_sm__3des_cbc(const unsigned char key[16], int encrypt, const unsigned char *in,
    size_t len, unsigned char *out);
/* Retail MAC (ISO 9797-1 MAC algorithm 3, DES) of data that is already a
 * multiple of 8 bytes (padded). */
int sign_sm__retail_mac(const unsigned char key[16], const unsigned char *data, size_t len,
    unsigned char mac[8]);

#endif
