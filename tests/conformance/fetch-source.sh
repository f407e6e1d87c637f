#!/bin/bash
# fetch-source.sh DEST-DIR
#
# Puts the source of the INSTALLED OpenSSL (the version of the libssl3
# package) into DEST-DIR/openssl-<upstream version>/, fetched from Debian's
# source packages with a private apt configuration (nothing under /etc
# changes; no root needed). Only the upstream tarball matters: the tests are
# upstream's. If the exact Debian revision's .dsc is gone from the mirror
# (security updates replace each other), the orig tarball is still fetched by
# name through apt's own source records and verified against the size and
# SHA256 those records give.
#
# Prints the unpacked directory on stdout (everything else goes to stderr).
# Exits non-zero, saying why, if the source cannot be fetched.
set -euo pipefail

dest=${1:?usage: fetch-source.sh DEST-DIR}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

full=$(dpkg-query -W -f='${Version}' libssl3 2>/dev/null || true)
if [ -z "$full" ]; then
    echo "fetch-source: libssl3 is not installed (dpkg-query)" >&2
    exit 1
fi
upstream=${full%%-*}          # 3.0.22-1~deb12u2 -> 3.0.22
upstream=${upstream#*:}       # drop an epoch if any
lib_version=$(openssl version | awk '{print $2}')
if [ "$lib_version" != "$upstream" ]; then
    echo "fetch-source: note: openssl(1) says $lib_version, libssl3 package says $upstream" >&2
fi
srcdir=$dest/openssl-$upstream
if [ -f "$srcdir/VERSION.dat" ] && [ -f "$srcdir/.shimssl-fetched" ]; then
    echo "$srcdir"
    exit 0
fi

codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
apt_dir=$dest/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
cat >"$apt_dir/sources.list" <<SOURCES
deb-src http://deb.debian.org/debian $codename main
deb-src http://deb.debian.org/debian-security $codename-security main
deb-src http://deb.debian.org/debian $codename-updates main
SOURCES
aptopt=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Debug::NoLocking=1
    -o APT::Sandbox::User="$(id -un)")
echo "fetch-source: apt-get update (private deb-src list for $codename)" >&2
if ! apt-get "${aptopt[@]}" --error-on=any update >&2; then
    echo "fetch-source: FAILED: apt-get update against deb.debian.org (network?)" >&2
    exit 1
fi

tarball=openssl_$upstream.orig.tar.gz
work=$dest/download
mkdir -p "$work"
cd "$work"
# First choice: the exact package version; then whatever apt has for openssl
# (same upstream version, a newer/older Debian revision) -- both only to get
# the orig tarball.
echo "fetch-source: apt-get source --download-only openssl=$full" >&2
apt-get "${aptopt[@]}" source --download-only "openssl=$full" >&2 || true
if [ ! -s "$tarball" ]; then
    echo "fetch-source: exact revision unavailable; trying apt-get source openssl" >&2
    apt-get "${aptopt[@]}" source --download-only openssl >&2 || true
fi
if [ ! -s "$tarball" ]; then
    # The .dsc of any revision of this upstream version names the tarball
    # with its size and SHA256; fetch it from the pool by name.
    pool=$( (apt-cache "${aptopt[@]}" showsrc openssl 2>/dev/null || true) |
        awk -v t="$tarball" '/^Package:/{d=""} /^Directory:/{d=$2} $NF==t {f=1} /^$/{if(f&&d!=""&&p=="")p=d; f=0} END{if(f&&d!=""&&p=="")p=d; print p}')
    for base in http://deb.debian.org/debian-security http://deb.debian.org/debian; do
        [ -n "$pool" ] || pool=pool/updates/main/o/openssl
        echo "fetch-source: downloading $base/$pool/$tarball" >&2
        if curl -fsSL --retry 3 -o "$tarball.part" "$base/$pool/$tarball"; then
            mv "$tarball.part" "$tarball"
            break
        fi
        rm -f "$tarball.part"
    done
fi
if [ ! -s "$tarball" ]; then
    echo "fetch-source: FAILED: could not download $tarball from Debian's mirror" >&2
    exit 1
fi
# Verify against apt's source records (signed Release -> Sources -> .dsc
# Checksums-Sha256) when any record names this tarball.
want=$( (apt-cache "${aptopt[@]}" showsrc openssl 2>/dev/null || true) |
    awk -v t="$tarball" '/^Checksums-Sha256:/{s=1; next} /^[^ ]/{s=0} s && $3==t && w=="" {w=$1" "$2} END{print w}')
if [ -n "$want" ]; then
    have="$(sha256sum "$tarball" | cut -d' ' -f1) $(stat -c %s "$tarball")"
    if [ "$have" != "$want" ]; then
        echo "fetch-source: FAILED: $tarball checksum/size $have != apt's $want" >&2
        exit 1
    fi
    echo "fetch-source: $tarball matches apt's SHA256 and size" >&2
else
    echo "fetch-source: warning: no apt source record names $tarball; not verified" >&2
fi
rm -rf "$srcdir"
tar -xzf "$tarball" -C "$dest"
if [ ! -f "$srcdir/VERSION.dat" ]; then
    echo "fetch-source: FAILED: $tarball did not unpack to $srcdir" >&2
    exit 1
fi
# Debian's packaging: debian/rules (the Configure options) and the patches
# (among them the target debian-<arch>, apps/openssl.cnf without the
# provider section, and upstream's tests fixed for security level 2). The
# exact revision's .debian.tar.xz first; if the mirror no longer has it, the
# newest revision apt's source records name for this distribution (same
# packaging, older upstream; build.sh applies the patches that still apply).
records=$( (apt-cache "${aptopt[@]}" showsrc openssl 2>/dev/null || true) |
    awk '/^Package:/{v=""; d=""} /^Version:/{v=$2} /^Directory:/{d=$2}
         /^Checksums-Sha256:/{s=1; next} /^[^ ]/{s=0}
         s && $3 ~ /\.debian\.tar\.xz$/ {f[NR]=$3; h[NR]=$1; z[NR]=$2; V[NR]=v}
         /^$/{for (k in f) print V[k], d, f[k], h[k], z[k]; delete f; delete h; delete z; delete V}
         END{for (k in f) print V[k], d, f[k], h[k], z[k]}')
debfile=""
for ver in "$full" $(echo "$records" | awk -v f="$full" '$1!=f {print $1}' | sort -u | sort -r -V); do
    rec=$(echo "$records" | awk -v v="$ver" '$1==v {print; exit}')
    [ -n "$rec" ] || continue
    read -r _ dir file sha size <<<"$rec"
    if [ ! -s "$file" ]; then
        echo "fetch-source: downloading Debian packaging $file" >&2
        curl -fsSL --retry 3 -o "$file.part" "http://deb.debian.org/debian-security/$dir/$file" 2>/dev/null ||
            curl -fsSL --retry 3 -o "$file.part" "http://deb.debian.org/debian/$dir/$file" 2>/dev/null ||
            { rm -f "$file.part"; continue; }
        mv "$file.part" "$file"
    fi
    if [ "$(sha256sum "$file" | cut -d' ' -f1) $(stat -c %s "$file")" = "$sha $size" ]; then
        debfile=$file
        break
    fi
    echo "fetch-source: $file does not match apt's SHA256/size; ignored" >&2
    rm -f "$file"
done
if [ -z "$debfile" ]; then
    echo "fetch-source: FAILED: no Debian packaging (.debian.tar.xz) of openssl on the mirror" >&2
    exit 1
fi
mkdir -p "$srcdir/debian-packaging"
tar -xJf "$debfile" -C "$srcdir/debian-packaging"
echo "$debfile" >"$srcdir/debian-packaging/SOURCE"
echo "fetch-source: Debian packaging from $debfile" >&2
touch "$srcdir/.shimssl-fetched"
echo "$srcdir"
