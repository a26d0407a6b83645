// Verifying signatures.
#pragma once

#include "ltsign/export.hpp"

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ltsign/report.hpp"
#include "ltsign/time.hpp"
#include "ltsign/trust.hpp"

namespace ltsign {

namespace detail {
struct TrustStoreImpl;
struct Access;
struct DefaultServices;
// The defaults a ValidationContext makes for services it is not given (internal).
LTSIGN_API std::shared_ptr<DefaultServices> make_default_services();
}  // namespace detail

// Trust anchors: only what is added here is trusted (never the system store).
class LTSIGN_API TrustStore {
  public:
    TrustStore();
    TrustStore(TrustStore&&) noexcept;
    TrustStore& operator=(TrustStore&&) noexcept;
    ~TrustStore();

    // A PEM file with one or more certificates, or a folder of .pem/.crt/.cer files.
    void add(const std::filesystem::path& file_or_dir);
    // The anchors of a trusted-list snapshot (ltsign trust fetch): the CA/QC and CA/PKC services
    // of every list it holds anchor signatures, the TSA services time-stamps, each only while its
    // status history says granted (ETSI TS 119 612). Every list is checked again (the index's
    // digest, each file's digest, its signature by the signer its pointing list names, the
    // starting list's by the pinned signer); a list that fails, or whose NextUpdate is not
    // after `usable_at` (the validation time), gives no anchors, and a chain that would need it is
    // INDETERMINATE with the reason. Error(input_missing, malformed_input) when the snapshot
    // itself cannot be read.
    void add_trusted_lists(const std::filesystem::path& snapshot, TimePoint usable_at);
    // A trust configuration (JSON, schemas/trust-config.schema.json): named local anchors with
    // their purposes (signatures, timestamps) and validity periods. Error(malformed_input) for a
    // file that does not follow the schema, Error(input_missing) for a certificate it names that
    // is not there.
    void add_config(const std::filesystem::path& file);
    std::size_t size() const noexcept;
    // The anchors, in the order added (without their DER), for reports.
    std::vector<CertificateInfo> anchors() const;

  private:
    friend struct detail::Access;
    std::unique_ptr<detail::TrustStoreImpl> m_impl;
};

// When algorithms stop being trusted (ETSI TS 119 312), and what revocation data is required.
struct LTSIGN_API ValidationPolicy {
    // End dates by name: digests ("md5", "sha1", "sha224", ...; a digest not named is never
    // acceptable) and key sizes ("rsa-1024", "rsa-2048", "ec-256", ...: a key of N bits falls
    // under the largest entry not above N). 9999-12-31 means no end.
    std::map<std::string, TimePoint> algorithm_end;
    // A certificate that publishes no revocation source (no OCSP, no CRL distribution point, no
    // CRL given): false reports it in a note, true makes the verdict INDETERMINATE.
    bool require_revocation = false;
    // RFC 6960 replay protection: an OCSP response must echo the nonce ltsign sent (true), or
    // may omit it (false; many pre-producing responders do). A response without nextUpdate is
    // accepted only while its thisUpdate is at most this old.
    bool require_ocsp_nonce = true;
    std::chrono::seconds ocsp_max_age{300};

    // How reports name it: "ltsign default" or the file it was read from.
    std::string name = "ltsign default";

    static ValidationPolicy defaults();
    // The effective table as canonical JSON (sorted keys, dates as RFC 3339): what the report's
    // policy digest is the SHA-256 of.
    std::string to_canonical_json() const;
    // JSON: {"algorithms": {"sha1": "2009-01-01", ...}, "requireRevocation": false,
    // "requireOcspNonce": true, "ocspMaxAgeSeconds": 300}; entries replace the defaults.
    // Error(malformed_input) for anything else.
    static ValidationPolicy from_file(const std::filesystem::path& file);
    // The end date for a digest or a key of `bits` of `kind` ("rsa", "ec"); nullopt: no end known.
    std::optional<TimePoint> end_of_digest(const std::string& digest) const;
    // Whether the table names the digest at all: one it does not name is never acceptable.
    bool knows_digest(const std::string& digest) const;
    std::optional<TimePoint> end_of_key(const std::string& kind, int bits) const;
};

// How an evidence record's hash-tree renewal joins the document's hash h(d) and the hash ha of
// the earlier chains before hashing them: RFC 4998 5.2 step 4 reads h(d) || ha (unsorted, what
// ASN.1 records in the wild do), RFC 6283 4.2.2 binary ascending (sorted, XML records). The BSI
// verifier offers the same choice.
enum class ErsHashOrder { sorted, unsorted, both };

// The services validation uses (DESIGN.md: passed in, never read from globals): each is one
// method, made once and shared by a whole batch, and called from any thread, so implementations
// keep no per-call state. Certificates and CRLs cross these interfaces as DER: the public
// headers show no OpenSSL type, an integrator may parse them with any library, and the library's
// own implementations parse them again, which costs microseconds beside the network round trip a
// source stands for.

// The validation time when none is given, and "now" for checking an OCSP responder's certificate.
class LTSIGN_API Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

// What a RevocationSource is asked: the status of one certificate at the validation time, with
// what may answer it or check an answer (EN 319 102-1 5.2.5).
struct LTSIGN_API RevocationRequest {
    std::span<const unsigned char> certificate;  // DER
    std::span<const unsigned char> issuer;       // DER; the CRL's or OCSP response's signer
    std::vector<std::span<const unsigned char>> carried_crls;          // the signature's, DER
    std::vector<std::span<const unsigned char>> carried_certificates;  // DER; never trusted
    std::vector<std::span<const unsigned char>> anchors;  // DER; may authorise a responder
    // OCSP responses (OCSPResponse, DER) the signature carries: B-LT validation data.
    std::vector<std::span<const unsigned char>> carried_ocsp{};
    // The time the status must be proven for: the proof of existence of what the certificate
    // signed, a time-stamp's genTime, else the validation time.
    TimePoint at{};
    // `at` lies in the past (a proof of existence, a genTime): a "good" answer decides only when
    // it was issued after it (EN 319 102-1 revocation freshness: data issued before a revocation
    // would hide it, and a long-term signature's carried data is chosen by whoever made it); a
    // revocation decides whenever issued. Otherwise an answer current at `at` decides (RFC 5280).
    bool past = false;
};

struct LTSIGN_API RevocationAnswer {
    RevocationStatus status = RevocationStatus::unavailable;
    std::optional<TimePoint> revoked_at;
    RevocationKind kind = RevocationKind::none;  // what decided
    std::string location;                        // its URL or file, as RevocationInfo
    std::string detail;  // why unavailable, or freshness facts ("thisUpdate ...")
    bool stale = false;  // a CRL past its nextUpdate (it still proves a revocation it lists)
    // How the deciding answer was signed, for the algorithm policy (TS 119 312).
    std::string signature_digest;  // "sha256", ...
    std::string signer_key_kind;   // "rsa", "ec", ...
    int signer_key_bits = 0;
    // The deciding OCSP response or CRL, DER (what extending to B-LT embeds); may be empty.
    std::vector<unsigned char> evidence{};
};

class LTSIGN_API RevocationSource {
  public:
    virtual ~RevocationSource() = default;
    virtual RevocationAnswer status(const RevocationRequest& request) const = 0;
};

// What fetching on behalf of a certificate not yet trusted may still spend: URLs and time.
struct LTSIGN_API FetchBudget {
    int urls = 4;
    std::chrono::steady_clock::time_point deadline;
};

// The issuer certificates a certificate's authorityInfoAccess caIssuers locations hold (RFC 5280
// 4.2.2.1), DER; each URL fetched takes from `budget`, none after its deadline.
class LTSIGN_API IssuerFetcher {
  public:
    virtual ~IssuerFetcher() = default;
    virtual std::vector<std::vector<unsigned char>> fetch(
        std::span<const unsigned char> certificate, FetchBudget& budget) const = 0;
};

struct ValidationContext;

// The library's own services, made from a context's fields (a platform may make them once and
// share them between contexts). The revocation source asks OCSP first when online, then reads
// every CRL at hand (crl_files, read here and only here; carried; downloaded and cached in
// cache_dir), with the policy's OCSP nonce and age rules and revocation_timeout for each call;
// offline, it reads crl_files and carried CRLs only. The issuer fetcher fetches nothing offline.
// Error(malformed_input) if a CRL file cannot be read.
LTSIGN_API std::shared_ptr<const RevocationSource> make_revocation_source(
    const ValidationContext& context);
LTSIGN_API std::shared_ptr<const IssuerFetcher> make_issuer_fetcher(
    const ValidationContext& context);
LTSIGN_API std::shared_ptr<const Clock> system_clock();

struct LTSIGN_API ValidationContext {
    TrustStore trust;
    // Further certificates that may complete a chain or identify a signer (intermediates, a TSA
    // certificate left out of a token): used, never trusted.
    TrustStore extra_certificates;
    std::optional<TimePoint> validation_time;  // empty: now
    ValidationPolicy policy = ValidationPolicy::defaults();
    bool offline = false;  // fetch nothing: embedded data and crl_files only
    std::vector<std::filesystem::path> crl_files;
    std::chrono::milliseconds revocation_timeout{10000};
    std::filesystem::path cache_dir;  // downloaded CRLs; empty: no cache
    // Which joins of h(d) and ha an evidence record may use; the report notes the one a record
    // needs when only one fits.
    ErsHashOrder ers_hash_order = ErsHashOrder::both;

    // Services; tests and platforms replace them. Left empty, each is the default made from the
    // fields above on first use and kept while they stay the same (so crl_files are read once
    // for a whole batch, not per signature).
    std::shared_ptr<const RevocationSource> revocation_source;
    std::shared_ptr<const IssuerFetcher> issuer_fetcher;
    std::shared_ptr<const Clock> clock;

    // Where those defaults are kept (internal: not for callers to use).
    std::shared_ptr<detail::DefaultServices> default_services = detail::make_default_services();
};

// A data object known only by its digests (one per algorithm), as archives often keep them.
struct LTSIGN_API DataDigests {
    std::vector<std::pair<std::string, std::vector<std::byte>>> digests;  // {"sha256", value}
};

// "sha256:BASE64" -> a data object known by that digest; "sha256:B64,sha512:B64" -> one object
// known by both. Error(usage) if malformed.
LTSIGN_API DataDigests parse_data_digest(const std::string& text);

struct LTSIGN_API VerifyOptions {
    std::optional<std::filesystem::path> data;  // the detached document
    // Further data objects, for evidence records over groups of documents.
    std::vector<std::filesystem::path> more_data{};
    std::vector<DataDigests> data_digests{};
    // data and more_data are every file of a folder sealed as one data group (seal --group): an
    // evidence record over it must also hold no hash the folder lacks (a file removed or
    // changed since), else INDETERMINATE/SIGNED_DATA_NOT_FOUND naming how many.
    bool whole_group = false;
};

// Verifies one file. Throws Error for input that is missing (66) or malformed (65); every
// verdict, including failures, is returned as a value.
// Revision `revision` (1 = the first) of a PDF exactly as it was written: the bytes a signature
// covering that revision signed (the report's pdf_revision note names it). Error(usage) when the
// file has no such revision, Error(malformed_input) when it is no PDF.
LTSIGN_API std::vector<std::byte> pdf_revision(const std::filesystem::path& pdf, int revision);

LTSIGN_API FileReport verify_file(const std::filesystem::path& file, const VerifyOptions& options,
                                  const ValidationContext& context);

// Expands folders into the signature files they hold (recursively, sorted) and pairs each with
// its detached document per the CLI contract, names compared in Unicode NFC: a `data` folder is
// searched for the signature's relative path without its extension (NAME.p7s -> DIR/NAME), then
// below each trailing part of the signature's own folder (DIR/sub/NAME for .../sub/NAME.p7s), then
// for DIR/NAME; a `data` file pairs with the signature of its name, and with a lone signature
// whatever its name (name_mismatch says when the signature's name names another document,
// NAME.pdf.p7s against other.pdf: should that document not be the one signed, the verdict is
// INDETERMINATE, "does not match this signature's name", not HASH_FAILURE).
struct LTSIGN_API VerifyJob {
    std::filesystem::path file;
    std::optional<std::filesystem::path> data;
    std::vector<std::filesystem::path> more_data{};
    bool name_mismatch = false;
    // An evidence record NAME.ers paired with a folder NAME (a --data folder of that name, or one
    // below a --data folder): its files are the data group (data, more_data), which must be whole.
    bool whole_group = false;
    // Why no document was paired although documents were given ("no document named NAME was
    // found under DIR"): the explanation of a verdict that misses its document.
    std::string pairing_problem{};
};
LTSIGN_API std::vector<VerifyJob> plan_verification(
    const std::vector<std::filesystem::path>& inputs,
    const std::vector<std::filesystem::path>& data);

// Verifies every job on `threads` threads (0: one per core), the files in the jobs' order in
// the report; a failing or unreadable file never stops the others. `digests` are data objects
// known by digest only, given to every job. `progress`, when set, is called after each file with
// (done, total), one call at a time, from any of the threads.
LTSIGN_API BatchReport verify_batch(
    const std::vector<VerifyJob>& jobs, const ValidationContext& context,
    const std::vector<DataDigests>& digests = {},
    const std::function<void(std::size_t, std::size_t)>& progress = {}, unsigned threads = 0);

// Sealed deliveries: each folder among `inputs` that holds, at its top, a manifest.json written by
// seal() (or the manifest's record, manifest.json.ers / .ers.xml) is checked against it. The
// manifest must lead through its record to the delivery's time-stamp (else the delivery fails:
// edited, or its protection lost); every record it lists must be present and lead from the listed
// digest to that same time-stamp; and, when `data` holds folders, every listed document must be
// in one of them and every other file there is reported as unsealed. Whether each document still
// matches its record is each record's own verdict (verify_batch). Folders without a manifest give
// no entry: a set of records is judged record by record, as before.
LTSIGN_API std::vector<DeliveryReport> check_deliveries(
    const std::vector<std::filesystem::path>& inputs,
    const std::vector<std::filesystem::path>& data);

}  // namespace ltsign
