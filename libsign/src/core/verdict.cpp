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
    for (const auto& [value, name] : k_sub_names) {
        if (value == sub) return name;
    }
    return "";
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
