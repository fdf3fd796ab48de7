#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# kyso checkin verify of records that cannot be read (no card needed): a record
# that does not exist, a directory, a record without its signature: exit 6 with
# the cause and the fix on stderr, and with --json the same message in the
# top-level "error" (not only inside results[]), as docs/checkin-verify-json.md
# has it: one record -> its message; several -> "K of N records could not be
# verified ..., the first: ...".  (A run that mixes a verified record with a
# missing one: checkin_verify.sh, which has a real record.)
. "$top_srcdir/tests/integration/lib.sh"

# vjson CODE EXPR ARGS...: kyso checkin verify --json ARGS exits CODE, its one
# object satisfies EXPR (Python, d) and is as the document describes it
vjson() {
	_c=$1 _e=$2
	shift 2
	"$KYSO" checkin verify --json "$@" >"$T/j.out" 2>"$T/j.err"
	_g=$?
	if [ "$_g" -eq "$_c" ] && python3 -c "import json,sys; d=json.load(open(sys.argv[1], encoding='utf-8')); sys.exit(0 if ($_e) else 1)" "$T/j.out"; then
		pass "exit $_c, --json $*: $_e"
	else
		fail "exit $_g (wanted $_c), --json $*: $_e"; sed 's/^/    | /' "$T/j.out" "$T/j.err"
	fi
	python3 "$top_srcdir/tests/integration/checkin_verify_schema.py" \
	    "$top_srcdir/docs/checkin-verify-json.md" "$T/j.out" >/dev/null 2>"$T/schema.err" &&
	    pass "--json $*: as documented" ||
	    { fail "--json $*: not as documented"; cat "$T/schema.err"; }
}

cd "$T" || exit 1
mkdir adir
printf '{"schema":1}' > nosig.json
A="absent.json: No such file or directory; check the record's file name"

# one record that does not exist
expect 6 "^kyso checkin: $A$" "$KYSO" checkin verify --no-default-trust absent.json
grep -q 'absent.json: NOT VERIFIED' "$T/.out" && pass "the text output says NOT VERIFIED" ||
    fail "no NOT VERIFIED line"
vjson 6 'd["error"] == "'"$A"'" and d["indication"] is None and d["exit"] == 6 and d["results"][0]["error"] == d["error"]' \
    --no-default-trust absent.json
# in a directory that does not exist
vjson 6 'd["error"] == "nodir/x.json: No such file or directory; check the record'"'"'s file name"' \
    --no-default-trust nodir/x.json

# a directory: cannot be read as a record (6, not a runtime failure)
D="adir: a directory, not a record; give the record's .json file"
expect 6 "^kyso checkin: $D" "$KYSO" checkin verify --no-default-trust adir
vjson 6 'd["error"].startswith("'"$D"'") and d["exit"] == 6 and d["results"][0]["exit"] == 6' \
    --no-default-trust adir

# a record whose signature is missing: the fix names the way out
expect 6 "^kyso checkin: nosig.json: the record's signature nosig.json.p7s is missing: .*; keep the record's .p7s beside it, or name the signature with --signature SIG$" \
    "$KYSO" checkin verify --no-default-trust nosig.json
vjson 6 'd["error"].endswith("name the signature with --signature SIG") and d["error"] == "nosig.json: " + d["results"][0]["error"]' \
    --no-default-trust nosig.json
expect 6 "the record's signature none.p7s is missing: .*; check the file name given to --signature$" \
    "$KYSO" checkin verify --no-default-trust nosig.json --signature none.p7s

# its signature a directory: bad input too (6)
printf '{"schema":1}' > sigdir.json
mkdir sigdir.json.p7s
expect 6 "^kyso checkin: sigdir.json: the record's signature sigdir.json.p7s is a directory, not a signature; keep the record's .p7s file beside it, or name it with --signature SIG$" \
    "$KYSO" checkin verify --no-default-trust sigdir.json
expect 6 "^kyso checkin: nosig.json: the record's signature adir is a directory, not a signature; give the record's .p7s file to --signature$" \
    "$KYSO" checkin verify --no-default-trust nosig.json --signature adir

# several, none readable: the count and the first one's message
vjson 6 'd["error"] == "3 of 3 records could not be verified (each result'"'"'s \"error\" says why), the first: '"$A"'" and [r["exit"] for r in d["results"]] == [6, 6, 6] and d["indication"] is None' \
    --no-default-trust absent.json adir nosig.json
expect 6 "adir: a directory" "$KYSO" checkin verify --no-default-trust absent.json adir

# the run could not start: "error" says why, results empty (as before)
vjson 6 'd["results"] == [] and "--trust" in d["error"] and "none.pem" in d["error"]' \
    --no-default-trust --trust none.pem absent.json
done_testing
