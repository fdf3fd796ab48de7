/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * card_bench: the card read measured against its own baselines, in one run.
 *
 *   card_bench READER CARD_DIR CSCA.pem CARD_MAX_RESPONSE [RUNS] [PINGS]
 *
 * 1. The round trip: PINGS plain GET CHALLENGE commands on one connection
 *    (mean time per APDU through pcscd and the reader).
 * 2. RUNS full reads (sign_card_read: SELECT, BAC, EF.COM, the DGs, EF.SOD,
 *    AA) with the key of CARD_DIR/mrz.txt: APDUs against the minimum for a
 *    card whose largest answer is CARD_MAX_RESPONSE plain bytes
 *    (1 SELECT + 2 BAC + per file 1 SELECT + ceil(size / max) reads + per
 *    refused file SELECT + READ + 1 AA), and the wall time against
 *    APDUs x round trip.
 * 3. Passive + active authentication of what was read (sign_pa_verify), RUNS
 *    times.
 * Medians are printed with the ratios.  Not a test: no pass/fail.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "card_priv.h"
#include "pcsc_priv.h"
#include "libsign/card.h"
#include "libsign/pa.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static int
die(const char *what)
{
	fprintf(stderr, "card_bench: %s: %s\n", what, sign_error_message());
	return 1;
}

/* Mean round trip of a plain GET CHALLENGE, in ms. */
static int
round_trip(const char *reader, int pings, double *rtt)
{
	static const unsigned char aid[] = { 0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01 };
	static const unsigned char gc[] = { 0x00, 0x84, 0x00, 0x00, 0x08 };
	sign_pcsc *ctx = NULL;
	sign_pcsc_card *card = NULL;
	struct sign_card__transport tr;
	sign_card__chan ch;
	const unsigned char *r;
	size_t rl;
	double t0;
	int i, rc = 1, chan = 0;

	if (sign_pcsc__open(&ctx) != 0 || sign_pcsc__connect(ctx, reader, &card) != 0) {
		rc = die("connect");
		goto out;
	}
	sign_card__pcsc_transport(&tr, card);
	if (sign_card__chan_init(&ch, &tr) != 0)
		goto out;
	chan = 1;
	if (sign_card__select_aid(&ch, aid, sizeof(aid), 0) != 0) {
		rc = die("select");
		goto out;
	}
	t0 = now_ms();
	for (i = 0; i < pings; i++) {
		if (sign_card__transceive(&ch, gc, sizeof(gc), 1, &r, &rl) != 0 || rl != 10) {
			rc = die("GET CHALLENGE");
			goto out;
		}
	}
	*rtt = (now_ms() - t0) / pings;
	rc = 0;
out:
	if (chan)
		sign_card__chan_clear(&ch);
	sign_pcsc__disconnect(card);
	sign_pcsc__free(ctx);
	return rc;
}

/* Median time to open a PC/SC context, find the card and connect (what a
 * read pays before its first APDU). */
static int
setup_time(const char *reader, int runs, double *out)
{
	double *v = calloc((size_t)runs, sizeof(*v)), t0;
	sign_pcsc *ctx;
	sign_pcsc_card *card;
	int r;

	if (v == NULL)
		return 1;
	for (r = 0; r < runs; r++) {
		ctx = NULL;
		card = NULL;
		t0 = now_ms();
		if (sign_pcsc__open(&ctx) != 0 || sign_pcsc__wait(ctx, reader, 0, NULL) != 0 ||
		    sign_pcsc__connect(ctx, reader, &card) != 0) {
			sign_pcsc__free(ctx);
			free(v);
			return die("connect");
		}
		sign_pcsc__disconnect(card);
		sign_pcsc__free(ctx);
		v[r] = now_ms() - t0;
	}
	*out = median(v, runs);
	free(v);
	return 0;
}

/* Host-side SM crypto for `bytes` of answers: 3DES-CBC decryption and the
 * retail MAC, in ms (median of runs).  The card does as much again. */
static double
sm_crypto_ms(size_t bytes, int runs)
{
	static const unsigned char key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
		15, 16 };
	unsigned char mac[8], *buf;
	size_t len = (bytes + 7) / 8 * 8;
	double *v = calloc((size_t)runs, sizeof(*v)), t0, m = 0;
	int r;

	buf = calloc(1, len + 8);
	if (v == NULL || buf == NULL) {
		free(v);
		free(buf);
		return 0;
	}
	for (r = 0; r < runs; r++) {
		t0 = now_ms();
		if (sign_sm__3des_cbc(key, 0, buf, len, buf) != 0 ||
		    sign_sm__retail_mac(key, buf, len, mac) != 0)
			break;
		v[r] = now_ms() - t0;
	}
	if (r == runs)
		m = median(v, runs);
	free(v);
	free(buf);
	return m;
}

int
main(int argc, char **argv)
{
	const char *reader, *dir, *csca;
	size_t card_max, i, n, len, nskip;
	int runs = 10, pings = 1000, r, rc = 1;
	double rtt = 0, setup = 0, *wall = NULL, *pa_ms = NULL;
	char path[4096], mrz[256];
	FILE *fp;
	sign_mrz_key *key = NULL;
	sign_csca_store *st = NULL;
	sign_card_doc *doc = NULL;
	sign_card_stats s;
	unsigned long min_apdus;

	if (argc < 5) {
		fprintf(stderr, "usage: card_bench READER CARD_DIR CSCA.pem CARD_MAX_RESPONSE "
		    "[RUNS] [PINGS]\n");
		return 3;
	}
	reader = argv[1];
	dir = argv[2];
	csca = argv[3];
	card_max = (size_t)strtoul(argv[4], NULL, 10);
	if (argc > 5)
		runs = atoi(argv[5]);
	if (argc > 6)
		pings = atoi(argv[6]);
	if (card_max == 0 || runs < 1 || pings < 1)
		return 3;
	snprintf(path, sizeof(path), "%s/mrz.txt", dir);
	fp = fopen(path, "r");
	if (fp == NULL) {
		perror(path);
		return 1;
	}
	n = fread(mrz, 1, sizeof(mrz) - 1, fp);
	fclose(fp);
	mrz[n] = '\0';
	if (sign_mrz_key_from_mrz(&key, mrz, n) != 0)
		return die("MRZ");
	if (sign_csca_store_new(&st) != 0 || sign_csca_store_add_file(st, csca) != 0)
		return die("CSCA");
	wall = calloc((size_t)runs, sizeof(*wall));
	pa_ms = calloc((size_t)runs, sizeof(*pa_ms));
	if (wall == NULL || pa_ms == NULL)
		return 1;

	if (round_trip(reader, pings, &rtt) != 0 || setup_time(reader, runs, &setup) != 0)
		goto out;

	for (r = 0; r < runs; r++) {
		sign_card_read_options o = SIGN_CARD_READ_OPTIONS_INIT;
		sign_pa_doc *pd = NULL;
		sign_pa_result *res = NULL;
		double t0;

		sign_card_doc_free(doc);
		doc = NULL;
		o.reader = reader;
		o.key = key;
		t0 = now_ms();
		if (sign_card_read(&doc, &o) != 0) {
			rc = die("read");
			goto out;
		}
		wall[r] = now_ms() - t0;
		sign_card_doc_stats(doc, &s);
		t0 = now_ms();
		if (sign_card_doc_to_pa(doc, &pd) != 0) {
			rc = die("pa doc");
			goto out;
		}
		if (sign_pa_verify(&res, pd, st, NULL) != 0 && res == NULL) {
			rc = die("verify");
			sign_pa_doc_free(pd);
			goto out;
		}
		pa_ms[r] = now_ms() - t0;
		sign_pa_result_free(res);
		sign_pa_doc_free(pd);
	}

	/* The minimum: what no reader could do with fewer APDUs. */
	min_apdus = 1 + 2;
	printf("files:");
	for (i = 0; i < sign_card_doc_count(doc); i++) {
		unsigned int fid;
		const unsigned char *d;

		sign_card_doc_file_at(doc, i, &fid, &d, &len);
		min_apdus += 1 + (unsigned long)((len + card_max - 1) / card_max);
		printf(" %s %zu", sign_card_fid_name(fid), len);
	}
	nskip = sign_card_doc_skipped_count(doc);
	min_apdus += 2 * nskip;
	if (sign_card_doc_aa(doc, NULL, NULL, NULL, NULL) == 0 || sign_card_doc_aa_sw(doc) != 0)
		min_apdus += 1;
	printf(" (+%zu refused)\n", nskip);
	printf("card max answer: %zu bytes; host read size at the end: %lu bytes, %s, %lu "
	    "step-downs\n", card_max, s.max_read, s.extended ? "extended" : "short", s.stepdowns);
	printf("APDUs: %lu, minimum %lu, ratio %.2f; %llu bytes\n", s.apdus, min_apdus,
	    (double)s.apdus / (double)min_apdus, s.bytes_sent + s.bytes_received);
	{
		double w = median(wall, runs), p = median(pa_ms, runs);

		printf("round trip (GET CHALLENGE x %d): %.3f ms\n", pings, rtt);
		printf("read wall time (median of %d): %.1f ms; APDUs x round trip %.1f ms; ratio "
		    "%.2f\n", runs, w, (double)s.apdus * rtt, w / ((double)s.apdus * rtt));
		printf("  of which PC/SC setup (context, card lookup, connect): %.1f ms; without it "
		    "ratio %.2f\n", setup, (w - setup) / ((double)s.apdus * rtt));
		printf("  SM crypto of the answers on the host (3DES + retail MAC): %.1f ms (the card "
		    "does as much again)\n", sm_crypto_ms((size_t)s.bytes_received, runs));
		printf("verification PA+AA (median of %d): %.2f ms (%.0f%% of the read)\n", runs, p,
		    w > 0 ? 100.0 * p / w : 0.0);
	}
	rc = 0;
out:
	sign_card_doc_free(doc);
	sign_csca_store_free(st);
	sign_mrz_key_free(key);
	free(wall);
	free(pa_ms);
	return rc;
}
