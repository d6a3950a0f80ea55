#!/usr/bin/env bash
# The pageseal VFS in the stock Debian `sqlite3` shell (loadable extension)
# and the `pageseal` tool on the database files it makes. Asserts exact
# output. Usage: tests/shell.sh EXTENSION(.so) PAGESEAL_BINARY
set -euo pipefail
EXT=$(realpath "$1")
EXT=${EXT%.so}
PAGESEAL=$(realpath "$2")
SQLITE=${SQLITE3:-sqlite3}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export DBKEY="x'$(printf '5a%.0s' $(seq 32))'"
export NEWKEY="x'$(printf '6b%.0s' $(seq 32))'"
failures=0

# Runs SQL on database URI $1 in a shell that loaded the extension; prints
# stdout and stderr together, then "rc=N".
shell() {
    local out rc=0
    out=$(printf '.load %s\n.open %s\n%s\n' "$EXT" "$1" "$2" | "$SQLITE" 2>&1) || rc=$?
    printf '%s\nrc=%s\n' "$out" "$rc"
}

expect() {
    local name=$1 got=$2 want=$3
    if [[ "$got" == "$want" ]]; then
        echo "ok   $name"
    else
        echo "FAIL $name"
        diff <(echo "$want") <(echo "$got") | sed 's/^/     /' || true
        failures=$((failures + 1))
    fi
}

no_plaintext() {
    local name=$1 needle=$2
    if grep -rl --binary-files=binary -- "$needle" . >/dev/null 2>&1; then
        echo "FAIL $name: '$needle' found in $(grep -rl -- "$needle" . | tr '\n' ' ')"
        failures=$((failures + 1))
    else
        echo "ok   $name"
    fi
}

echo "sqlite3 $("$SQLITE" --version | cut -d' ' -f1)"

# The README's two-line session.
got=$(printf '.load %s\n.open file:app.db?vfs=pageseal&key_env=DBKEY\nCREATE TABLE notes(body); INSERT INTO notes VALUES (%s);\nSELECT body FROM notes;\n' \
    "$EXT" "'shell-secret-text'" | "$SQLITE" 2>&1)
expect "two-line session" "$got" "shell-secret-text"
expect "the file is a pageseal file" "$(head -c 8 app.db)" "PAGESEAL"
no_plaintext "no plaintext in app.db" "shell-secret-text"

# Every journal mode and a few page sizes, with a transaction left open
# while the files are scanned.
for mode in WAL DELETE TRUNCATE PERSIST MEMORY; do
    for ps in 1024 4096 16384; do
        db="m-$mode-$ps.db"
        got=$(printf '.load %s\n.open file:%s?vfs=pageseal&key_env=DBKEY&cipher=aes-256-gcm\nPRAGMA page_size=%s;\nPRAGMA journal_mode=%s;\nCREATE TABLE t(x);\nWITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i<400) INSERT INTO t SELECT %s || i FROM c;\nBEGIN; UPDATE t SET x = x || %s;\n.shell grep -rlc --binary-files=binary mode-secret . || echo clean\nCOMMIT;\nVACUUM;\nSELECT count(*), sum(x LIKE %s) FROM t;\nPRAGMA integrity_check;\nPRAGMA page_size;\n' \
            "$EXT" "$db" "$ps" "$mode" "'mode-secret-'" "'-updated'" "'%-updated'" | "$SQLITE" 2>&1)
        want_mode=$(echo "$mode" | tr 'A-Z' 'a-z')
        expect "$mode page size $ps" "$got" "$(printf '%s\nclean\n400|400\nok\n%s' "$want_mode" "$ps")"
    done
done
no_plaintext "no plaintext after every journal mode" "mode-secret"

# The pageseal tool on a closed database file.
expect "pageseal verify" "$("$PAGESEAL" verify app.db --key-env DBKEY 2>&1)" "app.db: OK, 2 pages verified"
expect "pageseal info (suite)" "$("$PAGESEAL" info m-WAL-4096.db | grep '^suite')" "suite:         aes-256-gcm"
cp app.db before.db
"$PAGESEAL" rekey app.db --key-env DBKEY --new-key-env NEWKEY >/dev/null
expect "pageseal rekey rewrites no page" "$(cmp <(tail -c +4097 before.db) <(tail -c +4097 app.db) && echo same)" "same"
expect "old key refused after rekey" "$(shell 'file:app.db?vfs=pageseal&key_env=DBKEY' 'SELECT 1;' | head -1 | sed 's/.*: pageseal/pageseal/')" \
    "pageseal: wrong key or passphrase for $WORK/app.db"
expect "new key after rekey" "$(shell 'file:app.db?vfs=pageseal&key_env=NEWKEY' 'SELECT body FROM notes;')" "$(printf 'shell-secret-text\nrc=0')"
"$PAGESEAL" rotate app.db --key-env NEWKEY >/dev/null 2>&1
expect "after pageseal rotate" "$(shell 'file:app.db?vfs=pageseal&key_env=NEWKEY' 'SELECT body FROM notes; PRAGMA integrity_check;')" \
    "$(printf 'shell-secret-text\nok\nrc=0')"
"$PAGESEAL" keyslot add app.db --key-env NEWKEY --new-key-env DBKEY >/dev/null 2>&1
expect "a recovery keyslot opens it" "$(shell 'file:app.db?vfs=pageseal&key_env=DBKEY' 'SELECT count(*) FROM notes;')" "$(printf '1\nrc=0')"

# Errors as the shell prints them.
expect "wrong key" "$(DBKEY=x\'$(printf '11%.0s' $(seq 32))\' shell 'file:m-DELETE-4096.db?vfs=pageseal&key_env=DBKEY' 'SELECT 1;' | head -1)" \
    "Error: unable to open database \"file:m-DELETE-4096.db?vfs=pageseal&key_env=DBKEY\": automatic extension loading failed: pageseal: wrong key or passphrase for $WORK/m-DELETE-4096.db"
expect "no key" "$(shell 'file:m-DELETE-4096.db?vfs=pageseal' "SELECT count(*) FROM t;
SELECT pageseal_last_error();")" \
    "$(printf 'Parse error near line 3: authorization denied (23)\npageseal: %s/m-DELETE-4096.db is encrypted and no key was given (use key_env=, key_file=, key_fd= in the URI, or PRAGMA key before the first statement)\nrc=1' "$WORK")"
expect "PRAGMA key" "$(shell 'file:m-DELETE-4096.db?vfs=pageseal' "PRAGMA hexkey='$(printf '5a%.0s' $(seq 32))';
SELECT count(*) FROM t;")" "$(printf 'ok\n400\nrc=0')"
"$SQLITE" plain.db "CREATE TABLE p(x); INSERT INTO p VALUES ('plain-text-row');"
expect "plain database" "$(shell 'file:plain.db?vfs=pageseal&key_env=DBKEY' 'SELECT 1;' | head -1)" \
    "Error: unable to open database \"file:plain.db?vfs=pageseal&key_env=DBKEY\": automatic extension loading failed: pageseal: $WORK/plain.db is a plain (unencrypted) SQLite database, not a pageseal one: open it without vfs=pageseal, or convert it with VACUUM INTO 'file:NEW?vfs=pageseal&key_...'"
printf 'sealed by the tool, not a database\n' >notes.txt
"$PAGESEAL" seal notes.txt notes.ps --key-env DBKEY >/dev/null
expect "a pageseal file that is not a database" "$(shell 'file:notes.ps?vfs=pageseal&key_env=DBKEY' 'SELECT 1;' | head -1)" \
    "Error: unable to open database \"file:notes.ps?vfs=pageseal&key_env=DBKEY\": automatic extension loading failed: pageseal: $WORK/notes.ps is a pageseal page file but not a SQLite database (its first page does not begin with SQLite's header)"
cp m-DELETE-4096.db tampered.db
printf '\xff' | dd of=tampered.db bs=1 seek=$((4096 + 2 * 4096 + 700)) conv=notrunc 2>/dev/null
expect "tampered page" "$(shell 'file:tampered.db?vfs=pageseal&key_env=DBKEY' "SELECT count(*) FROM t;
SELECT pageseal_last_error();")" \
    "$(printf 'Runtime error near line 3: disk I/O error (10)\npageseal: page 3 of %s/tampered.db failed authentication (tampered or corrupt)\nrc=1' "$WORK")"
expect "pageseal verify names the page" "$("$PAGESEAL" verify tampered.db --key-env DBKEY 2>&1 | grep -c 'page 2')" "1"

# Converting: plain -> pageseal -> plain, and .backup to a pageseal target.
got=$(printf '.load %s\n.open plain.db\nSELECT pageseal_reserve();\nVACUUM INTO %s;\n' "$EXT" \
    "'file:sealed.db?vfs=pageseal&key_env=DBKEY'" | "$SQLITE" 2>&1)
expect "pageseal_reserve() then VACUUM INTO a pageseal file" "$(echo "$got" | grep -cxE '(36|32|52)')" "1"
expect "converted file opens" "$(shell 'file:sealed.db?vfs=pageseal&key_env=DBKEY' 'SELECT x FROM p; PRAGMA integrity_check;')" \
    "$(printf 'plain-text-row\nok\nrc=0')"
expect "converted file holds no plaintext" "$(grep -c plain-text-row sealed.db || true)" "0"
shell 'file:sealed.db?vfs=pageseal&key_env=DBKEY' "VACUUM INTO 'file:back.db?vfs=unix';" >/dev/null
expect "and back to plain" "$("$SQLITE" back.db 'SELECT x FROM p;')" "plain-text-row"
# .backup copies pages verbatim: the target's suite must have the source's
# trailer length, and a mismatch is refused by name.
expect ".backup to another trailer length" "$(shell 'file:m-WAL-4096.db?vfs=pageseal&key_env=DBKEY' ".backup 'file:bad.db?vfs=pageseal&key_env=DBKEY&cipher=aegis-256'" | head -1)" \
    "Error: disk I/O error"
shell 'file:m-WAL-4096.db?vfs=pageseal&key_env=DBKEY' ".backup 'file:copy.db?vfs=pageseal&key_env=DBKEY&cipher=aes-256-gcm'" >/dev/null
expect ".backup to a pageseal target" "$(shell 'file:copy.db?vfs=pageseal&key_env=DBKEY' 'SELECT count(*) FROM t; PRAGMA integrity_check;')" \
    "$(printf '400\nok\nrc=0')"
expect "the backup is a pageseal file" "$(head -c 8 copy.db)" "PAGESEAL"

# Rotation from SQL: a new epoch at once.
expect "pageseal_rotate()" "$(shell 'file:copy.db?vfs=pageseal&key_env=DBKEY' "SELECT pageseal_rotate(); INSERT INTO t VALUES ('after'); SELECT count(*) FROM t;")" \
    "$(printf '2\n401\nrc=0')"
expect "pageseal info after rotation" "$("$PAGESEAL" info copy.db | grep -c 'epoch 2')" "1"

if ((failures)); then
    echo "$failures shell test(s) failed"
    exit 1
fi
echo "all shell tests passed"
