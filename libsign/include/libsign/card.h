/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Chip ID cards through PC/SC (PCSC-lite): the readers and their cards, and
 * the eMRTD read session - select the ICAO application, Basic Access Control
 * with the MRZ key, 3DES secure messaging with every answer's MAC checked,
 * the files EF.COM lists and EF.SOD read with adaptive sizes (extended
 * length where card and reader allow it, else the largest short Le that
 * works), Chip Authentication when DG14 offers it (the rest of the read then
 * runs under the new keys), and Active Authentication with a fresh random
 * challenge.
 *
 * A read either completes or fails: a sign_card_doc exists only after every
 * file was read and every answer passed its MAC check.  Verification of what
 * was read is pa.h's work (sign_card_doc_to_pa(), sign_pa_verify()).
 *
 * Files are bounded (256 KiB by default): a length the card claims is never
 * trusted beyond the bound.  MRZ keys and session keys are never logged;
 * APDU traces (SIGN_LOG_TRACE) show headers and sizes only.
 *
 * THREAD SAFETY: every call opens its own PC/SC context; calls from
 * different threads are independent (PC/SC serialises access to a card:
 * a read session holds a transaction).  A sign_card_doc or
 * sign_card_readers is immutable once returned and may be read from several
 * threads; freeing must not race with readers.
 */
#ifndef LIBSIGN_CARD_H
#define LIBSIGN_CARD_H

#include <stddef.h>
#include "libsign/common.h"
#include "libsign/mrtd.h"
#include "libsign/pa.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Readers                                                             */
/* ------------------------------------------------------------------ */

typedef struct sign_card_readers sign_card_readers;

/* The PC/SC readers and whether a card is in each.  No reader is not an
 * error (count 0); the PC/SC service not running is SIGN_ERR_NO_READER
 * with "start pcscd" in the message. */
int sign_card_readers_list(sign_card_readers **out);
void sign_card_readers_free(sign_card_readers *readers);
size_t sign_card_readers_count(const sign_card_readers *readers);
/* Borrowed; NULL past the end. */
const char *sign_card_readers_name(const sign_card_readers *readers, size_t i);
/* 1 when a card is in reader i (and answered the reset). */
int sign_card_readers_present(const sign_card_readers *readers, size_t i);
/* 1 when another application holds the card exclusively. */
int sign_card_readers_in_use(const sign_card_readers *readers, size_t i);
/* The card's ATR (borrowed); NULL with *len 0 when there is no card. */
const unsigned char *sign_card_readers_atr(const sign_card_readers *readers, size_t i,
    size_t *len);

/*
 * Wait up to timeout_ms for a card in `reader` (NULL: any reader, also one
 * plugged in meanwhile).  0 when a card is there; SIGN_ERR_TIMEOUT when none
 * came; SIGN_ERR_NO_CARD when timeout_ms is 0 and there is none;
 * SIGN_ERR_NO_READER when there is no (such) reader or no PC/SC service.
 */
int sign_card_wait(const char *reader, unsigned long timeout_ms);

/* ------------------------------------------------------------------ */
/* Reading an eMRTD chip                                               */
/* ------------------------------------------------------------------ */

/* Flags of sign_card_read_options. */
#define SIGN_CARD_NO_AA        0x1u /* do not run Active Authentication */
#define SIGN_CARD_NO_EXTENDED  0x2u /* never use extended-length APDUs */
#define SIGN_CARD_NO_CA        0x4u /* do not run Chip Authentication */

typedef struct sign_card_read_options {
	unsigned int version;       /* SIGN_CARD_READ_OPTIONS_VERSION */
	const char *reader;         /* NULL: the first reader holding a card */
	unsigned long wait_ms;      /* wait this long for a card (0: not at all) */
	/* The BAC key: exactly one of key and keys.  keys are tried in order,
	 * each with a fresh BAC, stopping at the first that opens the card
	 * (the Vietnamese QR / expiry candidates: a short bounded list). */
	const sign_mrz_key *key;
	const sign_mrz_keys *keys;
	unsigned int flags;         /* SIGN_CARD_* */
	size_t max_file;            /* bound on one file; 0: 256 KiB */
} sign_card_read_options;

#define SIGN_CARD_READ_OPTIONS_VERSION 1
#define SIGN_CARD_READ_OPTIONS_INIT { SIGN_CARD_READ_OPTIONS_VERSION, NULL, 0, NULL, NULL, 0, 0 }

typedef struct sign_card_doc sign_card_doc;

/*
 * Read the chip: SELECT the eMRTD application (A0 00 00 02 47 10 01), BAC,
 * EF.COM, DG14 first when EF.COM lists it, then Chip Authentication when
 * DG14 offers it (ICAO 9303-11 §6.2: an ephemeral key agreement with the
 * chip's DG14 key; secure messaging restarts with the derived keys, 3DES or
 * AES, and EF.COM is read again under them and must match), every other
 * data group EF.COM lists that the card allows (a group behind EAC - DG3
 * answers 6982 - is skipped and recorded), EF.SOD, and Active
 * Authentication when DG15 was read.  A chip that refuses Chip
 * Authentication or fails it (its answer under the new keys fails the MAC
 * check or differs) is recorded as FAILED (sign_card_doc_chipauth()); the
 * read then goes on under a new BAC session, so that the data can still be
 * verified.  Errors:
 *   SIGN_ERR_NO_READER, SIGN_ERR_NO_CARD, SIGN_ERR_TIMEOUT  nothing to read
 *   SIGN_ERR_CARD_REMOVED   the card left during the read (nothing kept)
 *   SIGN_ERR_NO_APPLET      not an eMRTD chip
 *   SIGN_ERR_AUTH_FAILED    the MRZ key(s) do not open this card
 *   SIGN_ERR_SM             an answer failed its MAC check / malformed SM
 *   SIGN_ERR_CARD_RESPONSE, SIGN_ERR_TOO_LARGE, SIGN_ERR_CARD_STATUS,
 *   SIGN_ERR_MALFORMED (EF.COM)          the card's answers do not make sense
 * On success *out holds the files exactly as read.
 */
int sign_card_read(sign_card_doc **out, const sign_card_read_options *opts);
void sign_card_doc_free(sign_card_doc *doc);

/* The file with this FID (SIGN_LDS_FID_COM, SIGN_LDS_FID_SOD,
 * SIGN_LDS_FID_DG(n)) as read, borrowed; SIGN_ERR_NOT_FOUND when not read. */
int sign_card_doc_file(const sign_card_doc *doc, unsigned int fid,
    const unsigned char **data, size_t *len);
/* Files in the order read: 0, or SIGN_ERR_NOT_FOUND past the end. */
size_t sign_card_doc_count(const sign_card_doc *doc);
int sign_card_doc_file_at(const sign_card_doc *doc, size_t i, unsigned int *fid,
    const unsigned char **data, size_t *len);
/* "EF.COM", "EF.SOD", "DG1" ... "DG16" for a FID; NULL for others. */
const char *sign_card_fid_name(unsigned int fid);

/* Files EF.COM lists that were not read, with why ("access denied by the
 * card (EAC)", "listed in EF.COM but not on the card"). */
size_t sign_card_doc_skipped_count(const sign_card_doc *doc);
int sign_card_doc_skipped_at(const sign_card_doc *doc, size_t i, unsigned int *fid,
    const char **reason);

/* The Active Authentication exchange (borrowed); SIGN_ERR_NOT_FOUND when AA
 * did not run or the chip refused it (see sign_card_doc_aa_note()). */
int sign_card_doc_aa(const sign_card_doc *doc, const unsigned char **challenge,
    size_t *challenge_len, const unsigned char **response, size_t *response_len);
/* Why AA has no exchange: NULL when it has one or DG15 was not read, else a
 * line such as "the chip refused INTERNAL AUTHENTICATE (6D00)". */
const char *sign_card_doc_aa_note(const sign_card_doc *doc);
/* The status word of a refused INTERNAL AUTHENTICATE (0 when AA ran or was
 * not tried): 6700 or 6Cxx mean the answer does not fit what the reader or
 * card can carry (AA could not be done), others a refusal by the chip. */
unsigned int sign_card_doc_aa_sw(const sign_card_doc *doc);

/*
 * Chip Authentication as the session found it: PASSED (the chip answered
 * correctly under the keys agreed with DG14's key), FAILED (it refused or
 * answered wrongly), NOT_SUPPORTED (no DG14, or DG14 offers no CA this
 * library implements) or NOT_ATTEMPTED (SIGN_CARD_NO_CA, or a DH key whose
 * command needs extended-length APDUs the card or reader does not allow:
 * commands are not chained).  *message (may be
 * NULL) gets a line on why; *protocol (may be NULL) the protocol used, e.g.
 * "id-CA-ECDH-AES-CBC-CMAC-128", or NULL.  Borrowed.  This proves nothing
 * about the chip unless DG14 is confirmed by the SOD (sign_pa_verify()
 * decides that).
 */
sign_chipauth_verdict sign_card_doc_chipauth(const sign_card_doc *doc, const char **message,
    const char **protocol);

/* The reader used, and the index (in sign_mrz_keys) of the key that opened
 * the card (0 for a single key). */
const char *sign_card_doc_reader(const sign_card_doc *doc);
size_t sign_card_doc_key_index(const sign_card_doc *doc);

/* Counters of the session (from connecting to the last answer). */
typedef struct sign_card_stats {
	unsigned long apdus;          /* commands sent, GET RESPONSE included */
	unsigned long long bytes_sent;
	unsigned long long bytes_received;
	unsigned long ms;             /* wall time of the session */
	unsigned long max_read;       /* read size in use at the end (plain bytes) */
	unsigned long stepdowns;      /* read-size reductions */
	int extended;                 /* extended-length APDUs were used */
	int protocol;                 /* 0: T=0, 1: T=1 */
} sign_card_stats;

void sign_card_doc_stats(const sign_card_doc *doc, sign_card_stats *out);

/* A pa.h document of the files read, the AA exchange and the Chip
 * Authentication outcome, for sign_pa_verify(). */
int sign_card_doc_to_pa(const sign_card_doc *doc, sign_pa_doc **out);

/*
 * Write every file as read, with the names pa.h defines (EF.COM, EF.SOD,
 * DGn.bin, AA-challenge.bin, AA-response.bin, or AA-status.bin when the chip
 * gave no AA signature), for audit and offline
 * re-verification (sign_pa_verify_dir()).  dir must not exist or be empty:
 * the files are written into a temporary directory beside it, each
 * completely, and the directory is renamed into place at the end, so a
 * failure leaves no partial dump.  Created with mode 0700.
 */
int sign_card_doc_dump(const sign_card_doc *doc, const char *dir);
/* 0 when dir can receive a dump (it does not exist, or is an empty
 * directory, and a directory can be made beside it - tried and removed);
 * SIGN_ERR_EXISTS when it is something else, SIGN_ERR_IO when nothing can
 * be created there.  Lets a caller refuse before reading the card. */
int sign_card_dump_ready(const char *dir);

#ifdef __cplusplus
}
#endif

#endif /* LIBSIGN_CARD_H */
