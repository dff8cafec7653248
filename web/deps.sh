#!/usr/bin/env bash
# web/deps.sh DIR - jansson and NLopt compiled to WebAssembly into DIR/{include,lib}, from Debian's source
# packages (bookworm: jansson 2.14-2, nlopt 2.7.1-5): the upstream tarballs Debian ships
# (deb.debian.org/debian/pool/main/...), each checked against the SHA-256 its .dsc signs. Debian's jansson and
# libnlopt-dev are native code only; the page links these instead. Nothing is rebuilt once DIR/lib holds both.
set -euo pipefail
DIR=$(realpath -m "$1")
POOL=${DEBIAN_POOL:-http://deb.debian.org/debian/pool/main}
mkdir -p "$DIR/src" "$DIR/lib" "$DIR/include"
[ -f "$DIR/lib/libjansson.a" ] && [ -f "$DIR/lib/libnlopt.a" ] && exit 0
# DIR may be shared by several checkouts (the Makefile's default is a per-user cache): one builds, the others wait.
exec 9>"$DIR/.lock"
flock 9
[ -f "$DIR/lib/libjansson.a" ] && [ -f "$DIR/lib/libnlopt.a" ] && exit 0

fetch() { # fetch NAME URL SHA256
    local f="$DIR/src/$1"
    if [ ! -f "$f" ] || ! echo "$3  $f" | sha256sum -c --status; then
        echo "web deps: fetching $2"
        curl -fsSL --retry 3 -o "$f.part" "$2"
        mv "$f.part" "$f"
    fi
    echo "$3  $f" | sha256sum -c --status || { echo "web deps: $1 does not match its Debian .dsc SHA-256" >&2; exit 1; }
}

# Checksums-Sha256 of jansson_2.14-2.dsc and nlopt_2.7.1-5.dsc.
fetch jansson_2.14.orig.tar.gz "$POOL/j/jansson/jansson_2.14.orig.tar.gz" \
    c739578bf6b764aa0752db9a2fdadcfe921c78f1228c7ec0bb47fa804c55d17b
fetch nlopt_2.7.1.orig.tar.gz "$POOL/n/nlopt/nlopt_2.7.1.orig.tar.gz" \
    db88232fa5cef0ff6e39943fc63ab6074208831dc0031cf1545f6ecd31ae2a1a

rm -rf "$DIR/src/jansson-2.14" "$DIR/src/nlopt-2.7.1" "$DIR/build-jansson" "$DIR/build-nlopt"
tar -xzf "$DIR/src/jansson_2.14.orig.tar.gz" -C "$DIR/src"
tar -xzf "$DIR/src/nlopt_2.7.1.orig.tar.gz" -C "$DIR/src"

emcmake cmake -S "$DIR/src/jansson-2.14" -B "$DIR/build-jansson" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$DIR" -DJANSSON_BUILD_DOCS=OFF -DJANSSON_EXAMPLES=OFF -DJANSSON_WITHOUT_TESTS=ON \
    -DJANSSON_BUILD_SHARED_LIBS=OFF >/dev/null
cmake --build "$DIR/build-jansson" -j 2 >/dev/null
cmake --install "$DIR/build-jansson" >/dev/null

emcmake cmake -S "$DIR/src/nlopt-2.7.1" -B "$DIR/build-nlopt" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$DIR" -DBUILD_SHARED_LIBS=OFF -DNLOPT_CXX=OFF -DNLOPT_PYTHON=OFF -DNLOPT_OCTAVE=OFF \
    -DNLOPT_MATLAB=OFF -DNLOPT_GUILE=OFF -DNLOPT_SWIG=OFF -DNLOPT_FORTRAN=OFF -DNLOPT_TESTS=OFF >/dev/null
cmake --build "$DIR/build-nlopt" -j 2 >/dev/null
cmake --install "$DIR/build-nlopt" >/dev/null
# Some installs put the archives under lib64 or lib/; make both names findable in DIR/lib.
for a in libjansson.a libnlopt.a; do
    [ -f "$DIR/lib/$a" ] || cp "$(find "$DIR" -name "$a" -not -path '*/build-*' | head -1)" "$DIR/lib/$a"
done
echo "web deps: jansson 2.14 and NLopt 2.7.1 built for wasm in $DIR"
