/* ltsign C API (C99): long-term archival signatures for platforms that call C (Java FFM/JNA,
 * .NET P/Invoke, Python ctypes, Go cgo, ...). It wraps the same operations the ltsign command
 * line runs (libsign ops: sign, verify, timestamp, seal, extend) and returns their reports as
 * the JSON of the CLI contract (docs/cli.md, schemas/verify-report.schema.json).
 *
 * Ownership, in one rule: every object a function hands out through an `out` pointer belongs to
 * the caller and is released with the matching *_free function (ltsign_signer_free,
 * ltsign_context_free, ltsign_result_free, ltsign_string_free); each *_free accepts NULL.
 * Strings returned as `const char*` by an accessor (ltsign_result_json, ltsign_version,
 * ltsign_last_error) belong to the object or to the library and stay valid until that object is
 * freed (or, for ltsign_last_error, until the next ltsign call on the same thread). Strings
 * passed in are copied when kept; the caller may free them when the call returns.
 *
 * Errors: every function that can fail returns an ltsign_status: LTSIGN_OK (0), or a code whose
 * value is the CLI's exit status for the same failure (sysexits.h names: 64 usage, 65 malformed
 * input, 66 input missing, 69 service unavailable, 70 internal, 73 cannot create output, 74 I/O,
 * 77 key or password refused). ltsign_last_error() gives the one-line message of the last
 * failure on the calling thread. On failure no `out` object is made (*out is set to NULL) and no
 * output file is left behind. A verification that finds a signature invalid is not a failure:
 * the result says so (ltsign_result_indication).
 *
 * Threads: handles may be used from several threads for reading (a signer signing, a context
 * verifying) but not changed (ltsign_context_add_trust, ...) while in use elsewhere.
 *
 * ABI: only these functions and the opaque handles are exported; no structure layout is part of
 * the ABI. scripts/abi-check compares the library with the last release (docs/architecture.md). */
#ifndef LTSIGN_LTSIGN_H
#define LTSIGN_LTSIGN_H

#include <stddef.h>

#if defined(_WIN32)
#define LTSIGN_C_API
#else
#define LTSIGN_C_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ltsign_status {
    LTSIGN_OK = 0,
    LTSIGN_ERR_USAGE = 64,
    LTSIGN_ERR_MALFORMED_INPUT = 65,
    LTSIGN_ERR_INPUT_MISSING = 66,
    LTSIGN_ERR_SERVICE_UNAVAILABLE = 69,
    LTSIGN_ERR_INTERNAL = 70,
    LTSIGN_ERR_CANNOT_CREATE_OUTPUT = 73,
    LTSIGN_ERR_IO = 74,
    LTSIGN_ERR_KEY_REFUSED = 77
} ltsign_status;

/* ETSI EN 319 102-1 main indications. */
typedef enum ltsign_indication {
    LTSIGN_TOTAL_PASSED = 0,
    LTSIGN_TOTAL_FAILED = 1,
    LTSIGN_INDETERMINATE = 2
} ltsign_indication;

typedef struct ltsign_signer ltsign_signer;   /* a private key, its certificate and chain */
typedef struct ltsign_context ltsign_context; /* trust anchors, validation time, policy */
typedef struct ltsign_result ltsign_result;   /* a report: JSON of the CLI contract */

/* The library's version ("0.1.0"); owned by the library. */
LTSIGN_C_API const char* ltsign_version(void);
/* The message of the last failure on this thread ("" when none); valid until the next call. */
LTSIGN_C_API const char* ltsign_last_error(void);
/* The language of the sentences in reports and error messages: "en" (default) or "sv".
 * LTSIGN_ERR_USAGE for another. Process-wide; set it before starting work on other threads. */
LTSIGN_C_API ltsign_status ltsign_set_language(const char* language);
/* Frees a string the library allocated for the caller (ltsign_result_text). NULL is ignored. */
LTSIGN_C_API void ltsign_string_free(char* text);

/* Signers. `password` may be NULL for an unencrypted PEM key. */
LTSIGN_C_API ltsign_status ltsign_signer_from_pkcs12(const char* file, const char* password,
                                                     ltsign_signer** out);
LTSIGN_C_API ltsign_status ltsign_signer_from_pem(const char* key_file, const char* cert_file,
                                                  const char* password, ltsign_signer** out);
LTSIGN_C_API void ltsign_signer_free(ltsign_signer* signer);

/* Validation contexts: nothing is trusted until anchors are added. */
LTSIGN_C_API ltsign_status ltsign_context_new(ltsign_context** out);
/* A PEM file with one or more certificates, or a folder of them. */
LTSIGN_C_API ltsign_status ltsign_context_add_trust(ltsign_context* context,
                                                    const char* file_or_dir);
/* Further untrusted certificates that may complete a chain (intermediates). */
LTSIGN_C_API ltsign_status ltsign_context_add_certificates(ltsign_context* context,
                                                           const char* file_or_dir);
LTSIGN_C_API ltsign_status ltsign_context_add_crl(ltsign_context* context, const char* file);
/* Validation time as RFC 3339 ("2026-01-01T00:00:00Z"); NULL: now. */
LTSIGN_C_API ltsign_status ltsign_context_set_time(ltsign_context* context, const char* rfc3339);
/* Nonzero: fetch nothing over the network (embedded data and CRL files only). */
LTSIGN_C_API ltsign_status ltsign_context_set_offline(ltsign_context* context, int offline);
LTSIGN_C_API void ltsign_context_free(ltsign_context* context);

/* Signs `document` into `output` (a new file; an existing one is refused).
 * format: "cades" (default when NULL), "xades" or "pades"; level: "B" (default when NULL), "T",
 * "LT" or "LTA"; tsa_url: needed from T on; context: needed for LT and LTA (the validation data
 * embedded is what validating with it found), else may be NULL. `json_out`, when not NULL,
 * receives the CLI's `sign --json` document (free with ltsign_result_free). */
LTSIGN_C_API ltsign_status ltsign_sign(const ltsign_signer* signer, const ltsign_context* context,
                                       const char* document, const char* output, const char* format,
                                       const char* level, const char* tsa_url,
                                       ltsign_result** json_out);

/* Verifies a signature, time-stamp token or evidence record; `data` is the detached document or
 * NULL. The result holds the CLI's `verify --json` report. Failing signatures are results, not
 * errors: LTSIGN_OK is returned with the verdict inside. */
LTSIGN_C_API ltsign_status ltsign_verify(const ltsign_context* context, const char* file,
                                         const char* data, ltsign_result** out);

/* An RFC 3161 time-stamp token (DER) over `file` from `tsa_url`, written to `output`. */
LTSIGN_C_API ltsign_status ltsign_timestamp(const char* file, const char* tsa_url,
                                            const char* output, ltsign_result** json_out);

/* Seals `count` files or folders with one time-stamp: an evidence record per document in
 * `out_dir`, plus manifest.json and its record. format: "asn1" (default when NULL) or "xml". */
LTSIGN_C_API ltsign_status ltsign_seal(const char* const* inputs, size_t count, const char* out_dir,
                                       const char* tsa_url, const char* format,
                                       ltsign_result** json_out);

/* Raises a CAdES or XAdES signature to `level` ("T", "LT", "LTA"; LTA again renews) into
 * `output`. `data`: the detached document or NULL. A signature that does not validate is not
 * extended: LTSIGN_ERR_USAGE with the reason. */
LTSIGN_C_API ltsign_status ltsign_extend(const ltsign_context* context, const char* signature,
                                         const char* data, const char* level, const char* tsa_url,
                                         const char* output, ltsign_result** json_out);

/* A result's JSON document; owned by the result. */
LTSIGN_C_API const char* ltsign_result_json(const ltsign_result* result);
/* The text report for people (verify results; the one-line summary otherwise), in the language
 * set; the caller frees it with ltsign_string_free. NULL if out of memory. */
LTSIGN_C_API char* ltsign_result_text(const ltsign_result* result);
/* The overall indication (verify: the worst of all files; other operations: TOTAL_PASSED). */
LTSIGN_C_API ltsign_indication ltsign_result_indication(const ltsign_result* result);
/* The CLI's exit status for this result: 0 passed, 1 failed, 2 indeterminate. */
LTSIGN_C_API int ltsign_result_exit_code(const ltsign_result* result);
LTSIGN_C_API void ltsign_result_free(ltsign_result* result);

#ifdef __cplusplus
}
#endif

#endif /* LTSIGN_LTSIGN_H */
