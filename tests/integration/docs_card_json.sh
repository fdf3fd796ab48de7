#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `kyso card verify --json` output against docs/card-json.md, offline (no reader):
# dumps made from the virtual card's files (mkcard) - as read, with a data group
# modified, a signer no CSCA vouches for, DG15 left out, Chip Authentication in
# DG14 and no Active Authentication, no CSCA at all - and the failures that reach no
# verdict (no EF.SOD, no such directory, a usage error) and a malformed EF.SOD (a verdict:
# passive authentication indeterminate, exit 6).  Each
# output must have exactly the members of the document's tables with their types
# and, for the verdict strings, one of the values the document lists; each exit
# status must be the one its table gives for that case.
. "$top_srcdir/tests/integration/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed"
MKCARD=${MKCARD:-$top_builddir/tests/vcard/mkcard}
[ -x "$MKCARD" ] || skip_all "mkcard is not built"
DOC=$top_srcdir/docs/card-json.md
PROFILE=$top_srcdir/tests/vcard/profiles/default.conf
test_pki
"$MKCARD" -p "$PROFILE" -k "$T/pki" -o "$T/card" >"$T/mkcard.log" 2>&1 ||
    { cat "$T/mkcard.log"; fail "mkcard"; done_testing; }
"$MKCARD" -p "$PROFILE" -k "$T/pki" -o "$T/card-ca" -s aa=none -s ca=ec-p256 \
    >"$T/mkcard.log" 2>&1 || { cat "$T/mkcard.log"; fail "mkcard (CA)"; done_testing; }
CSCA="--csca $T/pki/csca.pem --no-default-csca"

dump() { # DIR CARD: the files a dump of CARD holds
	mkdir -p "$1"
	for f in EF.COM EF.SOD DG1.bin DG2.bin DG13.bin DG14.bin DG15.bin; do
		[ -f "$2/$f" ] && cp "$2/$f" "$1/"
	done
	return 0
}

# check NAME CODE SHAPE ARGS...: kyso card verify ARGS --json exits CODE with one
# object of SHAPE (verdict or error) that docs/card-json.md describes.
check() {
	_n=$1 _code=$2 _shape=$3
	shift 3
	"$KYSO" card verify "$@" --json >"$T/$_n.json" 2>"$T/$_n.err" </dev/null
	_got=$?
	[ "$_got" = "$_code" ] && pass "$_n: exit $_code" ||
	    { fail "$_n: exit $_got, expected $_code"; sed 's/^/    | /' "$T/$_n.err"; }
	if python3 - "$DOC" "$T/$_n.json" "$_shape" "$_code" >"$T/$_n.check" 2>&1 <<'EOF'
import json, re, sys
doc = open(sys.argv[1], encoding='utf-8').read()
out = json.loads(open(sys.argv[2], encoding='utf-8').read())
shape, code = sys.argv[3], int(sys.argv[4])

def section(title):
    return doc.split('\n## ' + title + '\n', 1)[1].split('\n## ', 1)[0]

def tables(text):
    """The tables of a section: [{name: (type, meaning)}]."""
    res, cur = [], None
    for line in text.splitlines():
        m = re.match(r'\| ((?:`[^`]+`(?:, )?)+) \| ([^|]+) \| (.*) \|$', line)
        if m:
            if cur is None:
                cur = {}
                res.append(cur)
            for name in re.findall(r'`([^`]+)`', m.group(1)):
                cur[name] = (m.group(2).strip(), m.group(3))
        elif not line.startswith('|'):
            cur = None
    return res

types = {'integer': int, 'string': str, 'array': list, 'boolean': bool, 'null': type(None),
         'object': dict}
def typed(where, v, t):
    allowed = tuple(types[w] for w in re.findall(r'integer|string|array|boolean|null|object', t))
    assert allowed, '%s: no type in %r' % (where, t)
    assert isinstance(v, allowed) and not (isinstance(v, bool) and bool not in allowed), \
        '%s: %r is not %s' % (where, v, t)
    if isinstance(v, list) and 'of strings' in t:
        assert all(isinstance(e, str) for e in v), '%s: not all strings' % where

def check(obj, rows, where, optional=()):
    assert isinstance(obj, dict), '%s: not an object' % where
    for k, v in obj.items():
        assert k in rows, '%s: member %r is not documented' % (where, k)
        typed('%s.%s' % (where, k), v, rows[k][0])
    for k in rows:
        if k not in optional:
            assert k in obj, '%s: documented member %r missing' % (where, k)

def values(where, v, meaning):
    """v must be one of the "quoted" values the meaning gives."""
    allowed = re.findall(r'`"([a-z_0-9=T]+)"`', meaning)
    assert v in allowed, '%s: %r is none of the documented %s' % (where, v, allowed)

verdict, error = tables(section('Two shapes'))
if shape == 'error':
    assert set(out) == {'schema', 'error'}, 'error shape: members %s' % sorted(out)
    assert out['schema'] == 1
    for k in ('exit', 'message'):
        typed('error.' + k, out['error'].get(k), error['error.' + k][0])
    assert set(out['error']) == {'exit', 'message'}, 'error: members %s' % sorted(out['error'])
    assert out['error']['exit'] == code, 'error.exit %r, exit status %d' % (out['error']['exit'], code)
    sys.exit(0)

assert set(out) == set(verdict), 'top: members %s, documented %s' % (sorted(out), sorted(verdict))
check(out, verdict, 'top')
assert out['schema'] == 1
check(out['document'], tables(section('`document`'))[0], 'document')
ver = tables(section('`verification`'))[0]
check(out['verification'], ver, 'verification')
for k in ('passive', 'active', 'chip_authentication', 'pace'):
    values('verification.' + k, out['verification'][k], ver[k][1])
ds = out['verification']['document_signer']
if ds is not None:
    assert set(ds) == {'subject', 'issuer', 'serial'}, 'document_signer: %s' % sorted(ds)
if out['verification']['aa'] is not None:
    assert set(out['verification']['aa']) == {'challenge', 'response'}
if out['verification']['ca'] is not None:
    assert set(out['verification']['ca']) == {'protocol'}
if out['photo'] is not None:
    ph = tables(section('`photo`'))[0]
    check(out['photo'], ph, 'photo')
    values('photo.format', out['photo']['format'], ph['format'][1])
if out['stats'] is not None:
    check(out['stats'], tables(section('`stats`'))[0], 'stats')
fl = tables(section('`files`'))[0]
for name, f in out['files'].items():
    assert re.match(r'^(COM|SOD|DG([1-9]|1[0-6]))$', name), 'files: member %r' % name
    opt = ['sod_hash', 'reason', 'sha256', 'size']
    check(f, fl, 'files.' + name, optional=opt)
    if f['read']:
        assert 'sha256' in f and 'size' in f and 'reason' not in f, 'files.%s: read' % name
    else:
        assert 'reason' in f and 'sha256' not in f, 'files.%s: not read' % name
    assert ('sod_hash' in f) == (name.startswith('DG') and f['read']), 'files.%s: sod_hash' % name
    if 'sod_hash' in f:
        values('files.%s.sod_hash' % name, f['sod_hash'], fl['sod_hash'][1])
holder = section('`holder`')
keys = set(re.findall(r'`([a-z_]+)`', holder.split('See `docs/card-fields.md`')[0]))
for k, v in out['holder'].items():
    assert k in keys or re.match(r'^unknown_[0-9]+$', k), 'holder: %r is not documented' % k
    assert isinstance(v, str), 'holder.%s: not a string' % k
m = out['mrz']
if m is not None:
    mrz = section('`mrz`')
    mkeys = set(re.findall(r'`([a-z_0-9]+)`', mrz.split('\n|')[0])) - {'M', 'F'}
    mt = tables(mrz)[0]
    for k, v in m.items():
        if k in mt:
            typed('mrz.' + k, v, mt[k][0])
        else:
            assert k in mkeys, 'mrz: %r is not documented' % k
            assert isinstance(v, str), 'mrz.%s: not a string' % k
    for k in mt:
        assert k in m, 'mrz: %r missing' % k
    for k, v in m['check_digits'].items():
        assert k in re.findall(r'`([a-z_]+)`', mt['check_digits'][1]), 'check_digits.' + k
        assert v in ('ok', 'bad'), 'check_digits.%s: %r' % (k, v)
EOF
	then
		pass "$_n: the JSON is as docs/card-json.md says"
	else
		fail "$_n: the JSON differs from docs/card-json.md"
		sed 's/^/    | /' "$T/$_n.check" "$T/$_n.json" | head -30
	fi
}

dump "$T/d-as-read" "$T/card"
check as-read 2 verdict "$T/d-as-read" $CSCA
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if d["verification"]["passive"] == "passed" and d["stats"] is None and
    d["verification"]["active"] == "not_attempted" else 1)' "$T/as-read.json" &&
    pass "as-read: PA passed, AA not attempted offline without the exchange, no stats" ||
    fail "as-read: verdicts"
dump "$T/d-modified" "$T/card"
printf 'X' | dd of="$T/d-modified/DG13.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
check modified 1 verdict "$T/d-modified" $CSCA
dump "$T/d-unknown" "$T/card"
cp "$T/card/EF.SOD.unknown-signer" "$T/d-unknown/EF.SOD"
check unknown-signer 2 verdict "$T/d-unknown" $CSCA
dump "$T/d-nodg15" "$T/card"
rm "$T/d-nodg15/DG15.bin"
check no-dg15 1 verdict "$T/d-nodg15" $CSCA
dump "$T/d-ca" "$T/card-ca"
check chip-auth-only 2 verdict "$T/d-ca" $CSCA
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["verification"]
sys.exit(0 if d["chip_authentication"] == "not_attempted" and d["ca"] is None and
    d["active"] == "not_supported" else 1)' "$T/chip-auth-only.json" &&
    pass "chip-auth-only: CA not attempted offline, no AA" || fail "chip-auth-only: verdicts"
check no-csca 2 verdict "$T/d-as-read" --no-default-csca
dump "$T/d-nosod" "$T/card"
rm "$T/d-nosod/EF.SOD"
check no-sod 6 error "$T/d-nosod" $CSCA
dump "$T/d-badsod" "$T/card"
head -c 100 "$T/card/EF.SOD" > "$T/d-badsod/EF.SOD"
check bad-sod 6 verdict "$T/d-badsod" $CSCA
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["verification"]
sys.exit(0 if d["passive"] == "indeterminate" and not d["genuine"] else 1)' "$T/bad-sod.json" &&
    pass "bad-sod: PA indeterminate, not genuine" || fail "bad-sod: verdicts"
check no-dir 6 error "$T/nothing-here" $CSCA
check usage 3 error "$T/d-as-read" --bogus
done_testing
