/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A test-only PKCS#11 module that wraps a real one (SoftHSM) to show token
 * states SoftHSM cannot reach: a PIN pad, a locked PIN, the final try.
 * Built by the integration tests at run time.  Environment:
 *   KYSO_SHIM_REAL         path of the real module (required)
 *   KYSO_SHIM_SET_FLAGS    token flags to add in C_GetTokenInfo (hex)
 *   KYSO_SHIM_LOGIN_RV     CK_RV that C_Login answers instead of logging in (hex)
 *   KYSO_SHIM_PINPAD_PIN   the PIN "typed on the PIN pad" when C_Login gets none
 *   KYSO_SHIM_LOG          a file: one line per C_Login ("login user=N pin=none|given")
 *   KYSO_SHIM_SIGN_LIMIT   after this many signatures (decimal) the token is "removed":
 *                          C_SignInit and C_Sign answer CKR_DEVICE_REMOVED
 *   KYSO_SHIM_SIGN_WAIT    set: each C_Sign (with an output buffer) waits until the
 *                          process has taken SIGINT or SIGTERM - kyso's handler raises
 *                          libsign's cancel flag (cancel.h), seen here through the
 *                          process's sign_cancel_requested() - then signs; "sign waits"
 *                          is logged first.  A test lands a signal inside a signature
 *                          that way, without timing; a process that never takes one
 *                          waits until the test's bound ends it.
 *   KYSO_SHIM_SESSIONS     log one line per C_OpenSession and C_CloseSession
 *                          ("open session=H" / "close session=H") and per signature
 *                          ("sign session=H") to KYSO_SHIM_LOG
 *   KYSO_SHIM_SESSION_MAX  at most this many sessions open at once (decimal): one more
 *                          C_OpenSession answers CKR_SESSION_COUNT
 *   KYSO_SHIM_SESSION_PUBLIC  sessions opened while this many (decimal) are open
 *                          report CKS_RO_PUBLIC_SESSION (not logged in) in
 *                          C_GetSessionInfo: a module that logs in per session
 *   KYSO_SHIM_SESSION_NOSIGN  sessions opened while this many (decimal) are open
 *                          answer C_SignInit with CKR_FUNCTION_FAILED: a module that
 *                          opens a session it will not sign on
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
static unsigned long signatures;   /* (atomic: signatures on several sessions at once) */
static unsigned long started;      /* signatures begun (atomic) */
static unsigned long open_sessions;
#define PUBLIC_MAX 16
static CK_SESSION_HANDLE public_sessions[PUBLIC_MAX];
static unsigned int npublic;
static CK_SESSION_HANDLE nosign_sessions[PUBLIC_MAX];
static unsigned int nnosign;

static unsigned long
env_hex(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v ? strtoul(v, NULL, 16) : 0;
}

static CK_RV
shim_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO *info)
{
	CK_RV rv = real->C_GetTokenInfo(id, info);

	if (rv == CKR_OK)
		info->flags |= env_hex("KYSO_SHIM_SET_FLAGS");
	return rv;
}

/* One line to KYSO_SHIM_LOG, when set. */
static void
log_line(const char *line)
{
	const char *log = getenv("KYSO_SHIM_LOG");
	FILE *fp;

	if (log != NULL && (fp = fopen(log, "a")) != NULL) {
		fprintf(fp, "%s\n", line);
		fclose(fp);
	}
}

static CK_RV
shim_Login(CK_SESSION_HANDLE s, CK_USER_TYPE user, CK_UTF8CHAR *pin, CK_ULONG len)
{
	const char *pad = getenv("KYSO_SHIM_PINPAD_PIN");
	unsigned long forced = env_hex("KYSO_SHIM_LOGIN_RV");
	char line[64];

	snprintf(line, sizeof(line), "login user=%lu pin=%s", (unsigned long)user,
	    pin == NULL ? "none" : "given");
	log_line(line);
	if (forced != 0)
		return (CK_RV)forced;
	if (pin == NULL && pad != NULL)
		return real->C_Login(s, user, (CK_UTF8CHAR *)pad, (CK_ULONG)strlen(pad));
	return real->C_Login(s, user, pin, len);
}

/* KYSO_SHIM_SESSIONS: "WHAT session=H" to the log. */
static void
session_line(const char *what, CK_SESSION_HANDLE s)
{
	char line[64];

	if (getenv("KYSO_SHIM_SESSIONS") == NULL)
		return;
	snprintf(line, sizeof(line), "%s session=%lu", what, (unsigned long)s);
	log_line(line);
}

/* 1 when KYSO_SHIM_SIGN_LIMIT signatures were made already. */
static int
removed(void)
{
	const char *v = getenv("KYSO_SHIM_SIGN_LIMIT");

	return v != NULL && *v && __atomic_load_n(&signatures, __ATOMIC_SEQ_CST) >=
	    strtoul(v, NULL, 10);
}

/* KYSO_SHIM_SIGN_WAIT: until the process has taken its signal. */
static void
wait_for_signal(void)
{
	int (*requested)(void) = (int (*)(void))dlsym(RTLD_DEFAULT, "sign_cancel_requested");
	struct timespec ts = { 0, 10 * 1000000L };

	if (getenv("KYSO_SHIM_SIGN_WAIT") == NULL || requested == NULL)
		return;
	log_line("sign waits");
	while (!requested())
		nanosleep(&ts, NULL);
}

static CK_RV
shim_SignInit(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE k)
{
	unsigned int i, n = __atomic_load_n(&nnosign, __ATOMIC_SEQ_CST);

	for (i = 0; i < n; i++)
		if (nosign_sessions[i] == s) {
			session_line("signinit refused", s);
			return CKR_FUNCTION_FAILED;
		}
	return removed() ? CKR_DEVICE_REMOVED : real->C_SignInit(s, m, k);
}

static CK_RV
shim_Sign(CK_SESSION_HANDLE s, CK_BYTE *data, CK_ULONG len, CK_BYTE *sig, CK_ULONG *siglen)
{
	const char *limit = getenv("KYSO_SHIM_SIGN_LIMIT");
	CK_RV rv;

	if (removed())
		return CKR_DEVICE_REMOVED;
	/* (signatures on several sessions at once: a place is taken first, so
	 * that no more than the limit are made) */
	if (sig != NULL && limit != NULL && *limit &&
	    __atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST) > strtoul(limit, NULL, 10))
		return CKR_DEVICE_REMOVED;
	if (sig != NULL)
		wait_for_signal();
	rv = real->C_Sign(s, data, len, sig, siglen);
	if (rv == CKR_OK && sig != NULL) {
		__atomic_add_fetch(&signatures, 1, __ATOMIC_SEQ_CST);
		session_line("sign", s);
	}
	return rv;
}

static unsigned long
env_dec(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v != NULL && *v ? strtoul(v, NULL, 10) : dflt;
}

static CK_RV
shim_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, void *app, CK_NOTIFY notify,
    CK_SESSION_HANDLE *s)
{
	unsigned long now = __atomic_load_n(&open_sessions, __ATOMIC_SEQ_CST);
	CK_RV rv;

	if (now >= env_dec("KYSO_SHIM_SESSION_MAX", (unsigned long)-1))
		return CKR_SESSION_COUNT;
	rv = real->C_OpenSession(id, flags, app, notify, s);
	if (rv != CKR_OK)
		return rv;
	__atomic_add_fetch(&open_sessions, 1, __ATOMIC_SEQ_CST);
	if (now >= env_dec("KYSO_SHIM_SESSION_PUBLIC", (unsigned long)-1) && npublic < PUBLIC_MAX)
		public_sessions[npublic++] = *s;
	if (now >= env_dec("KYSO_SHIM_SESSION_NOSIGN", (unsigned long)-1) && nnosign < PUBLIC_MAX)
	{
		/* (the handle first, then the count: C_SignInit reads them on
		 * another thread) */
		nosign_sessions[nnosign] = *s;
		__atomic_store_n(&nnosign, nnosign + 1, __ATOMIC_SEQ_CST);
	}
	session_line("open", *s);
	return rv;
}

static CK_RV
shim_CloseSession(CK_SESSION_HANDLE s)
{
	CK_RV rv = real->C_CloseSession(s);

	if (rv == CKR_OK) {
		__atomic_sub_fetch(&open_sessions, 1, __ATOMIC_SEQ_CST);
		session_line("close", s);
	}
	return rv;
}

static CK_RV
shim_GetSessionInfo(CK_SESSION_HANDLE s, CK_SESSION_INFO *info)
{
	CK_RV rv = real->C_GetSessionInfo(s, info);
	unsigned int i;

	for (i = 0; rv == CKR_OK && i < npublic; i++)
		if (public_sessions[i] == s)
			info->state = CKS_RO_PUBLIC_SESSION;
	return rv;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST **out);

CK_RV
C_GetFunctionList(CK_FUNCTION_LIST **out)
{
	const char *path = getenv("KYSO_SHIM_REAL");
	CK_C_GetFunctionList getf;
	void *dl;
	CK_RV rv;

	if (real == NULL) {
		if (path == NULL || (dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL)
			return CKR_GENERAL_ERROR;
		getf = (CK_C_GetFunctionList)dlsym(dl, "C_GetFunctionList");
		if (getf == NULL || (rv = getf(&real)) != CKR_OK)
			return CKR_GENERAL_ERROR;
		shim = *real;
		shim.C_GetFunctionList = C_GetFunctionList;
		shim.C_GetTokenInfo = shim_GetTokenInfo;
		shim.C_Login = shim_Login;
		shim.C_SignInit = shim_SignInit;
		shim.C_Sign = shim_Sign;
		shim.C_OpenSession = shim_OpenSession;
		shim.C_CloseSession = shim_CloseSession;
		shim.C_GetSessionInfo = shim_GetSessionInfo;
	}
	*out = &shim;
	return CKR_OK;
}
