#!/usr/bin/env python3
"""The C API from Python (ctypes, standard library only), against an installed libltsign:
capi.py LIBLTSIGN.so P12 PASSWORD ROOT.pem WORKDIR

Signs a document, verifies it, reads the JSON report, verifies a tampered copy (in Swedish, to
show the language switch reaches the library), and frees every handle. Exit 0 when all holds."""
import ctypes
import json
import pathlib
import sys


def load(path):
    lib = ctypes.CDLL(path)
    P = ctypes.c_void_p
    lib.ltsign_version.restype = ctypes.c_char_p
    lib.ltsign_last_error.restype = ctypes.c_char_p
    lib.ltsign_set_language.argtypes = [ctypes.c_char_p]
    lib.ltsign_signer_from_pkcs12.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(P)]
    lib.ltsign_signer_free.argtypes = [P]
    lib.ltsign_context_new.argtypes = [ctypes.POINTER(P)]
    lib.ltsign_context_add_trust.argtypes = [P, ctypes.c_char_p]
    lib.ltsign_context_set_offline.argtypes = [P, ctypes.c_int]
    lib.ltsign_context_set_time.argtypes = [P, ctypes.c_char_p]
    lib.ltsign_context_free.argtypes = [P]
    lib.ltsign_sign.argtypes = [P, P, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p,
                                ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(P)]
    lib.ltsign_verify.argtypes = [P, ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(P)]
    lib.ltsign_result_json.argtypes = [P]
    lib.ltsign_result_json.restype = ctypes.c_char_p
    # A malloc'd string: kept as a pointer so that it can be given back to ltsign_string_free.
    lib.ltsign_result_text.argtypes = [P]
    lib.ltsign_result_text.restype = P
    lib.ltsign_string_free.argtypes = [P]
    lib.ltsign_result_indication.argtypes = [P]
    lib.ltsign_result_free.argtypes = [P]
    return lib


def main(argv):
    if len(argv) != 6:
        print(__doc__, file=sys.stderr)
        return 64
    lib = load(argv[1])
    p12, password, root, work = argv[2].encode(), argv[3].encode(), argv[4].encode(), pathlib.Path(argv[5])
    document = work / "delegationsbeslut.txt"
    document.write_text("Delegationsbeslut 2026:7\n", encoding="utf-8")
    signature = work / "delegationsbeslut.txt.p7s"

    def check(status, what):
        if status != 0:
            raise SystemExit(f"capi.py: {what}: status {status}: {lib.ltsign_last_error().decode()}")

    signer, context = ctypes.c_void_p(), ctypes.c_void_p()
    results = []
    try:
        status = lib.ltsign_signer_from_pkcs12(p12, b"not the password", ctypes.byref(signer))
        if status != 77 or signer.value is not None or not lib.ltsign_last_error():
            raise SystemExit(f"capi.py: a wrong password gave {status}, not 77 with a message")
        check(lib.ltsign_signer_from_pkcs12(p12, password, ctypes.byref(signer)), "signer")
        made = ctypes.c_void_p()
        check(lib.ltsign_sign(signer, None, str(document).encode(), str(signature).encode(),
                              b"cades", b"B", None, ctypes.byref(made)), "sign")
        results.append(made)
        check(lib.ltsign_context_new(ctypes.byref(context)), "context")
        check(lib.ltsign_context_add_trust(context, root), "trust")
        check(lib.ltsign_context_set_offline(context, 1), "offline")
        check(lib.ltsign_context_set_time(context, b"2026-06-01T00:00:00Z"), "time")

        good = ctypes.c_void_p()
        check(lib.ltsign_verify(context, str(signature).encode(), str(document).encode(),
                                ctypes.byref(good)), "verify")
        results.append(good)
        report = json.loads(lib.ltsign_result_json(good).decode("utf-8"))
        entry = report["files"][0]["signatures"][0]
        if report["summary"]["passed"] != 1 or entry["indication"] != "TOTAL_PASSED":
            raise SystemExit(f"capi.py: the signature did not pass: {report}")

        check(lib.ltsign_set_language(b"sv"), "language")
        with document.open("a", encoding="utf-8") as f:
            f.write("ändrad i efterhand\n")
        bad = ctypes.c_void_p()
        check(lib.ltsign_verify(context, str(signature).encode(), str(document).encode(),
                                ctypes.byref(bad)), "verify tampered")
        results.append(bad)
        report = json.loads(lib.ltsign_result_json(bad).decode("utf-8"))
        text_ptr = lib.ltsign_result_text(bad)
        text = ctypes.string_at(text_ptr).decode("utf-8")
        lib.ltsign_string_free(text_ptr)
        print(text, end="")
        # Codes and field names stay English; the sentences are Swedish.
        if lib.ltsign_result_indication(bad) != 1 or report["files"][0]["subIndication"] != "HASH_FAILURE":
            raise SystemExit(f"capi.py: tampering was not found: {report}")
        if "ändrats" not in report["files"][0]["signatures"][0]["explanation"]:
            raise SystemExit("capi.py: the explanation is not in Swedish: " +
                             report["files"][0]["signatures"][0]["explanation"])
        print(f"capi.py: ltsign {lib.ltsign_version().decode()}: passed, tampered copy failed")
        return 0
    finally:
        for r in results:
            lib.ltsign_result_free(r)
        lib.ltsign_context_free(context)
        lib.ltsign_signer_free(signer)
        lib.ltsign_set_language(b"en")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
