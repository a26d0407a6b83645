// ETSI EN 319 102-1 indications and sub-indications, spelled as in the standard.
#pragma once

#include <optional>
#include <string_view>

namespace ltsign {

enum class Indication { total_passed, total_failed, indeterminate };

enum class SubIndication {
    none,
    // TOTAL_FAILED (EN 319 102-1 table 5)
    format_failure,
    hash_failure,
    sig_crypto_failure,
    revoked,
    sig_constraints_failure,
    // INDETERMINATE (EN 319 102-1 table 6)
    signed_data_not_found,
    no_signing_certificate_found,
    no_certificate_chain_found,
    certificate_chain_general_failure,
    chain_constraints_failure,
    revoked_no_poe,
    revoked_ca_no_poe,
    out_of_bounds_no_poe,
    out_of_bounds_not_revoked,
    expired,
    not_yet_valid,
    crypto_constraints_failure,
    crypto_constraints_failure_no_poe,
    timestamp_order_failure,
    try_later,
    no_poe,
    policy_processing_error,
    generic,
};

std::string_view to_string(Indication indication) noexcept;
std::string_view to_string(SubIndication sub) noexcept;  // "" for none
std::optional<Indication> indication_from_string(std::string_view text) noexcept;
std::optional<SubIndication> sub_indication_from_string(std::string_view text) noexcept;

// Orders verdicts from best to worst: TOTAL_PASSED < INDETERMINATE < TOTAL_FAILED.
int severity(Indication indication) noexcept;

}  // namespace ltsign
