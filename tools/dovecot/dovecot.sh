#!/usr/bin/env bash
# A self-contained Dovecot (IMAP + POP3 + LMTP + Sieve/ManageSieve) on loopback, for the demo
# and the tests. It includes nothing from /etc/dovecot and keeps everything under DIR.
#   dovecot.sh start DIR IMAP_PORT POP3_PORT LMTP_PORT [MANAGESIEVE_PORT (default IMAP_PORT+47)]
#   dovecot.sh stop DIR
#   dovecot.sh adduser DIR USER PASSWORD
# `start` on a running instance whose configuration is unchanged does nothing; a changed
# configuration (e.g. after an update of this script) restarts it, so callers see the new one.
# Sieve `redirect` leaves through DIR/sendmail.sh, which delivers to the local account with
# dovecot-lda: every address is local here (the domain is ignored).
set -euo pipefail
cmd=${1:?usage: dovecot.sh start|stop|adduser DIR ...}
dir=$(mkdir -p "${2:?DIR}" && cd "$2" && pwd)
conf="$dir/dovecot.conf"

running() { [ -f "$dir/run/master.pid" ] && kill -0 "$(cat "$dir/run/master.pid")" 2>/dev/null; }

stop_dovecot() {
  [ -f "$conf" ] && dovecot -c "$conf" stop </dev/null >/dev/null 2>&1 9>&- || true
  for _ in $(seq 1 100); do running || return 0; sleep 0.1; done
  echo "dovecot for $dir did not stop" >&2; return 1
}

write_conf() { # $1 = file; ports from the caller
  cat > "$1" <<CONF
# Written by tools/dovecot/dovecot.sh: a demo/test server, not for production.
protocols = imap pop3 lmtp sieve
listen = 127.0.0.1
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1000
mail_location = maildir:~/Maildir
pop3_uidl_format = %08Xu%08Xv
mail_max_userip_connections = 200
postmaster_address = postmaster@localhost
# Sieve redirects are handed to this wrapper (dovecot-lda into the local account).
sendmail_path = $dir/sendmail.sh
# One passwd-file per user (users.d/<name>): a new account is visible at once, where a shared
# file is re-read at most once a second.
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $dir/users.d/%n
}
userdb {
  driver = passwd-file
  args = username_format=%n $dir/users.d/%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    port = 0
  }
  process_min_avail = 1
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3
  }
  inet_listener pop3s {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $lmtp
  }
  unix_listener lmtp {
    mode = 0666
  }
}
service managesieve-login {
  inet_listener sieve {
    address = 127.0.0.1
    port = $sieve
  }
}
service auth {
  unix_listener auth-userdb {
    mode = 0666
  }
}
# dovecot-lda (Sieve redirects) runs as the mail user and reports its statistics here.
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
protocol lmtp {
  mail_plugins = \$mail_plugins sieve
}
protocol lda {
  mail_plugins = \$mail_plugins sieve
  # dovecot-lda runs as the mail user, who cannot write dovecot.log.
  log_path = $dir/lda.log
}
plugin {
  # Each user's scripts in ~/sieve, the active one linked at ~/.dovecot.sieve (ManageSieve manages both).
  sieve = file:~/sieve;active=~/.dovecot.sieve
  sieve_extensions = +editheader
}
CONF
}

case "$cmd" in
  start)
    imap=${3:-10143}; pop3=${4:-10110}; lmtp=${5:-10024}; sieve=${6:-$((imap + 47))}
    if ! command -v dovecot >/dev/null || [ ! -x /usr/lib/dovecot/managesieve ] || [ ! -e /usr/lib/dovecot/modules/lib90_sieve_plugin.so ]; then
      echo "dovecot with Sieve is not installed. As root: apt-get update && apt-get install -y dovecot-imapd dovecot-pop3d dovecot-lmtpd dovecot-sieve dovecot-managesieved" >&2
      exit 3
    fi
    mkdir -p "$dir/run" "$dir/state" "$dir/mail" "$dir/users.d"
    chown -R 65534:65534 "$dir/mail"
    # Concurrent starts (parallel test runs) must not restart each other's fresh instance.
    exec 9>"$dir/start.lock"
    flock -w 60 9 || { echo "another dovecot.sh start holds $dir/start.lock" >&2; exit 1; }
    cat > "$dir/sendmail.sh" <<WRAP
#!/bin/sh
# Written by tools/dovecot/dovecot.sh: Dovecot calls this as sendmail ([-i] [-f SENDER] [--] RCPT...)
# for Sieve redirects; each recipient is a local account, delivered by dovecot-lda.
from=""
while [ \$# -gt 0 ]; do
  case "\$1" in
    -f) from=\$2; shift 2 ;;
    -f*) from=\${1#-f}; shift ;;
    --) shift; break ;;
    -*) shift ;;
    *) break ;;
  esac
done
tmp=\$(mktemp) || exit 75
trap 'rm -f "\$tmp"' EXIT
cat > "\$tmp"
rc=0
for rcpt in "\$@"; do
  /usr/lib/dovecot/dovecot-lda -c "$conf" -d "\$rcpt" \${from:+-f "\$from"} < "\$tmp" || rc=\$?
done
exit \$rc
WRAP
    chmod 755 "$dir/sendmail.sh"
    touch "$dir/lda.log"; chmod 666 "$dir/lda.log"
    write_conf "$conf.new"
    if running; then
      if cmp -s "$conf.new" "$conf"; then
        rm -f "$conf.new"; echo "dovecot already running for $dir"; exit 0
      fi
      echo "dovecot configuration changed: restarting the instance in $dir"
      stop_dovecot
    fi
    mv "$conf.new" "$conf"
    # 9>&- : the daemon must not inherit (and hold forever) the start lock.
    dovecot -c "$conf" </dev/null >>"$dir/dovecot.log" 2>&1 9>&-
    for _ in $(seq 1 50); do
      if (exec 3<>/dev/tcp/127.0.0.1/"$imap") 2>/dev/null && (exec 3<>/dev/tcp/127.0.0.1/"$sieve") 2>/dev/null; then
        echo "dovecot up: imap $imap, pop3 $pop3, lmtp $lmtp, managesieve $sieve ($dir)"; exit 0
      fi
      sleep 0.1
    done
    echo "dovecot did not start; see $dir/dovecot.log" >&2; tail -20 "$dir/dovecot.log" >&2; exit 1
    ;;
  stop)
    stop_dovecot
    ;;
  adduser)
    user=${3:?USER}; pass=${4:?PASSWORD}
    mkdir -p "$dir/users.d"
    echo "$user:{PLAIN}$pass:65534:65534::$dir/mail/$user::" > "$dir/users.d/$user.tmp"
    mv "$dir/users.d/$user.tmp" "$dir/users.d/$user"
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
