#!/usr/bin/env bash
# Starts a throw-away OpenLDAP server on free loopback ports for the LDAP
# tests: plain LDAP (with StartTLS) and LDAPS, a self-signed CA, an mdb
# database with the memberOf overlay, and a seed of users and groups.
#
#   eval "$(.ci/slapd.sh start)"   # installs slapd from Debian if missing, prints export lines
#   go test ./adapters/ldap/...
#   .ci/slapd.sh stop              # stops it and removes its data
#
# Seed (base dc=keeper,dc=test; every password is "<uid>-pw"):
#   cn=reader,dc=keeper,dc=test      service account, password reader-pw
#   uid=alice,ou=people,...          groups devs, admins
#   uid=bob,ou=people,...            group devs
#   uid=carol,ou=people,...          no group
#   uid=dave\+ops,ou=people,...      uid "dave+ops" (needs DN escaping), group ops
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="$REPO/.tools/slapd.env"
BASE="dc=keeper,dc=test"
log() { echo "slapd.sh: $*" >&2; }

install() {
	if [[ -x /usr/sbin/slapd ]] && command -v ldapsearch >/dev/null; then return; fi
	if [[ $(id -u) -ne 0 ]]; then
		log "OpenLDAP is not installed; run: sudo apt-get install -y slapd ldap-utils"
		return 1
	fi
	log "installing OpenLDAP from Debian"
	[[ -f "$REPO/.tools/apt-updated" ]] || { apt-get update -qq >&2 && mkdir -p "$REPO/.tools" && touch "$REPO/.tools/apt-updated"; }
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils >&2
	# Debian starts a default server on install; we use our own.
	(service slapd stop || true) >/dev/null 2>&1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

certs() {
	local d=$1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=keeper test CA" \
		-keyout "$d/ca.key" -out "$d/ca.pem" >/dev/null 2>&1
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$d/server.key" -out "$d/server.csr" >/dev/null 2>&1
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' >"$d/ext.cnf"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
		-extfile "$d/ext.cnf" -out "$d/server.pem" >/dev/null 2>&1
	chmod 644 "$d/server.key"
}

seed() {
	local pw
	pw() { slappasswd -s "$1"; }
	cat <<LDIF
dn: $BASE
objectClass: dcObject
objectClass: organization
dc: keeper
o: Keeper test

dn: cn=reader,$BASE
objectClass: simpleSecurityObject
objectClass: organizationalRole
cn: reader
userPassword: $(pw reader-pw)

dn: ou=people,$BASE
objectClass: organizationalUnit
ou: people

dn: ou=groups,$BASE
objectClass: organizationalUnit
ou: groups

LDIF
	local u
	for u in alice:Alice\ Liddell bob:Bob\ Builder carol:Carol\ Singer dave+ops:Dave\ Ops; do
		local uid=${u%%:*} name=${u#*:} dn
		dn="uid=${uid/+/\\+},ou=people,$BASE"
		cat <<LDIF
dn: $dn
objectClass: inetOrgPerson
uid: $uid
cn: $name
sn: ${name#* }
mail: ${uid/+/.}@keeper.test
userPassword: $(pw "$uid-pw")

LDIF
	done
	cat <<LDIF
dn: cn=devs,ou=groups,$BASE
objectClass: groupOfNames
cn: devs
member: uid=alice,ou=people,$BASE
member: uid=bob,ou=people,$BASE

dn: cn=admins,ou=groups,$BASE
objectClass: groupOfNames
cn: admins
member: uid=alice,ou=people,$BASE

dn: cn=ops,ou=groups,$BASE
objectClass: groupOfNames
cn: ops
member: uid=dave\+ops,ou=people,$BASE

LDIF
}

start() {
	install
	local dir port sport
	dir=$(mktemp -d "${TMPDIR:-/tmp}/keeper-ldap.XXXXXX")
	mkdir -p "$dir/db"
	certs "$dir"
	cat >"$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile $dir/slapd.pid
TLSCACertificateFile $dir/ca.pem
TLSCertificateFile $dir/server.pem
TLSCertificateKeyFile $dir/server.key

database mdb
suffix "$BASE"
rootdn "cn=admin,$BASE"
rootpw admin-pw
directory $dir/db
maxsize 104857600
overlay memberof
access to attrs=userPassword by self write by anonymous auth by * none
access to * by users read by * none
CONF
	for attempt in 1 2 3 4 5; do
		port=$(free_port)
		sport=$(free_port)
		if /usr/sbin/slapd -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$port/ ldaps://127.0.0.1:$sport/" >"$dir/slapd.log" 2>&1; then
			local ok=""
			for _ in $(seq 1 50); do
				if ldapsearch -x -H "ldap://127.0.0.1:$port" -D "cn=admin,$BASE" -w admin-pw -b "" -s base >/dev/null 2>&1; then ok=1; break; fi
				sleep 0.1
			done
			[[ -n "$ok" ]] && break
		fi
		log "start on ports $port/$sport failed (attempt $attempt)"; tail -5 "$dir/slapd.log" >&2 || true
		[[ -f "$dir/slapd.pid" ]] && kill "$(cat "$dir/slapd.pid")" 2>/dev/null || true
		port=""
	done
	[[ -n "$port" ]] || { log "could not start slapd"; return 1; }
	seed >"$dir/seed.ldif"
	ldapadd -x -H "ldap://127.0.0.1:$port" -D "cn=admin,$BASE" -w admin-pw -f "$dir/seed.ldif" >"$dir/seed.log" 2>&1 ||
		{ cat "$dir/seed.log" >&2; return 1; }
	mkdir -p "$(dirname "$STATE")"
	printf 'LDAP_DIR=%q\n' "$dir" >"$STATE"
	echo "export KEEPER_TEST_LDAP_URL='ldap://127.0.0.1:$port'"
	echo "export KEEPER_TEST_LDAPS_URL='ldaps://127.0.0.1:$sport'"
	echo "export KEEPER_TEST_LDAP_CA='$dir/ca.pem'"
	echo "export KEEPER_TEST_LDAP_BASE='$BASE'"
}

stop() {
	[[ -f "$STATE" ]] || return 0
	# shellcheck disable=SC1090
	source "$STATE"
	if [[ -f "$LDAP_DIR/slapd.pid" ]]; then
		kill "$(cat "$LDAP_DIR/slapd.pid")" 2>/dev/null || true
		for _ in $(seq 1 50); do [[ -f "$LDAP_DIR/slapd.pid" ]] || break; sleep 0.1; done
	fi
	rm -rf "$LDAP_DIR" "$STATE"
}

case "${1:-}" in
	start) start ;;
	stop) stop ;;
	install) install ;;
	*) echo "usage: $0 start|stop|install" >&2; exit 2 ;;
esac
