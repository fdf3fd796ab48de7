/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A test-only PKCS#11 module that wraps a real one (SoftHSM) and holds each
 * signature until the process has taken SIGINT or SIGTERM: so that a test
 * lands the signal inside the signing of a check-in record, after the card
 * read and the gateway's answer, without timing.  Built by
 * interrupt_reception.sh at run time.  Environment:
 *   KYSO_STALL_REAL   path of the real module (required)
 *   KYSO_STALL_LOG    a file: "C_Sign waits for a signal" is appended when a
 *                     C_Sign (with an output buffer) starts waiting
 * The wait ends when kyso's handler has run: it raises libsign's cancel flag
 * (cancel.h), which the shim looks at through sign_cancel_requested() of the
 * process (so whichever thread took the signal); then the real C_Sign signs.
 * A process that never takes one waits forever: the test's bound ends it.
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST *real;
static CK_FUNCTION_LIST shim;

static void
wait_for_signal(void)
{
	int (*requested)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "sign_cancel_requested");
	const char *log = getenv("KYSO_STALL_LOG");
	struct timespec ts = { 0, 10 * 1000000L };
	FILE *fp;

	if (requested == NULL)
		return;
	if (log != NULL && (fp = fopen(log, "a")) != NULL) {
		fputs("C_Sign waits for a signal\n", fp);
		fclose(fp);
	}
	while (!requested())
		nanosleep(&ts, NULL);
}

static CK_RV
shim_Sign(CK_SESSION_HANDLE s, CK_BYTE *data, CK_ULONG len, CK_BYTE *sig, CK_ULONG *siglen)
{
	if (sig != NULL)
		wait_for_signal();
	return real->C_Sign(s, data, len, sig, siglen);
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST **out);

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST **out)
{
	const char *path = getenv("KYSO_STALL_REAL");
	CK_C_GetFunctionList getf;
	void *dl;

	if (real == NULL) {
		if (path == NULL || (dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
			return CKR_GENERAL_ERROR;
		getf = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
		if (getf == NULL || getf(&real) != CKR_OK)
			return CKR_GENERAL_ERROR;
		shim = *real;
		shim.C_GetFunctionList = C_GetFunctionList;
		shim.C_Sign = shim_Sign;
	}
	*out = &shim;
	return CKR_OK;
}
