#!/usr/bin/env bash
# Build the code sandbox image offline: a minimal Debian with python3, numpy and matplotlib.
#
# For machines that cannot pull images from a registry. It needs root, a running Docker engine and a
# Debian package mirror (the one apt on this machine already uses). The result is an ordinary local
# image; point Roundtable at it with ROUNDTABLE_SANDBOX_IMAGE=roundtable-sandbox:latest.
#
#   scripts/build_sandbox_image.sh            # skip when the image already exists
#   scripts/build_sandbox_image.sh --force    # rebuild
#
# Environment: SANDBOX_IMAGE (default roundtable-sandbox:latest), SANDBOX_SUITE (default bookworm),
# SANDBOX_MIRROR (default: read from this machine's apt sources).
set -euo pipefail

IMAGE="${SANDBOX_IMAGE:-roundtable-sandbox:latest}"
SUITE="${SANDBOX_SUITE:-bookworm}"
# Installed with apt inside the new system: debootstrap's own resolver always takes the first of
# alternative dependencies, which drags scipy and a C++ tool chain in behind matplotlib's font tools.
# Naming python3-munkres satisfies that alternative instead.
PACKAGES="python3-numpy python3-matplotlib python3-munkres ca-certificates"

say() { printf '[sandbox-image] %s\n' "$*"; }
die() { printf '[sandbox-image] error: %s\n' "$*" >&2; exit 1; }

# The first mirror apt uses for $SUITE, from deb822 *.sources files or one-line *.list files.
apt_mirror() {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -r "$f" ] || continue
        awk -v suite="$SUITE" '
            function flush() { if (deb && has_suite && uri != "") { print uri; found = 1; exit } deb = 0; has_suite = 0; uri = "" }
            /^[[:space:]]*$/ { flush(); next }
            /^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) has_suite = 1 }
            /^URIs:/ { uri = $2 }
            END { if (!found) flush() }
        ' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -r "$f" ] || continue
        # "deb [options] URI suite components": skip the optional [...] group.
        sed -E 's/\[[^]]*\]//' "$f" | awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2 }'
    done
}

[ "${1:-}" = "--force" ] && FORCE=1 || FORCE=0

docker info >/dev/null 2>&1 || die "the Docker engine does not answer (start dockerd, or check DOCKER_HOST)"
if [ "$FORCE" = 0 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
    say "$IMAGE already exists; nothing to do (pass --force to rebuild)"
    exit 0
fi
[ "$(id -u)" = 0 ] || die "debootstrap needs root; run this script as root"
if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap"
    apt-get install -y -q debootstrap >/dev/null
fi

MIRROR="${SANDBOX_MIRROR:-$(apt_mirror | head -n 1)}"
[ -n "$MIRROR" ] || die "no apt source for '$SUITE' found; set SANDBOX_MIRROR to a Debian mirror URL"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
ROOTFS="$WORK/rootfs"

say "debootstrap $SUITE (minbase + python3) from $MIRROR"
started=$SECONDS
set +e
debootstrap --variant=minbase --include=python3 "$SUITE" "$ROOTFS" "$MIRROR" 2>&1 | tee "$WORK/build.log" \
    | grep --line-buffered -E '^(E|W):|^I: (Retrieving Release|Resolving|Checking|Validating Packages|Installing core|Unpacking the base|Configuring the base|Base system installed)'
status=${PIPESTATUS[0]}
set -e
if [ "$status" != 0 ] || [ ! -x "$ROOTFS/usr/bin/python3" ]; then
    tail -n 20 "$WORK/build.log" >&2
    die "debootstrap failed (exit $status); the last lines of its log are above"
fi

say "apt-get install $PACKAGES (inside the new system)"
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
if ! chroot "$ROOTFS" sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends $PACKAGES" >>"$WORK/build.log" 2>&1; then
    tail -n 20 "$WORK/build.log" >&2
    die "apt-get inside the new system failed; the last lines of its log are above"
fi
rm -f "$ROOTFS/etc/resolv.conf"
say "root file system ready after $((SECONDS - started)) s; trimming caches"
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* \
    "$ROOTFS"/usr/share/man/*

say "importing the file system as $IMAGE"
previous="$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
tar -C "$ROOTFS" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    - "$IMAGE" >/dev/null
docker run --rm --network none "$IMAGE" python3 -c "import numpy, matplotlib; print('python3 with numpy', numpy.__version__, 'and matplotlib', matplotlib.__version__)" \
    | sed 's/^/[sandbox-image] check: /'
if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]; then
    docker rmi "$previous" >/dev/null 2>&1 || true  # the image this one replaces (--force)
fi
say "built $IMAGE in $((SECONDS - started)) s ($(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1 / 1e6}'))"
