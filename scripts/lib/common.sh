# Shared by scripts/dev and scripts/test: installing what is missing and running a local
# PostgreSQL 15 cluster. Source it; it defines functions only.
# shellcheck shell=bash

PG_BIN=/usr/lib/postgresql/15/bin

# The package lists are used by the scripts that source this file.
# shellcheck disable=SC2034
# Packages needed to build peerd and run it against a local PostgreSQL.
BUILD_PACKAGES=(gcc meson ninja-build pkg-config python3 libulfius-dev libmicrohttpd-dev
	libjansson-dev libpq-dev libjwt-dev libssl-dev libcurl4-gnutls-dev postgresql-15
	postgresql-client-15 curl)
# What the README's curl story uses beside curl, for scripts/dev and scripts/test alike.
# shellcheck disable=SC2034
STORY_PACKAGES=(jq)
# And to run the tests and lint the API description; chromium for the docs page's test,
# which drives Debian's Chromium through playwright-core. nodejs and npm only install the
# pinned Node.js 20 the tools run on (use_pinned_node).
# shellcheck disable=SC2034
TEST_PACKAGES=(libcriterion-dev nodejs npm chromium pgbouncer clang-format
	shellcheck)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# quietly STEP COMMAND...: runs COMMAND with its output set aside, so a step that works
# says nothing; when it fails, prints what it printed and one line naming STEP, and exits.
quietly() {
	local step=$1 log status=0
	shift
	log=$(mktemp)
	"$@" >"$log" 2>&1 || status=$?
	if [ "$status" -ne 0 ]; then
		cat "$log" >&2
		rm -f "$log"
		die "$step failed (exit status $status)"
	fi
	rm -f "$log"
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages given that are not installed yet.
ensure_packages() {
	local missing=() package
	for package in "$@"; do
		# npm ships inside nodejs on some images; a working npx is what matters.
		if [ "$package" = npm ] && command -v npx >/dev/null 2>&1; then continue; fi
		if [ "$package" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
		dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$package")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	quietly "apt-get update" as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	quietly "installing ${missing[*]}" as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# npm_ci DIR: installs DIR's Node packages exactly as its package-lock.json pins them, into
# DIR/node_modules (git-ignored), with npm's download cache in .npm/. Skipped while the
# installed tree is newer than the lock file.
npm_ci() {
	local dir=$1
	[ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ] && return 0
	say "installing the Node packages of $dir"
	NPM_CONFIG_CACHE="$PWD/.npm" NPM_CONFIG_UPDATE_NOTIFIER=false quietly "npm ci in $dir" \
		npm_explained ci --prefix "$dir" --no-audit --no-fund --loglevel=error
}

# npm ARGUMENTS..., adding what to do when the registry's certificate is not trusted: the
# usual cause is a network whose proxy inspects TLS, and npm's own words do not say so.
npm_explained() {
	local output status=0
	output=$(npm "$@" 2>&1) || status=$?
	printf '%s\n' "$output"
	if [ "$status" -ne 0 ] &&
		grep -qE 'SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT' <<<"$output"; then
		printf '%s\n' "hint: npm does not trust the certificate the registry answered with, so" \
			"something on this network inspects TLS. Put its CA certificate in" \
			"/usr/local/share/ca-certificates/, run update-ca-certificates, and set" \
			"NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt."
	fi
	return "$status"
}

# Puts the Node.js 20 that scripts/node/linux-ARCH/package-lock.json pins first on PATH,
# for this shell and what it starts. Debian 12's nodejs is 18, too old for
# playwright-core; the npm registry ships Node's own build as a package, so the machine's
# npm installs it like any other and every machine, fresh or not, runs the tools on the
# same Node. One directory a processor, rather than optional dependencies, so that a
# failed download stops here with npm's own error instead of being skipped in silence.
use_pinned_node() {
	local arch
	case "$(uname -m)" in
	x86_64) arch=x64 ;;
	aarch64) arch=arm64 ;;
	*) die "no pinned Node.js for this processor ($(uname -m)): see scripts/node" ;;
	esac
	npm_ci "scripts/node/linux-$arch"
	PATH="$PWD/scripts/node/linux-$arch/node_modules/.bin:$PATH"
	export PATH
}

# wait_for_http URL SECONDS: true once URL answers at all (any status).
wait_for_http() {
	local url=$1 tries=$(($2 * 10))
	while [ "$tries" -gt 0 ]; do
		curl -s -o /dev/null "$url" && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# port_in_use PORT: true when something on this machine holds PORT, so that peerd, which
# listens on every IPv4 interface, could not bind it (as libmicrohttpd does, reusing a
# port whose connections are only closing).
port_in_use() {
	! python3 -c 'import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))' "$1" 2>/dev/null
}

# Prints a TCP port nobody listens on right now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Runs a PostgreSQL program as the cluster's owner: initdb refuses to run as root, so
# root hands the cluster to the postgres user.
pg_run() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# cluster_init DIR [INITDB_OPTION...]: a new cluster in DIR with a superuser "postgres"
# and trust on loopback only. Does nothing when DIR already holds one.
cluster_init() {
	local dir=$1
	shift
	[ -f "$dir/PG_VERSION" ] && return 0
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
	chmod 700 "$dir"
	quietly "initdb" pg_run "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 "$@"
}

# cluster_start DIR PORT: listens on 127.0.0.1:PORT only, no Unix socket.
cluster_start() {
	local dir=$1 port=$2
	pg_run "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
		-o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=''" \
		start >/dev/null || { cat "$dir/server.log" >&2; die "PostgreSQL did not start"; }
}

cluster_stop() {
	local dir=$1
	[ -f "$dir/postmaster.pid" ] || return 0
	pg_run "$PG_BIN/pg_ctl" -D "$dir" -w -t 30 -m fast stop >/dev/null || true
}

# cluster_create_database PORT: a login role "peerd" (not a superuser) owning a database
# "peerd", and the role "peerd_service" it hands requests to, as a production deployment
# would have.
cluster_create_database() {
	local port=$1 psql=(psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -qtAX -v ON_ERROR_STOP=1)
	if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'peerd'")" != 1 ]; then
		"${psql[@]}" -c "CREATE ROLE peerd LOGIN"
	fi
	# The role peerd serve works as (sql/009_service_role.sql): rows, no DDL.
	if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = 'peerd_service'")" != 1 ]; then
		"${psql[@]}" -c "CREATE ROLE peerd_service NOLOGIN" -c "GRANT peerd_service TO peerd"
	fi
	if [ "$("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'peerd'")" != 1 ]; then
		"${psql[@]}" -c "CREATE DATABASE peerd OWNER peerd"
	fi
}

# The development cluster's directory: .local/pg, unless we are root and the postgres
# user cannot enter this checkout (under /root, say); then a directory it can reach,
# named after the checkout and linked from .local/pg.
dev_cluster_dir() {
	local inside=$PWD/.local/pg
	if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$PWD/.local"; then
		echo "$inside"
		return
	fi
	local outside
	outside=/var/lib/postgresql/peerd-dev/$(printf '%s' "$PWD" | md5sum | cut -c1-12)
	mkdir -p "$outside"
	chown postgres:postgres "$outside" "$(dirname "$outside")"
	[ -e "$inside" ] || ln -s "$outside/pg" "$inside"
	echo "$outside/pg"
}
