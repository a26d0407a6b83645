/* Signs and verifies with the installed C API: consumer_c P12 PASSWORD ROOT.pem WORKDIR
 * Exit 0 when the signature verifies as TOTAL_PASSED, the tampered copy as TOTAL_FAILED, the
 * JSON reports say so, errors come back as codes with a message, and every handle is freed
 * (the test builds this under AddressSanitizer, whose leak check fails the run otherwise). */
#include <ltsign/ltsign.h>

#include <stdio.h>
#include <string.h>

static int fail(const char* what, ltsign_status status) {
    fprintf(stderr, "consumer_c: %s: status %d: %s\n", what, (int)status, ltsign_last_error());
    return 1;
}

static int write_file(const char* path, const char* mode, const char* text) {
    FILE* f = fopen(path, mode);
    if (f == NULL) return 1;
    fputs(text, f);
    return fclose(f) != 0;
}

int main(int argc, char** argv) {
    char document[4096], signature[4096];
    ltsign_signer* signer = NULL;
    ltsign_context* context = NULL;
    ltsign_result* signed_json = NULL;
    ltsign_result* good = NULL;
    ltsign_result* bad = NULL;
    ltsign_status s;
    char* text;
    int rc = 1;
    if (argc != 5) return 64;
    snprintf(document, sizeof document, "%s/protokoll.txt", argv[4]);
    snprintf(signature, sizeof signature, "%s/protokoll.txt.p7s", argv[4]);
    if (write_file(document, "w", "Protokoll, sammanträde 2026-03-01\n")) return 74;

    /* Errors are codes plus a message, and make nothing. */
    s = ltsign_signer_from_pkcs12(argv[1], "wrong password", &signer);
    if (s != LTSIGN_ERR_KEY_REFUSED || signer != NULL || ltsign_last_error()[0] == '\0')
        return fail("a wrong password was not refused as 77", s);
    s = ltsign_verify(NULL, signature, document, &good);
    if (s != LTSIGN_ERR_USAGE || good != NULL) return fail("a NULL context was not refused", s);

    if ((s = ltsign_signer_from_pkcs12(argv[1], argv[2], &signer)) != LTSIGN_OK)
        return fail("signer", s);
    if ((s = ltsign_sign(signer, NULL, document, signature, "cades", "B", NULL, &signed_json)) !=
        LTSIGN_OK) {
        rc = fail("sign", s);
        goto out;
    }
    if (strstr(ltsign_result_json(signed_json), "\"command\": \"sign\"") == NULL) {
        fprintf(stderr, "consumer_c: sign JSON: %s\n", ltsign_result_json(signed_json));
        goto out;
    }
    if ((s = ltsign_context_new(&context)) != LTSIGN_OK ||
        (s = ltsign_context_add_trust(context, argv[3])) != LTSIGN_OK ||
        (s = ltsign_context_set_offline(context, 1)) != LTSIGN_OK ||
        (s = ltsign_context_set_time(context, "2026-06-01T00:00:00Z")) != LTSIGN_OK) {
        rc = fail("context", s);
        goto out;
    }
    if ((s = ltsign_verify(context, signature, document, &good)) != LTSIGN_OK) {
        rc = fail("verify", s);
        goto out;
    }
    if (write_file(document, "a", "ändrad\n")) goto out;
    if ((s = ltsign_verify(context, signature, document, &bad)) != LTSIGN_OK) {
        rc = fail("verify tampered", s);
        goto out;
    }
    text = ltsign_result_text(bad);
    printf("%s", text != NULL ? text : "");
    ltsign_string_free(text);
    if (ltsign_result_indication(good) != LTSIGN_TOTAL_PASSED ||
        ltsign_result_exit_code(good) != 0 ||
        strstr(ltsign_result_json(good), "\"indication\": \"TOTAL_PASSED\"") == NULL) {
        fprintf(stderr, "consumer_c: the signature did not pass:\n%s", ltsign_result_json(good));
        goto out;
    }
    if (ltsign_result_indication(bad) != LTSIGN_TOTAL_FAILED ||
        ltsign_result_exit_code(bad) != 1 ||
        strstr(ltsign_result_json(bad), "\"subIndication\": \"HASH_FAILURE\"") == NULL) {
        fprintf(stderr, "consumer_c: tampering was not found:\n%s", ltsign_result_json(bad));
        goto out;
    }
    printf("consumer_c: ltsign %s: TOTAL_PASSED, after tampering TOTAL_FAILED/HASH_FAILURE\n",
           ltsign_version());
    rc = 0;
out:
    ltsign_result_free(bad);
    ltsign_result_free(good);
    ltsign_result_free(signed_json);
    ltsign_context_free(context);
    ltsign_signer_free(signer);
    return rc;
}
