// Shared by the fuzz targets: a fixed validation context (no network, fixed time) and a guard
// that turns the library's Error into "input rejected", which is the expected outcome.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "core/file_io.hpp"
#include "ltsign/ltsign.hpp"

namespace ltsign::fuzz {

inline const ValidationContext& context() {
    static const ValidationContext ctx = [] {
        ValidationContext c;
        c.validation_time = parse_rfc3339("2026-06-01T00:00:00Z");
        c.offline = true;  // fuzzing never touches the network
        return c;
    }();
    return ctx;
}

inline core::Bytes bytes(const uint8_t* data, size_t size) {
    return core::Bytes(data, data + size);
}

template <class F>
void rejecting_errors(F&& f) {
    try {
        f();
    } catch (const Error&) {
        // malformed input refused: fine
    }
}

}  // namespace ltsign::fuzz
