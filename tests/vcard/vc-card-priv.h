/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private to the virtual card (vc-card.c, vc-ca.c): the card's state, the
 * parsed APDU and the response, the behaviour flags.
 *
 * THREAD SAFETY: a card is used by one thread at a time.
 */
#ifndef KYSO_VCARD_VC_CARD_PRIV_H
#define KYSO_VCARD_VC_CARD_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "vc-card.h"

#define MAXFILES 16
#define MAXDATA (65536 + 32)

/* behaviour flags */
#define B_NO_EXT 0x001u
#define B_SHORT_LE 0x002u
#define B_TAMPER 0x004u
#define B_UNKNOWN_SIGNER 0x008u
#define B_CLONE 0x010u
#define B_NO_DG15 0x020u
#define B_WRONG_MAC 0x040u
#define B_REMOVE 0x080u
#define B_OVERSIZED 0x100u
#define B_TRUNCATED 0x200u
#define B_TRAILING 0x400u
#define B_MALFORMED_SM 0x800u
#define B_HIDE_DG15 0x1000u
#define B_DUP_FORGED 0x2000u
#define B_OWN_DG15 0x4000u
#define B_CA_WRONG_KEY 0x8000u
#define B_OWN_DG14 0x10000u
#define B_CA_REFUSE 0x20000u
#define B_UNLISTED_DG14 0x40000u
#define B_AA_REFUSE 0x80000u

struct vc_file {
	uint16_t fid;
	uint8_t sfi;
	unsigned flags;
	uint8_t *data;
	size_t len;
};

struct vc_card {
	struct vc_file files[MAXFILES];
	int nfiles;
	uint8_t atr[32];
	size_t atrlen;
	int have_mrz;
	uint8_t kenc[16], kmac[16];
	EVP_PKEY *aa;
	const EVP_MD *aa_md;
	/* behaviour */
	unsigned b;
	unsigned long le_max, wrong_mac_n, remove_after, malformed_n;
	uint16_t trunc_fid, trail_fid;
	struct vc_file forged;  /* dup-forged-dg13: DG13 as served the first time */
	unsigned long nsel13;
	/* state */
	int applet;
	struct vc_file *cur;
	int chal;
	uint8_t rnd_ic[8];
	int sm;
	int sm_aes;             /* 0: 3DES (BAC, CA-3DES), 1: AES (after CA-AES) */
	size_t sm_kl, sm_bs;    /* key length; block = SSC size (8 or 16) */
	uint8_t ks_enc[32], ks_mac[32], ssc[16];
	/* Chip Authentication */
	EVP_PKEY *ca;           /* the private key used (ca.key, or ca-clone.key) */
	int ca_aes;
	size_t ca_kl;
	uint8_t ca_oid[16];
	size_t ca_oid_len;
	long ca_key_id;         /* -1: DG14 names none */
	int ca_at;              /* MSE:Set AT done, GENERAL AUTHENTICATE expected */
	int ca_pending;         /* new keys to take after this answer */
	uint8_t p_enc[32], p_mac[32];
	unsigned long napdu, nsmresp, ndataresp;
	int (*rng)(void *, uint8_t *, size_t);
	void *rng_arg;
	FILE *log;
	uint8_t rdata[MAXDATA]; /* plain response data */
};

struct apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t nc;
	size_t ne; /* 0 = no Le */
	int ext;
};

struct resp {
	uint8_t *data;
	size_t len;
	uint16_t sw;
};

/* Shared by vc-card.c and vc-ca.c (in vc-card.c). */
/* To the card's log, when it has one. */
void vc_logf(struct vc_card *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A PEM private key; NULL when the file is absent or not one. */
EVP_PKEY *vc_load_key(const char *path);
/* vcard.conf in dir, "KEY = VALUE": the last value of key into out ("" when
 * absent). */
void vc_conf_get(const char *dir, const char *key, char *out, size_t cap);

/* Chip Authentication (vc-ca.c). */
/* The CA key and protocol from a card directory (ca.key, or ca-clone.key for
 * ca-wrong-key / own-dg14; vcard.conf ca_cipher, ca_key_id).  0 or -1. */
int vc_ca_load(struct vc_card *c, const char *dir, char *err, size_t errlen);
/* MSE:Set KAT / MSE:Set AT and GENERAL AUTHENTICATE (prot: under SM). */
void vc_ca_mse(struct vc_card *c, const struct apdu *a, int prot, struct resp *r);
void vc_ca_general_auth(struct vc_card *c, const struct apdu *a, int prot, struct resp *r);

#endif
