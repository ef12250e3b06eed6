# Shared by tools/start.sh, tools/test.sh and .ci/run: make sure the engines MailRouter needs
# run on loopback, starting (and, as root, installing) what is missing.

is_root() { [ "$(id -u)" = 0 ]; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_install() {
  if ! is_root; then
    echo "missing: $*. Install them as root: apt-get update && apt-get install -y $*" >&2
    return 3
  fi
  if [ -z "${MAILROUTER_APT_UPDATED:-}" ]; then apt-get update -qq; export MAILROUTER_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  if port_open 127.0.0.1 5432; then return 0; fi
  if ! command -v pg_ctlcluster >/dev/null; then apt_install postgresql; fi
  local v; v=$(ls /etc/postgresql | sort -V | tail -1)
  echo "starting PostgreSQL $v"
  if is_root; then pg_ctlcluster --skip-systemctl-redirect "$v" main start; else pg_ctlcluster "$v" main start; fi
  for _ in $(seq 1 50); do port_open 127.0.0.1 5432 && return 0; sleep 0.2; done
  echo "PostgreSQL did not come up on 127.0.0.1:5432" >&2; return 1
}

ensure_nats() {
  if port_open 127.0.0.1 4222; then return 0; fi
  if ! command -v nats-server >/dev/null; then apt_install nats-server; fi
  local dir="${NATS_DATA_DIR:-$PWD/.run/nats}"
  mkdir -p "$dir"
  echo "starting nats-server with JetStream ($dir)"
  nohup nats-server -a 127.0.0.1 -p 4222 -js -sd "$dir" </dev/null >>"$dir/nats.log" 2>&1 &
  for _ in $(seq 1 50); do port_open 127.0.0.1 4222 && return 0; sleep 0.2; done
  echo "nats-server did not come up on 127.0.0.1:4222; see $dir/nats.log" >&2; return 1
}

ensure_dovecot_installed() {
  # Sieve (Pigeonhole) and ManageSieve: forward rules are deployed to Dovecot as Sieve scripts.
  command -v dovecot >/dev/null && [ -e /usr/lib/dovecot/pop3 ] && [ -e /usr/lib/dovecot/lmtp ] \
    && [ -e /usr/lib/dovecot/managesieve ] && [ -e /usr/lib/dovecot/modules/lib90_sieve_plugin.so ] && return 0
  apt_install dovecot-imapd dovecot-pop3d dovecot-lmtpd dovecot-sieve dovecot-managesieved
}

# Debian's Chromium, driven by playwright-core in the console's browser tests (never downloaded).
ensure_chromium_installed() {
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] && return 0
  apt_install chromium
}
