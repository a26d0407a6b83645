// Writing ASiC containers (EN 319 162-1 A.1) through libzip: "mimetype" first, stored, without an
// extra field; every other entry streamed in (a document from its file, an entry of another
// container copied as it is, signatures and manifests from memory); ZIP64 where sizes need it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "asic/zip_archive.hpp"
#include "core/file_io.hpp"

namespace ltsign::asic {

struct NewEntry {
    std::string name;
    core::Bytes bytes;                 // what it holds, when small (signatures, manifests)
    std::filesystem::path file;        // else a file, streamed
    const ZipArchive* from = nullptr;  // else an entry of another container, copied
    const ZipEntry* from_entry = nullptr;

    static NewEntry of_bytes(std::string name, core::Bytes bytes);
    static NewEntry of_file(std::string name, std::filesystem::path file);
    static NewEntry copy_of(const ZipArchive& archive, const ZipEntry& entry);
};

// Writes a new archive at `path` (which must not exist; see core::StagedFile) holding `mimetype`
// first, then `entries` in order. `what` names the output in errors (Error(io) or
// Error(cannot_create_output) with libzip's reason).
void write_container(const std::filesystem::path& path, const std::string& what,
                     const std::string& mimetype, const std::vector<NewEntry>& entries);

}  // namespace ltsign::asic
