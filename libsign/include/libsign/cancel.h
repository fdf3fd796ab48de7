/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Abandoning network requests: a process-wide flag that a signal handler
 * (or any thread) raises so that the requests libsign makes over the
 * network end at once instead of running to their timeout.
 *
 *   static void on_sigint(int sig) { (void)sig; sign_cancel_request(); }
 *
 * Once raised, every request in progress or started later - the insurance
 * gateway (sign_insurance_lookup) and RFC 3161 time-stamp servers
 * (sign_cades_sign_opts.tsa_url, sign_checkin_write_stamped) - ends within
 * about a second with SIGN_ERR_CANCELLED, the waits between retries end too,
 * and no further try is made.  A call that fails so writes nothing.  Other
 * work (card reads, token signatures, file writes) does not look at the
 * flag: stop a signer with sign_signer_cancel().
 *
 * THREAD SAFETY: all three functions may be called from any thread;
 * sign_cancel_request() and sign_cancel_requested() are also async-signal-
 * safe (a lock-free atomic store / load).
 */
#ifndef LIBSIGN_CANCEL_H
#define LIBSIGN_CANCEL_H

#ifdef __cplusplus
extern "C" {
#endif

/* Raise the flag: network requests end with SIGN_ERR_CANCELLED. */
void sign_cancel_request(void);

/* Lower it again (e.g. a program that goes on after abandoning one request). */
void sign_cancel_clear(void);

/* 1 while the flag is raised, else 0. */
int sign_cancel_requested(void);

#ifdef __cplusplus
}
#endif

#endif
