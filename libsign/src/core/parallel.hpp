// Running the items of a batch on several threads: the pool of hashing, signing and verifying.
#pragma once

#include <cstddef>
#include <functional>

namespace ltsign::core {

// The threads a batch uses when the caller says 0: one per core.
unsigned default_jobs() noexcept;

// Calls work(i) for every i in [0, count) on min(jobs, count) threads (jobs 0: default_jobs()),
// the calling thread being one of them; items are taken in order, one at a time, so the output
// order never depends on the threads. The first exception stops the taking of new items and is
// rethrown here once every thread has finished its current item.
void parallel_for(std::size_t count, unsigned jobs, const std::function<void(std::size_t)>& work);

}  // namespace ltsign::core
