// E-ARK CSIP / FGS packages (FGS Paketstruktur 2.0 is E-ARK CSIP/SIP): what a package's METS
// lists (fileSec files, metadata references) and checking that against what the package holds.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ltsign/ingest.hpp"

namespace ltsign::ops {

// One file a METS document lists: a fileSec mets:file (CSIP 29/30 and 71/72: its FLocat's
// xlink:href, @CHECKSUM, @CHECKSUMTYPE) or a dmdSec/amdSec mets:mdRef (CSIP 43/44, 56/57).
struct MetsEntry {
    std::string href;      // as listed, resolved against the METS's folder, '/' between folders
    std::string checksum;  // hex, lower case; empty when absent
    std::string checksum_type;  // as listed ("SHA-256", ...)
    std::string element;        // "file" or "mdRef", for messages
    std::string problem;        // set when the href cannot name a file in the package
};

struct MetsDocument {
    std::string objid;
    std::vector<MetsEntry> entries;
};

// Parses a METS document (hardened: no network, no DTD, no entities) and lists what it
// references; `folder` is the METS's folder relative to the package root ("" for the root).
// Error(malformed_input) naming `what` when it is not XML or not METS.
MetsDocument read_mets(const std::filesystem::path& file, const std::string& what,
                       const std::string& folder);

// Checks the package rooted at `root` against its METS.xml and every representation METS it
// lists (a listed file named METS.xml), streaming each file through the listed digest.
// `exempt` receives the package's metadata files (the METS documents, metadata references,
// schemas/), which carry no signature by design. `progress` is called after each file.
PackageCheck check_package(const std::filesystem::path& root, std::vector<std::string>& exempt,
                           const std::function<void(std::size_t, std::size_t)>& progress);

}  // namespace ltsign::ops
