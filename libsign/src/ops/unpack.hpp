// Unpacking a delivered package (.zip or .tar) into a private folder, with the care the ASiC
// reader takes: names checked (no absolute paths, no "..", no duplicates), no links or devices,
// entry count, size and compression-ratio limits, every byte streamed.
#pragma once

#include <filesystem>
#include <string>

namespace ltsign::ops {

enum class ArchiveKind { none, zip, tar };

// What `file` is, from its first bytes (a ZIP local header, a ustar header).
ArchiveKind archive_kind(const std::filesystem::path& file);

// Unpacks `archive` into `dest` (an empty folder only this process uses). Error(malformed_input)
// naming the entry and the rule it breaks; nothing of the archive is trusted before it is
// checked.
void unpack(const std::filesystem::path& archive, ArchiveKind kind,
            const std::filesystem::path& dest);

}  // namespace ltsign::ops
