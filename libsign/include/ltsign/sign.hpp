// Creating signatures.
#pragma once

#include "ltsign/export.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ltsign/digest.hpp"
#include "ltsign/signer.hpp"
#include "ltsign/time.hpp"
#include "ltsign/timestamp.hpp"
#include "ltsign/verify.hpp"

namespace ltsign {

// pades: the signature goes into the PDF itself (ETSI.CAdES.detached, EN 319 142-1), as an
// incremental update that leaves the bytes of the original untouched.
enum class Format { cades, xades, pades };
// Where the signature and the document meet: detached (the document stays a separate file),
// enveloped (XAdES only: the signature inside the signed XML document), enveloping (XAdES only:
// the document inside the signature).
enum class Packaging { detached, enveloped, enveloping };
// B-LT adds the validation data (certificates, OCSP responses, CRLs) of the signer and of every
// time-stamp; B-LTA adds an archive time-stamp over all of it, and extending B-LTA again renews.
// ers (extend only) embeds an evidence record over the signature (EN 319 122-3 CAdES-E-ERS):
// a proof of existence that later renewals of the record keep, independent of the signature's
// own time-stamps.
enum class Level { b, t, lt, lta, ers };
enum class RsaPadding { pkcs1_v15, pss };

struct LTSIGN_API SignOptions {
    Format format = Format::cades;
    Packaging packaging = Packaging::detached;
    Level level = Level::b;
    DigestAlgorithm digest = DigestAlgorithm::sha256;
    RsaPadding rsa_padding = RsaPadding::pkcs1_v15;
    // The signing-time attribute and the certificate validity check use this time; empty means
    // the system clock. Tests pass a fixed time.
    std::optional<TimePoint> signing_time;
    // Needed for Level::t: the signature-time-stamp (EN 319 122-1 5.3) comes from this TSA.
    std::optional<TsaClient> tsa;
};

// A finished signature, held in memory until saved.
class LTSIGN_API SignedObject {
  public:
    explicit SignedObject(std::vector<std::byte> bytes, std::string extension)
        : m_bytes(std::move(bytes)), m_extension(std::move(extension)) {}

    const std::vector<std::byte>& bytes() const noexcept { return m_bytes; }
    // The conventional file-name extension, with the dot: ".p7s".
    const std::string& extension() const noexcept { return m_extension; }

    // Writes atomically (temporary file in the target folder, fsync, rename). Refuses to replace
    // an existing file unless `overwrite` is set, and a symbolic link always.
    void save(const std::filesystem::path& target, bool overwrite = false) const;

  private:
    std::vector<std::byte> m_bytes;
    std::string m_extension;
};

// Signs one file; the file is streamed, never read whole into memory.
LTSIGN_API SignedObject sign_file(const std::filesystem::path& file, const Signer& signer,
                                  const SignOptions& options);

// Where a batch of signatures goes: one per input file.
struct LTSIGN_API PlannedSignature {
    std::filesystem::path input;
    std::filesystem::path output;
};

// Signs every planned file, in the plan's order, on `jobs` threads (0: one per core; a key in a
// token signs on one thread, its one session being shared). `done` is called after each
// signature, one call at a time, from any of the threads. The first failure stops the batch and
// is thrown; nothing is written (save_all writes).
LTSIGN_API std::vector<SignedObject> sign_files(
    const std::vector<PlannedSignature>& plan, const Signer& signer, const SignOptions& options,
    unsigned jobs = 0, const std::function<void(const PlannedSignature&)>& done = {});

// Plans signing `inputs` (files, or folders walked recursively) into `out`. One file given
// directly and `out` not a folder (nor ending in '/'): `out` is the signature. Otherwise `out` is
// a folder and each signature is out/<path below the folder given, or the file's name><extension
// of options.format>, named lexically (a linked input keeps its link's name; links to folders
// are not followed). The output folder, and signatures (.p7s, .xades.xml) that lie in the walked
// folders because `out` is at or above them, are never inputs.
// Throws Error(usage) when two inputs would share an output, Error(input_missing) for an input
// that cannot be read (e.g. a link that loops), Error(cannot_create_output) when an output is a
// symbolic link or lies below one inside `out`; all before anything is written.
LTSIGN_API std::vector<PlannedSignature> plan_signatures(
    const std::vector<std::filesystem::path>& inputs, const std::filesystem::path& out,
    const SignOptions& options);

// Saves a batch all or none: every signature is first written beside its target under a
// temporary name, then all are moved into place; if any step fails every target is left as it
// was, replaced files included, and folders made for the batch are removed. Refuses existing
// targets unless `overwrite`, and a target that is a symbolic link always.
LTSIGN_API void save_all(const std::vector<SignedObject>& signatures,
                         const std::vector<std::filesystem::path>& targets, bool overwrite);

// sign_files and save_all in one pass for a batch that needs nothing done between them: each
// signature is made on the thread that writes it (`jobs` threads as sign_files), so signing and
// file creation overlap, and none is held after it is written. The same guarantees as save_all:
// all or none, existing targets refused (checked before anything is signed) unless `overwrite`.
LTSIGN_API void sign_and_save(const std::vector<PlannedSignature>& plan, const Signer& signer,
                              const SignOptions& options, bool overwrite, unsigned jobs = 0,
                              const std::function<void(const PlannedSignature&)>& done = {});

// Raises an existing CAdES signature to level T (a signature-time-stamp over each SignerInfo
// that has none). The signed part is untouched; the result is checked to still verify before it
// is returned. Error(usage) when it has one already.
LTSIGN_API SignedObject extend_signature(const std::filesystem::path& signature, Level level,
                                         const TsaClient& tsa);

// Adds a document time-stamp (ETSI.RFC3161, EN 319 142-1 5.4.3) to a PDF, as an incremental
// update over the whole file as it is: proof that the document, and every signature in it, existed
// at that time. Error(malformed_input) when the file is no PDF ltsign can read,
// Error(service_unavailable) when the TSA fails.
LTSIGN_API SignedObject add_document_timestamp(const std::filesystem::path& pdf,
                                               const TsaClient& tsa);

struct LTSIGN_API ExtendOptions {
    Level level = Level::t;
    // The TSA of the signature-time-stamp (T, when missing) and of the archive time-stamp (LTA).
    std::optional<TsaClient> tsa;
    // A detached signature's document: an archive time-stamp covers it.
    std::optional<std::filesystem::path> data;
    // Extend even a signature that does not validate (its verdict is in `before`).
    bool force = false;
};

struct LTSIGN_API ExtendResult {
    // Empty when refused: the signature does not validate now (see `before`) and `force` was not
    // given. A signer certificate that expired after a time-stamp proved the signature is no
    // reason to refuse: the engine validates it at that proof of existence.
    std::optional<SignedObject> signature;
    std::string refusal;
    // Every signature is at the level asked already (T: B-T or more; LT: B-LT or LTA): nothing
    // to do, nothing made, not an error (re-runnable scripts). LTA on LTA always renews.
    bool already_at_level = false;
    FileReport before;  // the input's verdict, validated with the context given
    FileReport after;   // the result's verdict (when made)
};

// Raises a CAdES or XAdES signature to `options.level` (EN 319 122-1, EN 319 132-1):
// T adds a signature-time-stamp where missing; LT adds the certificates and revocation data
// (OCSP responses, CRLs) of the signer's chain and of every time-stamp's TSA chain, as validation
// with `context` found them (so `context` needs the trust anchors, and is online unless the data
// is at hand); LTA does the same, then adds an archive time-stamp over everything, then the
// validation data of that new time-stamp, so the result verifies offline at once. Extending an
// LTA signature to LTA again renews it. The input file is never changed; Error as for
// verify_file, Error(service_unavailable) when the TSA fails.
LTSIGN_API ExtendResult extend_signature(const std::filesystem::path& signature,
                                         const ExtendOptions& options,
                                         const ValidationContext& context);
// The same for a signature in memory (sign_file's result, made at level T); `name` is how
// messages and the report call it.
LTSIGN_API ExtendResult extend_signature(const SignedObject& signature,
                                         const std::filesystem::path& name,
                                         const ExtendOptions& options,
                                         const ValidationContext& context);

}  // namespace ltsign
