#!/bin/bash
# Owned by Sorra: images/pi-gen/build-image.sh in the Sorra repository.
#
# Builds a flashable Raspberry Pi OS (arm64) SD-card image with Sorra, using pi-gen:
#
#   images/pi-gen/build-image.sh --pi-gen DIR --role hub|kiosk|counter|display|any \
#       --ssh-key FILE [--release trixie|bookworm] [--docker]
#
# DIR is a checkout of pi-gen (see images/README.md for which branch). The script copies
# stage-sorra into it, packs this repository's sources for the stage, writes
# DIR/config-sorra from config.template, marks stage2 SKIP_IMAGES, and runs pi-gen
# (build-docker.sh with --docker, else build.sh as root). The image lands in DIR/deploy/.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
PIGEN=""
ROLE=""
KEY=""
RELEASE=trixie
DOCKER=0

die() {
    printf 'build-image: %s\n' "$*" >&2
    exit 1
}

while [ $# -gt 0 ]; do
    case "$1" in
        --pi-gen) PIGEN=${2:?}; shift ;;
        --role) ROLE=${2:?}; shift ;;
        --ssh-key) KEY=${2:?}; shift ;;
        --release) RELEASE=${2:?}; shift ;;
        --docker) DOCKER=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option $1" ;;
    esac
    shift
done

[ -x "${PIGEN:-/nonexistent}/build.sh" ] || die "--pi-gen DIR: a pi-gen checkout (with build.sh)"
case "$ROLE" in
    hub | kiosk | counter | display | any) ;;
    *) die "--role hub|kiosk|counter|display|any" ;;
esac
case "$RELEASE" in
    bookworm | trixie) ;;
    *) die "--release bookworm|trixie" ;;
esac
[ -r "$KEY" ] || die "--ssh-key FILE: the technicians' SSH public key"
grep -q '^ssh-' "$KEY" || die "$KEY does not look like an SSH public key"

PIGEN=$(cd "$PIGEN" && pwd)
rm -rf "$PIGEN/stage-sorra"
cp -a "$HERE/stage-sorra" "$PIGEN/stage-sorra"
mkdir -p "$PIGEN/stage-sorra/00-sorra/files"

# The sources the installer needs, from the work tree (tracked files when it is a git
# checkout, so nothing local and untracked slips into an image).
tarball="$PIGEN/stage-sorra/00-sorra/files/sorra-src.tar.gz"
if [ -d "$REPO/.git" ] && command -v git >/dev/null; then
    git -C "$REPO" ls-files -z | tar -C "$REPO" --null -T - -czf "$tarball"
else
    tar -C "$REPO" -czf "$tarball" --exclude=__pycache__ --exclude=.venv \
        install.sh pyproject.toml sorra hub kiosk counter_terminal display systemd \
        firmware_configs images docs
fi

password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
key=$(head -n 1 "$KEY")
sed -e "s|@RELEASE@|$RELEASE|" -e "s|@ROLE@|$ROLE|" -e "s|@PASSWORD@|$password|" \
    -e "s|@SSH_KEY@|$key|" "$HERE/config.template" >"$PIGEN/config-sorra"
touch "$PIGEN/stage2/SKIP_IMAGES"
mkdir -p "$PIGEN/deploy"
printf 'technician: %s\n' "$password" >"$PIGEN/deploy/technician-password.txt"
chmod 600 "$PIGEN/deploy/technician-password.txt"

cd "$PIGEN"
if [ "$DOCKER" = 1 ]; then
    ./build-docker.sh -c config-sorra
else
    [ "$(id -u)" = 0 ] || die "pi-gen's build.sh needs root (or use --docker)"
    ./build.sh -c config-sorra
fi
ls -l "$PIGEN/deploy"
