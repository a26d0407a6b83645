// ltsign: one error type for everything that stops an operation (DESIGN.md, Verdicts).
// Validation outcomes are values (see report.hpp), never exceptions.
#pragma once

#include "ltsign/export.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace ltsign {

// The values are the process exit codes of the CLI contract (sysexits.h names).
enum class Errc : int {
    usage = 64,                 // EX_USAGE: the call's words are wrong
    malformed_input = 65,       // EX_DATAERR: input is not what it claims to be
    input_missing = 66,         // EX_NOINPUT: an input file does not exist or cannot be opened
    service_unavailable = 69,   // EX_UNAVAILABLE: TSA, OCSP or CRL service failed
    internal = 70,              // EX_SOFTWARE: a bug or an unexpected library failure
    cannot_create_output = 73,  // EX_CANTCREAT
    io = 74,                    // EX_IOERR
    key_refused = 77,           // EX_NOPERM: key or password refused, unusable certificate
};

// What the caller can give or change to get past an error. The library's messages speak of the
// API's terms and never name a command-line option; a front end turns the remedy into its own
// words (the CLI names its options).
enum class Remedy {
    none,
    document,     // the signed document (or the documents of a record) is needed or wrong
    password,     // the key's password is wrong or missing
    certificate,  // the certificate that matches the key
    tsa,          // a time-stamping authority
    digest,       // another digest algorithm
    packaging,    // another packaging (detached, enveloped, enveloping)
    overwrite,    // permission to replace what exists
    serial_file,  // the TSA's serial number file
    tsa_policy,   // the TSA's policy OID
    rsa_padding,  // another RSA padding (PKCS#1 v1.5 instead of PSS)
};

class LTSIGN_API Error : public std::runtime_error {
  public:
    // `causes` are the underlying library messages (the whole OpenSSL error queue), outermost
    // first; `message` is the one line a person reads: what is wrong (and, in the API's terms,
    // what to do).
    Error(Errc code, std::string message, std::vector<std::string> causes = {},
          Remedy remedy = Remedy::none);
    Error(Errc code, std::string message, Remedy remedy);

    Errc code() const noexcept { return m_code; }
    const std::vector<std::string>& causes() const noexcept { return m_causes; }
    int exit_code() const noexcept { return static_cast<int>(m_code); }
    Remedy remedy() const noexcept { return m_remedy; }

  private:
    Errc m_code;
    std::vector<std::string> m_causes;
    Remedy m_remedy = Remedy::none;
};

}  // namespace ltsign
