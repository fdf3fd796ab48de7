/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ICAO 9303-3 issuing-state codes to ISO 3166-1 alpha-2 (the countryName of
 * CSCA and DS certificates).  The table is ISO 3166-1 (alpha-3 to alpha-2,
 * as in Debian's iso-codes) plus the ICAO codes that are not ISO: "D"
 * (Germany), GBD/GBN/GBO/GBP/GBS (British nationality classes, certificates
 * say GB; the alpha-2 "UK" is taken as GB too), RKS (Kosovo, XK) and UTO
 * (Utopia, the ICAO specimen state, UT).
 */
#include "pa_priv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const struct country {
	char a3[4];
	char a2[3];
} table[] = {
	{ "ABW", "AW" }, { "AFG", "AF" }, { "AGO", "AO" }, { "AIA", "AI" }, { "ALA", "AX" },
	{ "ALB", "AL" }, { "AND", "AD" }, { "ARE", "AE" }, { "ARG", "AR" }, { "ARM", "AM" },
	{ "ASM", "AS" }, { "ATA", "AQ" }, { "ATF", "TF" }, { "ATG", "AG" }, { "AUS", "AU" },
	{ "AUT", "AT" }, { "AZE", "AZ" }, { "BDI", "BI" }, { "BEL", "BE" }, { "BEN", "BJ" },
	{ "BES", "BQ" }, { "BFA", "BF" }, { "BGD", "BD" }, { "BGR", "BG" }, { "BHR", "BH" },
	{ "BHS", "BS" }, { "BIH", "BA" }, { "BLM", "BL" }, { "BLR", "BY" }, { "BLZ", "BZ" },
	{ "BMU", "BM" }, { "BOL", "BO" }, { "BRA", "BR" }, { "BRB", "BB" }, { "BRN", "BN" },
	{ "BTN", "BT" }, { "BVT", "BV" }, { "BWA", "BW" }, { "CAF", "CF" }, { "CAN", "CA" },
	{ "CCK", "CC" }, { "CHE", "CH" }, { "CHL", "CL" }, { "CHN", "CN" }, { "CIV", "CI" },
	{ "CMR", "CM" }, { "COD", "CD" }, { "COG", "CG" }, { "COK", "CK" }, { "COL", "CO" },
	{ "COM", "KM" }, { "CPV", "CV" }, { "CRI", "CR" }, { "CUB", "CU" }, { "CUW", "CW" },
	{ "CXR", "CX" }, { "CYM", "KY" }, { "CYP", "CY" }, { "CZE", "CZ" }, { "D", "DE" },
	{ "DEU", "DE" }, { "DJI", "DJ" }, { "DMA", "DM" }, { "DNK", "DK" }, { "DOM", "DO" },
	{ "DZA", "DZ" }, { "ECU", "EC" }, { "EGY", "EG" }, { "ERI", "ER" }, { "ESH", "EH" },
	{ "ESP", "ES" }, { "EST", "EE" }, { "ETH", "ET" }, { "FIN", "FI" }, { "FJI", "FJ" },
	{ "FLK", "FK" }, { "FRA", "FR" }, { "FRO", "FO" }, { "FSM", "FM" }, { "GAB", "GA" },
	{ "GBD", "GB" }, { "GBN", "GB" }, { "GBO", "GB" }, { "GBP", "GB" }, { "GBR", "GB" },
	{ "GBS", "GB" }, { "GEO", "GE" }, { "GGY", "GG" }, { "GHA", "GH" }, { "GIB", "GI" },
	{ "GIN", "GN" }, { "GLP", "GP" }, { "GMB", "GM" }, { "GNB", "GW" }, { "GNQ", "GQ" },
	{ "GRC", "GR" }, { "GRD", "GD" }, { "GRL", "GL" }, { "GTM", "GT" }, { "GUF", "GF" },
	{ "GUM", "GU" }, { "GUY", "GY" }, { "HKG", "HK" }, { "HMD", "HM" }, { "HND", "HN" },
	{ "HRV", "HR" }, { "HTI", "HT" }, { "HUN", "HU" }, { "IDN", "ID" }, { "IMN", "IM" },
	{ "IND", "IN" }, { "IOT", "IO" }, { "IRL", "IE" }, { "IRN", "IR" }, { "IRQ", "IQ" },
	{ "ISL", "IS" }, { "ISR", "IL" }, { "ITA", "IT" }, { "JAM", "JM" }, { "JEY", "JE" },
	{ "JOR", "JO" }, { "JPN", "JP" }, { "KAZ", "KZ" }, { "KEN", "KE" }, { "KGZ", "KG" },
	{ "KHM", "KH" }, { "KIR", "KI" }, { "KNA", "KN" }, { "KOR", "KR" }, { "KWT", "KW" },
	{ "LAO", "LA" }, { "LBN", "LB" }, { "LBR", "LR" }, { "LBY", "LY" }, { "LCA", "LC" },
	{ "LIE", "LI" }, { "LKA", "LK" }, { "LSO", "LS" }, { "LTU", "LT" }, { "LUX", "LU" },
	{ "LVA", "LV" }, { "MAC", "MO" }, { "MAF", "MF" }, { "MAR", "MA" }, { "MCO", "MC" },
	{ "MDA", "MD" }, { "MDG", "MG" }, { "MDV", "MV" }, { "MEX", "MX" }, { "MHL", "MH" },
	{ "MKD", "MK" }, { "MLI", "ML" }, { "MLT", "MT" }, { "MMR", "MM" }, { "MNE", "ME" },
	{ "MNG", "MN" }, { "MNP", "MP" }, { "MOZ", "MZ" }, { "MRT", "MR" }, { "MSR", "MS" },
	{ "MTQ", "MQ" }, { "MUS", "MU" }, { "MWI", "MW" }, { "MYS", "MY" }, { "MYT", "YT" },
	{ "NAM", "NA" }, { "NCL", "NC" }, { "NER", "NE" }, { "NFK", "NF" }, { "NGA", "NG" },
	{ "NIC", "NI" }, { "NIU", "NU" }, { "NLD", "NL" }, { "NOR", "NO" }, { "NPL", "NP" },
	{ "NRU", "NR" }, { "NZL", "NZ" }, { "OMN", "OM" }, { "PAK", "PK" }, { "PAN", "PA" },
	{ "PCN", "PN" }, { "PER", "PE" }, { "PHL", "PH" }, { "PLW", "PW" }, { "PNG", "PG" },
	{ "POL", "PL" }, { "PRI", "PR" }, { "PRK", "KP" }, { "PRT", "PT" }, { "PRY", "PY" },
	{ "PSE", "PS" }, { "PYF", "PF" }, { "QAT", "QA" }, { "REU", "RE" }, { "RKS", "XK" },
	{ "ROU", "RO" }, { "RUS", "RU" }, { "RWA", "RW" }, { "SAU", "SA" }, { "SDN", "SD" },
	{ "SEN", "SN" }, { "SGP", "SG" }, { "SGS", "GS" }, { "SHN", "SH" }, { "SJM", "SJ" },
	{ "SLB", "SB" }, { "SLE", "SL" }, { "SLV", "SV" }, { "SMR", "SM" }, { "SOM", "SO" },
	{ "SPM", "PM" }, { "SRB", "RS" }, { "SSD", "SS" }, { "STP", "ST" }, { "SUR", "SR" },
	{ "SVK", "SK" }, { "SVN", "SI" }, { "SWE", "SE" }, { "SWZ", "SZ" }, { "SXM", "SX" },
	{ "SYC", "SC" }, { "SYR", "SY" }, { "TCA", "TC" }, { "TCD", "TD" }, { "TGO", "TG" },
	{ "THA", "TH" }, { "TJK", "TJ" }, { "TKL", "TK" }, { "TKM", "TM" }, { "TLS", "TL" },
	{ "TON", "TO" }, { "TTO", "TT" }, { "TUN", "TN" }, { "TUR", "TR" }, { "TUV", "TV" },
	{ "TWN", "TW" }, { "TZA", "TZ" }, { "UGA", "UG" }, { "UKR", "UA" }, { "UMI", "UM" },
	{ "URY", "UY" }, { "USA", "US" }, { "UTO", "UT" }, { "UZB", "UZ" }, { "VAT", "VA" },
	{ "VCT", "VC" }, { "VEN", "VE" }, { "VGB", "VG" }, { "VIR", "VI" }, { "VNM", "VN" },
	{ "VUT", "VU" }, { "WLF", "WF" }, { "WSM", "WS" }, { "YEM", "YE" }, { "ZAF", "ZA" },
	{ "ZMB", "ZM" }, { "ZWE", "ZW" },
};

static int
cmp(const void *key, const void *el)
{
	return strcmp((const char *)key, ((const struct country *)el)->a3);
}

int
sign_pa_country_alpha2(const char *state, char out[3])
{
	char s[4];
	size_t n = 0, i;
	const struct country *c;

	if (state == NULL || out == NULL)
		return sign_error__set(SIGN_ERR_INVALID_ARG, 0, "sign_pa_country_alpha2: NULL argument");
	out[0] = '\0';
	for (i = 0; state[i] != '\0'; i++) {
		if (state[i] == '<' || state[i] == ' ')
			continue;
		if (!isalpha((unsigned char)state[i]) || n == 3)
			goto unknown;
		s[n++] = (char)toupper((unsigned char)state[i]);
	}
	s[n] = '\0';
	if (n == 2) {
		/* Already alpha-2: accept when it is the alpha-2 of a known state;
		 * "UK" (reserved in ISO 3166, common in files) is GB. */
		if (strcmp(s, "UK") == 0) {
			memcpy(out, "GB", 3);
			return 0;
		}
		for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
			if (strcmp(table[i].a2, s) == 0) {
				memcpy(out, s, 3);
				return 0;
			}
		}
		goto unknown;
	}
	if (n == 0)
		goto unknown;
	c = bsearch(s, table, sizeof(table) / sizeof(table[0]), sizeof(table[0]), cmp);
	if (c == NULL)
		goto unknown;
	memcpy(out, c->a2, 3);
	return 0;
unknown:
	return sign_error__set(SIGN_ERR_NOT_FOUND, 0, "unknown issuing state \"%.8s\"", state);
}
