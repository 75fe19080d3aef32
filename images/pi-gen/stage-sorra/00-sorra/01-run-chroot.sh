#!/bin/bash -e
# Owned by Sorra: images/pi-gen/stage-sorra/00-sorra/01-run-chroot.sh (runs inside the
# image's root file system). Installs the packages of the image's role (every role
# for "any"), the sorra user and the virtualenv under /opt/sorra; the role itself is
# activated by sorra-firstboot at the first boot.
role=$(cat /etc/sorra-image/role)
/opt/sorra/src/install.sh --prepare --role "$role"

install -D -m 0755 /opt/sorra/src/images/firstboot/sorra-firstboot /opt/sorra/bin/sorra-firstboot
ln -sfn /opt/sorra/bin/sorra-firstboot /usr/local/sbin/sorra-firstboot
install -D -m 0644 /opt/sorra/src/images/firstboot/sorra-firstboot.service \
    /etc/systemd/system/sorra-firstboot.service
install -D -m 0644 /opt/sorra/src/images/firstboot/sorra.txt.example \
    /boot/firmware/sorra.txt.example
systemctl enable sorra-firstboot.service

# the virtualenv holds everything that runs; the sources are not needed on the device
rm -rf /opt/sorra/src
