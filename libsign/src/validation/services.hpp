// The services a validation uses (ValidationContext: revocation source, issuer fetcher, clock):
// those the caller set, else the defaults made from the context's fields, kept with it.
#pragma once

#include <memory>

#include "ltsign/verify.hpp"

namespace ltsign::validation {

std::shared_ptr<const RevocationSource> revocation_source_of(const ValidationContext& context);
std::shared_ptr<const IssuerFetcher> issuer_fetcher_of(const ValidationContext& context);
std::shared_ptr<const Clock> clock_of(const ValidationContext& context);

// The context's validation time, else now by its clock.
TimePoint validation_time_of(const ValidationContext& context);

}  // namespace ltsign::validation
