// A look inside a signature file without judging it.
#pragma once

#include "ltsign/export.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include "ltsign/verdict.hpp"

namespace ltsign {

struct LTSIGN_API InspectField {
    std::string name;
    std::string value;
    std::vector<InspectField> children;
};

struct LTSIGN_API Inspection {
    std::filesystem::path path;
    FileFormat format = FileFormat::unknown;
    std::vector<InspectField> fields;

    std::string to_text() const;
    std::string to_json() const;
};

// Throws Error(malformed_input / input_missing) like verify_file.
LTSIGN_API Inspection inspect_file(const std::filesystem::path& file);

}  // namespace ltsign
