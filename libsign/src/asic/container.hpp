// ASiC containers (ETSI EN 319 162-1): what a checked ZIP archive holds as a container: its type
// (from "mimetype"), the role of each entry by its name, the data objects, and the ASiCManifest
// files that say which entries a CAdES signature, a time-stamp or an evidence record covers.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "asic/zip_archive.hpp"
#include "ltsign/verdict.hpp"
#include "validation/data_object.hpp"

namespace ltsign::asic {

enum class Kind { asic_s, asic_e };

inline constexpr const char* k_mimetype_s = "application/vnd.etsi.asic-s+zip";
inline constexpr const char* k_mimetype_e = "application/vnd.etsi.asic-e+zip";
const char* mimetype_of(Kind kind);

// EN 319 162-1 4.3 (ASiC-S) and 4.4 (ASiC-E): what an entry is, told by its name.
enum class Role {
    mimetype,
    folder,
    data,              // a data object: outside META-INF
    xades,             // META-INF/*signatures*.xml
    cades,             // META-INF/*signature*.p7s
    timestamp,         // META-INF/*timestamp*.tst
    evidence_record,   // META-INF/*evidencerecord*.ers|.xml
    manifest,          // META-INF/ASiCManifest*.xml
    archive_manifest,  // META-INF/ASiCArchiveManifest*.xml
    record_manifest,   // META-INF/ASiCEvidenceRecordManifest*.xml
    other,             // anything else in META-INF (manifest.xml, container.xml, metadata.xml)
};
Role role_of(const std::string& name);

class Container {
  public:
    // Opens and checks `file`: the ZIP (zip_archive.hpp), a "mimetype" entry naming ASiC-S or
    // ASiC-E, and the structure that type requires (ASiC-S: one data object, in the root).
    // Error(malformed_input) naming what is wrong.
    static Container open(const std::filesystem::path& file, const std::string& what,
                          const Limits& limits = {});

    Kind kind() const { return m_kind; }
    const ZipArchive& zip() const { return *m_zip; }
    const std::shared_ptr<const ZipArchive>& zip_ptr() const { return m_zip; }
    const std::string& what() const { return m_zip->what(); }
    // How the archive departs from EN 319 162-1 A.1 without being unreadable ("mimetype" not
    // first, compressed, or with an extra field): DSS and libdigidocpp accept such containers,
    // so they are notes, not failures.
    const std::vector<Note>& notes() const { return m_notes; }

    std::vector<const ZipEntry*> entries_of(Role role) const;
    // An entry as a data object: its name, its content streamed from the archive. One object per
    // entry, however often it is asked for: its digest is computed once per algorithm, whatever
    // references (a manifest no signature protects can repeat one thousands of times) name it.
    validation::DataObject object(const ZipEntry& entry) const;
    // Every data object of the container, in archive order.
    validation::DataObjects data_objects() const;

  private:
    std::shared_ptr<const ZipArchive> m_zip;
    Kind m_kind = Kind::asic_e;
    std::vector<Note> m_notes;
    struct Objects {
        std::mutex mutex;
        std::map<std::uint64_t, validation::DataObject> by_index;
    };
    std::shared_ptr<Objects> m_objects = std::make_shared<Objects>();
};

// ASiCManifest (EN 319 162-1 A.5), also as ASiCArchiveManifest and ASiCEvidenceRecordManifest:
// the signature, time-stamp or record it belongs to (SigReference), and the entries it covers with
// their digests (DataObjectReference).
struct ManifestReference {
    std::string uri;
    std::string mime_type;
    std::string digest_algorithm;  // "sha256", ...; empty when the DigestMethod is unknown
    core::Bytes digest;
};
struct Manifest {
    std::string signature_uri;
    std::vector<ManifestReference> references;
};
// Error(malformed_input) naming `what` when it is not an ASiCManifest (checked against the
// standard's schema when it is installed).
Manifest parse_manifest(std::span<const unsigned char> bytes, const std::string& what);
// The XML of a manifest; each reference's digest is computed with `digest` ("sha256", ...).
core::Bytes write_manifest(const std::string& signature_uri, const std::string& signature_mime,
                           const validation::DataObjects& covered, const std::string& digest);

// The entry name a manifest or signature reference's URI means (percent-decoded, "./" removed).
std::string entry_name_of(const std::string& uri);

// The first free name "META-INF/<prefix>NNN<suffix>" (001, 002, ...) in `zip` (null: none taken).
std::string free_name(const ZipArchive* zip, const std::vector<std::string>& also_taken,
                      const std::string& prefix, const std::string& suffix);

}  // namespace ltsign::asic
