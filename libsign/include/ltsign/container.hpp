// ASiC containers (ETSI EN 319 162-1): documents and their signatures, time-stamps and evidence
// records in one ZIP file. verify_file and inspect_file read containers like any signature file;
// these calls make and change them. Containers are streamed: a document of many gigabytes is
// never held in memory, and every output is written atomically (nothing half-written is ever
// seen, an existing file is replaced only when asked).
#pragma once

#include "ltsign/export.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include "ltsign/evidence.hpp"
#include "ltsign/report.hpp"
#include "ltsign/sign.hpp"

namespace ltsign {

enum class ContainerType {
    asic_s,  // one document (EN 319 162-1 4.3): .asics
    asic_e,  // any number of documents (4.4): .asice
};

struct LTSIGN_API ContainerOptions {
    ContainerType type = ContainerType::asic_e;
    // The signature inside: Format::xades (META-INF/signatures*.xml, one reference per document)
    // or Format::cades (META-INF/signature*.p7s; in ASiC-E over an ASiCManifest).
    Format signature = Format::xades;
    bool overwrite = false;  // replace an existing output (atomically)
};

// Whether `file` starts like a ZIP archive (what an ASiC container is).
LTSIGN_API bool is_container(const std::filesystem::path& file);

// Signs `files` into a new container at `target`: ASiC-E holds each file under its name (names
// must differ, also after Unicode normalisation), ASiC-S exactly one. `options` as sign_file
// (its format and packaging are not used). Levels LT and LTA need `long_term` (the trust anchors
// that validate the new signature: extend_container raises it before it is put in place). The
// container is checked to verify before it is put in place. Error(usage) for what the container
// type cannot hold, Error as for sign_file otherwise.
LTSIGN_API void sign_container(const std::vector<std::filesystem::path>& files,
                               const std::filesystem::path& target, const Signer& signer,
                               const SignOptions& options, const ContainerOptions& container,
                               const ValidationContext* long_term = nullptr);

// Adds one more signature to an existing container and writes the result to `target` (which may
// be `container` itself when container.overwrite is set): ASiC-E gets a new signature over all
// its documents beside the others, ASiC-S with XAdES a second ds:Signature in signatures.xml.
// What was signed before is not touched, so earlier signatures keep verifying. Error(usage) for
// an ASiC-S that holds a CAdES signature or only a time-stamp (it has room for one).
LTSIGN_API void add_container_signature(const std::filesystem::path& container,
                                        const std::filesystem::path& target, const Signer& signer,
                                        const SignOptions& options, const ContainerOptions& how);

// An ASiC-S at `target` holding `file` (which may itself be a container: wrapping an old one to
// renew it, as archives do) and META-INF/timestamp.tst over it from `tsa`.
LTSIGN_API void timestamp_container(const std::filesystem::path& file,
                                    const std::filesystem::path& target, const TsaClient& tsa,
                                    bool overwrite);

struct LTSIGN_API ContainerExtendResult {
    bool written = false;
    std::string refusal;            // why nothing was written, when it was refused
    bool already_at_level = false;  // as ExtendResult::already_at_level: nothing written
    FileReport before;              // the container's verdict before
    FileReport after;               // and after (when written)
};

// Raises every signature in `container` to options.level (T, LT, LTA; extending LTA again
// renews): XAdES and CAdES signatures in place (their validation data and archive time-stamps
// inside the signature, over the container's documents); a container that holds only a
// time-stamp gets an ASiCArchiveManifest and a new time-stamp over it (EN 319 162-1), each
// renewal covering the earlier ones. Refused (nothing written, `refusal` says why) as
// extend_signature refuses. options.data is not used: the documents are the container's.
LTSIGN_API ContainerExtendResult extend_container(const std::filesystem::path& container,
                                                  const std::filesystem::path& target,
                                                  const ExtendOptions& options,
                                                  const ValidationContext& context, bool overwrite);

// One evidence record (RFC 4998 DER, or RFC 6283 XML by options.format) over the container's
// documents, written into a copy at `target` as META-INF/evidencerecord.ers (.xml), with an
// ASiCEvidenceRecordManifest listing them in an ASiC-E. Returns the time-stamp's time.
LTSIGN_API TimePoint seal_container(const std::filesystem::path& container,
                                    const std::filesystem::path& target,
                                    const SealOptions& options);

}  // namespace ltsign
