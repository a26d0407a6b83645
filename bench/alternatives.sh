#!/usr/bin/env bash
# Whole-command figures, ltsign against the tools an archive would otherwise use:
#   1. hashing a large file: ltsign timestamp's digest path vs sha256sum and openssl dgst
#   2. sealing N documents with one time-stamp (local TSA) vs N separate `openssl ts` requests
#   3. verifying N CAdES signatures in one call vs N `openssl cms -verify` calls
# Usage: bench/alternatives.sh [N] [SIZE_MiB]   (after scripts/setup)
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
size="${2:-1024}"
ltsign=build/default/tools/ltsign/ltsign
pki=build/default/tests/pki
[ -f "$pki/tsa.p12" ] || build/default/tests/make_test_pki "$pki" >/dev/null
work=$(mktemp -d)
trap 'kill $tsa_pid 2>/dev/null || true; rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc; }

export LTSIGN_TSA_PASS=test-password LTSIGN_TEST_PASS=test-password
"$ltsign" tsa --key "$pki/tsa.p12" --pass-env LTSIGN_TSA_PASS --listen 127.0.0.1:0 --serial-file "$work/serial" \
  > "$work/tsa.out" 2>/dev/null &
tsa_pid=$!
sleep 0.5
url=$(sed -n 's/.*\(http:[^ ]*\).*/\1/p' "$work/tsa.out")

echo "== 1. hashing a ${size} MiB file (page cache warm)"
head -c $((size << 20)) /dev/urandom > "$work/big.bin"
sha256sum "$work/big.bin" >/dev/null
t0=$(now); sha256sum "$work/big.bin" >/dev/null; t1=$(now)
echo "sha256sum:            $(secs $t0 $t1) s"
t0=$(now); openssl dgst -sha256 "$work/big.bin" >/dev/null; t1=$(now)
echo "openssl dgst -sha256: $(secs $t0 $t1) s"
t0=$(now); "$ltsign" timestamp "$work/big.bin" --tsa "$url" -o "$work/big.tst" >/dev/null; t1=$(now)
echo "ltsign timestamp:     $(secs $t0 $t1) s (hash + TSA round trip)"

echo "== 2. sealing $n documents"
mkdir -p "$work/docs"
for i in $(seq 1 "$n"); do echo "document $i" > "$work/docs/d$i.txt"; done
t0=$(now); "$ltsign" seal "$work/docs" --tsa "$url" -o "$work/ers" >/dev/null; t1=$(now)
echo "ltsign seal (1 TSA request):      $(secs $t0 $t1) s"
m=$(( n < 200 ? n : 200 ))
t0=$(now)
for i in $(seq 1 "$m"); do
  openssl ts -query -data "$work/docs/d$i.txt" -sha256 -cert -out "$work/q.tsq" 2>/dev/null
  curl -s --data-binary @"$work/q.tsq" -H 'Content-Type: application/timestamp-query' "$url" -o "$work/r$i.tsr"
done
t1=$(now)
echo "openssl ts + curl, $m requests:   $(secs $t0 $t1) s (one token per document)"
t0=$(now); "$ltsign" verify "$work/ers" --data "$work/docs" --trust "$pki/root.pem" >/dev/null; t1=$(now)
echo "ltsign verify of $n records:      $(secs $t0 $t1) s"

echo "== 3. verifying $m CAdES signatures"
mkdir -p "$work/sdocs"; for i in $(seq 1 "$m"); do cp "$work/docs/d$i.txt" "$work/sdocs/"; done
"$ltsign" sign "$work/sdocs" --key "$pki/ec.p12" --pass-env LTSIGN_TEST_PASS -o "$work/sigs" >/dev/null
t0=$(now); "$ltsign" verify "$work/sigs" --data "$work/sdocs" --trust "$pki/root.pem" >/dev/null; t1=$(now)
echo "ltsign verify (one call):         $(secs $t0 $t1) s"
t0=$(now)
for i in $(seq 1 "$m"); do
  openssl cms -verify -binary -inform DER -in "$work/sigs/d$i.txt.p7s" -content "$work/sdocs/d$i.txt" \
    -CAfile "$pki/root.pem" -purpose any -out /dev/null 2>/dev/null
done
t1=$(now)
echo "openssl cms -verify ($m calls):   $(secs $t0 $t1) s"
