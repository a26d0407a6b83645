// Turning the FILE|DIR... arguments of every batch command into a list of files, and naming
// each file's output in a folder.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ltsign::core {

struct ListedFile {
    std::filesystem::path file;
    std::filesystem::path
        relative;  // below the folder it was found in; the name for a file given directly
};

struct ListOptions {
    // Which files found in folders to take, by path (files given directly are always taken).
    std::function<bool(const std::filesystem::path&)> wanted = [](const auto&) { return true; };
    // A named input that does not exist, or a file in a folder that cannot be read through its
    // link (a link that loops or points nowhere), gives Error(input_missing) naming it; when
    // false it is listed, to be reported per file.
    bool missing_is_error = true;
    // The folder the command writes to. A walk never enters it; and when an input folder lies
    // at or below it, files for which `is_output` (given the path relative to `output_dir`)
    // is true are this command's earlier outputs and are skipped too.
    std::optional<std::filesystem::path> output_dir;
    std::function<bool(const std::filesystem::path&)> is_output;
};

// Files given directly are kept as they are; folders are walked recursively, in sorted order.
// Names are lexical: a linked file in a folder is listed under its link's name (its content is
// read through the link), links to folders are not followed, and ltsign's own temporary files
// (.NAME.ltsign-*) are never listed.
std::vector<ListedFile> list_files(const std::vector<std::filesystem::path>& inputs,
                                   const ListOptions& options);

std::vector<ListedFile> list_files(const std::vector<std::filesystem::path>& inputs,
                                   const std::function<bool(const std::filesystem::path&)>& wanted,
                                   bool missing_is_error);

// The output of each listed file in `out_dir`: out_dir / relative + extension, computed
// lexically. Throws Error(usage) when two files would share an output (naming both, before
// anything is written), Error(cannot_create_output) when an output would lie outside `out_dir`
// or be reached through a symbolic link below `out_dir` (an existing output that is a link
// included): ltsign never writes through a link.
std::vector<std::filesystem::path> output_paths(const std::vector<ListedFile>& files,
                                                const std::filesystem::path& out_dir,
                                                const std::string& extension);

// Why `path` cannot be read as a file, for messages: "a symbolic link that loops; ...".
std::string unreadable_reason(const std::filesystem::path& path);

// Error(cannot_create_output) when `target` is a symbolic link.
void refuse_link(const std::filesystem::path& target);

// output_paths' link check again, for each output below `out_dir`: called right before writing,
// so that a link swapped in while a batch waited (for a TSA, say) is refused. A window of
// microseconds remains between this check and the rename; closing it needs a writer relative to
// an open folder handle (openat with O_NOFOLLOW).
void refuse_links_below(const std::filesystem::path& out_dir,
                        const std::vector<std::filesystem::path>& outputs);

}  // namespace ltsign::core
