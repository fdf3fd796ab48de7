#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Regenerate the seed corpora of fuzz_sod, fuzz_dg14 and fuzz_dg15 from the
# fixtures in tests/fixtures/pa (run from the top of the source tree).
# Needs openssl(1).  The EC DG15 seeds are fresh keys each run.
set -eu
F=tests/fixtures/pa
C=tests/fuzz/corpus
mkdir -p "$C/sod" "$C/dg14" "$C/dg15"
for f in "$F"/realworld_sod/*_EF_SOD.bin; do cp "$f" "$C/sod/"; done
cp "$F/bsi_tr03105_refdata_2008/EF_SOD.bin" "$C/sod/bsi2008_EF_SOD.bin"
cp "$F/bsi_tr03105_refdata_2013_hjp/EF_SOD.bin" "$C/sod/bsi2013_EF_SOD.bin"
cp "$F/nl_specimen_2006/ef011D.bin" "$C/sod/nl2006_EF_SOD.bin"
cp "$F/masterlist/synthetic_test_ml.ml" "$C/sod/synthetic_ml.der"
cp "$F/realworld_sod/DE_EF_CardSecurity.bin" "$C/sod/DE_CardSecurity.der"
# the CscaMasterList content of the synthetic list
openssl cms -verify -noverify -binary -inform DER -in "$F/masterlist/synthetic_test_ml.ml" \
    -out "$C/sod/synthetic_ml_content.der" 2>/dev/null
# truncated and cut variants
head -c 600 "$F/realworld_sod/NZ_EF_SOD.bin" > "$C/sod/NZ_truncated.bin"
head -c 300 "$F/realworld_sod/UK_EF_SOD.bin" > "$C/sod/UK_truncated.bin"

cp "$F/icao9303_spec_samples/spec_sample_encoded_dg14.bin" "$C/dg14/spec_sample.bin"
cp "$F/bsi_tr03105_refdata_2008/Datagroup14.bin" "$C/dg14/bsi2008.bin"
# PACE, PACE domain parameters, CA AES-256 with keyId, AA, unknown, TA, PACE-CAM
printf '%s' 6E819131818E3012060A04007F0007020204020202010202010D301C060904007F000702020402300C060704007F0007010202010D02010D3012060A04007F0007020203020402010102010730170606678108010105020101060A04007F00070101040103300806042A0304050500300F060A04007F000702020202030201023012060A04007F0007020204060202010202010D |
    xxd -r -p > "$C/dg14/synthetic_all_kinds.bin"

# bytes given as decimal numbers
oct() { for b in "$@"; do printf "\\$(printf %o "$b")"; done; }

cp "$F/bsi_tr03105_refdata_2008/Datagroup15.bin" "$C/dg15/bsi2008_negative_modulus.bin"
cp "$F/bsi_tr03105_refdata_2013_hjp/Datagroup15.bin" "$C/dg15/bsi2013.bin"
cp "$F/nl_specimen_2006/ef010F.bin" "$C/dg15/nl2006.bin"
for curve in prime256v1 brainpoolP224r1; do
	for enc in named_curve explicit; do
		openssl ecparam -name "$curve" -genkey -noout -param_enc "$enc" 2>/dev/null |
		    openssl pkey -pubout -outform DER > "$C/dg15/spki.tmp"
		n=$(wc -c < "$C/dg15/spki.tmp")
		{ if [ "$n" -lt 128 ]; then oct "$((0x6F))" "$n"
		  elif [ "$n" -lt 256 ]; then oct "$((0x6F))" "$((0x81))" "$n"
		  else oct "$((0x6F))" "$((0x82))" "$((n / 256))" "$((n % 256))"; fi
		  cat "$C/dg15/spki.tmp"; } > "$C/dg15/ec_${curve}_${enc}.bin"
	done
done
rm -f "$C/dg15/spki.tmp"
