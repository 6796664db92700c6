#!/bin/sh
# Replaces the running tutorial2 by NEW without failing a request.
# Usage, as root: sh upgrade.sh NEW
# Two kfcgi pools take turns, the systemd units kcgi-tutorial2@a and @b
# (deploy/systemd). The new binary goes into the idle pool's slot, that
# pool starts on its own socket, nginx is pointed at it and reloaded,
# and the old pool is stopped once nginx's old workers are done with
# it (DRAIN seconds, default 5). The live pool is the enabled one, so
# that it is the one that starts at boot.
set -eu
new=$1
run=/var/www/run
upstream=/etc/nginx/tutorial2-upstream.conf
# One upgrade at a time (flock is in util-linux).
exec 9<"$upstream"
if ! flock -n 9; then
	echo "upgrade.sh: another upgrade is running" >&2
	exit 1
fi
if grep -q 'tutorial2-b\.sock' "$upstream"; then
	old=b next=a
else
	old=a next=b
fi
install -m 0555 "$new" /var/www/fcgi-bin/tutorial2-$next
# kfcgi does not remove its socket when it exits (it is chrooted by
# then): remove a stale one, so that the wait below means something.
rm -f $run/tutorial2-$next.sock
systemctl enable --now kcgi-tutorial2@$next
i=0
until [ -S $run/tutorial2-$next.sock ]; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "upgrade.sh: no $run/tutorial2-$next.sock after 10s" >&2
		systemctl disable --now kcgi-tutorial2@$next
		exit 1
	fi
	sleep 0.1
done
# A program that fails at start makes kfcgi exit at once, and systemd
# starts it again: the pool must keep one kfcgi for a second.
pid=$(systemctl show -p MainPID --value kcgi-tutorial2@$next)
sleep 1
if [ "$pid" = 0 ] || [ "$(systemctl show -p MainPID --value kcgi-tutorial2@$next)" != "$pid" ]; then
	echo "upgrade.sh: kcgi-tutorial2@$next did not stay up" >&2
	systemctl disable --now kcgi-tutorial2@$next
	exit 1
fi
cp "$upstream" "$upstream.old"
printf 'upstream tutorial2 {\n\tserver unix:%s/tutorial2-%s.sock;\n}\n' $run $next >"$upstream"
if ! nginx -t -q; then
	mv "$upstream.old" "$upstream"
	systemctl disable --now kcgi-tutorial2@$next
	exit 1
fi
nginx -s reload
rm -f "$upstream.old"
sleep "${DRAIN:-5}"
systemctl disable --now kcgi-tutorial2@$old
echo "upgrade.sh: kcgi-tutorial2@$next serves, @$old stopped"
