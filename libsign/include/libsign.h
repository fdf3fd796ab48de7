/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsign: Vietnamese chip ID cards (ICAO 9303), PKCS#11 tokens, CAdES
 * signatures and BHYT insurance lookups.  The umbrella header.
 *
 * THREAD SAFETY: see each module header.
 */
#ifndef LIBSIGN_H
#define LIBSIGN_H

#include "libsign/common.h"
/* module headers: one line each */
#include "libsign/signer.h"
#include "libsign/cades.h"
#include "libsign/mrtd.h"
#include "libsign/token.h"
#include "libsign/cert.h"
#include "libsign/pa.h"
#include "libsign/card.h"
#include "libsign/config.h"
#include "libsign/insurance.h"
#include "libsign/checkin.h"
#include "libsign/cancel.h"

#endif
