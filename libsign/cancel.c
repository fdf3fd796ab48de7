/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The process-wide flag that abandons network requests (cancel.h). */
#include "internal.h"
#include "libsign/cancel.h"

#include <stdatomic.h>

/* Set from signal handlers: it must be a lock-free atomic (async-signal-safe). */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "int atomics are not lock-free here");

static atomic_int cancelled;

void
sign_cancel_request(void)
{
	atomic_store(&cancelled, 1);
}

void
sign_cancel_clear(void)
{
	atomic_store(&cancelled, 0);
}

int
sign_cancel_requested(void)
{
	return atomic_load(&cancelled) != 0;
}
