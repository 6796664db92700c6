#!/bin/sh
# Installs tutorial2, built by "make" in the current directory, into
# kfcgi's jail /var/www and starts kfcgi there.  Run it as root.
set -e
mkdir -p /var/www/fcgi-bin /var/www/run /var/www/dev
install -m 0555 tutorial2 /var/www/fcgi-bin
# kfcgi chroots to /var/www, then daemon(3) opens /dev/null: glibc's
# fails ("daemon: Bad file descriptor") unless the jail has one.
[ -c /var/www/dev/null ] || mknod -m 666 /var/www/dev/null c 1 3
kfcgi -U www-data -u www-data -l 128 -- /fcgi-bin/tutorial2
