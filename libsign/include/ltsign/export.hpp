// What the shared library exports: it is built with hidden visibility (CMake
// CXX_VISIBILITY_PRESET), so only declarations marked LTSIGN_API are part of its ABI; everything
// under libsign/src stays internal. The static library carries the same objects.
#pragma once

#if defined(_WIN32)
#define LTSIGN_API
#else
#define LTSIGN_API __attribute__((visibility("default")))
#endif
