// Verifying an evidence record (RFC 4998 5.3, RFC 6283 5.3) against its data objects.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ers/record.hpp"
#include "ltsign/report.hpp"
#include "ltsign/verify.hpp"

namespace ltsign::ers {

// A protected document: a file, digests already known, or both.
struct DataObject {
    std::string name;
    std::optional<std::filesystem::path> file;
    std::map<int, Bytes> digests;  // by digest NID

    // The object's digest with `md`: a known one, else the file streamed; nullopt if neither.
    std::optional<Bytes> digest(const EVP_MD* md);
    // RFC 6283 3.2.1 (XML records): an XML document is hashed in canonical form by the chain's
    // CanonicalizationMethod. nullopt when the object is not a parseable XML file.
    std::optional<Bytes> canonical_digest(const EVP_MD* md, const std::string& c14n);
};

std::vector<DataObject> data_objects(const VerifyOptions& options);

// One entry of type "evidence-record" with one time-stamp entry per ArchiveTimeStamp, oldest
// first. Each time-stamp is validated at the time of the next one (its proof of existence), the
// last one at `at`.
SignatureReport verify_record(const EvidenceRecord& record, std::vector<DataObject>& objects,
                              const ValidationContext& context, TimePoint at);

}  // namespace ltsign::ers
