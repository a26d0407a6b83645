#include "ltsign/verdict.hpp"

#include <array>
#include <utility>

namespace ltsign {
namespace {

constexpr std::array<std::pair<SubIndication, std::string_view>, 24> k_sub_names{{
    {SubIndication::none, ""},
    {SubIndication::format_failure, "FORMAT_FAILURE"},
    {SubIndication::hash_failure, "HASH_FAILURE"},
    {SubIndication::sig_crypto_failure, "SIG_CRYPTO_FAILURE"},
    {SubIndication::revoked, "REVOKED"},
    {SubIndication::sig_constraints_failure, "SIG_CONSTRAINTS_FAILURE"},
    {SubIndication::signed_data_not_found, "SIGNED_DATA_NOT_FOUND"},
    {SubIndication::no_signing_certificate_found, "NO_SIGNING_CERTIFICATE_FOUND"},
    {SubIndication::no_certificate_chain_found, "NO_CERTIFICATE_CHAIN_FOUND"},
    {SubIndication::certificate_chain_general_failure, "CERTIFICATE_CHAIN_GENERAL_FAILURE"},
    {SubIndication::chain_constraints_failure, "CHAIN_CONSTRAINTS_FAILURE"},
    {SubIndication::revoked_no_poe, "REVOKED_NO_POE"},
    {SubIndication::revoked_ca_no_poe, "REVOKED_CA_NO_POE"},
    {SubIndication::out_of_bounds_no_poe, "OUT_OF_BOUNDS_NO_POE"},
    {SubIndication::out_of_bounds_not_revoked, "OUT_OF_BOUNDS_NOT_REVOKED"},
    {SubIndication::expired, "EXPIRED"},
    {SubIndication::not_yet_valid, "NOT_YET_VALID"},
    {SubIndication::crypto_constraints_failure, "CRYPTO_CONSTRAINTS_FAILURE"},
    {SubIndication::crypto_constraints_failure_no_poe, "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"},
    {SubIndication::timestamp_order_failure, "TIMESTAMP_ORDER_FAILURE"},
    {SubIndication::try_later, "TRY_LATER"},
    {SubIndication::no_poe, "NO_POE"},
    {SubIndication::policy_processing_error, "POLICY_PROCESSING_ERROR"},
    {SubIndication::generic, "GENERIC"},
}};

template <class E, std::size_t N>
constexpr std::string_view name_in(const std::array<std::pair<E, std::string_view>, N>& table,
                                   E value) noexcept {
    for (const auto& [v, name] : table) {
        if (v == value) return name;
    }
    return table.front().second;
}

constexpr std::array<std::pair<EntryType, std::string_view>, 3> k_entry_types{{
    {EntryType::signature, "signature"},
    {EntryType::timestamp, "timestamp"},
    {EntryType::evidence_record, "evidence-record"},
}};

constexpr std::array<std::pair<FileFormat, std::string_view>, 7> k_file_formats{{
    {FileFormat::unknown, ""},
    {FileFormat::cades, "cades"},
    {FileFormat::timestamp_token, "tst"},
    {FileFormat::xades, "xades"},
    {FileFormat::xmldsig, "xmldsig"},
    {FileFormat::ers_asn1, "ers-asn1"},
    {FileFormat::ers_xml, "ers-xml"},
}};

constexpr std::array<std::pair<SignatureLevel, std::string_view>, 12> k_levels{{
    {SignatureLevel::none, ""},
    {SignatureLevel::cms, "CMS"},
    {SignatureLevel::xmldsig, "XMLDSig"},
    {SignatureLevel::b_b, "B-B"},
    {SignatureLevel::b_t, "B-T"},
    {SignatureLevel::b_lt, "B-LT"},
    {SignatureLevel::b_lta, "B-LTA"},
    {SignatureLevel::xades_bes, "XAdES-BES"},
    {SignatureLevel::xades_t, "XAdES-T"},
    {SignatureLevel::xades_x_l, "XAdES-X-L"},
    {SignatureLevel::xades_a, "XAdES-A"},
    {SignatureLevel::xades_without_signing_certificate, "XAdES (no signing certificate)"},
}};

// In NoteCode order: the codes are a contract, spelled once here.
constexpr std::array<std::string_view, 30> k_note_codes{{
    "not_checked",
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
}};
static_assert(k_note_codes.size() ==
                  static_cast<std::size_t>(NoteCode::evidence_record_not_verified) + 1,
              "one name per NoteCode");

}  // namespace

std::string_view to_string(Indication indication) noexcept {
    switch (indication) {
        case Indication::total_passed:
            return "TOTAL_PASSED";
        case Indication::total_failed:
            return "TOTAL_FAILED";
        case Indication::indeterminate:
            return "INDETERMINATE";
    }
    return "INDETERMINATE";
}

std::string_view to_string(SubIndication sub) noexcept {
    return name_in(k_sub_names, sub);
}

std::optional<Indication> indication_from_string(std::string_view text) noexcept {
    for (auto i : {Indication::total_passed, Indication::total_failed, Indication::indeterminate}) {
        if (to_string(i) == text) return i;
    }
    return std::nullopt;
}

std::optional<SubIndication> sub_indication_from_string(std::string_view text) noexcept {
    for (const auto& [value, name] : k_sub_names) {
        if (name == text) return value;
    }
    return std::nullopt;
}

std::string_view to_string(EntryType type) noexcept {
    return name_in(k_entry_types, type);
}

std::string_view to_string(FileFormat format) noexcept {
    return name_in(k_file_formats, format);
}

std::string_view to_string(SignatureLevel level) noexcept {
    return name_in(k_levels, level);
}

std::string_view to_string(NoteCode code) noexcept {
    const auto i = static_cast<std::size_t>(code);
    return i < k_note_codes.size() ? k_note_codes[i] : "not_checked";
}

int severity(Indication indication) noexcept {
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
