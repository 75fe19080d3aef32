#!/bin/bash
# Sorra installer for Raspberry Pi OS (Bookworm or Trixie, arm64) and Debian.
#
#   sudo ./install.sh --role hub|kiosk|counter|display [options]
#   sudo ./install.sh --rollback
#   sudo ./install.sh --prepare --role ROLE|any     (SD-card image builds)
#   sudo ./install.sh --uninstall [--purge]
#
# Installs Sorra into a virtualenv under /opt/sorra, its systemd units, udev rules,
# firmware settings (config.txt/cmdline.txt) and the device configuration, from the
# files in systemd/ and firmware_configs/ beside this script. Idempotent: run it again
# to update (see docs/deployment.md). Every file it writes is listed in
# /opt/sorra/state/manifest, so --uninstall removes exactly those; the device's own
# files (/etc/sorra, /var/lib/sorra, /var/cache/sorra) stay unless --purge.
#
# Options:
#   --role ROLE     hub, kiosk, counter or display
#   --root DIR      install into DIR as a scratch root: files only; no apt, pip,
#                   systemctl, udevadm or user creation (tests, image tooling)
#   --offline       use neither apt nor pip: the packages and /opt/sorra/venv are
#                   already there (first boot of an SD-card image)
#   --no-start      enable the units but do not (re)start them (image builds in a chroot)
#   --no-firmware   leave config.txt and cmdline.txt alone
#   --headless      counter without a screen (no Cage)
#   --gsm-modem     hub: let the hub use a USB GSM modem for SMS
#   --site NAME     site of a new device.toml / hub (default: office)
#   --hub HOST      hub address for a new device.toml (default: find it by zeroconf)
#   --device-id ID  device id for a new device.toml (default: set when paired)
#   --rollback      switch back to the previous release of the virtualenv and restart
#   --prepare       packages, user and virtualenv only (for ROLE, or every role with
#                   "any"); the role is activated later with --offline (image first boot)
#   --print-packages  print the apt packages ROLE needs and exit
#   --uninstall     remove Sorra (keeps /etc/sorra, /var/lib/sorra, /var/cache/sorra)
#   --purge         with --uninstall: remove those too, and the sorra user
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PREFIX=/opt/sorra
STATE=$PREFIX/state
UNIT_DIR=/etc/systemd/system
ROLES="hub kiosk counter display"

ROOT=""
ROLE=""
ACTION=install
OFFLINE=0
NO_START=0
NO_FIRMWARE=0
HEADLESS=0
GSM_MODEM=0
PURGE=0
SITE=office
HUB_HOST=""
DEVICE_ID=""
NEW_DIRS=""

say() { printf 'sorra-install: %s\n' "$*"; }
warn() { printf 'sorra-install: warning: %s\n' "$*" >&2; }
die() {
    printf 'sorra-install: %s\n' "$*" >&2
    exit 1
}
usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit "${1:-0}"
}

parse_args() {
    while [ $# -gt 0 ]; do
        case "$1" in
            --role) ROLE=${2:?--role needs a value}; shift ;;
            --root) ROOT=${2:?--root needs a directory}; shift ;;
            --site) SITE=${2:?--site needs a value}; shift ;;
            --hub) HUB_HOST=${2:?--hub needs a value}; shift ;;
            --device-id) DEVICE_ID=${2:?--device-id needs a value}; shift ;;
            --offline) OFFLINE=1 ;;
            --no-start) NO_START=1 ;;
            --no-firmware) NO_FIRMWARE=1 ;;
            --headless) HEADLESS=1 ;;
            --gsm-modem) GSM_MODEM=1 ;;
            --rollback) ACTION=rollback ;;
            --prepare) ACTION=prepare ;;
            --print-packages) ACTION=packages ;;
            --uninstall) ACTION=uninstall ;;
            --purge) PURGE=1 ;;
            -h | --help) usage 0 ;;
            *) printf 'sorra-install: unknown option %s\n\n' "$1" >&2; usage 2 ;;
        esac
        shift
    done
    if [ -n "$ROOT" ]; then
        [ -d "$ROOT" ] || die "--root $ROOT: no such directory"
        ROOT=$(cd "$ROOT" && pwd)
        [ "$ROOT" = / ] && ROOT=""
    fi
    [ "$PURGE" = 0 ] || [ "$ACTION" = uninstall ] || die "--purge goes with --uninstall"
    if [ "$ACTION" = prepare ] || [ "$ACTION" = packages ]; then
        case " $ROLES any " in
            *" $ROLE "*) ;;
            *) die "--role must be one of: $ROLES any" ;;
        esac
    fi
    if [ "$ACTION" = install ]; then
        case " $ROLES " in
            *" $ROLE "*) ;;
            *) die "--role must be one of: $ROLES" ;;
        esac
        [ "$HEADLESS" = 0 ] || [ "$ROLE" = counter ] || die "--headless is for the counter role"
        [ "$GSM_MODEM" = 0 ] || [ "$ROLE" = hub ] || die "--gsm-modem is for the hub role"
        printf '%s' "$SITE" | grep -Eq '^[a-z0-9][a-z0-9_-]{0,62}$' ||
            die "--site: lower-case letters, digits, - and _ only"
        [ -z "$DEVICE_ID" ] || printf '%s' "$DEVICE_ID" | grep -Eq '^[a-z0-9][a-z0-9_-]{0,62}$' ||
            die "--device-id: lower-case letters, digits, - and _ only"
    fi
    if [ -z "$ROOT" ] && [ "$(id -u)" != 0 ] && [ "$ACTION" != packages ]; then
        die "run as root (sudo), or give --root DIR"
    fi
}

# A scratch root (--root) gets files only: nothing that touches the running system.
live() { [ -z "$ROOT" ]; }
can_start() { live && [ "$NO_START" = 0 ] && ! systemd-detect-virt --chroot --quiet 2>/dev/null; }

codename() {
    local file=$ROOT/etc/os-release
    [ -r "$file" ] || file=$ROOT/usr/lib/os-release
    [ -r "$file" ] || { echo unknown; return; }
    (
        VERSION_CODENAME=unknown
        # shellcheck disable=SC1090
        . "$file"
        echo "$VERSION_CODENAME"
    )
}

graphical() { [ "$ROLE" != hub ]; }

# ---------------------------------------------------------------- state, manifest

manifest_add() {
    printf '%s\n' "$@" >>"$ROOT$STATE/manifest.new"
}

# install_file SRC DEST MODE: copy into the root, record in the manifest
install_file() {
    local src=$1 dest=$2 mode=${3:-0644}
    note_new_dirs "${dest%/*}"
    install -D -m "$mode" "$src" "$ROOT$dest"
    manifest_add "$dest"
}

# Directories Sorra creates are listed in the state, so --uninstall removes exactly
# those (when empty) and never a system directory that happened to be empty.
note_new_dirs() {
    local dir=$1
    while [ -n "$dir" ] && [ ! -d "$ROOT$dir" ]; do
        NEW_DIRS="$NEW_DIRS $dir"
        dir=${dir%/*}
    done
    save_new_dirs
}

save_new_dirs() {
    [ -n "$NEW_DIRS" ] && [ -d "$ROOT$STATE" ] || return 0
    # shellcheck disable=SC2086 # paths without spaces
    printf '%s\n' $NEW_DIRS >>"$ROOT$STATE/created-dirs"
    NEW_DIRS=""
}

remove_new_dirs() {
    local dir
    # deepest first
    awk 'NF { print length($0), $0 }' | sort -rn | cut -d' ' -f2- | while IFS= read -r dir; do
        [ ! -d "$ROOT$dir" ] || rmdir --ignore-fail-on-non-empty "$ROOT$dir"
    done
}

# render SRC DEST MODE: copy with ${NAME} placeholders filled in, only if DEST is
# missing (the device owns it from then on); not in the manifest unless MANAGED=1
render_once() {
    local src=$1 dest=$2 mode=${3:-0644}
    if [ ! -e "$ROOT$dest" ]; then
        note_new_dirs "${dest%/*}"
        mkdir -p "${ROOT}${dest%/*}"
        sed -e "s|\${ROLE}|$ROLE|g" -e "s|\${SITE}|$SITE|g" \
            -e "s|\${HUB_HOST}|$HUB_HOST|g" -e "s|\${DEVICE_ID}|$DEVICE_ID|g" \
            -e "s|\${SESSION}|$SESSION|g" -e "s|\${HEADLESS}|$HEADLESS_TOML|g" \
            -e "s|\${MQTT_PORT}|1883|g" -e "s|\${DATA_DIR}|/var/lib/sorra|g" \
            "$src" >"$ROOT$dest.tmp"
        chmod "$mode" "$ROOT$dest.tmp"
        mv "$ROOT$dest.tmp" "$ROOT$dest"
        say "wrote $dest"
    fi
    [ "${MANAGED:-0}" = 0 ] || manifest_add "$dest"
}

state_set() {
    mkdir -p "$ROOT$STATE"
    printf '%s\n' "$2" >"$ROOT$STATE/$1"
}
state_get() { cat "$ROOT$STATE/$1" 2>/dev/null || true; }

# ---------------------------------------------------------------- packages

apt_packages() {
    local code=$1
    echo python3 python3-venv ca-certificates
    case "$ROLE" in
        hub) echo mosquitto mosquitto-clients polkitd sqlite3 ;;
        *)
            echo cage seatd wlr-randr fonts-dejavu-core libegl1 libgles2 libxkbcommon0 \
                libwayland-client0 libwayland-cursor0 libwayland-egl1 libfontconfig1 libdbus-1-3
            [ "$code" != bookworm ] || echo python3-pyqt6 qt6-wayland
            ;;
    esac
    case "$ROLE" in
        kiosk) echo libusb-1.0-0 ;;
        display) echo alsa-utils espeak-ng ;;
    esac
}

# Raspberry Pi OS packages that plain Debian lacks: installed when available
apt_optional() {
    case "$ROLE" in
        counter) echo python3-lgpio ;;
        display) [ "$1" != bookworm ] || echo python3-pyqt6.qtmultimedia ;;
    esac
}

install_packages() {
    local code=$1
    if ! live || [ "$OFFLINE" = 1 ]; then
        say "skipping apt ($([ "$OFFLINE" = 1 ] && echo --offline || echo --root))"
        return
    fi
    say "installing packages for $ROLE on $code"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2046
    apt-get install -y -q --no-install-recommends $(apt_packages "$code")
    local pkg
    for pkg in $(apt_optional "$code"); do
        apt-get install -y -q --no-install-recommends "$pkg" || warn "optional package $pkg not installed"
    done
}

create_user() {
    install_file "$HERE/firmware_configs/common/sysusers.conf" /etc/sysusers.d/sorra.conf
    if live; then
        systemd-sysusers /etc/sysusers.d/sorra.conf
    fi
}

# ---------------------------------------------------------------- python environment

source_id() {
    # version + hash of the Python sources: the same tree gives the same release
    local version hash
    version=$(sed -n 's/^version *= *"\(.*\)"/\1/p' "$HERE/pyproject.toml" | head -n 1)
    hash=$(cd "$HERE" && find pyproject.toml sorra hub kiosk counter_terminal display -type f \
        ! -path '*/__pycache__/*' ! -name '*.pyc' -print0 2>/dev/null |
        LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-10)
    printf '%s-%s\n' "${version:-0}" "$hash"
}

build_release() {
    local code=$1 id rel
    id=$(source_id)
    rel=$PREFIX/releases/$id
    if [ -f "$rel/.complete" ]; then
        say "release $id already built"
    else
        say "building release $id in $rel"
        rm -rf "$rel"
        mkdir -p "$PREFIX/releases"
        # System site packages: Raspberry Pi OS's hardware bindings (python3-lgpio) and,
        # on Bookworm, apt's PyQt6 6.4 (PyPI's current PyQt6 needs glibc 2.39).
        python3 -m venv --system-site-packages "$rel/venv"
        local constraints=$rel/constraints.txt
        : >"$constraints"
        if [ "$code" = bookworm ]; then
            printf 'PyQt6<6.8\nPyQt6-Qt6<6.8\n' >"$constraints"
        fi
        "$rel/venv/bin/pip" install --quiet --upgrade pip
        "$rel/venv/bin/pip" install --quiet --constraint "$constraints" "$HERE"
        "$rel/venv/bin/sorra" --version >/dev/null
        touch "$rel/.complete"
    fi
    activate_release "$id"
}

activate_release() {
    local id=$1 current
    current=$(state_get release)
    if [ "$current" != "$id" ]; then
        [ -z "$current" ] || state_set previous-release "$current"
        state_set release "$id"
    fi
    ln -sfn "releases/$id/venv" "$PREFIX/venv.new"
    mv -T "$PREFIX/venv.new" "$PREFIX/venv"
    prune_releases
}

prune_releases() {
    local keep_a keep_b dir
    keep_a=$(state_get release)
    keep_b=$(state_get previous-release)
    for dir in "$PREFIX"/releases/*/; do
        [ -d "$dir" ] || continue
        dir=$(basename "$dir")
        [ "$dir" = "$keep_a" ] || [ "$dir" = "$keep_b" ] || rm -rf "${PREFIX:?}/releases/$dir"
    done
}

python_env() {
    local code=$1
    if ! live; then
        say "skipping the Python environment (--root)"
        return
    fi
    if [ "$OFFLINE" = 1 ]; then
        [ -x "$PREFIX/venv/bin/sorra" ] || die "--offline, but $PREFIX/venv/bin/sorra is missing"
        return
    fi
    [ -f "$HERE/pyproject.toml" ] || die "no Python sources beside $0 (run it from the repository)"
    build_release "$code"
}

# ---------------------------------------------------------------- files

role_units() {
    echo "sorra-$1.service"
}

# this installer and its files, for --uninstall, --rollback and the image's first boot
install_share() {
    local share=$PREFIX/share files dir
    files=$(cd "$HERE" && for dir in install.sh docs/deployment.md systemd firmware_configs images; do
        [ ! -e "$dir" ] || find "$dir" -type f ! -name '*.pyc'
    done | LC_ALL=C sort)
    # shellcheck disable=SC2086 # one path per line, no spaces
    if [ ! "$HERE" -ef "$ROOT$share" ]; then # not when running from the installed copy
        for dir in $(printf '%s\n' "$files" | sed 's|/[^/]*$||; /\//!d' | LC_ALL=C sort -u); do
            note_new_dirs "$share/$dir"
        done
        rm -rf "${ROOT:?}$share.new"
        mkdir -p "$ROOT$share.new"
        (cd "$HERE" && tar -cf - $files) | tar -C "$ROOT$share.new" -xf -
        chmod -R u=rwX,go=rX "$ROOT$share.new"
        rm -rf "${ROOT:?}$share"
        mv "$ROOT$share.new" "$ROOT$share"
    fi
    # shellcheck disable=SC2046
    manifest_add $(printf '%s\n' "$files" | sed "s|^|$share/|")
}

install_files() {
    local fw=$HERE/firmware_configs
    install_share
    install_file "$HERE/systemd/sorra-$ROLE.service" "$UNIT_DIR/sorra-$ROLE.service"
    install_file "$fw/common/tmpfiles.conf" /etc/tmpfiles.d/sorra.conf
    install_file "$fw/common/sorra-watchdog.conf" /etc/systemd/system.conf.d/sorra-watchdog.conf
    install_file "$fw/$ROLE/journald.conf" /etc/systemd/journald.conf.d/sorra.conf
    [ ! -f "$fw/$ROLE/99-sorra.rules" ] ||
        install_file "$fw/$ROLE/99-sorra.rules" /etc/udev/rules.d/99-sorra.rules

    HEADLESS_TOML=false
    SESSION=cage
    if [ "$HEADLESS" = 1 ]; then
        HEADLESS_TOML=true
        SESSION=headless
    fi
    if [ "$ROLE" = hub ]; then
        install_file "$HERE/systemd/mosquitto.service.d/sorra.conf" "$UNIT_DIR/mosquitto.service.d/sorra.conf"
        install_file "$fw/hub/tmpfiles.conf" /etc/tmpfiles.d/sorra-hub.conf
        install_file "$fw/hub/50-sorra-mosquitto.rules" /etc/polkit-1/rules.d/50-sorra-mosquitto.rules
        [ "$GSM_MODEM" = 0 ] ||
            install_file "$fw/hub/gsm-modem.conf" "$UNIT_DIR/sorra-hub.service.d/gsm-modem.conf"
        MANAGED=1 render_once "$fw/hub/mosquitto-sorra.conf.template" /etc/mosquitto/conf.d/sorra.conf
        render_once "$fw/hub/hub.env.template" /etc/sorra/hub.env 0640
    else
        install_file "$fw/session/sorra-session" "$PREFIX/bin/sorra-session" 0755
        render_once "$fw/session/session.env.template" /etc/sorra/session.env 0640
    fi
    render_once "$fw/$ROLE/device.toml.template" /etc/sorra/device.toml 0600
    if live; then
        # the app rewrites device.toml (pairing); the environment files stay root's
        chown sorra:sorra /etc/sorra /etc/sorra/device.toml
        for f in /etc/sorra/session.env /etc/sorra/hub.env; do
            [ ! -f "$f" ] || chown root:sorra "$f"
        done
    fi
}

# Files of an earlier install that this one no longer writes (another role, a file
# dropped from a newer version) are removed.
retire_old_files() {
    local old=$ROOT$STATE/manifest new=$ROOT$STATE/manifest.new path
    if [ -f "$old" ]; then
        while IFS= read -r path; do
            [ -n "$path" ] || continue
            grep -qxF "$path" "$new" || remove_path "$path"
        done <"$old"
    fi
    LC_ALL=C sort -u "$new" -o "$old"
    rm -f "$new"
    [ ! -f "$ROOT$STATE/created-dirs" ] || LC_ALL=C sort -u -o "$ROOT$STATE/created-dirs" "$ROOT$STATE/created-dirs"
}

remove_path() {
    local path=$1
    case "$path" in
        "$UNIT_DIR"/*.service) disable_unit "$(basename "$path")" ;;
    esac
    rm -f "$ROOT$path"
}

# ---------------------------------------------------------------- units

# WantedBy= targets of a unit file
wanted_by() {
    sed -n 's/^WantedBy=//p' "$1" | tr ' ' '\n' | sed '/^$/d'
}

enable_unit() {
    local unit=$1 file target
    if live; then
        systemctl enable "$unit" >/dev/null
        return
    fi
    for file in "$ROOT$UNIT_DIR/$unit" "$ROOT/usr/lib/systemd/system/$unit" "$ROOT/lib/systemd/system/$unit"; do
        [ -f "$file" ] && break
    done
    [ -f "$file" ] || { warn "$unit not found in $ROOT, not enabled"; return; }
    for target in $(wanted_by "$file"); do
        mkdir -p "$ROOT$UNIT_DIR/$target.wants"
        ln -sfn "${file#"$ROOT"}" "$ROOT$UNIT_DIR/$target.wants/$unit"
    done
}

is_enabled() {
    if live; then
        systemctl is-enabled --quiet "$1" 2>/dev/null
    else
        compgen -G "$ROOT$UNIT_DIR/*.wants/$1" >/dev/null
    fi
}

# A system unit Sorra needs (mosquitto, seatd): enabled if it was not, and remembered
# so that --uninstall disables only what Sorra enabled.
enable_extra() {
    local unit=$1
    is_enabled "$unit" && return 0
    enable_unit "$unit"
    is_enabled "$unit" || return 0
    touch "$ROOT$STATE/enabled-units"
    grep -qxF "$unit" "$ROOT$STATE/enabled-units" || printf '%s\n' "$unit" >>"$ROOT$STATE/enabled-units"
}

disable_unit() {
    local unit=$1 link
    if live; then
        systemctl disable --now "$unit" >/dev/null 2>&1 || true
        return
    fi
    for link in "$ROOT$UNIT_DIR"/*.wants/"$unit"; do
        [ -L "$link" ] || continue
        rm -f "$link"
        rmdir --ignore-fail-on-non-empty "$(dirname "$link")"
    done
}

getty_off() {
    # The kiosk session owns tty1 (Conflicts=getty@tty1.service); keep getty from
    # fighting it at boot. Remembered, so --uninstall gives the console back.
    local link=$ROOT$UNIT_DIR/getty.target.wants/getty@tty1.service
    if [ -L "$link" ]; then
        state_set getty-tty1 enabled
        if live; then
            systemctl disable getty@tty1.service >/dev/null 2>&1 || true
        else
            rm -f "$link"
        fi
    fi
}

getty_restore() {
    [ "$(state_get getty-tty1)" = enabled ] || return 0
    rm -f "$ROOT$STATE/getty-tty1"
    if live; then
        systemctl enable getty@tty1.service >/dev/null 2>&1 || true
    else
        mkdir -p "$ROOT$UNIT_DIR/getty.target.wants"
        ln -sfn /usr/lib/systemd/system/getty@.service "$ROOT$UNIT_DIR/getty.target.wants/getty@tty1.service"
    fi
}

activate_units() {
    if live; then
        systemctl daemon-reload
        systemd-tmpfiles --create /etc/tmpfiles.d/sorra.conf
        [ "$ROLE" != hub ] || systemd-tmpfiles --create /etc/tmpfiles.d/sorra-hub.conf
    fi
    local unit
    for unit in $(role_units "$ROLE"); do
        enable_unit "$unit"
    done
    if [ "$ROLE" = hub ]; then
        enable_extra mosquitto.service
        getty_restore
    else
        enable_extra seatd.service
        getty_off
        if [ -e "$ROOT$UNIT_DIR/display-manager.service" ]; then
            warn "a desktop (display manager) is enabled and will fight Cage for the screen:"
            warn "  sudo systemctl disable display-manager.service && sudo systemctl set-default multi-user.target"
        fi
    fi
    state_set role "$ROLE"
    if can_start; then
        udevadm control --reload || true
        udevadm trigger --subsystem-match=tty --subsystem-match=usb --subsystem-match=usbmisc || true
        if [ "$ROLE" = hub ]; then
            systemctl restart mosquitto.service
            systemctl reload-or-restart polkit.service 2>/dev/null || true
        else
            systemctl stop getty@tty1.service 2>/dev/null || true
            systemctl start seatd.service
        fi
        for unit in $(role_units "$ROLE"); do
            say "restarting $unit"
            systemctl restart "$unit"
        done
    else
        say "units enabled, not started"
    fi
}

# ---------------------------------------------------------------- firmware

boot_dir() {
    if [ -f "$ROOT/boot/firmware/config.txt" ]; then
        echo "$ROOT/boot/firmware"
    elif [ -f "$ROOT/boot/config.txt" ]; then
        echo "$ROOT/boot"
    fi
}

# config.txt: the role's fragment between BEGIN/END markers at the end of the file
config_block_remove() {
    local file=$1
    [ -f "$file" ] || return 0
    grep -q '^# BEGIN sorra' "$file" || return 0
    awk '/^# BEGIN sorra/ { skip = 1; next } /^# END sorra/ { skip = 0; next } !skip' \
        "$file" >"$file.sorra-tmp"
    cat "$file.sorra-tmp" >"$file"
    rm -f "$file.sorra-tmp"
}

config_block_write() {
    local file=$1 fragment=$2
    config_block_remove "$file"
    # a last line without its newline would run into the marker
    [ ! -s "$file" ] || [ -z "$(tail -c 1 "$file")" ] || printf '\n' >>"$file"
    {
        printf '# BEGIN sorra (%s) - managed by install.sh, do not edit inside the block\n' "$ROLE"
        cat "$fragment"
        printf '# END sorra\n'
    } >>"$file"
}

# cmdline.txt: one line of parameters; state remembers what was added and removed
cmdline_apply() {
    local file=$1 fragment=$2 line param name tok out added removed
    line=$(tr -s ' \n' '  ' <"$file" | sed 's/^ //; s/ $//')
    added=$ROOT$STATE/cmdline-added
    removed=$ROOT$STATE/cmdline-removed
    touch "$added" "$removed"
    [ -f "$ROOT$STATE/cmdline-original" ] || cp "$file" "$ROOT$STATE/cmdline-original"
    while IFS= read -r param; do
        param=${param%%#*}
        param=$(printf '%s' "$param" | tr -d ' \t')
        [ -n "$param" ] || continue
        out=""
        if [ "${param#!}" != "$param" ]; then
            param=${param#!}
            for tok in $line; do
                if [ "$tok" = "$param" ]; then
                    grep -qxF "$tok" "$removed" || grep -qxF "$tok" "$added" ||
                        printf '%s\n' "$tok" >>"$removed"
                else
                    out="$out $tok"
                fi
            done
        else
            name=${param%%=*}
            for tok in $line; do
                if [ "$tok" != "$param" ] && { [ "$tok" = "$name" ] || [ "${tok%%=*}" = "$name" ]; }; then
                    grep -qxF "$tok" "$added" || grep -qxF "$tok" "$removed" ||
                        printf '%s\n' "$tok" >>"$removed"
                    grep -vxF "$tok" "$added" >"$added.tmp" || true
                    mv "$added.tmp" "$added"
                else
                    out="$out $tok"
                fi
            done
            case " $out " in
                *" $param "*) ;;
                *)
                    out="$out $param"
                    grep -qxF "$param" "$added" || printf '%s\n' "$param" >>"$added"
                    ;;
            esac
        fi
        line=${out# }
    done <"$fragment"
    printf '%s\n' "$line" >"$file"
    cp "$file" "$ROOT$STATE/cmdline-written"
}

cmdline_restore() {
    local file=$1 line tok kept="" back=""
    local added=$ROOT$STATE/cmdline-added removed=$ROOT$STATE/cmdline-removed
    [ -f "$file" ] || return 0
    if [ -f "$ROOT$STATE/cmdline-original" ] && cmp -s "$file" "$ROOT$STATE/cmdline-written"; then
        # untouched since: the original line, byte for byte
        cat "$ROOT$STATE/cmdline-original" >"$file"
    else
        # edited since (e.g. overlayroot=): take out what Sorra added, give back what it removed
        line=$(tr -s ' \n' '  ' <"$file")
        for tok in $line; do
            [ -f "$added" ] && grep -qxF "$tok" "$added" && continue
            kept="$kept $tok"
        done
        if [ -f "$removed" ]; then
            while IFS= read -r tok; do
                [ -n "$tok" ] && back="$back $tok"
            done <"$removed"
        fi
        line="${back# } ${kept# }"
        printf '%s\n' "${line# }" >"$file"
    fi
    rm -f "$added" "$removed" "$ROOT$STATE/cmdline-original" "$ROOT$STATE/cmdline-written"
}

install_firmware() {
    local boot
    if [ "$NO_FIRMWARE" = 1 ]; then
        say "leaving config.txt and cmdline.txt alone (--no-firmware)"
        return
    fi
    boot=$(boot_dir)
    if [ -z "$boot" ]; then
        warn "no /boot/firmware/config.txt: not a Raspberry Pi, firmware settings skipped"
        return
    fi
    local before after
    before=$(cat "$boot/config.txt" "$boot/cmdline.txt" 2>/dev/null | sha256sum)
    config_block_write "$boot/config.txt" "$HERE/firmware_configs/$ROLE/config.txt"
    if [ -f "$boot/cmdline.txt" ]; then
        # a role switch first gives back what the previous role changed
        if [ -n "$(state_get role)" ] && [ "$(state_get role)" != "$ROLE" ]; then
            cmdline_restore "$boot/cmdline.txt"
        fi
        cmdline_apply "$boot/cmdline.txt" "$HERE/firmware_configs/$ROLE/cmdline.txt"
    fi
    after=$(cat "$boot/config.txt" "$boot/cmdline.txt" 2>/dev/null | sha256sum)
    state_set firmware "${boot#"$ROOT"}"
    [ "$before" = "$after" ] || say "firmware settings changed in ${boot#"$ROOT"}: reboot to apply them"
}

uninstall_firmware() {
    local boot
    boot=$ROOT$(state_get firmware)
    [ -n "$(state_get firmware)" ] || return 0
    config_block_remove "$boot/config.txt"
    cmdline_restore "$boot/cmdline.txt"
}

# ---------------------------------------------------------------- actions

do_install() {
    local code
    code=$(codename)
    say "installing role $ROLE ($code) into ${ROOT:-/}"
    [ -n "$(state_get role)" ] && [ "$(state_get role)" != "$ROLE" ] &&
        say "switching this machine from $(state_get role) to $ROLE"
    note_new_dirs "$STATE"
    mkdir -p "$ROOT$STATE"
    save_new_dirs
    rm -f "$ROOT$STATE/manifest.new"
    install_packages "$code"
    create_user
    python_env "$code"
    install_files
    retire_old_files
    install_firmware
    activate_units
    say "done: role $ROLE"
}

roles_of() {
    if [ "$1" = any ]; then echo "$ROLES"; else echo "$1"; fi
}

do_packages() {
    local role
    for role in $(roles_of "$ROLE"); do
        ROLE=$role apt_packages "$(codename)"
        ROLE=$role apt_optional "$(codename)"
    done | tr ' ' '\n' | sed '/^$/d' | LC_ALL=C sort -u
}

do_prepare() {
    local code role
    code=$(codename)
    say "preparing an image for role $ROLE ($code)"
    note_new_dirs "$STATE"
    mkdir -p "$ROOT$STATE"
    save_new_dirs
    rm -f "$ROOT$STATE/manifest.new"
    for role in $(roles_of "$ROLE"); do
        ROLE=$role install_packages "$code"
    done
    create_user
    python_env "$code"
    install_share
    retire_old_files
    say "prepared; activate a role with: $PREFIX/share/install.sh --role ROLE --offline"
}

do_rollback() {
    live || die "--rollback works on the running system only"
    local previous role
    previous=$(state_get previous-release)
    if [ -z "$previous" ] || [ ! -f "$PREFIX/releases/$previous/.complete" ]; then
        die "no previous release to go back to"
    fi
    say "rolling back to $previous"
    state_set previous-release "$(state_get release)"
    state_set release "$previous"
    ln -sfn "releases/$previous/venv" "$PREFIX/venv.new"
    mv -T "$PREFIX/venv.new" "$PREFIX/venv"
    role=$(state_get role)
    [ -z "$role" ] || systemctl restart "sorra-$role.service"
}

do_uninstall() {
    local path
    say "removing Sorra from ${ROOT:-/}"
    if [ -f "$ROOT$STATE/manifest" ]; then
        while IFS= read -r path; do
            [ -n "$path" ] && remove_path "$path"
        done <"$ROOT$STATE/manifest"
    fi
    if [ -f "$ROOT$STATE/enabled-units" ]; then
        while IFS= read -r path; do
            [ -n "$path" ] && disable_unit "$path"
        done <"$ROOT$STATE/enabled-units"
    fi
    getty_restore
    uninstall_firmware
    local dirs=""
    [ ! -f "$ROOT$STATE/created-dirs" ] || dirs=$(cat "$ROOT$STATE/created-dirs")
    rm -rf -- "$ROOT/opt/sorra"
    if [ "$PURGE" = 1 ]; then
        rm -rf "$ROOT/etc/sorra" "$ROOT/var/lib/sorra" "$ROOT/var/cache/sorra"
        if live && id sorra >/dev/null 2>&1; then
            userdel sorra || warn "could not remove the user sorra"
        fi
    fi
    printf '%s\n' "$dirs" | remove_new_dirs
    if live; then
        systemctl daemon-reload
        udevadm control --reload || true
    fi
    say "done$([ "$PURGE" = 1 ] && echo ", data removed" || echo "; kept /etc/sorra, /var/lib/sorra and /var/cache/sorra")"
}

main() {
    parse_args "$@"
    case "$ACTION" in
        install) do_install ;;
        rollback) do_rollback ;;
        prepare) do_prepare ;;
        packages) do_packages ;;
        uninstall) do_uninstall ;;
    esac
}

main "$@"
