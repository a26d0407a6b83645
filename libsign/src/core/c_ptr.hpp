// The one owner type for objects of the C libraries (OpenSSL, libxml2, xmlsec1), as
// bssl::UniquePtr: core::Ptr<T> frees with the free function declared for T by one
// LTSIGN_C_FREE line beside the library's other wrappers (crypto/ossl.hpp, xml/xml_doc.hpp,
// xml/xmldsig.cpp). The deleter is stateless, so Ptr<T> is one pointer wide, and a type nobody
// declared does not compile.
#pragma once

#include <memory>

namespace ltsign::core {

template <class T>
struct Free;

template <class T>
using Ptr = std::unique_ptr<T, Free<T>>;

}  // namespace ltsign::core

// Declares the free function of `type`; used at global scope, outside every namespace.
#define LTSIGN_C_FREE(type, fn)                            \
    template <>                                            \
    struct ltsign::core::Free<type> {                      \
        void operator()(type* p) const noexcept { fn(p); } \
    }
