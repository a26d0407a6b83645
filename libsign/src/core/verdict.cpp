#include "ltsign/verdict.hpp"

#include <array>

namespace ltsign {
namespace {

// Every name of the verdict model, spelled once, in the order of its enum (the values are a
// contract: EN 319 102-1 spellings, the report's words, the note codes). Each table is checked to
// have one name per enumerator.
constexpr std::array<std::string_view, 3> k_indications{"TOTAL_PASSED", "TOTAL_FAILED",
                                                        "INDETERMINATE"};
constexpr std::array<std::string_view, 24> k_sub_indications{"",
                                                             "FORMAT_FAILURE",
                                                             "HASH_FAILURE",
                                                             "SIG_CRYPTO_FAILURE",
                                                             "REVOKED",
                                                             "SIG_CONSTRAINTS_FAILURE",
                                                             "SIGNED_DATA_NOT_FOUND",
                                                             "NO_SIGNING_CERTIFICATE_FOUND",
                                                             "NO_CERTIFICATE_CHAIN_FOUND",
                                                             "CERTIFICATE_CHAIN_GENERAL_FAILURE",
                                                             "CHAIN_CONSTRAINTS_FAILURE",
                                                             "REVOKED_NO_POE",
                                                             "REVOKED_CA_NO_POE",
                                                             "OUT_OF_BOUNDS_NO_POE",
                                                             "OUT_OF_BOUNDS_NOT_REVOKED",
                                                             "EXPIRED",
                                                             "NOT_YET_VALID",
                                                             "CRYPTO_CONSTRAINTS_FAILURE",
                                                             "CRYPTO_CONSTRAINTS_FAILURE_NO_POE",
                                                             "TIMESTAMP_ORDER_FAILURE",
                                                             "TRY_LATER",
                                                             "NO_POE",
                                                             "POLICY_PROCESSING_ERROR",
                                                             "GENERIC"};
constexpr std::array<std::string_view, 4> k_entry_types{"signature", "timestamp", "evidence-record",
                                                        "archive-timestamp"};
constexpr std::array<std::string_view, 11> k_file_formats{"",        "cades",    "tst",     "xades",
                                                          "xmldsig", "ers-asn1", "ers-xml", "pades",
                                                          "asic-e",  "asic-s",   "svt"};
constexpr std::array<std::string_view, 12> k_levels{
    "",      "CMS",       "XMLDSig", "B-B",       "B-T",     "B-LT",
    "B-LTA", "XAdES-BES", "XAdES-T", "XAdES-X-L", "XAdES-A", "XAdES (no signing certificate)"};
constexpr std::array<std::string_view, 5> k_revocation_statuses{"good", "revoked", "unknown",
                                                                "unavailable", "unpublished"};
constexpr std::array<std::string_view, 36> k_note_codes{"not_checked",
                                                        "not_baseline",
                                                        "no_signed_attributes",
                                                        "signing_certificate_supplied",
                                                        "signing_certificate_not_bound",
                                                        "timestamp_info",
                                                        "timestamp_token_only",
                                                        "timestamp_not_confirmed",
                                                        "poe_used",
                                                        "past_chain_valid",
                                                        "issuer_fetched",
                                                        "unchecked_certificate",
                                                        "revocation_good",
                                                        "revoked_after_poe",
                                                        "revocation_not_checked",
                                                        "revocation_data_not_used",
                                                        "schema_not_performed",
                                                        "properties_target_mismatch",
                                                        "reference_whole_document",
                                                        "manifest_references_not_checked",
                                                        "partly_signed",
                                                        "document_is_carried_content",
                                                        "document_name_differs",
                                                        "signature_required",
                                                        "record_summary",
                                                        "record_reading",
                                                        "record_hash_order",
                                                        "record_canonical_only",
                                                        "record_later_stamps_ignored",
                                                        "evidence_record_not_verified",
                                                        "pdf_revision",
                                                        "pdf_changes",
                                                        "pdf_a",
                                                        "container_layout",
                                                        "entry_not_covered",
                                                        "ingest_recorded"};

template <class E>
constexpr std::size_t count(E last) {
    return static_cast<std::size_t>(last) + 1;
}
static_assert(k_indications.size() == count(Indication::indeterminate));
static_assert(k_sub_indications.size() == count(SubIndication::generic));
static_assert(k_entry_types.size() == count(EntryType::archive_timestamp));
static_assert(k_file_formats.size() == count(FileFormat::svt));
static_assert(k_levels.size() == count(SignatureLevel::xades_without_signing_certificate));
static_assert(k_revocation_statuses.size() == count(RevocationStatus::unpublished));
static_assert(k_note_codes.size() == count(NoteCode::ingest_recorded));

// The name of `value`; the first name for a value outside the enum (a cast from bad input).
template <class E, std::size_t N>
constexpr std::string_view name_of(const std::array<std::string_view, N>& names, E value) {
    const auto i = static_cast<std::size_t>(value);
    return i < N ? names[i] : names[0];
}

template <class E, std::size_t N>
constexpr std::optional<E> value_of(const std::array<std::string_view, N>& names,
                                    std::string_view text) {
    for (std::size_t i = 0; i < N; ++i) {
        if (names[i] == text) return static_cast<E>(i);
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(Indication indication) noexcept {
    return name_of(k_indications, indication);
}

std::string_view to_string(SubIndication sub) noexcept {
    return name_of(k_sub_indications, sub);
}

std::optional<Indication> indication_from_string(std::string_view text) noexcept {
    return value_of<Indication>(k_indications, text);
}

std::optional<SubIndication> sub_indication_from_string(std::string_view text) noexcept {
    return value_of<SubIndication>(k_sub_indications, text);
}

std::string_view to_string(EntryType type) noexcept {
    return name_of(k_entry_types, type);
}

std::string_view to_string(FileFormat format) noexcept {
    return name_of(k_file_formats, format);
}

std::string_view to_string(SignatureLevel level) noexcept {
    return name_of(k_levels, level);
}

std::string_view to_string(RevocationStatus status) noexcept {
    return name_of(k_revocation_statuses, status);
}

std::string_view to_string(NoteCode code) noexcept {
    return name_of(k_note_codes, code);
}

int severity(Indication indication) noexcept {
    // Best to worst: TOTAL_PASSED < INDETERMINATE < TOTAL_FAILED.
    switch (indication) {
        case Indication::total_passed:
            return 0;
        case Indication::indeterminate:
            return 1;
        case Indication::total_failed:
            return 2;
    }
    return 2;
}

}  // namespace ltsign
