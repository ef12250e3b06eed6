#!/usr/bin/env bash
# A self-contained Dovecot (IMAP + POP3 + LMTP) on loopback, for the demo and the tests.
# It includes nothing from /etc/dovecot and keeps everything under DIR.
#   dovecot.sh start DIR IMAP_PORT POP3_PORT LMTP_PORT
#   dovecot.sh stop DIR
#   dovecot.sh adduser DIR USER PASSWORD
set -euo pipefail
cmd=${1:?usage: dovecot.sh start|stop|adduser DIR ...}
dir=$(mkdir -p "${2:?DIR}" && cd "$2" && pwd)
conf="$dir/dovecot.conf"

case "$cmd" in
  start)
    imap=${3:-10143}; pop3=${4:-10110}; lmtp=${5:-10024}
    if ! command -v dovecot >/dev/null; then
      echo "dovecot is not installed. As root: apt-get update && apt-get install -y dovecot-imapd dovecot-pop3d dovecot-lmtpd" >&2
      exit 3
    fi
    mkdir -p "$dir/run" "$dir/state" "$dir/mail" "$dir/users.d"
    chown -R 65534:65534 "$dir/mail"
    cat > "$conf" <<CONF
# Written by tools/dovecot/dovecot.sh: a demo/test server, not for production.
protocols = imap pop3 lmtp
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
service auth {
  unix_listener auth-userdb {
    mode = 0666
  }
}
protocol lmtp {
  postmaster_address = postmaster@localhost
}
CONF
    if [ -f "$dir/run/master.pid" ] && kill -0 "$(cat "$dir/run/master.pid")" 2>/dev/null; then
      echo "dovecot already running for $dir"; exit 0
    fi
    dovecot -c "$conf" </dev/null >>"$dir/dovecot.log" 2>&1
    for _ in $(seq 1 50); do
      (exec 3<>/dev/tcp/127.0.0.1/"$imap") 2>/dev/null && { echo "dovecot up: imap $imap, pop3 $pop3, lmtp $lmtp ($dir)"; exit 0; }
      sleep 0.1
    done
    echo "dovecot did not start; see $dir/dovecot.log" >&2; tail -20 "$dir/dovecot.log" >&2; exit 1
    ;;
  stop)
    [ -f "$conf" ] && dovecot -c "$conf" stop </dev/null >/dev/null 2>&1 || true
    ;;
  adduser)
    user=${3:?USER}; pass=${4:?PASSWORD}
    mkdir -p "$dir/users.d"
    echo "$user:{PLAIN}$pass:65534:65534::$dir/mail/$user::" > "$dir/users.d/$user.tmp"
    mv "$dir/users.d/$user.tmp" "$dir/users.d/$user"
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
