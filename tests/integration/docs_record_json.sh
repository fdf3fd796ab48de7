#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Check-in records of kyso reception against docs/checkin-record.md: a covered
# patient, a card whose data was altered (refused), a gateway that cannot be
# reached (lookup_failed) and a card the gateway does not cover (not_covered).
# Each record holds exactly the members of the document's tables (Members,
# `card`, `lookup`) with their types, the values the document lists for
# outcome, identity, the verdicts and the lookup's classes, the name shape
# YYYYMMDD-HHMMSS-H and the canonical form Python gives (the document's
# equivalent of jansson's); kyso reception --json prints the record's bytes.
. "$top_srcdir/tests/integration/reception_lib.sh"
DOC=$top_srcdir/docs/checkin-record.md
desk_setup

# record_check NAME RECORD OUTCOME: RECORD as docs/checkin-record.md says
record_check() {
	if python3 - "$DOC" "$2" "$3" >"$T/$1.check" 2>&1 <<'EOF'
import json, os, re, sys
doc = open(sys.argv[1], encoding='utf-8').read()
raw = open(sys.argv[2], 'rb').read()
rec = json.loads(raw)
outcome = sys.argv[3]

def table(title):
    sec = doc.split('\n' + title + '\n', 1)[1].split('\n#', 1)[0]
    return {m.group(1): (m.group(2).strip(), m.group(3)) for m in
            re.finditer(r'^\| `([a-z_0-9]+)` \| ([^|]+) \| (.*) \|$', sec, re.M)}

types = {'integer': int, 'string': str, 'array': list, 'boolean': bool, 'null': type(None),
         'object': dict}
def check(obj, rows, where):
    assert isinstance(obj, dict), where
    assert set(obj) == set(rows), '%s: members %s, documented %s' % (where, sorted(obj), sorted(rows))
    for k, v in obj.items():
        allowed = tuple(types[w] for w in re.findall(r'integer|string|array|boolean|null|object',
                                                     rows[k][0]))
        assert isinstance(v, allowed) and not (isinstance(v, bool) and bool not in allowed), \
            '%s.%s: %r is not %s' % (where, k, v, rows[k][0])

def quoted(text):
    return re.findall(r'`"([a-z_A-Z0-9-]+)"`', text)

assert raw == json.dumps(rec, sort_keys=True, separators=(',', ':'),
                         ensure_ascii=False).encode('utf-8'), 'not in canonical form'
assert re.match(r'^[0-9]{8}-[0-9]{6}-[0-9a-f]{12}(-[0-9]+)?\.json$',
                os.path.basename(sys.argv[2])), 'name %s' % sys.argv[2]
top = table('## Members')
check(rec, top, 'record')
assert rec['schema'] == 1 and rec['type'] == 'kyso-checkin'
assert re.match(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$', rec['time']), rec['time']
outcomes = table('### `outcome`')
assert rec['outcome'] == outcome and '"%s"' % outcome in doc, rec['outcome']
assert rec['identity'] in quoted(top['identity'][1]), rec['identity']
assert set(rec['facility']) == {'code', 'name'} and set(rec['staff']) == {'name', 'id'}
for w in rec['warnings']:
    assert set(w) == {'id', 'message'} and '`%s`' % w['id'] in top['warnings'][1], w
card = table('### `card`')
check(rec['card'], card, 'card')
c = rec['card']
assert set(c['document']) == {'number', 'issuing_state'}
assert set(c['holder']) == {'id_number', 'full_name', 'date_of_birth'}
v, vt = c['verification'], card['verification'][1]
want = {'passive', 'active', 'dg15', 'chip_authentication', 'dg14', 'genuine', 'reason'}
assert set(v) == want, 'verification: %s' % sorted(v)
for k in ('passive', 'active', 'chip_authentication', 'dg15', 'dg14'):
    part = vt.split('`%s` (' % k, 1)[1]
    allowed = quoted(part.split(')', 1)[0]) or quoted(vt.split('`dg15` (', 1)[1].split(')', 1)[0])
    assert v[k] in allowed, 'verification.%s: %r not in %s' % (k, v[k], allowed)
assert isinstance(v['genuine'], bool)
assert (rec['identity'] == 'verified') == v['genuine']
for name, f in c['files'].items():
    assert re.match(r'^(COM|SOD|DG([1-9]|1[0-6]))$', name), name
    assert set(f) in ({'size', 'sha256'}, {'size', 'sha256', 'sod_hash'}), (name, f)
if c['aa'] is not None:
    assert set(c['aa']) == {'challenge', 'response'}
if c['photo'] is not None:
    assert set(c['photo']) == {'format', 'size', 'sha256'}
    assert c['photo']['format'] in quoted(card['photo'][1])
lk = table('### `lookup`')
l = rec['lookup']
if outcome == 'refused':
    assert l is None, 'a refused record has a lookup'
else:
    check(l, lk, 'lookup')
    assert set(l['request']) == {'maThe', 'hoTen', 'ngaySinh', 'hoTenCb', 'cccdCb'}
    assert (l['answer'] is None) == (l['result'] is None) == (l['error'] is not None)
    if l['answer'] is not None:
        assert set(l['answer']) == {'http_status', 'size', 'sha256', 'encoding', 'data'}
        assert l['answer']['encoding'] in quoted(lk['answer'][1])
        assert set(l['result']) == {'code', 'class', 'card_code', 'valid_from', 'valid_to',
                                    'registered_facility'}, sorted(l['result'])
        assert l['result']['class'] in quoted(lk['result'][1])
        assert outcome == l['result']['class'] or (outcome == 'gateway_error')
    else:
        assert set(l['error']) == {'code', 'message'}
        assert l['error']['code'] in quoted(lk['error'][1]), l['error']
EOF
	then
		pass "$1: the record is as docs/checkin-record.md says"
	else
		fail "$1: the record differs from docs/checkin-record.md"
		sed 's/^/    | /' "$T/$1.check" | tail -5
		head -c 2000 "$2" | sed 's/^/    | /'
		echo
	fi
}

desk --json > "$T/desk.json" 2>"$T/desk.err"
rc=$?
R=$(newest_record)
[ "$rc" = 0 ] && [ -n "$R" ] && pass "reception --json: exit 0, a record" ||
    { fail "reception --json: exit $rc"; cat "$T/desk.err"; done_testing; }
{ cat "$R"; echo; } | cmp -s - "$T/desk.json" &&
    pass "reception --json prints the record's bytes and a newline" ||
    fail "reception --json does not print the record as written"
record_check covered "$R" covered
expect 7 '' desk --gateway https://127.0.0.1:1
record_check lookup-failed "$(newest_record)" lookup_failed
# a staff ID the gateway does not know: 054, not covered
expect 1 'not covered: 054' desk --staff-id 001085009999
record_check not-covered "$(newest_record)" not_covered
card_start "$T/card" tampered-dg
expect 1 'refused' desk
record_check refused "$(newest_record)" refused
done_testing
