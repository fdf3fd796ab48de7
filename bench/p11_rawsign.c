/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The baseline of the signing benchmark: the raw C_Sign rate of one key,
 * straight through the PKCS#11 module (one session, one login), over a
 * precomputed input: a SHA-256 DigestInfo with CKM_RSA_PKCS, or a 32-byte
 * digest with CKM_ECDSA.  This is what one signature costs on the token;
 * kyso sign adds reading, hashing, encoding and writing each file.
 *
 *   p11_rawsign MODULE TOKEN-LABEL KEY-LABEL rsa|ec COUNT [SESSIONS]
 *
 * With SESSIONS (default 1), as many threads sign COUNT / SESSIONS each, on
 * a session of their own (one login): the token's rate when several
 * operations are asked of it at once, as kyso sign asks by default.
 * The PIN comes from $KYSO_BENCH_PIN.  Prints "signatures/s: RATE".
 */
#include "config.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR f;

/* One signing thread: its session, its share of the signatures. */
struct lane {
	CK_SESSION_HANDLE s;
	CK_MECHANISM mech;
	CK_OBJECT_HANDLE key;
	unsigned char data[64];
	size_t datalen;
	long count;
	pthread_t tid;
};

static void
die(const char *what, CK_RV rv)
{
	fprintf(stderr, "p11_rawsign: %s failed (0x%lx)\n", what, (unsigned long)rv);
	exit(1);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static CK_SLOT_ID
find_slot(const char *label)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64, i;
	CK_RV rv;

	rv = f->C_GetSlotList(CK_TRUE, slots, &n);
	if (rv != CKR_OK)
		die("C_GetSlotList", rv);
	for (i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		char l[33];
		size_t k;

		if (f->C_GetTokenInfo(slots[i], &ti) != CKR_OK)
			continue;
		memcpy(l, ti.label, 32);
		l[32] = '\0';
		for (k = 32; k > 0 && l[k - 1] == ' '; k--)
			l[k - 1] = '\0';
		if (strcmp(l, label) == 0)
			return slots[i];
	}
	fprintf(stderr, "p11_rawsign: no token labelled %s\n", label);
	exit(1);
}

static void *
sign_loop(void *arg)
{
	struct lane *l = arg;
	unsigned char sig[1024];
	CK_ULONG siglen;
	CK_RV rv;
	long i;

	for (i = 0; i < l->count; i++) {
		l->data[l->datalen - 1] = (unsigned char)i;
		if ((rv = f->C_SignInit(l->s, &l->mech, l->key)) != CKR_OK)
			die("C_SignInit", rv);
		siglen = sizeof(sig);
		if ((rv = f->C_Sign(l->s, l->data, l->datalen, sig, &siglen)) != CKR_OK)
			die("C_Sign", rv);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	static const unsigned char digestinfo_sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09,
		0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
	CK_RV (*get_list)(CK_FUNCTION_LIST_PTR_PTR);
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE tmpl[2];
	CK_OBJECT_HANDLE key;
	CK_SESSION_HANDLE s;
	CK_MECHANISM mech = { 0, NULL, 0 };
	CK_C_INITIALIZE_ARGS args;
	CK_SLOT_ID slot;
	CK_ULONG n;
	CK_RV rv;
	struct lane lanes[16];
	unsigned char data[64];
	size_t datalen;
	const char *pin = getenv("KYSO_BENCH_PIN");
	void *lib;
	long count, nl = 1, i;
	double t0, t1;

	if ((argc != 6 && argc != 7) || pin == NULL) {
		fprintf(stderr, "usage: KYSO_BENCH_PIN=... p11_rawsign MODULE TOKEN KEY rsa|ec COUNT "
		    "[SESSIONS]\n");
		return 2;
	}
	count = atol(argv[5]);
	if (argc == 7)
		nl = atol(argv[6]);
	if (count < 1 || nl < 1 || nl > 16) {
		fprintf(stderr, "p11_rawsign: COUNT >= 1, SESSIONS 1 to 16\n");
		return 2;
	}
	lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		fprintf(stderr, "p11_rawsign: %s\n", dlerror());
		return 1;
	}
	*(void **)(&get_list) = dlsym(lib, "C_GetFunctionList");
	if (get_list == NULL || get_list(&f) != CKR_OK)
		die("C_GetFunctionList", 0);
	/* (one session: no locking asked for, as before SESSIONS existed) */
	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	if ((rv = f->C_Initialize(nl > 1 ? &args : NULL)) != CKR_OK)
		die("C_Initialize", rv);
	slot = find_slot(argv[2]);
	rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK)
		die("C_OpenSession", rv);
	if ((rv = f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin))) != CKR_OK)
		die("C_Login", rv);
	tmpl[0].type = CKA_CLASS;
	tmpl[0].pValue = &cls;
	tmpl[0].ulValueLen = sizeof(cls);
	tmpl[1].type = CKA_LABEL;
	tmpl[1].pValue = argv[3];
	tmpl[1].ulValueLen = strlen(argv[3]);
	if ((rv = f->C_FindObjectsInit(s, tmpl, 2)) != CKR_OK)
		die("C_FindObjectsInit", rv);
	if ((rv = f->C_FindObjects(s, &key, 1, &n)) != CKR_OK || n != 1)
		die("C_FindObjects (no such key)", rv);
	f->C_FindObjectsFinal(s);
	memset(data, 0x5a, sizeof(data));
	if (strcmp(argv[4], "rsa") == 0) {
		mech.mechanism = CKM_RSA_PKCS;
		memcpy(data, digestinfo_sha256, sizeof(digestinfo_sha256));
		datalen = sizeof(digestinfo_sha256) + 32;
	} else {
		mech.mechanism = CKM_ECDSA;
		datalen = 32;
	}
	for (i = 0; i < nl; i++) {
		lanes[i].s = s;
		if (i > 0 && (rv = f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL,
		    &lanes[i].s)) != CKR_OK)
			die("C_OpenSession", rv);
		lanes[i].mech = mech;
		lanes[i].key = key;
		memcpy(lanes[i].data, data, sizeof(data));
		lanes[i].datalen = datalen;
		lanes[i].count = count / nl + (i < count % nl);
	}
	t0 = now();
	for (i = 1; i < nl; i++)
		if (pthread_create(&lanes[i].tid, NULL, sign_loop, &lanes[i]) != 0)
			die("pthread_create", 0);
	sign_loop(&lanes[0]);
	for (i = 1; i < nl; i++)
		pthread_join(lanes[i].tid, NULL);
	t1 = now();
	printf("signatures/s: %.1f\n", (double)count / (t1 - t0));
	f->C_Logout(s);
	for (i = 1; i < nl; i++)
		f->C_CloseSession(lanes[i].s);
	f->C_CloseSession(s);
	f->C_Finalize(NULL);
	return 0;
}
