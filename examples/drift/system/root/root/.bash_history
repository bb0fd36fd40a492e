#1794523260
useradd -m -s /run/current-system/sw/bin/bash mallory
#1794523290
usermod -aG wheel mallory
#1794523790
nix profile install nixpkgs#cowsay
#1794560560
groupadd deploy
#1794560570
gpasswd -a alice deploy
#1794568740
vim /run/systemd/system/redis-imperative.service
#1794568805
systemctl enable --runtime --now redis-imperative.service
#1794569140
systemctl mask --runtime logrotate.service
#1794670740
vim /etc/backup.conf
#1794672090
vim /etc/hosts
#1794673800
mount /dev/sdb1 /mnt/backup
#1794738645
systemctl set-property nginx.service CPUQuota=50%
#1794739740
mkdir -p /run/systemd/system/prometheus-node-exporter.service.d
#1794739810
vim /run/systemd/system/prometheus-node-exporter.service.d/override.conf
#1794739860
systemctl daemon-reload && systemctl restart prometheus-node-exporter
#1794816270
echo nameserver 1.1.1.1 > /etc/resolv.conf
#1794836220
systemd-run --unit=adhoc-http python3 -m http.server 8000 --bind 0.0.0.0
#1794836400
sysctl -w net.ipv4.ip_forward=1
