// ETSI TS 119 612 trusted lists and the list of trusted lists: reading one (hardened parse,
// schema, structure) and judging whether it may be used (its enveloped XML signature by a signer
// the pointing list names, its sequence number, ListIssueDateTime <= time < NextUpdate).
#pragma once

#include <libxml/tree.h>

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "crypto/ossl.hpp"
#include "ltsign/time.hpp"

namespace ltsign::trust {

inline constexpr const char* k_tsl_ns = "http://uri.etsi.org/02231/v2#";

// TS 119 612 5.5.4 and 5.6: a status and the time it took effect.
struct StatusChange {
    std::string status;  // URI
    TimePoint from{};
};

// TS 119 612 5.5.9.2.3 (ecc:Qualifications): a qualifier URI and the certificate policies its
// criteria name.
struct Qualifier {
    std::string uri;
    std::vector<std::string> policies;
    bool all_policies = false;
    bool other_criteria = false;  // criteria besides policy sets (key usage, ...): not evaluated
};

// TS 119 612 5.5 (ServiceInformation) with 5.6 (ServiceHistory).
struct Service {
    std::string name;
    std::string type;  // ServiceTypeIdentifier URI
    std::string status;
    TimePoint status_from{};
    std::vector<StatusChange> history;  // every status, current included, oldest first
    std::vector<ossl::Ptr<X509>> certificates;
    std::vector<Qualifier> qualifiers;
};

struct Provider {
    std::string name;
    std::vector<Service> services;
};

// TS 119 612 5.3.13 (OtherTSLPointer).
struct Pointer {
    std::string location;
    std::string territory;
    std::string mime_type;
    std::string list_type;                 // TSLType of the list pointed to
    std::vector<ossl::Ptr<X509>> signers;  // ServiceDigitalIdentities: who may sign it
};

struct TrustedList {
    std::string territory;
    std::string type;  // TSLType URI
    std::string operator_name;
    std::string sequence_number;
    std::optional<TimePoint> issued;
    std::optional<TimePoint> next_update;  // absent: a closed list
    std::vector<Pointer> pointers;
    std::vector<Provider> providers;
    bool is_lotl() const;
};

// Reads the list's content. Error(malformed_input) naming `what` when the document is not a
// TS 119 612 list (another root or namespace, missing or unreadable required parts).
TrustedList read_trusted_list(xmlDoc* doc, const std::string& what);

// What a service type is good for as a trust anchor.
bool anchors_signatures(const std::string& service_type);  // CA/QC, CA/PKC
bool anchors_timestamps(const std::string& service_type);  // TSA/QTST, TSA, ...
bool anchors_revocation(const std::string& service_type);  // Certstatus/OCSP, .../OCSP/QC
bool is_qualified_type(const std::string& service_type);   // CA/QC, TSA/QTST
// TS 119 612 5.5.4: granted, recognisedatnationallevel, and before eIDAS undersupervision,
// supervisionincessation, accredited, setbynationallaw.
bool is_granted(const std::string& status_uri);

// A list judged: readable or not, usable or not and why.
struct ListVerdict {
    std::optional<TrustedList> list;  // set whenever it could be read
    std::string problem;              // why it is not used; empty: used
    std::string signer;               // subject of the certificate that signed it
    std::string signer_sha256;
    bool schema_checked = false;
};

// Parses `bytes` (hardened: no DTD, no network), checks it against the TS 119 612 schema (when
// the standard schemas are installed), then its enveloped signature: exactly one ds:Signature,
// a child of the list, whose references cover the whole list (enveloped-signature transform) and
// nothing outside it but the signature's own properties, verified (XMLDSig core, xml area) with
// one of `signers`; then TSLSequenceNumber and `at` < NextUpdate. `current` (fetching: is this
// the list in force at `at`?) also wants ListIssueDateTime <= `at`; verification does not, since
// a later list records the earlier statuses too (TS 119 612 5.6, the service history).
ListVerdict judge_list(std::span<const unsigned char> bytes, const std::string& what,
                       const std::vector<X509*>& signers, TimePoint at, bool current);

}  // namespace ltsign::trust
