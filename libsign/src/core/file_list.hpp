// Turning the FILE|DIR... arguments of every batch command into a list of files.
#pragma once

#include <filesystem>
#include <functional>
#include <vector>

namespace ltsign::core {

struct ListedFile {
    std::filesystem::path file;
    std::filesystem::path
        relative;  // below the folder it was found in; the name for a file given directly
};

// Files given directly are kept as they are; folders are walked recursively for the regular files
// `wanted` accepts, in sorted order. A named input that does not exist gives
// Error(input_missing) when `missing_is_error`, else it is kept (to be reported per file).
std::vector<ListedFile> list_files(const std::vector<std::filesystem::path>& inputs,
                                   const std::function<bool(const std::filesystem::path&)>& wanted,
                                   bool missing_is_error);

}  // namespace ltsign::core
