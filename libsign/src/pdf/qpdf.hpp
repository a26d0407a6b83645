// qpdf's headers, as the pdf area includes them.
#pragma once

// qpdf 11's JSON.hh holds a std::vector of its own incomplete class, which clang (14 and 16, with
// libstdc++ 12's constexpr vector of C++20) refuses to compile. ltsign never uses qpdf's JSON, so
// under clang (the fuzz build) it is only declared; GCC compiles the header as it is.
#if defined(__clang__) && !defined(JSON_HH)
#define JSON_HH
class JSON;
#endif

#include <qpdf/Pipeline.hh>
#include <qpdf/QPDF.hh>
#include <qpdf/QPDFExc.hh>
#include <qpdf/QPDFObjectHandle.hh>
